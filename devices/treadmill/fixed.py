"""A treadmill without a port: the belt runs at a speed the user states (``fixed:3.5kmh``)."""

from __future__ import annotations

from typing import Any

from devices.errors import InputError
from devices.treadmill.base import Treadmill
from devices.units import format_speed, parse_speed

#: The slowest stated belt speed taken (0.36 km/h): below it every step length would be
#: about zero. Treadmills start at 0.5 km/h or more; the simulator refuses below 0.2 m/s.
MIN_SPEED_MPS = 0.1


def parse_fixed_speed(text: str) -> float:
    """The belt speed of ``fixed:SPEED`` in m/s; a belt that does not move is refused."""
    speed = parse_speed(text)
    if speed < MIN_SPEED_MPS:
        raise InputError(
            f"fixed belt speed {text.strip()!r} is below {format_speed(MIN_SPEED_MPS)}: every "
            "step length would be about zero",
            fix="give the speed the treadmill's console shows, e.g. fixed:3.5kmh",
        )
    return speed


class FixedTreadmill(Treadmill):
    """Reports a constant speed; speed and start/stop are set at the treadmill's console."""

    name = "fixed"

    def __init__(self, speed_mps: float) -> None:
        super().__init__(timeout=1.0)
        self.speed_mps = speed_mps

    @classmethod
    def open(cls, target: str, **_: Any) -> FixedTreadmill:
        """``target`` is a speed with its unit, e.g. ``3.5kmh`` (see devices.units)."""
        return cls(parse_fixed_speed(target))

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        return (self.speed_mps,)

    def _close(self) -> None:
        """Nothing to release."""
