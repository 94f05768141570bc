"""Device drivers: the sensor-box protocol, treadmill protocols, serial transport, recordings.

Bytes in, typed sample blocks out. Hardware libraries load lazily, so importing this package
never needs a device or an optional backend.
"""
