"""How sure a course reading is of its turns' starts and ends against every turn a step off
at the same end (stride.core.course_shifts), against a reference that scores each shifted
reading's turn steps whole."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.core.course_segment import Segmentation
from stride.core.course_shifts import turn_end_probabilities

#: passes of 4 steps and turns of 3, the record ending in a pass
SEGS = [("pass", 0, 4), ("turn", 4, 7), ("pass", 7, 11), ("turn", 11, 14), ("pass", 14, 18)]


def _turn_score(ev: np.ndarray, turn: np.ndarray) -> float:
    """A reading's log-likelihood ratio over the all-walking one: its turn steps' evidence."""
    return float(ev[turn].sum())


def _reference(ev: np.ndarray, segs: list[tuple[str, int, int]]) -> tuple[float, float]:
    """Each shifted reading built whole as a turn mask and scored; the reading's share of
    its own and its two shifts' scores at each end."""
    turn = np.zeros(ev.size, bool)
    for kind, i, j in segs:
        turn[i:j] = kind == "turn"
    between = [segs[k] for k in range(1, len(segs) - 1) if segs[k][0] == "turn"]
    out = []
    for rows in (
        ([i - 1 for _, i, _ in between], [i for _, i, _ in between]),
        (
            [j for _, _, j in between],
            [j - 1 for _, _, j in between],
        ),
    ):
        scores = [_turn_score(ev, turn)]
        for moved, to_turn in zip(rows, (True, False), strict=True):
            shifted = turn.copy()
            shifted[moved] = to_turn
            scores.append(_turn_score(ev, shifted))
        out.append(math.exp(scores[0] - np.logaddexp.reduce(scores)))
    return out[0], out[1]


def test_golden_values() -> None:
    ev = np.zeros(18)
    ev[[3, 10]] = -1.0, -2.0  # the passes' last steps: every turn a step earlier, -3 nats
    ev[[4, 11]] = 3.0, 1.0  # the turns' first steps: a step later, -4 nats
    ev[[7, 14]] = -2.0, -2.0  # the next passes' first steps: every turn a step longer, -4
    ev[[6, 13]] = 2.0, 0.5  # the turns' last steps: a step shorter, -2.5
    begin, end = turn_end_probabilities(ev, SEGS, 2)
    # 1 / (1 + e^-3 + e^-4) and 1 / (1 + e^-4 + e^-2.5)
    assert begin == pytest.approx(0.9362396, abs=1e-7)
    assert end == pytest.approx(0.9087599, abs=1e-7)
    assert (begin, end) == pytest.approx(_reference(ev, SEGS), rel=1e-12)


@given(st.lists(st.floats(-10.0, 10.0), min_size=18, max_size=18))
def test_matches_the_reference(values: list[float]) -> None:
    ev = np.array(values)
    got = turn_end_probabilities(ev, SEGS, 2)
    assert got == pytest.approx(_reference(ev, SEGS), rel=1e-9, abs=1e-12)


def test_a_shift_a_turn_cannot_take_is_not_weighed() -> None:
    # the second turn has 2 steps: a step shorter it is no turn (two passes merged, another
    # reading), so only the longer shifts are weighed
    segs = [("pass", 0, 4), ("turn", 4, 7), ("pass", 7, 11), ("turn", 11, 13), ("pass", 13, 18)]
    ev = np.zeros(18)
    ev[[3, 10]] = -1.0, -1.0
    ev[[4, 11]] = -5.0, -5.0  # would make "a step later" likelier than the reading
    ev[[7, 13]] = -3.0, -3.0
    begin, end = turn_end_probabilities(ev, segs, 2)
    assert begin == pytest.approx(1.0 / (1.0 + math.exp(-2.0)))
    assert end == pytest.approx(1.0 / (1.0 + math.exp(-6.0)))


def test_a_reading_without_a_turn_between_passes_is_sure_of_none() -> None:
    segs = [("pass", 0, 10), ("turn", 10, 14)]  # the record ends in the turn
    assert turn_end_probabilities(np.ones(14), segs, 2) == (1.0, 1.0)


def test_each_pass_takes_the_ends_it_has() -> None:
    # the first pass has no turn before it, the last (cut off) none after it
    seg = Segmentation(
        [(0, 4), (7, 11), (14, 18)], [True, True, False], [0.99, 0.98, 0.0], turn_ends=(0.9, 0.8)
    )
    assert [seg.ends_probability(k) for k in range(3)] == pytest.approx(
        [0.99 * 0.9, 0.98 * 0.9 * 0.8, 0.0]
    )
