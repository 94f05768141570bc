"""An independent Trackmaster console, written from ../shared/docs/protocols.md only.

Section followed: "Treadmills / Trackmaster (TMX425, TMX428, FVX series) — serial".
No imports from devices/ or sim/.

What the document says, and how this console does it:
- The treadmill only answers commands; no checksum, no terminator.
- ``A0`` start with comm-loss stop on, ``A1`` start with it off, ``A2`` stop, ``AA`` auto
  stop, ``AB`` cool down, ``AC`` toggle echo; each acknowledged ``B_`` (same low nibble).
- ``A3``/``A4`` + 4 ASCII digits: set speed (tenths of mph) / incline (tenths of a percent,
  last digit 0 or 5). Digits that are not digits, a speed above ``max_tenths_mph``, or an
  incline whose last digit is not 0 or 5 answer ``BE`` (data out of range).
- Any other byte where a command is expected answers ``BF`` (illegal command).
- ``C0`` -> ``D0`` + ``31`` stopped / ``32`` running comm-loss on / ``33`` running off;
  ``C1`` actual speed, ``C2`` actual incline, ``C3`` set speed, ``C4`` set incline, each
  ``D_`` + 4 ASCII digits; ``C5``..``CF`` (time, distance, weight, calories) answer zeros.
- Comm-loss stop on: nothing received for 0.5 s stops the belt.
- Echo on: the command's bytes follow its ack.

Choices where the document is silent (each a constructor option, so a test can try both):
``zeros_width`` (how many ASCII zeros the ``C5``..``CF`` answers carry: 4),
``echo_status`` (whether the echo repeats ``C_`` requests too: False), ``accel_mph_s``
(how fast the belt reaches a new set speed; None = at once), ``max_tenths_mph`` (the
console's top speed: 120 = 12.0 mph, a TMX428's).
"""

from __future__ import annotations

from dataclasses import dataclass, field

COMM_LOSS_S = 0.5


def digits(value: int) -> bytes:
    return b"%04d" % value


@dataclass
class TrackmasterConsole:
    max_tenths_mph: int = 120
    zeros_width: int = 4
    echo_status: bool = False
    accel_mph_s: float | None = None
    running: bool = False
    comm_loss: bool = False
    echo: bool = False
    set_tenths: int = 0
    actual_tenths: float = 0.0
    set_incline: int = 0
    last_rx: float | None = None
    last_t: float | None = None
    pending: bytearray = field(default_factory=bytearray)
    commands: list[bytes] = field(default_factory=list)
    errors: list[bytes] = field(default_factory=list)
    comm_loss_stops: int = 0

    # --- time -------------------------------------------------------------------------
    def tick(self, now: float) -> bytes:
        silent = self.last_rx is not None and now - self.last_rx > COMM_LOSS_S
        if self.running and self.comm_loss and silent:
            self.running = False
            self.comm_loss_stops += 1
        target = self.set_tenths if self.running else 0
        if self.accel_mph_s is None or self.last_t is None:
            self.actual_tenths = float(target)
        else:
            step = self.accel_mph_s * 10 * (now - self.last_t)
            delta = target - self.actual_tenths
            self.actual_tenths += max(-step, min(step, delta))
        self.last_t = now
        return b""

    # --- bytes ------------------------------------------------------------------------
    def feed(self, data: bytes, now: float) -> bytes:
        self.tick(now)
        self.last_rx = now
        self.pending += data
        out = bytearray()
        while self.pending:
            cmd = self.pending[0]
            if cmd in (0xA3, 0xA4):
                if len(self.pending) < 5:
                    break
                msg = bytes(self.pending[:5])
                del self.pending[:5]
            else:
                msg = bytes(self.pending[:1])
                del self.pending[:1]
            out += self._answer(msg)
        return bytes(out)

    def _answer(self, msg: bytes) -> bytes:
        self.commands.append(msg)
        cmd = msg[0]
        hi, lo = cmd & 0xF0, cmd & 0x0F
        if hi == 0xA0:
            reply = self._command(msg)
            if reply[0] in (0xBE, 0xBF):
                self.errors.append(msg)
                return reply
            return reply + (msg if self.echo and cmd != 0xAC else b"")
        if hi == 0xC0:
            reply = bytes([0xD0 | lo]) + self._status(lo)
            return reply + (msg if self.echo and self.echo_status else b"")
        self.errors.append(msg)
        return b"\xbf"

    def _command(self, msg: bytes) -> bytes:
        cmd = msg[0]
        if cmd in (0xA0, 0xA1):
            self.running, self.comm_loss = True, cmd == 0xA0
        elif cmd in (0xA2, 0xAA, 0xAB):
            self.running = False
        elif cmd == 0xAC:
            self.echo = not self.echo
            return b"\xbc" + (msg if self.echo else b"")
        elif cmd in (0xA3, 0xA4):
            text = msg[1:]
            if not text.isdigit():
                return b"\xbe"
            value = int(text)
            if cmd == 0xA3:
                if value > self.max_tenths_mph:
                    return b"\xbe"
                self.set_tenths = value
            else:
                if text[-1:] not in (b"0", b"5"):
                    return b"\xbe"
                self.set_incline = value
        else:
            return b"\xbf"
        return bytes([0xB0 | (cmd & 0x0F)])

    def _status(self, lo: int) -> bytes:
        if lo == 0:
            return b"1" if not self.running else (b"2" if self.comm_loss else b"3")
        if lo == 1:
            return digits(round(self.actual_tenths))
        if lo == 2:
            return digits(self.set_incline)
        if lo == 3:
            return digits(self.set_tenths)
        if lo == 4:
            return digits(self.set_incline)
        return b"0" * self.zeros_width

    # --- what a test knows ------------------------------------------------------------
    @property
    def actual_mps(self) -> float:
        return round(self.actual_tenths) * 0.1 * 0.44704
