"""Speeds as people write them (``3.5kmh``, ``2.2mph``, ``1.1mps``) -> metres per second.

One parser for every place a speed is typed: ``--speed``, ``fixed:3.5kmh``, sim URLs.
"""

from __future__ import annotations

import re

from devices.errors import InputError

MPH = 0.44704  # m/s per mile per hour (exact)
KMH = 1.0 / 3.6  # m/s per km/h

_FACTORS = {"kmh": KMH, "km/h": KMH, "kph": KMH, "mph": MPH, "mps": 1.0, "m/s": 1.0}
_SPEED = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(km/h|kmh|kph|mph|mps|m/s)\s*$", re.IGNORECASE)


def parse_speed(text: str, *, most_mps: float = 10.0) -> float:
    """Return the speed in m/s; the unit is required so that 3.5 is never ambiguous.
    Above ``most_mps`` it is refused (a caller with a narrower range of its own gives
    ``math.inf`` and says that range: one message for one problem)."""
    m = _SPEED.match(text)
    if not m:
        raise InputError(
            f"cannot read speed {text!r}",
            fix="write a number and a unit, e.g. 3.5kmh, 2.2mph or 1.0mps",
        )
    value = float(m.group(1)) * _FACTORS[m.group(2).lower()]
    if value > most_mps:
        raise InputError(f"speed {text!r} is above {most_mps:g} m/s", fix="check the unit")
    return value


def format_speed(mps: float) -> str:
    """Belt speed as users read it: km/h with one decimal."""
    return f"{mps / KMH:.1f} km/h"
