"""Moved to :mod:`stride.session.treadmill` (re-exported here for old callers)."""

from stride.session.treadmill import (
    RX_STREAM,
    TX_STREAM,
    BeltSource,
    TreadmillBelt,
)

__all__ = [
    "RX_STREAM",
    "TX_STREAM",
    "BeltSource",
    "TreadmillBelt",
]
