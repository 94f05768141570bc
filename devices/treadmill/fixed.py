"""A treadmill without a port: the belt runs at a speed the user states (``fixed:3.5kmh``)."""

from __future__ import annotations

from typing import Any

from devices.treadmill.base import Treadmill
from devices.units import parse_speed


class FixedTreadmill(Treadmill):
    """Reports a constant speed; speed and start/stop are set at the treadmill's console."""

    name = "fixed"

    def __init__(self, speed_mps: float) -> None:
        super().__init__(timeout=1.0)
        self.speed_mps = speed_mps

    @classmethod
    def open(cls, target: str, **_: Any) -> FixedTreadmill:
        """``target`` is a speed with its unit, e.g. ``3.5kmh`` (see devices.units)."""
        return cls(parse_speed(target))

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        return (self.speed_mps,)

    def _close(self) -> None:
        """Nothing to release."""
