"""The simulated treadmill's wire side: answer bytes exactly as a real treadmill would.

Each responder turns the bytes a host sends into the bytes the treadmill answers, per
docs/device-protocols.md, driving a ``belt`` (any object with the :class:`Belt`
interface; :class:`sim.treadmill.Treadmill` is one). ``now`` is simulated time in seconds.
Standard library only: this module imports neither ``stride`` nor ``devices``, so the
drivers are tested against an independent implementation of the same documents.

What the responders choose where device-protocols.md is silent (documented in docs/treadmills.md):
- Trackmaster: the echo (``AC``) repeats acknowledged ``A_`` commands after their ack, using
  the echo state in force when the command arrived; status requests are not echoed. Time,
  distance, weight and calorie requests (``C5``..``CF``) answer ``D_`` + ``30 30 30 30``.
  Comm-loss stop (after ``A0``): the belt stops 0.5 s after the last byte received; checked
  in :meth:`TrackmasterResponder.tick` and at the start of every :meth:`feed`.
- CSAFE: the state is InUse (5) while the belt runs, else Ready (1); status high bits are 0
  (their meaning is unverified); speed is reported in ``speed_unit`` (0.1 km/h by default);
  SETSPEED is read as value LSB, MSB, unit (the unverified order device-protocols.md gives);
  frames with a bad checksum get no answer; commands without documented answers get a
  status-only answer.
- Bertec: feedback belt order = command order (right, left, right-rear, left-rear);
  incline degrees <-> percent grade via tan.
What is not simulated: serial timing (baud-rate pacing), line noise, the Trackmaster
console, CSAFE workout programs and IDs.
"""

from __future__ import annotations

import contextlib
import math
import struct
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

MPH = 0.44704
KMH = 1.0 / 3.6
COMM_LOSS_TIMEOUT_S = 0.5


@runtime_checkable
class Belt(Protocol):
    """What a responder needs from the simulated treadmill (implemented by the physics)."""

    def actual_speed_mps(self, now: float) -> float: ...

    def set_speed_mps(self, v: float, now: float) -> None: ...

    def start(self, now: float, comm_loss_stop: bool) -> None: ...

    def stop(self, now: float) -> None: ...

    def running(self, now: float) -> bool: ...

    def incline_pct(self, now: float) -> float: ...

    def set_incline_pct(self, p: float, now: float) -> None: ...


@runtime_checkable
class SplitBelt(Belt, Protocol):
    """A split-belt treadmill additionally reports and takes (left, right) speeds."""

    def actual_speeds_mps(self, now: float) -> tuple[float, float]: ...

    def set_split_speeds(self, left: float, right: float, now: float) -> None: ...


def _split_speeds(belt: Belt, now: float) -> tuple[float, float]:
    if isinstance(belt, SplitBelt):
        left, right = belt.actual_speeds_mps(now)
        return float(left), float(right)
    v = belt.actual_speed_mps(now)
    return v, v


# == Trackmaster ==================================================================================


def _digits(value: float) -> bytes:
    n = max(0, min(9999, math.floor(value + 0.5)))
    return f"{n:04d}".encode("ascii")


class TrackmasterResponder:
    """A Trackmaster console: 4800 8N1 bytes in, answer bytes out."""

    def __init__(
        self,
        belt: Belt,
        *,
        max_speed_mph: float = 12.0,
        max_incline_pct: float = 25.0,
        comm_loss_timeout_s: float = COMM_LOSS_TIMEOUT_S,
    ):
        self.belt = belt
        # In ``now`` units: a world run faster than the wall clock (speedup) passes the
        # timeout scaled, because the host's silence is measured on the host's clock.
        self.comm_loss_timeout_s = comm_loss_timeout_s
        self.max_speed_mph = max_speed_mph
        self.max_incline_pct = max_incline_pct
        self.echo = False
        self.comm_loss_stop = False
        self.comm_loss_stops = 0  # times the belt was stopped for host silence
        self.set_speed_tenths_mph = 0
        self.set_incline_tenths = 0
        self._last_rx: float | None = None
        self._cmd: int | None = None  # A3/A4 waiting for its digits
        self._arg = bytearray()

    def tick(self, now: float) -> None:
        """Apply the comm-loss stop if the host has been silent for 0.5 s since ``A0``."""
        if self.comm_loss_stop and self._last_rx is not None:
            stop_at = self._last_rx + self.comm_loss_timeout_s
            if now >= stop_at and self.belt.running(now):
                self.belt.stop(min(now, stop_at))
                self.comm_loss_stop = False
                self.comm_loss_stops += 1

    def feed(self, data: bytes, now: float) -> bytes:
        """Bytes from the host -> the treadmill's answer bytes (possibly empty)."""
        self.tick(now)
        out = bytearray()
        for b in data:
            out += self._byte(b, now)
        if data:
            self._last_rx = now
        return bytes(out)

    def _byte(self, b: int, now: float) -> bytes:
        if self._cmd is not None:
            if 0x30 <= b <= 0x39:
                self._arg.append(b)
                if len(self._arg) < 4:
                    return b""
                cmd, arg = self._cmd, bytes(self._arg)
                self._cmd, self._arg = None, bytearray()
                return self._with_data(cmd, arg, now)
            self._cmd, self._arg = None, bytearray()  # a non-digit cuts the number short
            return b"\xbe" + self._byte(b, now)
        if b in (0xA3, 0xA4):
            self._cmd = b
            return b""
        if 0xA0 <= b <= 0xAF:
            return self._simple(b, now)
        if 0xC0 <= b <= 0xCF:
            return self._status(b, now)
        return b"\xbf"

    def _ack(self, cmd: bytes, echo: bool) -> bytes:
        return bytes([0xB0 | (cmd[0] & 0x0F)]) + (cmd if echo else b"")

    def _simple(self, b: int, now: float) -> bytes:
        echo = self.echo
        if b in (0xA0, 0xA1):
            self.comm_loss_stop = b == 0xA0
            self.belt.start(now, self.comm_loss_stop)
        elif b in (0xA2, 0xAA):
            self.belt.stop(now)
            self.comm_loss_stop = False
        elif b == 0xAB:
            pass  # cool down: acknowledged; the program itself is not simulated
        elif b == 0xAC:
            self.echo = not self.echo
        else:
            return b"\xbf"
        return self._ack(bytes([b]), echo)

    def _with_data(self, cmd: int, arg: bytes, now: float) -> bytes:
        value = int(arg.decode("ascii"))
        if cmd == 0xA3:
            if value > self.max_speed_mph * 10:
                return b"\xbe"
            try:
                self.belt.set_speed_mps(value * MPH / 10.0, now)
            except ValueError:
                return b"\xbe"
            self.set_speed_tenths_mph = value
        else:
            if value % 5 or value > self.max_incline_pct * 10:
                return b"\xbe"
            try:
                self.belt.set_incline_pct(value / 10.0, now)
            except ValueError:
                return b"\xbe"
            self.set_incline_tenths = value
        return self._ack(bytes([cmd]) + arg, self.echo)

    def _status(self, b: int, now: float) -> bytes:
        head = bytes([0xD0 | (b & 0x0F)])
        if b == 0xC0:
            if not self.belt.running(now):
                return head + b"1"
            return head + (b"2" if self.comm_loss_stop else b"3")
        if b == 0xC1:
            return head + _digits(self.belt.actual_speed_mps(now) / MPH * 10.0)
        if b == 0xC2:
            return head + _digits(self.belt.incline_pct(now) * 10.0)
        if b == 0xC3:
            return head + _digits(self.set_speed_tenths_mph)
        if b == 0xC4:
            return head + _digits(self.set_incline_tenths)
        return head + b"0000"  # time, distance, weight, calories: always zeros


# == CSAFE ======================================================================================

_SPEED_UNITS = {
    0x10: MPH,
    0x11: MPH / 10,
    0x12: MPH / 100,
    0x30: KMH,
    0x31: KMH / 10,
    0x32: KMH / 100,
    0x33: 1.0 / 60.0,
}


def _xor(data: bytes) -> int:
    x = 0
    for b in data:
        x ^= b
    return x


def _stuff(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        out += bytes([0xF3, b & 3]) if 0xF0 <= b <= 0xF3 else bytes([b])
    return bytes(out)


def _unstuff(data: bytes) -> bytes | None:
    out = bytearray()
    i = 0
    while i < len(data):
        if data[i] == 0xF3:
            if i + 1 >= len(data) or data[i + 1] > 3:
                return None
            out.append(0xF0 | data[i + 1])
            i += 2
        else:
            out.append(data[i])
            i += 1
    return bytes(out)


class CsafeResponder:
    """A CSAFE treadmill console: frames in, frames out (9600 8N1)."""

    def __init__(self, belt: Belt, *, speed_unit: int = 0x31) -> None:
        if speed_unit not in _SPEED_UNITS:
            raise ValueError(f"0x{speed_unit:02X} is not a CSAFE speed unit")
        self.belt = belt
        self.speed_unit = speed_unit
        self.bad_frames = 0
        self.distance_m = 0.0
        self._last_now: float | None = None
        self._buf = bytearray()

    def feed(self, data: bytes, now: float) -> bytes:
        """Bytes from the host -> answer frames for every complete request frame."""
        self._advance(now)
        out = bytearray()
        for b in data:
            if not self._buf and b not in (0xF0, 0xF1):
                continue
            if b in (0xF0, 0xF1):
                self._buf = bytearray()
            self._buf.append(b)
            if b == 0xF2:
                frame, self._buf = bytes(self._buf), bytearray()
                out += self._frame(frame, now)
            elif len(self._buf) > 96:
                self._buf = bytearray()
                self.bad_frames += 1
        return bytes(out)

    def _advance(self, now: float) -> None:
        if self._last_now is not None and now > self._last_now:
            self.distance_m += self.belt.actual_speed_mps(now) * (now - self._last_now)
        self._last_now = now

    def _frame(self, frame: bytes, now: float) -> bytes:
        body = _unstuff(frame[1:-1])
        address: bytes | None = None
        if body is not None and frame[0] == 0xF0:
            address, body = (body[:2], body[2:]) if len(body) >= 2 else (None, None)
        if not body or _xor(body[:-1]) != body[-1]:
            self.bad_frames += 1
            return b""
        blocks = self._commands(body[:-1], now)
        if blocks is None:
            self.bad_frames += 1
            return b""
        state = 5 if self.belt.running(now) else 1
        content = bytes([state]) + blocks
        head = b"\xf1" if address is None else b"\xf0" + _stuff(address[::-1])
        return head + _stuff(content + bytes([_xor(content)])) + b"\xf2"

    def _commands(self, content: bytes, now: float) -> bytes | None:
        out = bytearray()
        i = 0
        while i < len(content):
            cmd = content[i]
            if cmd >= 0x80:
                out += self._short(cmd, now)
                i += 1
                continue
            if i + 1 >= len(content) or i + 2 + content[i + 1] > len(content):
                return None
            data = content[i + 2 : i + 2 + content[i + 1]]
            if cmd == 0x25 and len(data) == 3 and data[2] in _SPEED_UNITS:
                v = int.from_bytes(data[:2], "little") * _SPEED_UNITS[data[2]]
                with contextlib.suppress(ValueError):  # out of range: ignored
                    self.belt.set_speed_mps(v, now)
            i += 2 + len(data)
        return bytes(out)

    def _short(self, cmd: int, now: float) -> bytes:
        if cmd == 0xA5:
            raw = round(self.belt.actual_speed_mps(now) / _SPEED_UNITS[self.speed_unit])
            return (
                bytes([0xA5, 3]) + min(raw, 0xFFFF).to_bytes(2, "little") + bytes([self.speed_unit])
            )
        if cmd == 0xA1:
            raw = min(round(self.distance_m), 0xFFFF)
            return bytes([0xA1, 3]) + raw.to_bytes(2, "little") + b"\x24"
        return b""  # GETSTATUS and commands without documented answers: status only


# == Bertec =====================================================================================


@dataclass(frozen=True)
class BertecCommand:
    """A decoded 64-byte command packet (speeds in m/s, right/left/right-rear/left-rear)."""

    speeds_mps: tuple[float, float, float, float]
    accels_mps2: tuple[float, float, float, float]
    incline_deg: float


def decode_bertec_command(packet: bytes) -> BertecCommand | None:
    """Parse a command packet; None if its length, check bytes or padding are wrong."""
    if len(packet) != 64 or packet[0] != 0 or any(packet[37:]):
        return None
    body = packet[1:19]
    if packet[19:37] != bytes(b ^ 0xFF for b in body):
        return None
    values = struct.unpack(">4h4HH", body)
    speeds = tuple(v / 1000.0 for v in values[:4])
    accels = tuple(v / 1000.0 for v in values[4:8])
    return BertecCommand(speeds, accels, values[8] / 100.0)


def encode_bertec_feedback(
    speeds_mps: tuple[float, float, float, float], incline_deg: float
) -> bytes:
    """A 32-byte feedback packet: byte 0 and bytes 11-31 (undocumented) are zero."""
    mm = [max(-32768, min(32767, round(v * 1000.0))) for v in speeds_mps]
    return b"\x00" + struct.pack(">4hh", *mm, round(incline_deg * 100.0)) + bytes(21)


class BertecResponder:
    """A Bertec treadmill server: apply command packets, produce feedback packets."""

    def __init__(self, belt: Belt) -> None:
        self.belt = belt
        self.bad_packets = 0
        self._buf = bytearray()

    def feed(self, data: bytes, now: float) -> bytes:
        """Apply every complete 64-byte command; Bertec answers by streaming feedback."""
        self._buf += data
        while len(self._buf) >= 64:
            packet, self._buf = bytes(self._buf[:64]), self._buf[64:]
            cmd = decode_bertec_command(packet)
            if cmd is None:
                self.bad_packets += 1
                continue
            self._apply(cmd, now)
        return b""

    def feedback(self, now: float) -> bytes:
        """The packet the treadmill streams at time ``now``."""
        left, right = _split_speeds(self.belt, now)
        incline_deg = math.degrees(math.atan(self.belt.incline_pct(now) / 100.0))
        return encode_bertec_feedback((right, left, right, left), incline_deg)

    def _apply(self, cmd: BertecCommand, now: float) -> None:
        right, left = cmd.speeds_mps[0], cmd.speeds_mps[1]
        try:
            if isinstance(self.belt, SplitBelt):
                self.belt.set_split_speeds(left, right, now)
            else:
                self.belt.set_speed_mps((left + right) / 2.0, now)
            self.belt.set_incline_pct(math.tan(math.radians(cmd.incline_deg)) * 100.0, now)
        except ValueError:
            self.bad_packets += 1
            return
        if (left > 0 or right > 0) and not self.belt.running(now):
            self.belt.start(now, False)
