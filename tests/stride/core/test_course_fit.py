"""Learning what a pass and a turn take in this walker (course mode): the weighted
statistics' golden values, and laws learnt from a first reading that is wrong."""

from __future__ import annotations

import numpy as np
import pytest
from test_course import _choreic_walk  # type: ignore[import-not-found]

from stride.core.course_fit import (
    Laws,
    Phases,
    learn_and_segment,
    learnt_laws,
    phase_laws,
    weighted_median,
    weighted_sd,
)
from stride.core.course_segment import posterior, segment_course
from stride.core.step_ratios import step_ratios


def test_weighted_median_and_sd_golden_values() -> None:
    x = np.array([1.0, 2.0, 3.0, 10.0])
    assert weighted_median(x, np.ones(4)) == 2.0  # the smallest with half the weight
    assert weighted_median(x, np.array([0.1, 0.1, 0.1, 1.0])) == 10.0
    assert weighted_median(x, np.array([1.0, 0.0, 0.0, 0.5])) == 1.0
    # deviations from 2: 1, 0, 1, 8 -> weighted median 1 -> 1.4826
    assert weighted_sd(x, np.ones(4)) == pytest.approx(1.4826)
    assert weighted_sd(np.full(5, 17.0), np.ones(5)) == 0.0


def test_turns_learnt_from_the_whole_session_whatever_the_first_reading() -> None:
    """Told that turns take 2 steps (as a threshold that cuts them short would say), the
    laws learnt from a choreic walk of 14-step passes and 4-step turns are 14 and 4."""
    tab = _choreic_walk(0)
    ratio = step_ratios(tab)
    wrong = Laws(16.0, 4.0, 2.0, 1.5, 0.1, 1.4, 0.1)
    # taken at face value, tight, they would tell the passes apart wrongly
    tight = Laws(16.0, 0.5, 2.0, 0.5, 0.1, 1.4, 0.1)
    seg = segment_course(tight.evidence(ratio), *tight.priors(), 2)
    assert seg is not None and [j - i for i, j in seg.passes][:7] != [14] * 7
    laws = wrong
    for _ in range(4):
        post = posterior(laws.evidence(ratio), *laws.priors())
        assert post is not None
        new = learnt_laws(ratio, post, 1.25)
        assert new is not None
        laws = new
    assert (laws.pass_count, laws.turn_count) == (14.0, 4.0)
    assert laws.pass_sd == laws.turn_sd == 0.5  # every count the same: the floor

    def ratio_of(walking: np.ndarray) -> np.ndarray:
        return step_ratios(tab, walking=walking)

    seg = learn_and_segment(ratio_of, ratio, wrong, 2, 1.25)
    assert seg is not None
    assert [j - i for (i, j), shut in zip(seg.passes, seg.closed, strict=True) if shut] == [14] * 7


def test_each_foot_s_phase_laws_are_its_own() -> None:
    # left turn steps split their time 10 % more towards the swing, right ones 4 %; the
    # phases do not follow the step times of walking steps (slope 0)
    side = np.tile(np.array([0, 1], dtype=np.int8), 20)
    turning = np.zeros(40)
    turning[16:24] = 1.0
    ratio = np.where(turning > 0, 1.5, 1.0) + 0.01 * np.sin(np.arange(40))
    phase = np.where(turning > 0, np.where(side == 0, 1.10, 1.04), 1.0)
    spread, turn, slope = phase_laws(Phases(phase, side), ratio, turning)
    assert turn == (pytest.approx(1.10), pytest.approx(1.04))
    assert slope == (0.0, 0.0) and spread == (0.02, 0.02)  # the floor: no stray
    laws = Laws(16.0, 0.5, 4.0, 0.5, 0.1, 1.5, 0.2, spread, turn, slope)
    with_phase = laws.evidence(ratio, Phases(phase, side))
    alone = laws.evidence(ratio)
    assert np.all(with_phase[turning > 0] > alone[turning > 0])
    assert np.all(with_phase[turning == 0] < alone[turning == 0])
    # no phases: nothing to weigh
    assert phase_laws(None, ratio, turning) == ((0.0, 0.0), (1.0, 1.0), (0.0, 0.0))
