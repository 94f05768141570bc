"""Moved to :mod:`stride.ingest.treadmill_clock` (re-exported here for old callers)."""

from stride.ingest.treadmill_clock import (
    FLAG_BELT_UNKNOWN,
    STALE_S,
    RecordedTreadmill,
    TreadmillBeltClock,
    flag_row,
    treadmill_belt,
)

__all__ = [
    "FLAG_BELT_UNKNOWN",
    "STALE_S",
    "RecordedTreadmill",
    "TreadmillBeltClock",
    "flag_row",
    "treadmill_belt",
]
