"""An independent CSAFE treadmill console, written from ../shared/docs/protocols.md only.

Section followed: "Treadmills / CSAFE (Communications Specification for Fitness
Equipment) — serial". No imports from devices/ or sim/.

From the document:
- Frames: ``F1`` content checksum ``F2``, or ``F0 dst src`` content checksum ``F2``
  (extended; the address bytes are outside the checksum). Checksum = XOR of the unstuffed
  content. Content and checksum bytes ``F0``..``F3`` travel as ``F3, b & 3``. At most 96
  bytes.
- Commands: short (>= 0x80) one byte; long ``cmd, len, data``; integers LSB first.
  ``80`` GETSTATUS, ``A1`` GETHORIZONTAL, ``A5`` GETSPEED (2 bytes + unit), ``A6``
  GETPACE, ``A7`` GETCADENCE, ``A8`` GETGRADE, ``B0`` GETHRCUR; ``25`` SETSPEED
  (LSB, MSB, unit), ``28`` SETGRADE.
- Answer: status byte, then ``cmd, len, data`` per command with data. Status low nibble =
  machine state; bit 7 = frame toggle (flips for every good frame received, as
  csafe-fitness does); bits 5-4 = the previous frame's status (0 ok, 1 rejected, 2 bad,
  3 not ready).
- Unit codes: 0x10 mph, 0x11 0.1 mph, 0x12 0.01 mph, 0x30 km/h, 0x31 0.1 km/h,
  0x32 0.01 km/h, 0x33 m/min (speeds); 0x21 km, 0x24 m, 0x52 rev/min, 0x53 strides/min.

Choices where the document is silent (constructor options): ``speed_unit`` (the unit the
console answers GETSPEED in: 0x31), ``bits54_in`` ("same": the bits describe the frame
this answer is for; "next": they describe the frame before, so they show in the next
answer), ``corrupt`` (the next N answers carry a wrong checksum), ``extended`` (answer
with ``F0 dst src``, addresses swapped), ``noise`` (bytes
sent before each answer frame, e.g. line noise outside any frame), ``not_ready`` (GETSPEED
answered with the status byte only, bits 5-4 = not ready). A bad frame (bad checksum or
stuffing) is answered with the status byte only, bits 5-4 = bad. A frame the console
cannot read at all (no ``F2`` within 96 bytes) is dropped unanswered.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SPEED_UNITS_MPS = {
    0x10: 0.44704,
    0x11: 0.044704,
    0x12: 0.0044704,
    0x30: 1 / 3.6,
    0x31: 0.1 / 3.6,
    0x32: 0.01 / 3.6,
    0x33: 1 / 60,
}
STATE_READY, STATE_IDLE, STATE_INUSE, STATE_PAUSE, STATE_OFFLINE = 1, 2, 5, 6, 9
OK, REJECTED, BAD, NOT_READY = 0, 1, 2, 3


def stuff(data: bytes) -> bytes:
    out = bytearray()
    for b in data:
        if 0xF0 <= b <= 0xF3:
            out += bytes([0xF3, b & 0x03])
        else:
            out.append(b)
    return bytes(out)


def unstuff(data: bytes) -> bytes | None:
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == 0xF3:
            nxt = next(it, None)
            if nxt is None or nxt > 3:
                return None
            out.append(0xF0 | nxt)
        elif 0xF0 <= b <= 0xF2:
            return None
        else:
            out.append(b)
    return bytes(out)


def xor(data: bytes) -> int:
    c = 0
    for b in data:
        c ^= b
    return c


def frame(content: bytes, *, address: tuple[int, int] | None = None) -> bytes:
    """A whole frame on the wire: start, (addresses), stuffed content and checksum, stop."""
    head = b"\xf1" if address is None else bytes([0xF0, *address])
    return head + stuff(content + bytes([xor(content)])) + b"\xf2"


@dataclass
class CsafeConsole:
    speed_unit: int = 0x31
    bits54_in: str = "same"
    extended: bool = False
    noise: bytes = b""
    not_ready: bool = False
    corrupt: int = 0  # the next N answers go out with a wrong checksum (line noise)
    state: int = STATE_INUSE
    speed_mps: float = 0.0
    grade_tenths: int = 0
    distance_m: int = 0
    heart_rate: int = 0
    toggle: int = 0
    prev_status: int = OK
    buf: bytearray = field(default_factory=bytearray)
    frames_in: list[bytes] = field(default_factory=list)
    bad_in: int = 0
    set_speeds: list[tuple[int, int]] = field(default_factory=list)

    def tick(self, now: float) -> bytes:
        return b""

    def speed_value(self) -> int:
        return round(self.speed_mps / SPEED_UNITS_MPS[self.speed_unit])

    def feed(self, data: bytes, now: float) -> bytes:
        self.buf += data
        out = bytearray()
        while True:
            starts = [i for i, b in enumerate(self.buf) if b in (0xF0, 0xF1)]
            if not starts:
                self.buf.clear()
                break
            del self.buf[: starts[0]]
            end = self.buf.find(b"\xf2")
            if end < 0:
                if len(self.buf) > 96:
                    del self.buf[:1]
                    continue
                break
            raw = bytes(self.buf[: end + 1])
            del self.buf[: end + 1]
            out += self._frame(raw)
        return bytes(out)

    def _frame(self, raw: bytes) -> bytes:
        address = None
        body = raw[1:-1]
        if raw[0] == 0xF0:
            address, body = (body[1], body[0]), body[2:]
        content = unstuff(body)
        if content is None or len(content) < 1 or xor(content[:-1]) != content[-1]:
            self.bad_in += 1
            return self._answer(b"", BAD, address)
        content = content[:-1]
        self.frames_in.append(content)
        self.toggle ^= 1
        data, status = self._commands(content)
        return self._answer(data, status, address)

    def _answer(self, data: bytes, status: int, address: tuple[int, int] | None) -> bytes:
        bits = status if self.bits54_in == "same" else self.prev_status
        self.prev_status = status
        head = (self.toggle << 7) | (bits << 4) | self.state
        if self.extended and address is None:
            address = (0x00, 0xFD)
        out = frame(bytes([head]) + data, address=address)
        if self.corrupt:
            self.corrupt -= 1
            out = out[:-2] + bytes([out[-2] ^ 0x01]) + out[-1:]
            if 0xF0 <= out[-2] <= 0xF2:
                out = out[:-2] + b"\x55" + out[-1:]
        return self.noise + out

    def _commands(self, content: bytes) -> tuple[bytes, int]:
        out, status, i = bytearray(), OK, 0
        while i < len(content):
            cmd = content[i]
            if cmd >= 0x80:
                args, i = b"", i + 1
            else:
                if i + 1 >= len(content) or i + 2 + content[i + 1] > len(content):
                    return bytes(out), REJECTED
                args, i = content[i + 2 : i + 2 + content[i + 1]], i + 2 + content[i + 1]
            reply, st = self._command(cmd, args)
            out += reply
            status = max(status, st)
        return bytes(out), status

    def _command(self, cmd: int, args: bytes) -> tuple[bytes, int]:
        if cmd == 0x80:
            return b"", OK
        if cmd == 0xA5:
            if self.not_ready:
                return b"", NOT_READY
            v = self.speed_value()
            return bytes([0xA5, 3, v & 0xFF, v >> 8, self.speed_unit]), OK
        if cmd == 0xA1:
            v = self.distance_m
            return bytes([0xA1, 3, v & 0xFF, v >> 8, 0x24]), OK
        if cmd == 0xA8:
            v = self.grade_tenths & 0xFFFF
            return bytes([0xA8, 3, v & 0xFF, v >> 8, 0x4A]), OK
        if cmd == 0xA7:
            return bytes([0xA7, 3, 0, 0, 0x53]), OK
        if cmd == 0xA6:
            return bytes([0xA6, 3, 0, 0, 0x57]), OK
        if cmd == 0xB0:
            return bytes([0xB0, 1, self.heart_rate]), OK
        if cmd == 0x25 and len(args) == 3:
            value, unit = args[0] | args[1] << 8, args[2]
            if unit not in SPEED_UNITS_MPS:
                return b"", REJECTED
            self.set_speeds.append((value, unit))
            self.speed_mps = value * SPEED_UNITS_MPS[unit]
            return b"", OK
        if cmd == 0x28 and len(args) == 3:
            self.grade_tenths = args[0] | args[1] << 8
            return b"", OK
        return b"", REJECTED
