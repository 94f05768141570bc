"""What the decoder emits: typed events with device time unwrapped, and its counters."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
from numpy.typing import NDArray

from devices.sensorbox.frames import FLAG_DROPPED, FLAG_ENCODER, FLAG_SATURATED, Hello


@dataclass(frozen=True, slots=True)
class HelloEvent:
    """A HELLO frame: the box's identity and channel map (sent at power-up and every second)."""

    hello: Hello
    seq: int
    t_us: int
    host_t: float = 0.0


@dataclass(frozen=True, eq=False)
class SampleBlock:
    """Samples of one SAMPLES frame.

    - ``t_us``: int64 (N,), unwrapped device microseconds of every sample.
    - ``values``: int16 (N, C), raw ADC counts, sample-major.
    - ``missing_before``: frames lost since the previous SampleBlock (any type: a lost frame's
      type is unknown); > 0 means a gap that must never be bridged or interpolated.
    - ``restart``: the box restarted (time and seq jumped back) just before this block;
      device time continues from the host clock across the restart.
    """

    t_us: NDArray[np.int64]
    values: NDArray[np.int16]
    seq: int
    missing_before: int = 0
    host_t: float = 0.0
    period_us: int = 0
    restart: bool = False

    @property
    def gap_before(self) -> bool:
        """True when samples are missing (or time restarted) just before this block."""
        return self.missing_before > 0 or self.restart

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SampleBlock):
            return NotImplemented
        return (
            self.seq == other.seq
            and self.missing_before == other.missing_before
            and self.host_t == other.host_t
            and self.period_us == other.period_us
            and self.restart == other.restart
            and np.array_equal(self.t_us, other.t_us)
            and np.array_equal(self.values, other.values)
        )

    __hash__ = None  # type: ignore[assignment]


@dataclass(frozen=True)
class BeltBlock:
    """Belt encoder counts over one interval ending at ``t_us`` (unwrapped device time).

    ``speed_mps`` is None until a HELLO gave the counts per metre (or if it is 0).
    """

    t_us: int
    counts: int
    interval_us: int
    speed_mps: float | None
    seq: int
    host_t: float = 0.0


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """Box health, once a second."""

    flags: int
    dropped: int
    supply_mv: int
    seq: int
    t_us: int
    host_t: float = 0.0

    @property
    def saturated(self) -> bool:
        return bool(self.flags & FLAG_SATURATED)

    @property
    def samples_dropped(self) -> bool:
        return bool(self.flags & FLAG_DROPPED)

    @property
    def encoder_fault(self) -> bool:
        return bool(self.flags & FLAG_ENCODER)


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """A message from the box for a person (code 1 open, 2 shorted, 3 encoder, 255 other)."""

    code: int
    message: str
    seq: int
    t_us: int
    host_t: float = 0.0


Event = HelloEvent | SampleBlock | BeltBlock | StatusEvent | ErrorEvent

#: What the ERROR frame's codes mean (docs/protocol.md, "0x05 ERROR"); any other is "other".
ERROR_CODES = {1: "sensor open circuit", 2: "sensor shorted", 3: "encoder fault"}


def error_words(ev: ErrorEvent) -> str:
    """An ERROR frame as one printable line: ``code 1 (sensor open circuit): message``
    (a long message cut at 120 characters, control characters as '?')."""
    text = "".join(c if c.isprintable() else "?" for c in ev.message[:120])
    meaning = ERROR_CODES.get(ev.code, "other")
    return f"code {ev.code} ({meaning})" + (f": {text}" if text else "")


@dataclass
class DecoderStats:
    """Counters for the dashboard and for tests.

    Byte accounting: ``bytes_in == bytes_ok + bytes_discarded + pending`` at all times.
    ``frames`` counts frames with a good CRC and a well-formed payload (unknown types and
    channel-count mismatches included; ``malformed`` ones are not).
    """

    bytes_in: int = 0
    bytes_ok: int = 0
    bytes_discarded: int = 0
    resyncs: int = 0  # rejected stretches of bytes (each ends at a delimiter)
    frames: int = 0
    crc_errors: int = 0
    cobs_errors: int = 0
    truncated: int = 0  # shorter than 9 bytes after COBS decoding
    malformed: int = 0  # good CRC, payload of the wrong length for its type
    oversize: int = 0  # more bytes than any valid frame without a delimiter
    unknown_types: int = 0
    channel_mismatch: int = 0  # SAMPLES whose channel count differs from HELLO
    gaps: int = 0
    frames_lost: int = 0
    duplicates: int = 0
    late: int = 0  # arrived after their gap was already reported; dropped
    reordered: int = 0  # held back and put in sequence order
    restarts: int = 0
    samples: int = 0
    extra: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, int]:
        d = asdict(self)
        d.pop("extra")
        d.update(self.extra)
        return d
