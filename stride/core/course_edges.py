"""A pass a step longer than the session's passes next to a turn a step shorter than its
turns, or the reverse: the step between them placed by its time against the walking step
next to it in the pass.

Every pass covers the same distance and every turn the same 180 degrees, so a pass one step
longer than the session's typical pass with the turn at its end one step shorter than the
typical turn is most simply one step on the wrong side of that boundary: the turn's first
or last step read as walking. The session's segmentation (:mod:`stride.core.course_segment`)
weighs each step's time against the same foot's steps around it (four either side: the
reference follows the walker's pace as it drifts), and weighs the counts; a choreic
walker's pace also changes from one gait cycle to the next, so a turn step taken on a quick
cycle can be no slower than those steps (step-time ratio about 0.9-1.0), weigh 2-6 nats
for walking, and outweigh the counts (about 2 nats a step for a pass). Against the walking
step next to it in the pass, the nearest reading of the walker's pace at that moment, it
still shows the turn: the truth's turns in ``huntington:0.7`` (seeds 1-300, 2 minutes)
begin with a step 1.20-1.84 times the walking step before it and end with one 1.20-1.89
times the walking step after it (0.5th-99.5th percentiles), where a walking step is
0.50-1.96 times its neighbour. Alone that would not tell a walking step from a turn step
(a tenth of walking steps are 1.25 times their neighbour or more); it decides only the
step the counts already put in doubt.

So where a closed pass has a step more than the typical (median) closed pass and the turn
at one of its ends a step fewer than the typical turn, and the pass's step at that end is
slower than the next step of the pass by more than the slow factor (the threshold a turn
step is found by, :attr:`~stride.core.course.CourseParams.slow_factor`), the step is moved
into the turn; where a pass has a step fewer and that turn a step more, and the turn's
step next to the pass is not slower than the pass's step next to it by the slow factor, it
is moved into the pass. Only where exactly one end of the pass qualifies. A pass so
changed is never measured: its ends are not the segmentation's, so how sure they are is
not known (at most one less the probability of the ends it had). The move tells the pass
apart as the walker walked it (its step count reported right), never measures it.
"""

from __future__ import annotations

import statistics

import numpy as np
from numpy.typing import NDArray

Ends = tuple[int, int]


def settle_edges(
    passes: list[Ends],
    closed: list[bool],
    step_time: NDArray[np.float64],
    slow_factor: float,
    least: int = 3,
) -> tuple[list[Ends], list[bool]]:
    """The passes (first row, end row exclusive) with a step moved at a turn where the
    counts and the step's time against its neighbour in the pass say so (module
    docstring), and which passes were changed; unchanged with fewer than ``least`` closed
    passes (too few to say what is typical)."""
    out, moved = list(passes), [False] * len(passes)
    counts = [j - i for (i, j), shut in zip(passes, closed, strict=True) if shut]
    if len(counts) < least or len(passes) < 2:
        return out, moved
    typical = statistics.median(counts)
    turn = statistics.median(passes[k + 1][0] - passes[k][1] for k in range(len(passes) - 1))
    for k, shut in enumerate(closed):
        if not shut:
            continue
        options = [e for e in _moves(out, k, typical, turn, step_time, slow_factor) if e]
        if len(options) == 1:
            out[k], moved[k] = options[0], True
    return out, moved


def _moves(
    passes: list[Ends],
    k: int,
    typical: float,
    turn: float,
    st: NDArray[np.float64],
    slow: float,
) -> tuple[Ends | None, Ends | None]:
    """Pass ``k``'s ends with its first or its last step moved (None where that end does
    not qualify)."""
    i, j = passes[k]
    step = j - i - typical  # +1: a step more than typical; -1: a step fewer
    before = passes[k][0] - passes[k - 1][1] - turn if k > 0 else None
    after = passes[k + 1][0] - j - turn if k + 1 < len(passes) else None
    first: Ends | None = None
    last: Ends | None = None
    with np.errstate(invalid="ignore", divide="ignore"):
        if step == 1 and j - i >= 3:
            if before == -1 and st[i] / st[i + 1] > slow:
                first = (i + 1, j)
            if after == -1 and st[j - 1] / st[j - 2] > slow:
                last = (i, j - 1)
        elif step == -1 and j - i >= 1:
            if before == 1 and st[i - 1] / st[i] <= slow:
                first = (i - 1, j)
            if after == 1 and st[j] / st[j - 1] <= slow:
                last = (i, j + 1)
    return first, last
