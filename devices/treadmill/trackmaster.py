"""Trackmaster treadmills (TMX425, TMX428, FVX) over RS-232 or their FTDI USB cable.

Wire facts (docs/device-protocols.md, from the TMX428 service manual pp. 63-65):
4800 baud 8N1, no checksum, no terminator; the treadmill only answers. ``A_`` commands are
acknowledged ``B_``; ``C_`` status requests are answered ``D_`` + data; ``BE`` = data out of
range, ``BF`` = illegal command. Speeds are 4 ASCII digits in tenths of mph.

What this driver does:
- speed is rounded to the nearest 0.1 mph (half away from zero) before it is sent;
- ``start()`` sends ``A0`` (comm-loss stop ON: the belt stops if the host falls silent for
  0.5 s) by default and makes sure the speed poller runs (>= 5 Hz, 10 Hz by default), so the
  belt stays alive exactly as long as the program does. ``start=a1`` in the spec
  (``trackmaster:/dev/ttyUSB0?start=a1``) sends ``A1`` instead: the belt keeps running if
  the program dies -- only for setups with a person at the stop button;
- exchange timeout 0.2 s, so one lost answer never leaves a 0.5 s silence;
- ``BE``/``BF`` in answer to a status request (a poll) are counted and said once each;
  to a command they are the command's error;
- echo: the driver never sends the ``AC`` toggle (it cannot know the current state), and
  tolerates echo on: bytes before the expected answer (echoed commands, stale answers) are
  skipped and counted.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from devices.errors import DeviceError, InputError, ProtocolError
from devices.transport import ReconnectingPort, SerialLike
from devices.treadmill.base import BeltReading, Treadmill, WireBytes
from devices.treadmill.link import ByteLink
from devices.units import MPH

log = logging.getLogger(__name__)

BAUDRATE = 4800

START_COMM_LOSS_STOP = 0xA0
START_NO_COMM_LOSS_STOP = 0xA1
STOP = 0xA2
SET_SPEED = 0xA3
SET_INCLINE = 0xA4
AUTO_STOP = 0xAA
COOL_DOWN = 0xAB
TOGGLE_ECHO = 0xAC
GET_STATUS = 0xC0
GET_SPEED = 0xC1
GET_INCLINE = 0xC2
GET_SET_SPEED = 0xC3
GET_SET_INCLINE = 0xC4
ERR_RANGE = 0xBE
ERR_ILLEGAL = 0xBF

#: ``D0`` status digit -> meaning.
STATUS = {0x31: "stopped", 0x32: "running (comm-loss stop on)", 0x33: "running (comm-loss off)"}

StartCommand = Literal["A0", "A1"]


def _half_up(x: float) -> int:
    return math.floor(x + 0.5)


def encode_digits(value: int) -> bytes:
    """Four ASCII digits, as every Trackmaster number is sent."""
    if not 0 <= value <= 9999:
        raise InputError(f"value {value} does not fit 4 digits", fix="use 0..9999")
    return f"{value:04d}".encode("ascii")


def decode_digits(data: bytes) -> int:
    """Parse 4 ASCII digits; :class:`ProtocolError` for anything else."""
    if len(data) != 4 or not all(0x30 <= b <= 0x39 for b in data):
        raise ProtocolError(
            f"expected 4 ASCII digits from the treadmill, got {data.hex(' ')}",
            fix="check the baud rate (4800) and the cable",
        )
    return int(data.decode("ascii"))


def mps_to_tenths_mph(mps: float) -> int:
    """m/s -> tenths of mph, rounded to the nearest 0.1 mph (half away from zero)."""
    return _half_up(mps / MPH * 10.0)


def tenths_mph_to_mps(tenths: int) -> float:
    """Tenths of mph -> m/s."""
    return tenths * MPH / 10.0


def set_speed_command(mps: float) -> bytes:
    """``A3`` + 4 digits: 4.0 mph (1.78816 m/s) -> ``A3 30 30 34 30``."""
    return bytes([SET_SPEED]) + encode_digits(mps_to_tenths_mph(mps))


def set_incline_command(percent: float) -> bytes:
    """``A4`` + 4 digits in tenths of a percent; rounded to 0.5 % (last digit 0 or 5)."""
    halves = _half_up(percent * 2.0)
    if halves < 0:
        raise InputError(f"incline {percent} % is negative", fix="use 0 % or more")
    return bytes([SET_INCLINE]) + encode_digits(halves * 5)


def replay(chunks: Iterable[WireBytes | tuple[float, str, bytes]]) -> list[BeltReading]:
    """Re-read recorded bytes into speed readings: every ``D1`` + 4 digits the treadmill sent.

    Only received bytes count; the reading's time is that of the chunk completing it.
    Answers are unambiguous in the byte stream (``D1`` never occurs inside data, which is
    ASCII digits), so no knowledge of the commands is needed.
    """
    out: list[BeltReading] = []
    pending: bytearray | None = None
    for host_t, direction, data in chunks:
        if direction != "rx":
            continue
        for b in data:
            if pending is not None:
                if 0x30 <= b <= 0x39:
                    pending.append(b)
                    if len(pending) == 4:
                        out.append(BeltReading(host_t, (tenths_mph_to_mps(int(pending)),)))
                        pending = None
                    continue
                pending = None
            if b == 0xD0 + (GET_SPEED & 0x0F):
                pending = bytearray()
    return out


@dataclass
class TrackmasterStats:
    """Bytes skipped while waiting for answers, and refusals."""

    skipped_bytes: int = 0
    out_of_range: int = 0
    illegal: int = 0


class TrackmasterTreadmill(Treadmill):
    """A Trackmaster treadmill on a serial port (see the module docstring for the choices)."""

    name = "trackmaster"
    can_set_speed = True
    can_start_stop = True

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
        start_command: StartCommand = "A0",
        timeout: float = 0.2,
        keepalive_hz: float = 10.0,
    ) -> None:
        super().__init__(timeout=timeout)
        if start_command not in ("A0", "A1"):
            raise InputError(
                f"unknown Trackmaster start command {start_command!r}",
                fix="use start=a0 (comm-loss stop on, default) or start=a1",
            )
        self.start_command: StartCommand = start_command
        self.keepalive_hz = keepalive_hz
        self.stats = TrackmasterStats()
        self._link = ByteLink(port, self._emit)

    @classmethod
    def open(
        cls, url: str, *, start: str = "a0", timeout: float = 0.2, **port_kw: Any
    ) -> TrackmasterTreadmill:
        """Open ``url`` at 4800 8N1; unplug/replug of the USB cable is survived."""
        port = ReconnectingPort(url, baudrate=BAUDRATE, timeout=0.02, **port_kw).open()
        return cls(port, start_command=start.upper(), timeout=timeout)  # type: ignore[arg-type]

    # -- public extras ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the belt; with ``A0`` also start keep-alive polling if nobody polls yet."""
        super().start()
        if self.start_command == "A0" and (self.poller is None or not self.poller.alive):
            log.info(
                "trackmaster: A0 start, polling at %.0f Hz to keep the belt", self.keepalive_hz
            )
            self.start_polling(self.keepalive_hz)

    def read_status(self) -> str:
        """``C0`` -> ``D0`` + digit: "stopped", "running (comm-loss stop on)" or "... off"."""
        with self._io("read status"):
            data = self._request(GET_STATUS, 1, self._deadline())
        if data[0] not in STATUS:
            raise ProtocolError(f"unknown Trackmaster status byte {data[0]:02X}")
        return STATUS[data[0]]

    def set_incline(self, percent: float) -> None:
        """Set the incline in percent (rounded to 0.5 %)."""
        cmd = set_incline_command(percent)
        with self._io("set incline"):
            self._command(cmd, self._deadline())

    def read_incline(self) -> float:
        """Actual incline in percent (``C2``)."""
        with self._io("read incline"):
            data = self._request(GET_INCLINE, 4, self._deadline())
        return decode_digits(data) / 10.0

    # -- backend ----------------------------------------------------------------------------
    def _start(self, deadline: float) -> None:
        code = START_COMM_LOSS_STOP if self.start_command == "A0" else START_NO_COMM_LOSS_STOP
        self._command(bytes([code]), deadline)

    def _stop(self, deadline: float) -> None:
        self._command(bytes([STOP]), deadline)

    def _set_speed(self, mps: float, deadline: float) -> None:
        self._command(set_speed_command(mps), deadline)

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        return (tenths_mph_to_mps(decode_digits(self._request(GET_SPEED, 4, deadline))),)

    def _deadline(self) -> float:
        return self._link.deadline(self.timeout)  # a simulated console's seconds, held

    def _exchange_over(self) -> None:
        self._link.release()

    def _close(self) -> None:
        self._link.port.close()

    # -- exchanges --------------------------------------------------------------------------
    def _send(self, data: bytes) -> None:
        stale = self._link.drain()
        self.stats.skipped_bytes += len(stale)
        self._link.send(data)

    def _await(self, answer: int, cmd: bytes, deadline: float) -> None:
        """Skip bytes (echo, stale answers) until ``answer``, ``BE`` or ``BF`` arrives."""
        while True:
            b = self._link.read_byte(deadline)
            if b == answer:
                return
            if b == ERR_RANGE:
                self.stats.out_of_range += 1
                raise DeviceError(
                    f"trackmaster refused {cmd.hex(' ')}: data out of range (BE)",
                    fix="use a speed/incline within the treadmill's range",
                )
            if b == ERR_ILLEGAL:
                self.stats.illegal += 1
                raise DeviceError(
                    f"trackmaster refused {cmd.hex(' ')}: illegal command (BF)",
                    fix="check that this treadmill speaks the Trackmaster protocol",
                )
            self.stats.skipped_bytes += 1

    def _command(self, cmd: bytes, deadline: float) -> None:
        self._send(cmd)
        self._await(0xB0 | (cmd[0] & 0x0F), cmd, deadline)

    def _request(self, code: int, n: int, deadline: float) -> bytes:
        cmd = bytes([code])
        self._send(cmd)
        try:
            self._await(0xD0 | (code & 0x0F), cmd, deadline)
        except DeviceError as err:  # BE/BF to a status request: the poller only counts it
            self._warn_once(f"{err} (counted; later ones are counted only)")
            raise
        return self._link.read_exact(n, deadline)
