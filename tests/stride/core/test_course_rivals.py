"""Rival readings of a course session (:mod:`stride.core.course_rivals`): where learning is
started from, and how much likelier the reading kept is than the likeliest rival without
each of its passes."""

from __future__ import annotations

import math

from stride.core.course_fit import Laws
from stride.core.course_rivals import rival_gaps, rival_starts
from stride.core.course_segment import Segmentation


def test_rivals_start_from_half_the_count_and_a_step_either_way() -> None:
    first = Laws(38.0, 9.5, 3.0, 1.75, 0.1, 1.4, 0.15)
    learnt = Laws(40.0, 0.5, 4.0, 0.5, 0.08, 1.35, 0.12)
    starts = list(rival_starts(first, learnt, 0.25))
    # two passes of 18 and a turn of 4 make 40; a step shorter, or longer, with the turns
    assert [(s.pass_count, s.turn_count) for s in starts] == [(18.0, 4), (39.0, 5), (41.0, 3)]
    assert [s.pass_sd for s in starts] == [4.5, 9.75, 10.25]
    # the other laws as the threshold started them, not as the reading kept learnt them
    assert all(s.walk_spread == 0.1 and s.turn_sd == 1.75 for s in starts)
    # no rival with a turn or a pass of fewer than 2 steps
    short = Laws(6.0, 0.5, 2.0, 0.5, 0.08, 1.35, 0.12)
    assert [(s.pass_count, s.turn_count) for s in rival_starts(first, short, 0.25)] == [
        (2.0, 2),
        (5.0, 3),
    ]


def test_each_pass_gets_the_gap_to_the_likeliest_rival_without_it() -> None:
    kept = Segmentation([(0, 18), (22, 40), (44, 62)], [True, True, False], [0.99] * 3)
    same_but_last = Segmentation([(0, 18), (22, 40), (44, 61)], [True, True, True], [0.9] * 3)
    split = Segmentation([(0, 9), (11, 18), (22, 40)], [True, True, True], [0.9] * 3)
    rivals = [(split, 103.0, None), None, (same_but_last, 95.0, None)]
    gaps = rival_gaps(kept, 100.0, rivals)  # type: ignore[arg-type]
    # the first pass: only the split rival lacks it, 3 nats likelier than the reading kept;
    # the second: every rival has it; the last: both lack it, the likelier gives the gap
    assert gaps == [-3.0, math.inf, -3.0]
    assert rival_gaps(kept, 100.0, [(same_but_last, 95.0, None)]) == [math.inf, math.inf, 5.0]  # type: ignore[list-item]
