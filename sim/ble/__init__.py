"""Simulated Bluetooth fitness devices: the world's treadmill as an FTMS treadmill and its
walker's foot pod as an RSC sensor, Bumble GATT servers on the in-process virtual radio.

``ftms:sim?...`` and ``rsc:sim?...`` (see :mod:`sim.ble.options`) take the same world
options as ``sim://`` ports, so one world can feed the sensor box and the Bluetooth device.
"""
