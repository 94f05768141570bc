"""Rival readings of a course session: a pass is measured only when no reading nearly as
likely lacks it (:attr:`~stride.core.course.CourseParams.rival_margin`).

Learning climbs to the reading nearest its start (:mod:`stride.core.course_fit`), and a
reading can be self-consistent and wrong: every other turn missed gives passes that all
agree at two passes and a turn, and a turn whose first or last step is as quick as walking
gives passes that all agree a step long, with turns a step short. Under the laws that
reading learnt, its passes' ends look sure. Learning started from those rivals' counts
finds them when the session supports them; where one is nearly as likely as the reading
kept (or likelier), a pass it does not have is not sure, however sure its ends look; nor
is a pass it has whose count is a step or more off the count its passes typically take
(the two readings disagree on how many steps the walker's passes take).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from stride.core.course_segment import MIN_COUNT_SD, Segmentation

if TYPE_CHECKING:
    from stride.core.course_fit import Laws, Learnt

#: a start's own counts: its pass count, that count's spread and its turn count
Start = tuple[float, float, float]


class Learnings:
    """Course mode's learnings (:func:`~stride.core.course_fit.learn_and_segment`) each
    run once for its start: every start is the threshold's laws with other counts (a pass
    count, its spread, a turn count), and learning again from one gives the same reading
    (a turn off throughout's ``(n - m) / 2`` is a rival's start when the threshold's turn
    count is the one learnt). Without its ends' probabilities unless asked (a rival's
    passes and likelihood are the same either way); :meth:`whole` for the reading kept.
    ``learn(start, ends)``: one learning."""

    def __init__(self, learn: Callable[[Laws, bool], Learnt | None]) -> None:
        self._learn = learn
        self._learnt: dict[Start, Learnt | None] = {}
        self._whole: set[Start] = set()  # the starts learnt with their ends' probabilities

    def __call__(self, start: Laws, ends: bool = False) -> Learnt | None:
        key = start.pass_count, start.pass_sd, start.turn_count
        if key not in self._learnt:
            self._learnt[key] = self._learn(start, ends)
            if ends:
                self._whole.add(key)
        return self._learnt[key]

    def whole(self, start: Laws) -> Learnt:
        """The learning from ``start``, learnt before (a reading), with its ends'
        probabilities (learnt again if it was learnt as a rival: the same reading)."""
        key = start.pass_count, start.pass_sd, start.turn_count
        if key not in self._whole:
            del self._learnt[key]
        out = self(start, True)
        assert out is not None  # learnt before: a reading
        return out


def rival_starts(first: Laws, learnt: Laws, share: float) -> Iterator[Laws]:
    """Starts for readings that rival the one kept (``learnt``: its laws): its typical
    pass as two passes and a turn (every other turn missed: passes that all agree, so
    :func:`~stride.core.course_fit.unlike_counts` starts nothing), and its turns a step
    longer and its passes a step shorter, or the reverse (a turn's first or last step as
    quick as walking: passes that all agree a step off). The other laws as the threshold
    started them (``first``), the pass count's spread ``share`` of it."""
    n, m = round(learnt.pass_count), round(learnt.turn_count)
    for count, turn in (((n - m) / 2, m), (n - 1, m + 1), (n + 1, m - 1)):
        if count >= 2 and turn >= 2:
            yield replace(
                first,
                pass_count=float(count),
                pass_sd=max(MIN_COUNT_SD, share * count),
                turn_count=float(turn),
            )


def other_counts(learnt: Laws, fewest: float = math.inf) -> list[float]:
    """Typical pass counts that a reading whose passes all agree (``learnt``: its laws) can
    be wrong by, learning from it climbing back to it: a turn read inside every pass (the
    walker's pass is two of its passes and a turn between them) or every other turn missed
    (its pass is two of the walker's and a turn). Every pass covers the same distance, so
    either reading's passes agree too. So do a reading's that misses all but every
    ``k``-th turn (its pass is ``k`` of the walker's and ``k - 1`` turns: the walker's
    pass ``(n - (k - 1) m) / k`` steps), for ``k`` from 3 while that count is at least
    ``fewest``, the fewest steps a pass can take (the pass length over the longest
    plausible step: ``PLAUSIBLE_STEP_M`` of :mod:`stride.core.course`); a reading of passes
    that long is then not the only one its own steps allow."""
    n, m = round(learnt.pass_count), round(learnt.turn_count)
    out = [c for c in (2.0 * n + m, (n - m) / 2) if c >= 2]
    k = 3
    while (c := (n - (k - 1) * m) / k) >= max(fewest, 2.0):
        out.append(c)
        k += 1
    return out


def rival_gaps(
    seg: Segmentation, kept: float, rivals: Sequence[tuple[Segmentation, float, Laws] | None]
) -> list[float]:
    """For each pass of ``seg`` (the reading kept, the record's log-likelihood ``kept``
    under it), how much likelier the record is under it than under the likeliest rival
    reading that lacks that pass (negative: the rival is likelier; inf: every rival has
    it). A rival lacks a pass when it does not have its ends, or when it reads the session
    otherwise and its passes typically (their median) take a step more or fewer than that
    pass: every pass covers the same distance, so under that reading the pass's count is a
    step off the walker's, and which reading's count is right is not sure."""
    gaps = [math.inf] * len(seg.passes)
    for rival in rivals:
        if rival is None:
            continue
        theirs = set(rival[0].passes)
        typical = _typical(rival[0]) if rival[0].passes != seg.passes else math.nan
        for k, ends in enumerate(seg.passes):
            if ends not in theirs or abs(ends[1] - ends[0] - typical) >= 1.0:
                gaps[k] = min(gaps[k], kept - rival[1])
    return gaps


def fewer_steps(seg: Segmentation, first: Segmentation, tolerance: float) -> bool:
    """Whether ``seg``'s passes typically (their median) take fewer steps than ``first``'s,
    by more than ``tolerance`` of them and more than 2 steps (unlike them,
    :func:`~stride.core.course_fit.count_unlike`): a reading of turns ``first`` missed,
    not ``first`` learnt again from another start."""
    mine, theirs = _typical(seg), _typical(first)
    return theirs - mine > max(2.0, tolerance * theirs)


def _typical(seg: Segmentation) -> float:
    """The median step count of a reading's passes a turn closes (NaN: none)."""
    counts = _counts(seg)
    return float(statistics.median(counts)) if counts else math.nan


def unlike_counts(seg: Segmentation, tolerance: float) -> list[int]:
    """The step counts of the passes a turn closes that are far from the segmentation's
    typical (median) one: more than ``tolerance`` of it, and more than 2 steps. Every pass
    covers the same distance, so a reading with such passes is not self-consistent: a
    pass of about twice or three times the typical count is passes whose turns it missed,
    or its typical count is such passes."""
    counts = _counts(seg)
    if not counts:
        return []
    typical = float(np.median(counts))
    return sorted({c for c in counts if count_unlike(c, typical, tolerance)})


def count_unlike(count: float, typical: float, tolerance: float) -> bool:
    """Whether a pass of ``count`` steps is unlike the session's ``typical`` one: more than
    ``tolerance`` of it away, and more than 2 steps (a turn missed or a pass split)."""
    return abs(count - typical) > max(2.0, tolerance * typical)


def steadier(seg: Segmentation, first: Segmentation, tolerance: float) -> bool:
    """Whether ``seg`` reads the session a step off ``first`` throughout, and with passes
    that agree better: its closed passes all like their typical (median) count, that count
    a step or more from ``first``'s but like it (neither :func:`fewer_steps`, turns
    ``first`` missed, nor the reverse, passes ``first`` split or merged), and their counts
    spread less than ``first``'s (SD; or neither reading's spreads at all). Every pass
    covers the same distance, so a walker's passes take about the same number of steps: a
    reading whose turns are a step short or long in most passes (their first or last step
    as quick as walking, or a walking step as slow as a turn's) has passes a step off the
    walker's, which agree less where the walker's reading has them all alike."""
    mine, theirs = _counts(seg), _counts(first)
    if not mine or not theirs or unlike_counts(seg, tolerance):
        return False
    a, b = statistics.median(mine), statistics.median(theirs)
    if abs(a - b) < 1.0 or count_unlike(a, b, tolerance) or count_unlike(b, a, tolerance):
        return False
    spread, theirs_spread = statistics.pstdev(mine), statistics.pstdev(theirs)
    return spread < theirs_spread or spread == theirs_spread == 0.0


def _counts(seg: Segmentation) -> list[int]:
    """The step counts of a reading's passes a turn closes."""
    return [j - i for (i, j), shut in zip(seg.passes, seg.closed, strict=True) if shut]
