"""Rival readings of a course session (:mod:`stride.core.course_rivals`): where learning is
started from, and how much likelier the reading kept is than the likeliest rival without
each of its passes."""

from __future__ import annotations

import math

from stride.core.course_fit import Laws
from stride.core.course_rivals import (
    fewer_steps,
    other_counts,
    rival_gaps,
    rival_starts,
    steadier,
)
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
    # the second: the split rival has its ends, but its passes typically take 9 steps (9, 7
    # and 18): under it a pass of 18 is not one of the walker's; the last: both lack it,
    # the likelier gives the gap
    assert gaps == [-3.0, -3.0, -3.0]
    assert rival_gaps(kept, 100.0, [(same_but_last, 95.0, None)]) == [math.inf, math.inf, 5.0]  # type: ignore[list-item]


def test_a_rival_whose_passes_take_another_count_lacks_the_passes_of_this_one() -> None:
    # the reading kept: passes of 19 and turns of 3; a rival nearly as likely reads passes
    # of 18 and turns of 4 but shares the first pass's ends (a 19 among its 18s): under it
    # that pass is a step off the walker's count, so it gets the rival's gap too
    kept = Segmentation([(0, 19), (22, 41), (44, 63)], [True, True, False], [0.99] * 3)
    rival = Segmentation([(0, 19), (23, 41), (45, 63), (67, 85)], [True] * 4, [0.9] * 4)
    assert rival_gaps(kept, 100.0, [(rival, 98.0, None)]) == [2.0, 2.0, 2.0]  # type: ignore[list-item]
    # a rival that reads the session as the kept reading does adds nothing, whatever the
    # counts of its passes
    same = Segmentation([(0, 19), (22, 41), (44, 63)], [True, True, False], [0.9] * 3)
    mixed = Segmentation([(0, 18), (22, 41), (45, 63)], [True, True, True], [0.9] * 3)
    assert rival_gaps(kept, 100.0, [(same, 100.0, None)]) == [math.inf] * 3  # type: ignore[list-item]
    # passes of 18 and 19 (median 18.5): a pass of 19 is within a step of it, kept
    assert rival_gaps(mixed, 100.0, [(mixed, 99.0, None)]) == [math.inf] * 3  # type: ignore[list-item]


def test_a_reading_of_passes_long_enough_to_be_several_starts_from_each_count() -> None:
    # passes of 62 and turns of 4: a turn read inside every pass (128), every other turn
    # missed (29), and all but every k-th turn missed, (62 - 4 (k - 1)) / k: 18, 12.5, 9.2
    # and 7 (k = 3..6), down to the fewest steps a 10 m pass takes at 1.5 m a step (6.67)
    kept = Laws(62.0, 0.5, 4.0, 0.5, 0.17, 1.36, 0.17)
    assert other_counts(kept) == [128.0, 29.0]  # no pass length: as before
    counts = other_counts(kept, 10.0 / 1.5)
    assert counts[:2] == [128.0, 29.0]
    assert [round(c, 2) for c in counts[2:]] == [18.0, 12.5, 9.2, 7.0]
    # a walker's own passes of 18: only the two counts a turn off throughout
    assert other_counts(Laws(18.0, 0.5, 4.0, 0.5, 0.13, 1.28, 0.2), 10.0 / 1.5) == [40.0, 7.0]


def test_a_reading_of_the_turns_another_missed_takes_fewer_steps_unlike_its_count() -> None:
    # passes of 40 (two of the walker's 18 and a turn of 4) and the walker's passes of 18:
    # the latter reads turns the former missed; not the reverse
    merged = Segmentation([(0, 40), (44, 84), (88, 128)], [True, True, True], [0.99] * 3)
    own = Segmentation([(0, 18), (22, 40), (44, 62), (66, 84)], [True] * 4, [0.99] * 4)
    assert fewer_steps(own, merged, 0.1)
    assert not fewer_steps(merged, own, 0.1)
    # a step or two fewer (within 10 % of the count and 2 steps) is the same reading's
    # passes, learnt again: not a reading of other turns
    short = Segmentation([(0, 16), (20, 36), (40, 56)], [True] * 3, [0.99] * 3)
    assert not fewer_steps(short, own, 0.1)
    # passes no turn closes say nothing (no typical count)
    assert not fewer_steps(Segmentation([(0, 18)], [False], [0.99]), merged, 0.1)


def _reading(counts: list[int], turn: int = 4) -> Segmentation:
    """Closed passes of these counts, a turn of ``turn`` steps after each."""
    passes, at = [], 0
    for c in counts:
        passes.append((at, at + c))
        at += c + turn
    return Segmentation(passes, [True] * len(passes), [0.9] * len(passes))


def test_a_reading_a_step_off_throughout_whose_passes_agree_better_is_steadier() -> None:
    # the walker's passes all take 18 steps; a reading whose turns are a step short in
    # most passes has passes of 18 and 19 (median 19): a step off, agreeing less
    walker = _reading([18] * 7)
    off = _reading([18, 19, 19, 19, 19, 18, 19], turn=3)
    assert steadier(walker, off, 0.10)
    assert not steadier(off, walker, 0.10)
    # both readings' passes take one count each (17 and 18): either may be the walker's
    assert steadier(_reading([18] * 7), _reading([17] * 7, turn=5), 0.10)
    # passes that spread as much (one odd pass each) say nothing of which is the walker's
    assert not steadier(_reading([19, 19, 18, 19, 19]), _reading([19, 18, 18, 18, 18]), 0.10)
    # the same typical count read otherwise is not a step off (the same reading, or its
    # ends moved), and a count unlike the other's is turns missed or passes merged, not
    # a step off (fewer_steps and the merged passes' margin judge those)
    assert not steadier(_reading([18] * 7), _reading([18, 18, 18, 19, 18, 18, 17]), 0.10)
    assert not steadier(_reading([18] * 8), _reading([40] * 4), 0.10)
    assert not steadier(_reading([40] * 4), _reading([18, 19] * 4), 0.10)
    # a reading whose own passes disagree (a pass of 40 among passes of 18) is not steady
    assert not steadier(_reading([18, 18, 40, 18, 18]), _reading([19, 18, 19, 19, 19]), 0.10)
    assert not steadier(_reading([]), walker, 0.10) and not steadier(walker, _reading([]), 0.10)
