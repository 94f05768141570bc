"""Fixtures of the session tests: synthetic steps in the step-row format of docs/formats.md."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

MakeSteps = Callable[..., list[dict[str, Any]]]


def _make_steps(n: int, *, left: float, right: float, t0: float = 0.0) -> list[dict[str, Any]]:
    """Alternating R, L steps, 0.5 s apart, with the given step lengths and a 0.60 m target."""
    steps = []
    for i in range(n):
        side = "L" if i % 2 else "R"
        length = left if side == "L" else right
        steps.append(
            {
                "side": side,
                "ic_s": t0 + 0.5 * i,
                "step_time_s": 0.5 + (0.02 if side == "L" else 0.0),
                "stride_time_s": 1.0 + 0.01 * (i % 3),
                "stance_s": 0.62 if side == "L" else 0.58,
                "step_length_m": length,
                "target_error_m": length - 0.60,
                "on_target": abs(length - 0.60) <= 0.05 + 1e-12,
                "flags": [],
                "contact_type": "heel" if side == "L" or i % 4 == 0 else "flat",
                "impulse": 300.0 if side == "L" else 200.0,
            }
        )
    return steps


@pytest.fixture
def make_steps() -> MakeSteps:
    """Alternating R, L steps 0.5 s apart with given step lengths against a 0.60 m target."""
    return _make_steps
