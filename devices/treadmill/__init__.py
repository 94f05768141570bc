"""Treadmill drivers behind one interface (:class:`devices.treadmill.base.Treadmill`).

Drivers are found by name through :mod:`devices.registry` (``trackmaster``, ``csafe``,
``bertec``, ``fixed``, ``box``) and imported only when used.
"""
