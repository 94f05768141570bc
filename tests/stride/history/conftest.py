"""Small hand-made summaries in the DESIGN.md format for the history tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def make_summary(
    si: float, *, within: float = 0.8, cadence: float = 110.0, cv: float = 2.5
) -> dict[str, Any]:
    """A summary whose step-length symmetry index is ``si`` (left longer when positive)."""
    mean = 0.6
    left = mean * (1 + si / 200.0)
    right = mean * (1 - si / 200.0)
    stat = lambda m: {"mean": m, "sd": 0.02, "n": 100}  # noqa: E731
    side = lambda sl: {  # noqa: E731
        "step_length_m": stat(sl),
        "step_time_s": stat(0.55),
        "stride_time_s": stat(1.1),
        "stance_s": stat(0.66),
        "swing_s": stat(0.44),
    }
    sym = {"si": si, "ga": 0.0, "sa": 0.0, "ratio": left / right}
    return {
        "steps": 200,
        "cadence_spm": cadence,
        "L": side(left),
        "R": side(right),
        "symmetry": {"step_length": sym, "step_time": sym, "stance": sym, "swing": sym, "pci": 3.0},
        "variability": {
            "stride_time_cv": {"L": cv, "R": cv},
            "dfa_alpha": {"L": 0.8, "R": 0.8, "n": 100},
        },
        "target": {"step_length_m": 0.6, "tolerance_m": 0.05, "within": {"L": within, "R": within}},
    }


@pytest.fixture
def summary() -> Callable[..., dict[str, Any]]:
    """Factory of hand-made summaries (see :func:`make_summary`)."""
    return make_summary


@pytest.fixture
def db(tmp_path: Any) -> Any:
    """A fresh history file path (not yet created)."""
    return tmp_path / "history.sqlite"
