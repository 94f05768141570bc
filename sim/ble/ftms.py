"""The world's treadmill as a Bluetooth FTMS treadmill (a Bumble GATT server).

Service 0x1826 with Feature (0x2ACC), Treadmill Data (0x2ACD, notify), Supported Speed
Range (0x2AD4: 0.5-20 km/h, step 0.1), Supported Inclination Range (0x2AD5: 0-15 %, step
0.5), Control Point (0x2AD9, write + indicate) and Machine Status (0x2ADA, notify).

Treadmill Data carries, per notification: the instantaneous belt speed as the belt moves
at that moment (heel-strike dips included, from :class:`sim.treadmill.Treadmill`), total
distance, inclination and ramp angle, elapsed time and, unless ``hr=0``, a heart rate. The
heart rate is synthetic (70 + 15 beats/min per m/s of belt speed): it exercises the path,
it is not physiology. Values are encoded here with ``struct`` from the GATT Specification
Supplement, independently of ``devices.ble.ftms``, so the driver's tests meet a second
implementation.

Control point: request control first (else 0x05 control not permitted); set target speed
and inclination (outside the supported range: 0x03 invalid parameter), start or resume,
stop, pause, reset; anything else: 0x02 op code not supported. Each accepted change is
also notified on Machine Status. ``control=refuse`` answers every request 0x05. Control is
lost when the client disconnects. The control point asks for no encryption (real ones
should; see the quirks table in docs/treadmills.md).
"""

from __future__ import annotations

import math
import struct
from typing import Any

from sim.ble.peripheral import SimPeripheral

KMH = 1 / 3.6
SPEED_RANGE = (50, 2000, 10)  # 0.01 km/h
INCLINE_RANGE = (0, 150, 5)  # 0.1 %
SUCCESS, NOT_SUPPORTED, INVALID, FAILED, NOT_PERMITTED = 1, 2, 3, 4, 5

# Flags: speed (bit 0 clear), total distance (2), inclination and ramp (3), heart rate (8),
# elapsed time (10).
_FLAGS_HR = (1 << 2) | (1 << 3) | (1 << 8) | (1 << 10)
_FLAGS = (1 << 2) | (1 << 3) | (1 << 10)


class SimFtmsTreadmill(SimPeripheral):
    """The FTMS treadmill (see the module docstring)."""

    service_uuid = 0x1826

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.controller: Any = None
        self.requests: list[bytes] = []  # every control point write, as received
        self._t0 = self.world.now()
        self._d0 = self._distance(self._t0)

    def services(self) -> list[Any]:
        from bumble import gatt

        p = gatt.Characteristic.Properties
        readable, writeable = gatt.Characteristic.READABLE, gatt.Characteristic.WRITEABLE
        # machine features: total distance, inclination, heart rate, elapsed time;
        # target setting: speed, inclination.
        machine = (1 << 2) | (1 << 3) | (1 << 12) | ((1 << 10) if self.options.heart_rate else 0)
        feature = struct.pack("<II", machine, 0b11)
        self.data_char = gatt.Characteristic("2ACD", p.NOTIFY, readable, b"")
        self.status_char = gatt.Characteristic("2ADA", p.NOTIFY, readable, b"")
        on_write: Any = gatt.CharacteristicValue(write=self._on_write)
        self.cp_char: Any = gatt.Characteristic("2AD9", p.WRITE | p.INDICATE, writeable, on_write)
        chars = [
            gatt.Characteristic("2ACC", p.READ, readable, feature),
            self.data_char,
            gatt.Characteristic("2AD4", p.READ, readable, struct.pack("<HHH", *SPEED_RANGE)),
            gatt.Characteristic("2AD5", p.READ, readable, struct.pack("<hhH", *INCLINE_RANGE)),
            self.cp_char,
            self.status_char,
        ]
        return [gatt.Service("1826", chars)]

    # -- notifications -------------------------------------------------------------------
    def _distance(self, now: float) -> float:
        return float(self.world.treadmill.positions([now])[0])

    def measure(self, now: float) -> tuple[Any, bytes]:
        belt = self.world.treadmill
        speed = max(0.0, belt.actual_speed_mps(now)) / KMH
        incline = belt.incline_pct(now)
        ramp = math.degrees(math.atan(incline / 100.0))
        distance = max(0, int(self._distance(now) - self._d0))
        elapsed = max(0, int(now - self._t0))
        body = struct.pack("<H", round(speed * 100))
        body += struct.pack("<I", min(distance, 0xFFFFFF))[:3]
        body += struct.pack("<hh", round(incline * 10), round(ramp * 10))
        flags = _FLAGS
        if self.options.heart_rate:
            flags = _FLAGS_HR
            body += struct.pack("<B", min(255, round(70 + 15 * speed * KMH)))
        body += struct.pack("<H", min(elapsed, 0xFFFF))
        return self.data_char, struct.pack("<H", flags) + body

    def on_disconnection(self) -> None:
        self.controller = None

    # -- control point -------------------------------------------------------------------
    def _on_write(self, connection: Any, value: bytes) -> None:
        value = bytes(value)
        self.requests.append(value)
        result, status = self._handle(connection, value)
        op = value[0] if value else 0
        self.spawn(self._answer(connection, bytes([0x80, op, result]), status))

    async def _answer(self, connection: Any, response: bytes, status: bytes | None) -> None:
        await self.device.indicate_subscriber(connection, self.cp_char, response)
        if status is not None:
            await self.device.notify_subscribers(self.status_char, status)

    def _handle(self, connection: Any, value: bytes) -> tuple[int, bytes | None]:
        """(result code, machine status to notify or None) of one request."""
        if not value or self.options.refuse_control:
            return NOT_PERMITTED, None
        op, param = value[0], value[1:]
        if op == 0x00:
            self.controller = connection
            return SUCCESS, None
        if op not in (0x01, 0x02, 0x03, 0x07, 0x08):
            return NOT_SUPPORTED, None
        if self.controller is not connection:
            return NOT_PERMITTED, None
        with self.world.lock:
            now = self.world.advance()
            return self._apply(op, param, now)

    def _apply(self, op: int, param: bytes, now: float) -> tuple[int, bytes | None]:
        belt = self.world.treadmill
        if op == 0x01:
            self._t0, self._d0 = now, self._distance(now)
            return SUCCESS, b"\x01"
        if op == 0x07 and not param:
            belt.start(now)
            return SUCCESS, b"\x04"
        if op == 0x08 and param in (b"\x01", b"\x02"):
            belt.stop(now)
            return SUCCESS, b"\x02" + param
        if op == 0x02 and len(param) == 2:
            (raw,) = struct.unpack("<H", param)
            if not SPEED_RANGE[0] <= raw <= SPEED_RANGE[1]:
                return INVALID, None
            belt.set_speed_mps(raw / 100 * KMH, now)
            return SUCCESS, b"\x05" + param
        if op == 0x03 and len(param) == 2:
            (raw,) = struct.unpack("<h", param)
            if not INCLINE_RANGE[0] <= raw <= INCLINE_RANGE[1]:
                return INVALID, None
            belt.set_incline_pct(raw / 10, now)
            return SUCCESS, b"\x06" + param
        return INVALID, None
