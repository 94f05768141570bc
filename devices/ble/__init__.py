"""Bluetooth Low Energy fitness devices: FTMS treadmills and RSC foot pods.

- :mod:`devices.ble.ftms`, :mod:`devices.ble.rsc`: pure parsers and encoders of the Bluetooth
  SIG characteristic values (no radio; bytes in, frozen dataclasses out).
- :mod:`devices.ble.gatt`: the small GATT client interface the drivers are written against,
  with a bleak implementation (:mod:`devices.ble.bleak_backend`, what users run) and a Bumble
  one (:mod:`devices.ble.bumble_backend`, an in-process virtual radio for tests and the
  simulator). Both libraries are imported only when used.
- :mod:`devices.ble.record`: how notifications are written to a recording and read back.
"""
