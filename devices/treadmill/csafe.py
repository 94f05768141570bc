"""CSAFE treadmills (Life Fitness, Precor, Technogym, ...) over RS-232.

Wire facts (docs/device-protocols.md): 9600 baud 8N1. Frame = ``F1`` (or ``F0 dst src``
for extended frames), content, checksum (XOR of the unstuffed content bytes), ``F2``. Any
content or checksum byte in ``F0``..``F3`` is sent as ``F3, b & 3``. At most 96 bytes.
Responses: a status byte (low nibble = machine state), then ``cmd, len, data`` blocks;
integers least significant byte first.

What this driver does, and what it will not do:
- polls ``GETSPEED`` (``F1 A5 A5 F2``) for the speed and ``GETSTATUS`` (``F1 80 80 F2``) on
  request; every unit code of device-protocols.md is converted to SI; a speed in a non-speed or
  unknown unit is counted and read as NaN (unknown), never guessed;
- the status byte's bit 7 (frame toggle, documented by one implementation, csafe-fitness)
  is compared between answers only with ``?toggle=check`` (:mod:`.csafe_toggle`); bits 5-4
  (the previous frame's status: ok, rejected, bad, not ready) are read after a SETSPEED
  (below) and said when a GETSPEED answer carries no speed ("not ready": no speed read);
- ``SETSPEED`` (``25``, value LSB, MSB, unit; confirmed by csafe-fitness: 5.0 km/h =
  ``F1 25 03 32 00 31 25 F2``) is sent whenever a speed is asked (in ``setspeed_unit``,
  default 0.1 km/h); ``csafe:COM3?setspeed=off`` turns it off for a machine that misbehaves
  (``setspeed=lsb-msb-unit`` of older command lines means on). Which frame bits 5-4 describe
  is not documented, so both are read: "rejected", "bad" or "not ready" in SETSPEED's own
  answer fails ``set_speed``, in the next frame it is counted and said once; the belt is
  still read.
  Start/stop are not in device-protocols.md, so they are refused: use the console.
- For extended frames, the address bytes are not part of the checksum (device-protocols.md) and
  are unstuffed like content (device-protocols.md does not say whether an address in ``F0``..``F3``
  is stuffed; the usual addresses, 00 host, FD/FF machine, never are).
- a GETSPEED answer in a unit that is not a speed, and answers that are not good frames
  (bad checksum, broken frame), are counted and said once each (a warning a live session
  shows).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from devices.errors import DeviceError, InputError, ProtocolError
from devices.transport import ReconnectingPort, SerialLike
from devices.treadmill.base import BeltReading, Treadmill, WireBytes
from devices.treadmill.csafe_toggle import REPEATED as TOGGLE_REPEATED
from devices.treadmill.csafe_toggle import FrameToggle
from devices.treadmill.link import ByteLink
from devices.units import KMH, MPH

BAUDRATE = 9600
EXT_START, START, STOP, STUFF = 0xF0, 0xF1, 0xF2, 0xF3
MAX_FRAME = 96

GETSTATUS = 0x80
GETHORIZONTAL = 0xA1
GETSPEED = 0xA5
GETPACE = 0xA6
GETCADENCE = 0xA7
GETGRADE = 0xA8
GETHRCUR = 0xB0
SETSPEED = 0x25
SETGRADE = 0x28

#: Machine state in the low nibble of the status byte.
STATES = {
    0: "Error", 1: "Ready", 2: "Idle", 3: "HaveID", 5: "InUse", 6: "Pause", 7: "Finish",
    8: "Manual", 9: "Offline",
}  # fmt: skip

#: Unit code -> (kind, factor to SI: m/s for speed, m for distance, 1/min for rates).
UNITS: dict[int, tuple[str, float]] = {
    0x10: ("speed", MPH),
    0x11: ("speed", MPH / 10),
    0x12: ("speed", MPH / 100),
    0x21: ("distance", 1000.0),
    0x24: ("distance", 1.0),
    0x30: ("speed", KMH),
    0x31: ("speed", KMH / 10),
    0x32: ("speed", KMH / 100),
    0x33: ("speed", 1.0 / 60.0),
    0x52: ("rate", 1.0),
    0x53: ("rate", 1.0),
}

#: Names of the unit codes, for messages.
UNIT_NAMES = {
    0x10: "mph", 0x11: "0.1 mph", 0x12: "0.01 mph", 0x21: "km", 0x24: "m", 0x30: "km/h",
    0x31: "0.1 km/h", 0x32: "0.01 km/h", 0x33: "m/min", 0x52: "rev/min", 0x53: "strides/min",
}  # fmt: skip

#: ``?setspeed=`` values: on (the default), off, and the payload layout older command lines
#: gave to turn it on (value LSB, MSB, unit: device-protocols.md, confirmed by csafe-fitness).
SETSPEED_VALUES = {"on": True, "off": False, "lsb-msb-unit": True}

#: Status bits 5-4 (the previous frame's status, csafe-fitness) that say a frame was not taken.
NOT_TAKEN = {1: "rejected", 2: "bad", 3: "not ready"}

NOT_TAKEN_FIX = (
    "the belt speed is still read; set it at the console, and if this treadmill never takes "
    "SETSPEED, turn it off with csafe:PORT?setspeed=off"
)


def setspeed_on(value: str) -> bool:
    """``?setspeed=`` -> whether SETSPEED is sent: on or ``lsb-msb-unit`` (any case), or off."""
    key = value.strip().lower()
    if key not in SETSPEED_VALUES:
        raise InputError(
            f"unknown CSAFE setspeed value {value!r}",
            fix="setspeed=off turns speed setting off; leave it out (or setspeed=on) for on",
        )
    return SETSPEED_VALUES[key]


def stuff(data: bytes) -> bytes:
    """Escape ``F0``..``F3`` as ``F3, b & 3``."""
    out = bytearray()
    for b in data:
        if EXT_START <= b <= STUFF:
            out += bytes([STUFF, b & 0x03])
        else:
            out.append(b)
    return bytes(out)


def unstuff(data: bytes) -> bytes:
    """Undo :func:`stuff`; :class:`ProtocolError` on a bad escape."""
    out = bytearray()
    it = iter(data)
    for b in it:
        if b == STUFF:
            nxt = next(it, None)
            if nxt is None or nxt > 3:
                raise ProtocolError(f"bad CSAFE escape F3 {nxt!r}")
            out.append(0xF0 | nxt)
        else:
            out.append(b)
    return bytes(out)


def checksum(content: bytes) -> int:
    """XOR of all content bytes."""
    x = 0
    for b in content:
        x ^= b
    return x


def encode_frame(content: bytes, *, address: tuple[int, int] | None = None) -> bytes:
    """A standard (``F1``) or extended (``F0 dst src``) frame around ``content``."""
    body = stuff(content + bytes([checksum(content)]))
    head = bytes([START]) if address is None else bytes([EXT_START]) + stuff(bytes(address))
    frame = head + body + bytes([STOP])
    if len(frame) > MAX_FRAME:
        raise InputError(f"CSAFE frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    return frame


@dataclass(frozen=True)
class Frame:
    """A decoded frame: content without checksum; ``address`` = (dst, src) when extended."""

    content: bytes
    address: tuple[int, int] | None = None


def decode_frame(frame: bytes) -> Frame:
    """Check and decode one whole frame (start byte to ``F2``)."""
    if len(frame) < 3 or frame[-1] != STOP or frame[0] not in (START, EXT_START):
        raise ProtocolError(f"not a CSAFE frame: {frame.hex(' ')}")
    if len(frame) > MAX_FRAME:
        raise ProtocolError(f"CSAFE frame of {len(frame)} bytes exceeds {MAX_FRAME}")
    if any(EXT_START <= b <= STOP for b in frame[1:-1]):
        raise ProtocolError(f"unescaped F0..F2 inside a CSAFE frame: {frame.hex(' ')}")
    body = unstuff(frame[1:-1])
    address: tuple[int, int] | None = None
    if frame[0] == EXT_START:
        if len(body) < 3:
            raise ProtocolError(f"extended CSAFE frame too short: {frame.hex(' ')}")
        address, body = (body[0], body[1]), body[2:]
    if not body:
        raise ProtocolError("empty CSAFE frame")
    content, check = body[:-1], body[-1]
    if checksum(content) != check:
        raise ProtocolError(f"CSAFE checksum mismatch in {frame.hex(' ')}")
    return Frame(content, address)


@dataclass(frozen=True)
class Response:
    """A treadmill's answer: status byte and ``{cmd: data}`` blocks."""

    status: int
    blocks: dict[int, bytes]

    @property
    def state(self) -> str:
        """Machine state from the low nibble (bits 5-4 and 7: see the module docstring)."""
        return STATES.get(self.status & 0x0F, f"unknown ({self.status & 0x0F})")


def parse_response(content: bytes) -> Response:
    """Status byte, then ``cmd, len, data`` repeated."""
    if not content:
        raise ProtocolError("CSAFE response without a status byte")
    blocks: dict[int, bytes] = {}
    i = 1
    while i < len(content):
        if i + 1 >= len(content):
            raise ProtocolError(f"truncated CSAFE block in {content.hex(' ')}")
        cmd, n = content[i], content[i + 1]
        data = content[i + 2 : i + 2 + n]
        if len(data) != n:
            raise ProtocolError(f"truncated CSAFE block {cmd:02X} in {content.hex(' ')}")
        blocks[cmd] = data
        i += 2 + n
    return Response(content[0], blocks)


def value_in_si(data: bytes) -> tuple[float, str | None]:
    """``value (LSB first), unit`` -> (value in SI, kind); kind None for an unknown unit."""
    if len(data) < 2:
        raise ProtocolError(f"CSAFE value too short: {data.hex(' ')}")
    raw = int.from_bytes(data[:-1], "little")
    unit = UNITS.get(data[-1])
    if unit is None:
        return math.nan, None
    return raw * unit[1], unit[0]


def speed_from_block(data: bytes) -> float:
    """GETSPEED data -> m/s, NaN when the unit is not a speed unit of device-protocols.md."""
    value, kind = value_in_si(data)
    return value if kind == "speed" else math.nan


class FrameSplitter:
    """Cut a byte stream into whole frames (``F0``/``F1`` .. ``F2``), dropping junk."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self.junk_bytes = 0

    def feed(self, data: bytes) -> Iterator[bytes]:
        """Yield each complete frame found so far."""
        for b in data:
            if not self._buf:
                if b in (START, EXT_START):
                    self._buf.append(b)
                else:
                    self.junk_bytes += 1
                continue
            if b in (START, EXT_START):  # a new start: the previous frame was cut off
                self.junk_bytes += len(self._buf)
                self._buf = bytearray([b])
                continue
            self._buf.append(b)
            if b == STOP:
                frame = bytes(self._buf)
                self._buf.clear()
                yield frame
            elif len(self._buf) > MAX_FRAME:
                self.junk_bytes += len(self._buf)
                self._buf.clear()


def replay(chunks: Iterable[WireBytes | tuple[float, str, bytes]]) -> list[BeltReading]:
    """Re-read recorded bytes into speed readings: every good response carrying GETSPEED."""
    out: list[BeltReading] = []
    splitter = FrameSplitter()
    for host_t, direction, data in chunks:
        if direction != "rx":
            continue
        for raw in splitter.feed(data):
            try:
                resp = parse_response(decode_frame(raw).content)
                block = resp.blocks.get(GETSPEED)
                if block is not None:
                    out.append(BeltReading(host_t, (speed_from_block(block),)))
            except ProtocolError:
                continue
    return out


@dataclass
class CsafeStats:
    """Counts of what went wrong, for the dashboard."""

    bad_frames: int = 0
    unknown_units: int = 0
    setspeed_not_taken: int = 0
    states: dict[str, int] = field(default_factory=dict)


class CsafeTreadmill(Treadmill):
    """A CSAFE treadmill on a serial port (see the module docstring for what is refused)."""

    name = "csafe"
    can_start_stop = False

    @staticmethod
    def parse_recording(
        chunks: Iterable[WireBytes | tuple[float, str, bytes]],
    ) -> list[BeltReading]:
        """The recorded bytes' readings: :func:`replay`."""
        return replay(chunks)

    def __init__(
        self,
        port: SerialLike,
        *,
        setspeed: str = "on",
        setspeed_unit: int = 0x31,
        timeout: float = 0.5,
        toggle: str = "off",
    ) -> None:
        super().__init__(timeout=timeout)
        if UNITS.get(setspeed_unit, ("", 0.0))[0] != "speed":
            raise InputError(
                f"CSAFE unit code {setspeed_unit:#04x} is not a speed unit",
                fix="use one of 0x10 0x11 0x12 0x30 0x31 0x32 0x33",
            )
        # On unless turned off (?setspeed=off): the user asked for the speed.
        self.can_set_speed = setspeed_on(setspeed)
        self.toggle = FrameToggle(toggle)  # ?toggle=check: stats in .toggle.repeats
        self.setspeed_unit = setspeed_unit
        self.stats = CsafeStats()
        self.last_status: int | None = None
        self._link = ByteLink(port, self._emit)
        self._splitter = FrameSplitter()
        self._watch = 0  # answers still to read for a SETSPEED's bits 5-4

    @classmethod
    def open(cls, url: str, *, timeout: float = 0.5, **options: Any) -> CsafeTreadmill:
        """Open ``url`` at 9600 8N1 (reopened by itself after unplug/replug)."""
        unit = options.pop("setspeed_unit", 0x31)
        setspeed = options.pop("setspeed", "on")
        toggle = options.pop("toggle", "off")
        if isinstance(unit, str):
            try:
                unit = int(unit, 0)
            except ValueError as err:
                raise InputError(
                    f"CSAFE setspeed_unit {unit!r} is not a number", fix="e.g. setspeed_unit=0x31"
                ) from err
        port = ReconnectingPort(url, baudrate=BAUDRATE, timeout=0.02, **options).open()
        return cls(port, setspeed=setspeed, setspeed_unit=unit, timeout=timeout, toggle=toggle)

    def read_status(self) -> Response:
        """GETSTATUS: the state is in ``.state``; high bits of ``.status`` are kept raw."""
        with self._io("read status"):
            return self._transact(bytes([GETSTATUS]), self._deadline())

    def speed_hint(self) -> str:
        if self.can_set_speed:
            return "set it at its console"
        return (
            "set it at its console, or turn speed setting back on: leave ?setspeed=off out of "
            "csafe:PORT (docs/treadmills.md)"
        )

    def _set_speed_fix(self) -> str:
        return (
            "speed setting is turned off for this CSAFE treadmill (?setspeed=off); leave that "
            "out of csafe:PORT to send SETSPEED"
        )

    # -- backend ----------------------------------------------------------------------------
    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        resp = self._transact(bytes([GETSPEED]), deadline)
        block = resp.blocks.get(GETSPEED)
        if block is None:
            why = NOT_TAKEN.get(resp.status >> 4 & 3, "")
            why = f"status bits 5-4 say {why}, " if why else ""
            problem = f"csafe: an answer to GETSPEED without a speed ({why}state {resp.state})"
            self._warn_once(f"{problem}: belt speed unknown until it answers with one")
            raise ProtocolError(problem)
        speed = speed_from_block(block)
        if math.isnan(speed):
            self.stats.unknown_units += 1
            self._warn_once(
                f"csafe: the treadmill gives its speed in unit {block[-1]:#04x}"
                f" ({UNIT_NAMES.get(block[-1], 'unknown')}), not a speed unit: belt speed "
                "unknown, step lengths left out (docs/device-protocols.md lists the units)"
            )
        return (speed,)

    def _set_speed(self, mps: float, deadline: float) -> None:
        factor = UNITS[self.setspeed_unit][1]
        value = round(mps / factor)
        if value > 0xFFFF:
            raise InputError(
                f"speed {mps} m/s does not fit CSAFE unit {self.setspeed_unit:#x}",
                fix="choose a coarser setspeed_unit",
            )
        payload = value.to_bytes(2, "little") + bytes([self.setspeed_unit])
        self._watch = 2  # bits 5-4 of its answer, then of the next frame (_check_taken)
        try:
            resp = self._transact(bytes([SETSPEED, len(payload)]) + payload, deadline)
        finally:
            self._watch = min(self._watch, 1)  # no answer: the next frame may still say
        if resp.status & 0x0F == 0:
            raise DeviceError("CSAFE treadmill answered SETSPEED with state Error")

    def _check_taken(self, resp: Response) -> None:
        """Bits 5-4 "rejected" or "bad" in SETSPEED's answer fail it; in the next frame
        (``set_speed`` has returned) they are said once. Both are counted."""
        own, self._watch = self._watch == 2, self._watch - 1
        verdict = NOT_TAKEN.get(resp.status >> 4 & 3)
        if verdict is None:
            return
        self._watch = 0
        self.stats.setspeed_not_taken += 1
        where = "SETSPEED's answer" if own else "the frame after a SETSPEED"
        problem = f"csafe: status bits 5-4 of {where} say {verdict}: the speed may not be set"
        if own:
            raise DeviceError(problem, fix=NOT_TAKEN_FIX)
        self._warn_once(f"{problem} ({NOT_TAKEN_FIX})")

    def _deadline(self) -> float:
        return self._link.deadline(self.timeout)  # a simulated console's seconds, held

    def _exchange_over(self) -> None:
        self._link.release()

    def _close(self) -> None:
        self._link.port.close()

    def _transact(self, content: bytes, deadline: float) -> Response:
        self._link.drain()
        self._splitter = FrameSplitter()
        self.toggle.sent()
        self._link.send(encode_frame(content))
        while True:
            chunk = bytes([self._link.read_byte(deadline)])
            for raw in self._splitter.feed(chunk):
                try:
                    resp = parse_response(decode_frame(raw).content)
                except ProtocolError as err:
                    self.stats.bad_frames += 1
                    self._warn_once(
                        "csafe: an answer that is not a good frame (counted, the poll is "
                        f"repeated; later ones are counted only): {err}"
                    )
                    raise
                self.last_status = resp.status
                self.stats.states[resp.state] = self.stats.states.get(resp.state, 0) + 1
                if self.toggle.answered(resp.status):
                    self._warn_once(TOGGLE_REPEATED)
                if self._watch:
                    self._check_taken(resp)
                return resp
