"""Rolling figures over the last 20 strides, against hand-computed values."""

from __future__ import annotations

import math
import statistics
from typing import Any

import numpy as np
import pytest

from stride.core.rolling import ROLLING_STRIDES
from stride.core.symmetry import symmetry_index
from stride.core.targets import Target
from stride.session.state import SessionState

MakeSteps = Any


def test_symmetry_index_golden() -> None:
    # gait-metrics.md worked values: X_L = 0.39, X_R = 0.25 -> SI = 43.75 %
    assert symmetry_index(0.39, 0.25) == pytest.approx(43.75)
    assert symmetry_index(0.25, 0.39) == pytest.approx(-43.75)
    assert symmetry_index(None, 0.3) is None
    assert symmetry_index(0.0, 0.0) is None
    assert symmetry_index(math.nan, 0.3) is None


def test_rolling_figures_match_hand_values(make_steps: MakeSteps) -> None:
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05))
    steps = make_steps(40, left=0.63, right=0.54)
    s.add_steps(steps, host_t=1.0)
    r = s.rolling()
    assert r.n_steps == 40
    assert r.si_step_length == pytest.approx(symmetry_index(0.63, 0.54))
    assert r.si_step_time == pytest.approx(symmetry_index(0.52, 0.50))
    assert r.si_stance == pytest.approx(symmetry_index(0.62, 0.58))
    assert r.si_loading == pytest.approx(symmetry_index(300.0, 200.0))
    assert r.cadence_spm == pytest.approx(60.0 / 0.51)  # 60 / mean step time (0.50, 0.52)
    left_strides = [st["stride_time_s"] for st in steps if st["side"] == "L"]
    cv = 100 * statistics.stdev(left_strides) / statistics.mean(left_strides)
    assert r.stride_time_cv["L"] == pytest.approx(cv)
    assert r.heel_first_share["L"] == 1.0
    assert r.heel_first_share["R"] == pytest.approx(0.5)
    # L: error +0.03 within 0.05; R: -0.06 outside
    assert s.within_share() == {"L": 1.0, "R": 0.0}


def test_window_keeps_only_last_20_strides(make_steps: MakeSteps) -> None:
    s = SessionState(Target(step_length_m=0.60))
    s.add_steps(make_steps(40, left=0.40, right=0.40), host_t=0.0)
    s.add_steps(make_steps(2 * ROLLING_STRIDES, left=0.70, right=0.50, t0=100.0), host_t=1.0)
    r = s.rolling()
    assert r.step_length_m["L"] == pytest.approx(0.70)
    assert r.step_length_m["R"] == pytest.approx(0.50)
    assert s.steps_total == 80


def test_flagged_steps_are_left_out_and_pause_stops_scoring(make_steps: MakeSteps) -> None:
    s = SessionState(Target(step_length_m=0.60))
    steps = make_steps(10, left=0.60, right=0.60)
    for st in steps[:4]:
        st["flags"] = ["gap"]
    s.add_steps(steps, host_t=0.0)
    assert s.rolling().n_steps == 6
    assert s.scored == {"L": 3, "R": 3}
    s.paused = True
    s.add_steps(make_steps(10, left=0.9, right=0.9, t0=50.0), host_t=1.0)
    assert s.scored == {"L": 3, "R": 3}
    assert s.steps_total == 20
    assert len(s.last_steps("L")) == 8  # still drawn while paused


def test_missing_values_give_none_not_zero() -> None:
    s = SessionState(None)
    s.add_steps([{"side": "L", "ic_s": 0.0, "step_length_m": None, "flags": []}], host_t=0.0)
    r = s.rolling()
    assert r.si_step_length is None and r.cadence_spm is None
    assert r.stride_time_cv == {"L": None, "R": None}
    assert s.within_share() == {"L": None, "R": None}


def test_dashboard_and_report_show_the_same_rolling_figures(make_steps: MakeSteps) -> None:
    from stride.report.plots import rolling_cv
    from stride.report.session import _unflagged, rolling_symmetry

    steps = make_steps(70, left=0.63, right=0.54)
    for i, st in enumerate(steps):
        st["step_length_m"] += 0.002 * (i % 7)
        st["stride_time_s"] += 0.003 * (i % 5)
    steps[5]["flags"] = ["gap"]
    steps[8]["step_length_m"] = None
    s = SessionState(Target(step_length_m=0.60))
    s.add_steps(steps, host_t=1.0)
    # the report reads steps.csv: a missing value is NaN there
    rows = [{k: (math.nan if v is None else v) for k, v in st.items()} for st in steps]
    si = rolling_symmetry(_unflagged(rows, "step_length_m"), "step_length_m", ROLLING_STRIDES)
    assert s.rolling().si_step_length == si[-1]
    strides = [r["stride_time_s"] for r in _unflagged(rows, "stride_time_s") if r["side"] == "L"]
    assert s.rolling().stride_time_cv["L"] == rolling_cv(np.asarray(strides), ROLLING_STRIDES)[-1]
