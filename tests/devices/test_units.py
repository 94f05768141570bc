from __future__ import annotations

import pytest

from devices.errors import InputError
from devices.units import format_speed, parse_speed


@pytest.mark.parametrize(
    ("text", "mps"),
    [("3.6kmh", 1.0), ("3.6 km/h", 1.0), ("1mph", 0.44704), ("1.2mps", 1.2), ("0.5m/s", 0.5)],
)
def test_parse_speed(text: str, mps: float) -> None:
    assert parse_speed(text) == pytest.approx(mps)


@pytest.mark.parametrize("text", ["3.5", "fast", "-1kmh", "", "99mps", "3.5 furlongs"])
def test_parse_speed_refuses(text: str) -> None:
    with pytest.raises(InputError):
        parse_speed(text)


def test_format_speed() -> None:
    assert format_speed(1.0) == "3.6 km/h"
