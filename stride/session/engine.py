"""Moved to :mod:`stride.ingest.engine` (re-exported here for old callers)."""

from stride.ingest.engine import (
    BELT_BOX,
    BELT_FIXED,
    BELT_NONE,
    BELT_TREADMILL,
    CoreEngine,
)

__all__ = [
    "BELT_BOX",
    "BELT_FIXED",
    "BELT_NONE",
    "BELT_TREADMILL",
    "CoreEngine",
]
