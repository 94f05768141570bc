"""How sure a reading is of where its turns begin and end, against every turn a step off at
the same end (:func:`~stride.core.course_segment.segment_course`).

A pass's ends' probability sums over the segmentations under the laws learnt for the
reading, the pass and turn count laws among them. Those count laws were learnt from the
reading's own passes and turns: where a turn's first step is as quick as walking in every
turn (a choreic walker at a severity of 0.7 with 30 ms of swing-time noise: step-time
ratios 0.96-1.37 and phase ratios 1.05-1.29 in one session, where its walking steps are at
1.0 and its other turn steps at about 1.5), a reading of passes a step long and turns a
step short learns passes of 19 and turns of 3 where the walker walked 18 and 4, and under
those counts each turn's first step is held in its pass by the other passes: the count
laws argue about 2 nats a pass for the reading they were learnt from, whichever it is.
Moved in every turn at once, the counts move together (every pass a step shorter, every
turn a step longer, or the reverse), so their laws, learnt again, argue the same for the
shifted reading: what tells the two apart is only the evidence of the steps that change
kind, one in each turn. So the odds of every turn a step off at its start (or at its end)
against the reading are the product of those steps' likelihood ratios, under the same
laws the ends' probability is taken under, and a pass is only as sure of its ends as the
reading is of its turns' starts and ends together (:func:`turn_end_probabilities`).

A turn a step off in one turn only is not such a shift: it makes two passes a step off the
others, which the count laws weigh, and the ends' probability has it already.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray


def turn_end_probabilities(
    evidence: NDArray[np.float64], segs: Sequence[tuple[str, int, int]], turn_steps: int
) -> tuple[float, float]:
    """The probability that the reading's turns begin where it has them, against every turn
    between two passes beginning a step earlier (the pass's last step a turn step) or later
    (the turn's first step a walking step), and the same for where they end (the next
    pass's first step a turn step, or the turn's last a walking step). ``evidence``: each
    step's log-likelihood ratio, turn step against walking step, under the reading's laws;
    ``segs``: the reading as ``("pass" | "turn", first row, end row)`` in order. A shift
    that would leave a turn shorter than ``turn_steps`` or a pass without steps is another
    reading (passes merged), not this one: it is not weighed. 1.0 without such turns."""
    starts: list[list[float]] = [[], []]  # a step earlier (into the pass), later (out of the turn)
    ends: list[list[float]] = [[], []]  # a step later (into the next pass), earlier
    for k in range(1, len(segs) - 1):
        kind, i, j = segs[k]
        if kind != "turn" or segs[k - 1][0] != "pass" or segs[k + 1][0] != "pass":
            continue
        before, after = segs[k - 1], segs[k + 1]
        short_ok = j - i > turn_steps
        starts[0].append(evidence[i - 1] if before[2] - before[1] > 1 else math.nan)
        starts[1].append(-evidence[i] if short_ok else math.nan)
        ends[0].append(evidence[j] if after[2] - after[1] > 1 else math.nan)
        ends[1].append(-evidence[j - 1] if short_ok else math.nan)
    return _probability(starts), _probability(ends)


def _probability(shifts: list[list[float]]) -> float:
    """1 / (1 + the odds of each shift), a shift's odds the product of its steps' likelihood
    ratios (NaN: a turn that cannot take it, so the shift is not weighed)."""
    odds = 0.0
    for logs in shifts:
        total = float(np.sum(logs)) if logs else math.nan
        if math.isfinite(total):
            odds += math.exp(min(total, 700.0))
    return 1.0 / (1.0 + odds)
