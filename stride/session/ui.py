"""Moved to :mod:`stride.session.screen.terminal` (re-exported here for old callers)."""

from stride.session.screen.terminal import (
    run_dashboard,
    signature,
)

__all__ = [
    "run_dashboard",
    "signature",
]
