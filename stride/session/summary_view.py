"""Moved to :mod:`stride.session.screen.summary` (re-exported here for old callers)."""

from stride.session.screen.summary import (
    summary_table,
)

__all__ = [
    "summary_table",
]
