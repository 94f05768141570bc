"""Moved to :mod:`stride.session.screen.keys` (re-exported here for old callers)."""

from stride.session.screen.keys import (
    ACTIONS,
    KeyReader,
    actions_for,
)

__all__ = [
    "ACTIONS",
    "KeyReader",
    "actions_for",
]
