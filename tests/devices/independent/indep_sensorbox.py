"""An independent sensor box, written from the documents only.

Sections followed: ../shared/docs/protocols.md "The step-sensor box" (COBS with a 0x00
delimiter and its test vectors; CRC-16/CCITT-FALSE and its check value) and the
repository's docs/protocol.md (the frame layout of version 1: type, seq, t_us, payload,
CRC; HELLO, SAMPLES, BELT, STATUS, ERROR; seq wraps 65535 -> 0, t_us wraps at 2^32).
No imports from devices/ or sim/; the CRC and COBS are written out here, bit by bit.

``BoxStream`` is a box that streams from power-up on a clock: HELLO and STATUS once a
second, SAMPLES of ``per_frame`` samples, BELT every 20 ms if it has an encoder, from a
walker whose contacts are known (``Walker``), with faults a test asks for: frames lost
(their seq skipped), a frame with a bad CRC, an unknown frame type, an ERROR frame, a
restart (seq and clock back to zero, a new HELLO), starting seq/t_us near their wrap.
Everything it sent and every fault is kept in ``log`` for the test to compare with.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass, field

HELLO, SAMPLES, BELT, STATUS, ERROR = 1, 2, 3, 4, 5
ROLES = (0x10, 0x11, 0x20, 0x21)  # L-heel, L-toe, R-heel, R-toe


def crc16_ccitt_false(data: bytes) -> int:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def cobs_encode(data: bytes) -> bytes:
    out, block = bytearray(), bytearray()
    for b in data:
        if b == 0:
            out += bytes([len(block) + 1]) + block
            block.clear()
        else:
            block.append(b)
            if len(block) == 254:
                out += b"\xff" + block
                block.clear()
    return bytes(out + bytes([len(block) + 1]) + block)


def raw_frame(ftype: int, seq: int, t_us: int, payload: bytes, *, bad_crc: bool = False) -> bytes:
    body = struct.pack("<BHI", ftype, seq & 0xFFFF, t_us & 0xFFFFFFFF) + payload
    crc = crc16_ccitt_false(body) ^ (0x0101 if bad_crc else 0)
    return body + struct.pack("<H", crc)


def wire(raw: bytes) -> bytes:
    return cobs_encode(raw) + b"\x00"


def hello_payload(rate_hz: int, roles=ROLES, adc_bits=12, counts_per_m=0.0, offset=40) -> bytes:
    head = struct.pack(
        "<BBB8sHBfB", 1, 1, 0, b"INDEP001", rate_hz, adc_bits, counts_per_m, len(roles)
    )
    return head + b"".join(struct.pack("<Bhf", r, offset, 0.0) for r in roles)


def samples_payload(period_us: int, rows: list[list[int]]) -> bytes:
    c = len(rows[0])
    flat = [v for row in rows for v in row]
    return struct.pack(f"<BBH{len(flat)}h", c, len(rows), period_us, *flat)


@dataclass
class Walker:
    """Two feet on a treadmill: left IC at ``first_ic + 2k*step_s``, right one step later.

    Each contact lasts ``stance_s``: the heel is loaded over its first 45 %, the toe from
    20 % to the end (FC). Forces are ADC counts above ``offset``, peak ``peak``, plus up to
    ``noise`` counts either way (deterministic in time, as an ADC's noise is not: no two
    stretches of samples are alike, so a box restarted soon after power-up sends other
    samples than before).
    """

    step_s: float = 0.55
    stance_s: float = 0.68
    first_ic: float = 0.30
    peak: int = 1500
    offset: int = 40
    noise: int = 2

    def contacts(self, until_s: float) -> list[tuple[str, float, float]]:
        out, k = [], 0
        while True:
            ic = self.first_ic + k * self.step_s
            if ic > until_s:
                return out
            out.append(("L" if k % 2 == 0 else "R", ic, ic + self.stance_s))
            k += 1

    def row(self, t: float) -> list[int]:
        k = math.floor((t - self.first_ic) / self.step_s)
        forces = [0.0, 0.0, 0.0, 0.0]
        for j in (k - 1, k):
            if j < 0:
                continue
            u = (t - self.first_ic - j * self.step_s) / self.stance_s
            if not 0.0 <= u < 1.0:
                continue
            base = 0 if j % 2 == 0 else 2
            if u < 0.45:
                forces[base] += math.sin(math.pi * u / 0.45)
            if u >= 0.2:
                forces[base + 1] += math.sin(math.pi * (u - 0.2) / 0.8)
        k = round(t * 1e5)
        return [
            self.offset
            + round(self.peak * f)
            + ((k * 2654435761 + c * 40503) >> 9) % (2 * self.noise + 1)
            - self.noise
            for c, f in enumerate(forces)
        ]


@dataclass
class BoxStream:
    rate_hz: int = 500
    per_frame: int = 10
    walker: Walker = field(default_factory=Walker)
    seq0: int = 0
    t0_us: int = 0
    counts_per_m: float = 0.0
    belt_mps: float = 1.0
    lose: set[int] = field(default_factory=set)  # frame indices (0-based) not sent
    bad_crc: set[int] = field(default_factory=set)
    unknown_at: set[int] = field(default_factory=set)  # frame indices sent as type 0x7E
    error_at: set[int] = field(default_factory=set)
    restart_at_s: float | None = None
    seq: int = 0
    t_s: float = 0.0  # device seconds of samples produced so far (since power-up/restart)
    walk_s: float = 0.0  # walker time (continues across a restart: the feet go on)
    index: int = 0
    next_hello: float = 0.0
    next_belt: float = 0.02
    restarted: bool = False
    log: dict[str, int] = field(default_factory=dict)
    #: every frame the box made: (seq, type, fate, samples it carried), fate "sent", "lost",
    #: "bad_crc" or "unknown"
    frames: list[tuple[int, int, str, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.seq = self.seq0
        self.period_us = round(1e6 / self.rate_hz)

    def _count(self, key: str) -> None:
        self.log[key] = self.log.get(key, 0) + 1

    def _frame(self, ftype: int, payload: bytes, t_s: float) -> bytes:
        i, seq = self.index, self.seq
        self.index += 1
        self.seq = (self.seq + 1) & 0xFFFF
        t_us = (self.t0_us + round(t_s * 1e6)) & 0xFFFFFFFF
        n = payload[1] if ftype == SAMPLES else 0
        fate = (
            "lost"
            if i in self.lose
            else "unknown"
            if i in self.unknown_at
            else "bad_crc"
            if i in self.bad_crc
            else "sent"
        )
        self.frames.append((seq, ftype, fate, n))
        if fate == "lost":
            self._count("lost")
            return b""
        if fate == "unknown":
            self._count("unknown")
            return wire(raw_frame(0x7E, seq, t_us, b"future"))
        if fate == "bad_crc":
            self._count("bad_crc")
            return wire(raw_frame(ftype, seq, t_us, payload, bad_crc=True))
        self._count({1: "hello", 2: "samples", 3: "belt", 4: "status", 5: "error"}[ftype])
        if i in self.error_at:
            extra = wire(raw_frame(ERROR, self.seq, t_us, b"\x01open circuit ch2"))
            self.frames.append((self.seq, ERROR, "sent", 0))
            self.seq = (self.seq + 1) & 0xFFFF
            self.index += 1
            self._count("error")
            return wire(raw_frame(ftype, seq, t_us, payload)) + extra
        return wire(raw_frame(ftype, seq, t_us, payload))

    def _restart(self) -> None:
        self.restarted = True
        self._count("restart")
        self.seq, self.t0_us, self.t_s = 0, 0, 0.0
        self.next_hello, self.next_belt = 0.0, 0.02

    def advance(self, until_walk_s: float) -> bytes:
        """Every frame the box sends until the walker's clock reaches ``until_walk_s``."""
        out = bytearray()
        block_s = self.per_frame / self.rate_hz
        while self.walk_s + block_s <= until_walk_s:
            if (
                self.restart_at_s is not None
                and not self.restarted
                and self.walk_s >= self.restart_at_s
            ):
                self._restart()
            if self.t_s >= self.next_hello:
                out += self._frame(
                    HELLO, hello_payload(self.rate_hz, counts_per_m=self.counts_per_m), self.t_s
                )
                out += self._frame(STATUS, struct.pack("<HIH", 0, 0, 5000), self.t_s)
                self.next_hello += 1.0
            rows = [self.walker.row(self.walk_s + k / self.rate_hz) for k in range(self.per_frame)]
            out += self._frame(SAMPLES, samples_payload(self.period_us, rows), self.t_s)
            self.t_s += block_s
            self.walk_s += block_s
            if self.counts_per_m and self.t_s >= self.next_belt:
                counts = round(self.belt_mps * self.counts_per_m * 0.02)
                out += self._frame(BELT, struct.pack("<iI", counts, 20000), self.t_s)
                self.next_belt += 0.02
        return bytes(out)


@dataclass
class PacedBox:
    """A BoxStream on the wall clock, for a PtyDevice: frames go out as device time passes."""

    stream: BoxStream
    start: float | None = None
    speed: float = 1.0  # device seconds per wall second (1: real time)

    def feed(self, data: bytes, now: float) -> bytes:
        return b""  # version 1 has no host-to-box commands

    def tick(self, now: float) -> bytes:
        if self.start is None:
            self.start = now
        return self.stream.advance((now - self.start) * self.speed)
