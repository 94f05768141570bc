"""pyserial URL handlers of the simulator: ``sim://`` (module ``protocol_sim``).

Registered by adding ``"sim.urlhandler"`` to ``serial.protocol_handler_packages``
(``devices.transport.open_serial`` does it when a ``sim://`` URL is opened).
"""
