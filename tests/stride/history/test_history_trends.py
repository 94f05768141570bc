"""Trends, the exponential fit and the sudden-change rule, on hand-made sessions."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stride.history.db import SessionRecord
from stride.history.metrics import trend_columns
from stride.history.trends import (
    NORMAL_SI,
    SessionPoint,
    fit_exponential,
    points,
    sudden_changes,
    trends,
)


def _pt(i: int, si: float | None) -> SessionPoint:
    return SessionPoint(
        i, "P", f"2026-11-{i + 1:02d}T00:00", "live", 100, 110.0, si, 0.8, 2.0, None
    )


def test_normal_si_matches_ratio_1_1() -> None:
    assert pytest.approx(9.5238, abs=1e-4) == NORMAL_SI


def test_worsening_beyond_2sd_is_flagged_improvement_is_not() -> None:
    steady = [5.0, 6.0, 5.5, 4.5, 5.0]
    pts = [_pt(i, v) for i, v in enumerate([*steady, 15.0])]
    (w,) = sudden_changes(pts)
    assert w.session_id == 5 and w.kind == "more asymmetric" and w.n_baseline == 5
    assert w.baseline_mean == pytest.approx(5.2)
    assert w.baseline_sd == pytest.approx(math.sqrt(0.325))
    assert "health professional" in w.message and "left step is longer" in w.message
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, -4.0])])[0].kind == (
        "other side longer"
    )
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, 0.0])]) == []


def test_needs_a_baseline_and_respects_the_sd_floor() -> None:
    assert sudden_changes([_pt(0, 2.0), _pt(1, 2.0), _pt(2, 30.0)]) == []  # 2 sessions only
    flat = [_pt(i, 5.0) for i in range(5)]
    assert sudden_changes([*flat, _pt(5, 6.5)]) == []  # within 2 x the 1-point floor
    assert len(sudden_changes([*flat, _pt(5, 7.5)])) == 1
    assert sudden_changes([*flat, _pt(5, None), _pt(6, 5.0)]) == []


def test_window_uses_only_recent_sessions() -> None:
    recovering = [30.0, 25.0, 20.0, 15.0, 5.0, 5.2, 4.8, 5.1, 4.9, 5.0, 5.0, 4.9]
    pts = [_pt(i, v) for i, v in enumerate([*recovering, 9.0])]
    assert [w.session_id for w in sudden_changes(pts, window=6)] == [12]


def test_trends_slope(summary: Callable[..., dict[str, Any]]) -> None:
    pts = [_pt(i, 10.0 - 2.0 * i) for i in range(4)]
    (si,) = [t for t in trends(pts) if t.metric == "step_length_si"]
    assert (si.first, si.last, si.n) == (10.0, 4.0, 4)
    assert si.slope_per_session == pytest.approx(-2.0)


def test_points_from_records(summary: Callable[..., dict[str, Any]]) -> None:
    rec = SessionRecord(
        1, "P", "2026", "sim", [], None, summary(4.0, cv=3.0), None, {"feedback": True}
    )
    (p,) = points([rec])
    assert (p.step_length_si, p.stride_time_cv, p.feedback, p.steps) == (4.0, 3.0, True, 200)
    assert trend_columns({}, {}) == (None, None, None, None, None, None)
    assert trend_columns({"target": {"within": {"L": 0.5}}}, {})[3] == 0.5


def test_fit_exponential_golden() -> None:
    x = np.arange(1, 25, dtype=float)
    y = 3.0 + 20.0 * np.exp(-x / 6.0)
    fit = fit_exponential(x, y)
    assert fit is not None
    assert fit.tau == pytest.approx(6.0, rel=0.02)
    assert fit.plateau == pytest.approx(3.0, abs=0.2)
    assert fit.amplitude == pytest.approx(20.0, rel=0.03)
    # 3 + 20 exp(-x/6) = 9.5238  ->  x = -6 ln(6.5238 / 20) = 6.723
    assert fit.crossing(NORMAL_SI) == pytest.approx(6.723, rel=0.03)
    assert fit.crossing(2.0) is None  # below the plateau: never reached
    assert fit_exponential([1, 2], [3, 4]) is None
    assert fit_exponential([1, 1, 1], [3, 4, 5]) is None


def test_fit_exponential_with_noise(rng: np.random.Generator) -> None:
    x = np.arange(0, 30, dtype=float)
    y = 2.0 + 15.0 * np.exp(-x / 8.0) + rng.normal(0, 0.5, x.size)
    fit = fit_exponential(x, y)
    assert fit is not None and 6.0 < fit.tau < 10.5 and fit.rmse < 0.8
