"""Ground truth: step and stride definitions on hand-made contacts (golden values)."""

from __future__ import annotations

import pytest

from sim.treadmill import Treadmill
from sim.truth import TRUTH_COLUMNS, truth_steps
from sim.walker import Contact


def contacts() -> list[Contact]:
    # L at 1.0, R at 1.6, L at 2.2, R at 2.8; stance 0.72 s; placements in mm.
    cs = []
    for k, (side, ic, place) in enumerate(
        [("L", 1.0, 0.0), ("R", 1.6, 0.002), ("L", 2.2, -0.001), ("R", 2.8, 0.003)]
    ):
        cs.append(Contact(side, ic, 0.72, "heel", 1.0, place, fc=ic + 0.72, cycle=k // 2))
    return cs


def test_treadmill_steps_golden() -> None:
    tm = Treadmill(1.0, dip_per_70kg=0.0)
    steps = truth_steps(contacts(), belt=tm, end_s=3.5)
    assert [s.side for s in steps] == ["L", "R", "L", "R"]
    first, second, third, fourth = steps
    assert first.step_time_s is None and first.step_length_m is None
    assert second.step_time_s == pytest.approx(0.6)
    assert second.step_length_m == pytest.approx(0.6 + 0.002)
    assert second.belt_m == pytest.approx(0.6)
    assert second.placement_m == pytest.approx(0.002)
    assert third.step_length_m == pytest.approx(0.6 - 0.003)
    assert third.stride_time_s == pytest.approx(1.2)
    assert third.stride_length_m == pytest.approx(1.2 - 0.001)
    assert third.stance_s == pytest.approx(0.72)
    assert third.swing_s == pytest.approx(2.2 - 1.72)
    assert fourth.fc_s is None  # FC at 3.52 is after the end


def test_clock_scale_and_gaps_and_row_format() -> None:
    tm = Treadmill(1.0, dip_per_70kg=0.0)
    steps = truth_steps(contacts(), belt=tm, end_s=3.5, clock_scale=1 + 100e-6, gaps=[(2.0, 2.1)])
    assert steps[2].ic_s == pytest.approx(2.2 * (1 + 100e-6))
    assert "gap" in steps[2].flags and "gap" not in steps[0].flags
    row = steps[0].row()
    assert len(row) == len(TRUTH_COLUMNS)
    assert row[:5] == ["L", "1.000100", "1.720172", "", ""]
    assert TRUTH_COLUMNS[:9] == (
        "side",
        "ic_s",
        "fc_s",
        "step_time_s",
        "stride_time_s",
        "stance_s",
        "swing_s",
        "step_length_m",
        "stride_length_m",
    )


def test_overground_uses_walked_step_lengths() -> None:
    cs = contacts()
    for c in cs:
        c.step_length = 0.55
    steps = truth_steps(cs, belt=None, end_s=3.5)
    assert steps[0].step_length_m is None
    assert steps[1].step_length_m == 0.55
    assert steps[2].stride_length_m == pytest.approx(1.10)
