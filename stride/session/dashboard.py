"""Moved to :mod:`stride.session.screen.dashboard` (re-exported here for old callers)."""

from stride.session.screen.dashboard import (
    beat_on,
    fmt_clock,
    fmt_pct,
    render,
    target_cadence,
)

__all__ = [
    "beat_on",
    "fmt_clock",
    "fmt_pct",
    "render",
    "target_cadence",
]
