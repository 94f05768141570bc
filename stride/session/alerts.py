"""Moved to :mod:`stride.session.screen.alerts` (re-exported here for old callers)."""

from stride.session.screen.alerts import (
    Alert,
    current_alerts,
)

__all__ = [
    "Alert",
    "current_alerts",
]
