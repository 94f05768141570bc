"""The recovery model: schedule, exponential decay in dose, feedback, plateaus, setbacks,
within-session adaptation and the summary-level (--fast) path."""

from __future__ import annotations

import math
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import InputError
from sim.params import Feedback, GaitParams
from sim.profiles import PROFILES, profile_params
from sim.recovery import (
    RecoveryParams,
    _symmetry,
    adaptation_curve,
    blend,
    fast_summary,
    parse_profile,
    plan_patient,
    schedule_days,
)

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
QUIET = RecoveryParams(day_noise=0.0, setback_prob=0.0, patient_spread=0.0, retention_per_day=1.0)


def _plans(profile: str = "hemiparetic-left:0.6", **kw: object) -> list:  # type: ignore[type-arg]
    args: dict[str, object] = {
        "weeks": 8,
        "sessions_per_week": 3,
        "feedback": True,
        "seed": 7,
        "start": START,
    }
    args.update(kw)
    return plan_patient(profile, **args)  # type: ignore[arg-type]


def test_parse_profile() -> None:
    assert parse_profile("antalgic-left:0.5") == ("antalgic-left", 0.5)
    assert parse_profile("parkinsonian") == ("parkinsonian", 0.5)  # the simulator's default
    assert parse_profile("custom:step_time=10")[0].startswith("custom")
    for bad in ("limping:0.5", "antalgic-left:1.5", "antalgic-left:x", "antalgic-left:nan"):
        with pytest.raises(InputError):
            parse_profile(bad)


@given(st.text(max_size=30))
def test_parse_profile_fuzz(text: str) -> None:
    try:
        name, sev = parse_profile(text)
    except InputError as err:
        assert err.fix
    else:
        assert (name in PROFILES or name.startswith("custom")) and 0.0 <= sev <= 1.0


def test_schedule_three_a_week() -> None:
    assert schedule_days(2, 3) == [0, 2, 4, 7, 9, 11]
    assert len(schedule_days(8, 3)) == 24
    with pytest.raises(InputError):
        schedule_days(0, 3)
    with pytest.raises(InputError):
        schedule_days(2, 8)


def test_excess_decays_exponentially_in_dose_golden() -> None:
    plans = _plans("hemiparetic-left:0.6", params=QUIET, minutes=5.0)
    # E_k = exp(-k * 5 / 50) with feedback (no noise, no forgetting, no healing).
    for k in (0, 1, 10, 23):
        assert plans[k].excess == pytest.approx(math.exp(-k * 5.0 / 50.0))
    plateau = QUIET.plateau * 2.0  # hemiparetic plateau scale, before the per-patient draw
    assert plans[-1].impairment < plans[0].impairment
    assert all(p.impairment > 0.3 * plateau for p in plans)
    longer = _plans("hemiparetic-left:0.6", params=QUIET, minutes=10.0)
    assert longer[10].excess == pytest.approx(plans[20].excess)  # the dose is what counts


def test_feedback_speeds_recovery_across_patients() -> None:
    def last_week_si(feedback: bool) -> float:
        vals = []
        for seed in range(12):
            plans = _plans("antalgic-right:0.6", feedback=feedback, seed=seed)
            vals += [abs(fast_summary(p)["symmetry"]["step_length"]["si"]) for p in plans[-3:]]
        return float(np.mean(vals))

    assert last_week_si(True) < 0.8 * last_week_si(False)


def test_plateau_is_reached_not_zero() -> None:
    plans = _plans("parkinsonian:1", params=QUIET, weeks=40)
    assert plans[-1].excess < 1e-3
    assert plans[-1].impairment > 0.2  # parkinsonian plateau: 0.15 x 3 x per-patient draw


def test_setbacks_raise_impairment_and_are_marked() -> None:
    plans = _plans(params=replace(QUIET, setback_prob=1.0))
    assert all(p.setback for p in plans[1:]) and not plans[0].setback
    calm = _plans(params=QUIET)
    assert plans[-1].excess > calm[-1].excess


def test_forgetting_between_sessions_slows_recovery() -> None:
    kept = _plans(params=QUIET)[-1].excess
    forgetful = _plans(params=replace(QUIET, retention_per_day=0.97))[-1].excess
    assert forgetful > kept


def test_same_seed_same_sessions() -> None:
    a = [fast_summary(p) for p in _plans(seed=3)]
    b = [fast_summary(p) for p in _plans(seed=3)]
    c = [fast_summary(p) for p in _plans(seed=4)]
    assert a == b and a != c


def test_right_profiles_mirror_left() -> None:
    left = profile_params("antalgic-left", 0.5)
    right = profile_params("antalgic-right", 0.5)
    assert (
        left.step_length_asym == pytest.approx(-right.step_length_asym)
        and left.step_length_asym > 0
    )
    assert profile_params("healthy", 1.0) == GaitParams()


@given(
    st.sampled_from(sorted(PROFILES)),
    st.floats(0.0, 1.0),
    st.floats(0.0, 1.6),
)
def test_blended_walkers_are_always_valid(name: str, severity: float, f: float) -> None:
    g = blend(GaitParams(), profile_params(name, severity), f)
    assert isinstance(g, GaitParams)  # __post_init__ validated every field


def test_adaptation_curve_single_and_double() -> None:
    fb = Feedback(symmetry=True, tau_strides=30.0, residual=0.5)
    n = np.array([0.0, 30.0, 1e6])
    assert adaptation_curve(n, fb, 150.0, 1.0) == pytest.approx([1.0, 0.5 + 0.5 / math.e, 0.5])
    double = adaptation_curve(np.array([30.0]), fb, 150.0, 0.5)
    assert double[0] == pytest.approx(0.5 + 0.5 * (0.5 / math.e + 0.5 * math.exp(-0.2)))
    assert list(adaptation_curve(n, Feedback(), 150.0, 1.0)) == [1.0, 1.0, 1.0]


def test_symmetry_formulas_golden() -> None:
    s = _symmetry(0.39, 0.25)
    assert s["si"] == pytest.approx(43.75)
    assert s["sa"] == pytest.approx(-13.71, abs=0.01)
    assert s["ga"] == pytest.approx(100 * math.log(0.39 / 0.25))
    assert s["ratio"] == pytest.approx(1.56)


def test_fast_summary_has_the_design_format() -> None:
    plan = _plans("antalgic-left:0.5")[0]
    s = fast_summary(plan)
    for side in "LR":
        for key in ("step_length_m", "step_time_s", "stride_time_s", "stance_s", "swing_s"):
            assert set(s[side][key]) == {"mean", "sd", "n"}
    for key in ("step_length", "step_time", "stance", "swing"):
        assert set(s["symmetry"][key]) == {"si", "ga", "sa", "ratio"}
    assert s["steps"] == 2 * s["L"]["step_length_m"]["n"]
    assert 90 < s["cadence_spm"] < 130
    assert s["symmetry"]["step_length"]["si"] > 1.0  # antalgic-left: left step longer
    assert 0.0 <= s["target"]["within"]["L"] <= 1.0
    assert set(s["variability"]["dfa_alpha"]) == {"L", "R", "n"}
    expected_si = plan.gait.step_time_asym * 100  # on a belt, lengths follow step times
    plain = fast_summary(_plans("antalgic-left:0.5", feedback=False)[0])
    assert plain["symmetry"]["step_length"]["si"] == pytest.approx(expected_si, abs=1.5)


def test_fast_summary_swing_jitter_widens_stance_and_swing_alone() -> None:
    plan = _plans("antalgic-left:0.5")[0]
    jittered = replace(plan, gait=plan.gait.with_(swing_jitter_s=0.02))
    a, b = fast_summary(plan), fast_summary(jittered)
    for side in "LR":
        for key in ("stance_s", "swing_s"):
            assert b[side][key]["sd"] == pytest.approx(math.hypot(a[side][key]["sd"], 0.02))
        for key in ("step_length_m", "step_time_s", "stride_time_s"):
            assert b[side][key] == a[side][key]


def test_sim_recovery_never_imports_stride() -> None:
    code = (
        "import sys, sim.recovery; print(sorted(m for m in sys.modules if m.startswith('stride')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
