"""FTMS Fitness Machine Feature (0x2ACC) and supported ranges (0x2AD4, 0x2AD5).

Public through :mod:`devices.ble.ftms`. A speed request is clamped to the supported range
and put on its increment grid; the caller is told when the value changed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from devices.ble._fields import FieldReader
from devices.ble.errors import ValueOutOfRangeError

#: Fitness Machine Features bits (FTMS 1.0 table 4.3)
MACHINE_FEATURES = (
    "average speed",
    "cadence",
    "total distance",
    "inclination",
    "elevation gain",
    "pace",
    "step count",
    "resistance level",
    "stride count",
    "expended energy",
    "heart rate measurement",
    "metabolic equivalent",
    "elapsed time",
    "remaining time",
    "power measurement",
    "force on belt and power output",
    "user data retention",
)
#: Target Setting Features bits (FTMS 1.0 table 4.4), the first ones a treadmill uses
TARGET_FEATURES = (
    "speed target",
    "inclination target",
    "resistance target",
    "power target",
    "heart rate target",
    "targeted expended energy",
    "targeted step number",
    "targeted stride number",
    "targeted distance",
    "targeted training time",
    "two heart rate zones",
    "three heart rate zones",
    "five heart rate zones",
    "indoor bike simulation",
    "wheel circumference",
    "spin down control",
    "targeted cadence",
)


@dataclass(frozen=True)
class Features:
    """The two 32-bit fields of Fitness Machine Feature."""

    machine: int
    target: int

    def machine_features(self) -> list[str]:
        return [n for i, n in enumerate(MACHINE_FEATURES) if self.machine >> i & 1]

    def target_features(self) -> list[str]:
        return [n for i, n in enumerate(TARGET_FEATURES) if self.target >> i & 1]

    @property
    def speed_target(self) -> bool:
        return bool(self.target & 1)

    @property
    def inclination_target(self) -> bool:
        return bool(self.target & 2)


def parse_feature(data: bytes | bytearray | memoryview) -> Features:
    """Decode Fitness Machine Feature: two uint32 bit fields (reserved bits are ignored,
    as the specification asks of a client)."""
    reader = FieldReader(data, "Fitness Machine Feature")
    machine = reader.take("uint32", "the machine features")
    target = reader.take("uint32", "the target setting features")
    reader.done()
    return Features(machine, target)


@dataclass(frozen=True)
class SpeedRange:
    """Supported Speed Range in km/h."""

    min_kmh: float
    max_kmh: float
    increment_kmh: float

    def clamp(self, kmh: float) -> tuple[float, str | None]:
        """``kmh`` inside the range and on its increment grid, and a sentence saying it was
        clamped (None when it was inside the range)."""
        return _clamp(kmh, self.min_kmh, self.max_kmh, self.increment_kmh, "km/h", 2)


@dataclass(frozen=True)
class InclinationRange:
    """Supported Inclination Range in percent."""

    min_pct: float
    max_pct: float
    increment_pct: float

    def clamp(self, pct: float) -> tuple[float, str | None]:
        return _clamp(pct, self.min_pct, self.max_pct, self.increment_pct, "%", 1)


def _clamp(
    v: float, lo: float, hi: float, inc: float, unit: str, digits: int
) -> tuple[float, str | None]:
    """Put ``v`` on the grid ``lo + k * inc`` inside ``lo..hi``; say so when it was
    outside the range (rounding to the grid is silent: it is below the treadmill's step)."""
    if not math.isfinite(v):
        raise ValueOutOfRangeError(f"{v!r} {unit} is not a number")
    out = min(max(v, lo), hi)
    out = min(round(lo + round((out - lo) / inc) * inc, digits), hi)
    if lo <= v <= hi:
        return out, None
    return out, f"{v:g} {unit} is outside the treadmill's range {lo:g}..{hi:g} {unit}: sent {out:g}"


def parse_speed_range(data: bytes | bytearray | memoryview) -> SpeedRange:
    """Decode Supported Speed Range: min, max, increment, each uint16 in 0.01 km/h."""
    reader = FieldReader(data, "Supported Speed Range")
    lo = reader.take("uint16", "the minimum speed")
    hi = reader.take("uint16", "the maximum speed")
    inc = reader.take("uint16", "the minimum increment")
    reader.done()
    _check_range(lo, hi, inc, "Supported Speed Range", 100, "km/h")
    return SpeedRange(lo / 100, hi / 100, inc / 100)


def parse_inclination_range(data: bytes | bytearray | memoryview) -> InclinationRange:
    """Decode Supported Inclination Range: min, max (sint16), increment (uint16), 0.1 %."""
    reader = FieldReader(data, "Supported Inclination Range")
    lo = reader.take("sint16", "the minimum inclination")
    hi = reader.take("sint16", "the maximum inclination")
    inc = reader.take("uint16", "the minimum increment")
    reader.done()
    _check_range(lo, hi, inc, "Supported Inclination Range", 10, "%")
    return InclinationRange(lo / 10, hi / 10, inc / 10)


def _check_range(lo: int, hi: int, inc: int, what: str, div: int, unit: str) -> None:
    if lo > hi or inc == 0:
        raise ValueOutOfRangeError(
            f"{what} {lo / div:g}..{hi / div:g} {unit} step {inc / div:g} is empty or has no step",
            fix="the treadmill reports an impossible range; speed requests are refused",
        )
