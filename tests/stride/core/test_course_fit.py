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
    unlike_counts,
    walking_log_likelihood,
)
from stride.core.course_segment import Segmentation, posterior, segment_course
from stride.core.course_stats import weighted_median, weighted_sd
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

    def readings_of(walking: np.ndarray) -> tuple[np.ndarray, None]:
        return step_ratios(tab, walking=walking), None

    seg = learn_and_segment(readings_of, ratio, wrong, 2, 1.25)
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
    spread, turn, slope, turn_slope = phase_laws(Phases(phase, side), ratio, turning, True)
    assert turn == (pytest.approx(1.10), pytest.approx(1.04)) and turn_slope == (0.0, 0.0)
    assert slope == (0.0, 0.0) and spread == (0.02, 0.02)  # the floor: no stray
    laws = Laws(16.0, 0.5, 4.0, 0.5, 0.1, 1.5, 0.2, spread, turn, slope)
    with_phase = laws.evidence(ratio, Phases(phase, side))
    alone = laws.evidence(ratio)
    assert np.all(with_phase[turning > 0] > alone[turning > 0])
    assert np.all(with_phase[turning == 0] < alone[turning == 0])
    # no phases: nothing to weigh
    assert phase_laws(None, ratio, turning) == ((0.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 0.0))


def test_a_turn_step_on_a_quick_cycle_shows_a_turn_s_split() -> None:
    # one foot (right, every other step): its walking steps' double support is set before
    # their time, so a walking step that lands late spends the extra time in its swing
    # (phase ratio = step-time ratio ** 0.35); its turn steps spend a turn's extra time in
    # the swing whatever their cycle's time (phase ratio 1.15 at step-time ratios from 0.95
    # to 1.9, as in huntington:0.5 seed 484, whose quick turn step had 0.97 and 1.20)
    rng = np.random.default_rng(1)
    n = 200
    side = np.tile(np.array([0, 1], dtype=np.int8), n // 2)
    turning = np.zeros(n)
    for start in range(20, n, 40):
        turning[start : start + 4] = 1.0
    ratio = np.where(turning > 0, rng.uniform(0.95, 1.9, n), 1.0 + 0.12 * rng.standard_normal(n))
    phase = np.where(turning > 0, 1.15, ratio**0.35) * (1 + 0.01 * rng.standard_normal(n))
    phase = np.where(side == 1, phase, 1.0)  # the left foot's split says nothing
    phases = Phases(phase, side)
    spread, turn, slope, own = phase_laws(phases, ratio, turning, True)
    assert slope[1] == pytest.approx(0.35, abs=0.05) and own[1] < 0.05  # the turn's own
    # the walking slope: a turn step's phase taken beyond it, one turn median for all
    _, turn_as_walking, _, same = phase_laws(phases, ratio, turning)
    assert same == slope
    quick, slow = 1.15, 1.3**0.35  # a quick turn step (ratio 1.0); a slow walking step (1.3)
    probe = Phases(np.array([quick, slow]), np.array([1, 1], np.int8))
    probe_ratio = np.array([1.0, 1.3])

    def phase_evidence_of(laws: Laws) -> np.ndarray:
        return laws.evidence(probe_ratio, probe) - laws.evidence(probe_ratio)

    step = (16.0, 0.5, 4.0, 0.5, 0.12, 1.5, 0.15)
    own_laws = Laws(*step, spread, turn, slope, own)
    as_walking = Laws(*step, spread, turn_as_walking, slope)
    assert own_laws.turn_centre(1, probe_ratio) == pytest.approx(turn[1] * probe_ratio ** -slope[1])
    mine, walking_slope = phase_evidence_of(own_laws), phase_evidence_of(as_walking)
    # the quick turn step's split now says it turns, and the slow walking step's that it
    # walks; with the walking slope for both, neither says much (the turn's median beyond
    # that slope is about 1)
    assert mine[0] > 2.0 and mine[1] < -1.0
    assert abs(walking_slope[0]) < 1.0 and abs(walking_slope[1]) < 1.0


def test_a_reading_whose_passes_disagree_is_not_self_consistent() -> None:
    # passes of 38, 17, 38 and 59 steps (two passes and a turn, one pass, ...): the median
    # is 38, and 17 and 59 are more than 10 % and 2 steps from it; the last pass (no turn
    # after it) is not weighed
    bounds = [(0, 38), (42, 59), (63, 101), (105, 164), (168, 199)]
    seg = Segmentation(bounds, [True] * 4 + [False], [1.0] * 5)
    assert unlike_counts(seg, 0.10) == [17, 59]
    same = Segmentation([(0, 17), (21, 39), (43, 59), (63, 70)], [True] * 3 + [False], [1.0] * 4)
    assert unlike_counts(same, 0.10) == []  # 17, 18 and 16: within 2 steps
    assert unlike_counts(Segmentation([(0, 9)], [False], [0.0]), 0.10) == []


def test_walking_log_likelihood_golden_values() -> None:
    # a Student-t law of 3 degrees of freedom at its centre: 2 / (pi sqrt 3) / spread
    laws = Laws(17.0, 0.5, 4.0, 0.5, 0.1, 1.4, 0.1)
    ratio = np.array([1.0, np.nan, np.inf, 1.0])  # unknown times and pauses left out
    at_centre = np.log(2 / (np.pi * np.sqrt(3)) / 0.1)
    assert walking_log_likelihood(laws, ratio) == pytest.approx(2 * at_centre)
    # one spread from the centre: (1 + 1/3) ** -2 times the density at the centre
    one = walking_log_likelihood(laws, np.array([1.1]))
    assert one == pytest.approx(at_centre - 2 * np.log(4 / 3))
    # each foot's phase beyond the step time, when weighed (the phase law's own spread)
    phased = Laws(17.0, 0.5, 4.0, 0.5, 0.1, 1.4, 0.1, (0.05, 0.0), (1.2, 1.0), (0.0, 0.0))
    phase = Phases(np.array([1.0, 1.0, np.nan, 1.0]), np.array([0, 1, 0, 0], np.int8))
    extra = 2 * np.log(2 / (np.pi * np.sqrt(3)) / 0.05)  # rows 0 and 3 (row 2: unknown)
    assert walking_log_likelihood(phased, ratio, phase) == pytest.approx(2 * at_centre + extra)


@pytest.mark.parametrize("turn_slope", [None, (0.1, 0.3)])
def test_evidence_is_turn_evidence_of_each_foot_s_own_phase(
    turn_slope: tuple[float, float] | None,
) -> None:
    # the evidence's foot-by-foot work (kept with read-only readings, one errstate) gives
    # the floats of own_phase and turn_centre taken on each foot's masked readings; steps
    # of unknown, zero or negative ratio, unknown phases and a foot not weighed included
    from stride.core.course_fit import own_phase
    from stride.core.course_shared import taken_once
    from stride.core.course_stats import turn_evidence

    rng = np.random.default_rng(7)
    n = 300
    ratio = np.exp(0.3 * rng.standard_normal(n))
    ratio[[3, 40, 41, 200]] = [np.nan, 0.0, -1.0, np.inf]
    phase = np.exp(0.2 * rng.standard_normal(n))
    phase[[5, 41, 99]] = [np.nan, 2.0, np.inf]
    side = rng.integers(0, 3, n).astype(np.int8)  # 2: a foot not weighed
    ratio, phases = taken_once(lambda _: (ratio, Phases(phase, side)))(np.ones(n, np.bool_))
    laws = Laws(
        16.0, 0.5, 4.0, 0.5, 0.12, 1.5, 0.15, (0.1, 0.2), (1.2, 0.9), (0.4, 0.25), turn_slope
    )
    feet = []
    for code in (0, 1):
        mine = phases.side == code
        own = own_phase(phases.ratio[mine], ratio[mine], laws.phase_slope[code])
        feet.append((mine, own, laws.phase_spread[code], laws.turn_centre(code, ratio[mine])))
    want = turn_evidence(ratio, laws.walk_spread, laws.turn_mean, laws.turn_spread, feet)
    for _ in range(2):  # the readings' prepared pieces taken, then kept
        assert laws.evidence(ratio, phases).tobytes() == want.tobytes()
