"""The world's walker wearing a Bluetooth RSC foot pod (a Bumble GATT server).

Service 0x1814 with RSC Measurement (0x2A53, notify) and RSC Feature (0x2A54: stride
length and walking/running status). Each notification carries the speed of the ground
under the foot (the belt's motor speed, which a pod on a treadmill measures as foot
speed), the cadence from the walker's last six initial contacts (steps per minute, or
strides per minute with ``pod_counts=strides``, as some pods send), the stride length
speed x stride time, and the running flag (above 2.5 m/s, never for this walker).
Encoded with ``struct``, independently of ``devices.ble.rsc``.
"""

from __future__ import annotations

import struct
from typing import Any

from sim.ble.peripheral import SimPeripheral

RUNNING_ABOVE_MPS = 2.5


class SimRscPod(SimPeripheral):
    """The RSC foot pod (see the module docstring)."""

    service_uuid = 0x1814

    def services(self) -> list[Any]:
        from bumble import gatt

        p = gatt.Characteristic.Properties
        readable = gatt.Characteristic.READABLE
        self.data_char = gatt.Characteristic("2A53", p.NOTIFY, readable, b"")
        feature = gatt.Characteristic("2A54", p.READ, readable, struct.pack("<H", 0b101))
        return [gatt.Service("1814", [self.data_char, feature])]

    def cadence_spm(self, now: float) -> float:
        """Steps per minute over the last six initial contacts before ``now`` (0 standing)."""
        ics = [c.ic for c in self.world.walker.contacts if c.ic <= now][-6:]
        if len(ics) < 2 or now - ics[-1] > 3.0:
            return 0.0
        return 60.0 * (len(ics) - 1) / (ics[-1] - ics[0])

    def measure(self, now: float) -> tuple[Any, bytes]:
        speed = max(0.0, self.world.treadmill.motor_speed_mps(now))
        steps = self.cadence_spm(now)
        stride = 2.0 * 60.0 * speed / steps if steps > 0 else 0.0
        cadence = steps / 2 if self.options.pod_counts == "strides" else steps
        flags = 0x01 | (0x04 if speed > RUNNING_ABOVE_MPS else 0)
        value = struct.pack(
            "<BHBH",
            flags,
            min(0xFFFF, round(speed * 256)),
            min(255, round(cadence)),
            min(0xFFFF, round(stride * 100)),
        )
        return self.data_char, value
