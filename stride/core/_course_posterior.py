"""numba kernels of course mode's posterior in a few calls (private: called through
:func:`stride.core.course_segment.posterior`, whose tests check it against the
segment-by-segment reference, with blocks of any size).

For a record of a few hundred steps, each block's log-weights, their row sums and the
turns' edges each a kernel call of their own cost more in calls than in sums. Here one
kernel lays out a block's log-weights (passes' rows, then turns' rows, then, in the last
block, the turns the end of the record cuts off) in one array, numpy takes their ``exp``
in place (numpy's ``exp`` is not libm's on vector units), and one kernel adds them up:
each value's operations as numpy took them one length at a time
(``tests/stride/core/course_reference.py``), in the same order, so the same floats (a turn
edge's running value is never -0, so where blocks begin does not change it).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._course_kernels import _pairwise_sum
from stride.core._kernel_options import PY_ENTRY

Floats = NDArray[np.float64]


@njit(cache=True, **PY_ENTRY)
def course_block_logs(
    fw: Floats,
    ft: Floats,
    bw: Floats,
    bt: Floats,
    cum: Floats,
    pass_lp: Floats,
    turn_lp: Floats,
    turn_cut: Floats,
    plo: int,
    phi: int,
    tlo: int,
    thi: int,
    tail: bool,
) -> Floats:
    """Log-weights of the passes of ``d = plo..phi - 1`` steps, then of the turns of ``d =
    tlo..thi - 1`` steps, by start (``n - 1`` starts a length), then with ``tail`` of each
    turn the end of the record cuts off (starts ``max(0, n - turn_cut.size + 1)`` to ``n -
    1``), in one array."""
    n = cum.size - 1
    total = bw[0]
    m = max(n - 1, 0)
    a = max(0, n - turn_cut.size + 1)
    out = np.empty((phi - plo + thi - tlo) * m + (max(n - a, 0) if tail else 0))
    at = 0
    # each length's starts whose segment ends within the record, then the others (-inf
    # added where the record has no value): two loops without a branch, so in vectors
    for d in range(plo, phi):
        inside = n + 1 - d
        for i in range(inside):
            out[at + i] = ((ft[i] + pass_lp[d]) + bt[i + d]) - total
        for i in range(inside, m):
            out[at + i] = ((ft[i] + pass_lp[d]) + -np.inf) - total
        at += m
    for d in range(tlo, thi):
        inside = n + 1 - d
        for i in range(inside):
            v = ((fw[i] + turn_lp[d]) + cum[i + d]) - cum[i]
            out[at + i] = (v + bw[i + d]) - total
        for i in range(inside, m):
            v = ((fw[i] + turn_lp[d]) + -np.inf) - cum[i]
            out[at + i] = (v + -np.inf) - total
        at += m
    if tail:
        for i in range(a, n):
            out[at + i - a] = (((fw[i] + turn_cut[n - i]) + cum[n]) - cum[i]) - total
    return out


@njit(cache=True, **PY_ENTRY)
def course_block_sums(
    w: Floats,
    plo: int,
    phi: int,
    tlo: int,
    thi: int,
    tail: bool,
    cut_size: int,
    passes: Floats,
    turns: Floats,
    edge: Floats,
) -> Floats:
    """:func:`course_block_logs`' weights (their ``exp``) added up: each pass and turn
    length's sum over its starts into ``passes`` and ``turns`` (numpy's pairwise sum of
    those starts), each turn's weight into ``edge`` where it starts and off where it ends
    (in that order, turn after turn, as numpy's sum down the columns of those updates laid
    out as rows), and with ``tail`` the turns the end of the record cuts off
    into ``edge`` where they start; then each step's probability of turning (``edge``'s
    running sum held to [0, 1] as ``np.clip`` holds it: NaN and -0 kept), empty without
    ``tail``."""
    n = edge.size - 1
    m = max(n - 1, 0)
    stack, sums = np.empty(400, np.int64), np.empty(70)
    at = 0
    for d in range(plo, phi):
        passes[d] = _pairwise_sum(w[at : at + m], n + 1 - d, stack, sums)
        at += m
    top = at
    for d in range(tlo, thi):
        turns[d] = _pairwise_sum(w[at : at + m], n + 1 - d, stack, sums)
        at += m
    if thi > tlo:  # length after length over all values: each one's additions in order
        for c in range(n + 1):
            edge[c] = 0.0 + edge[c]
        for k in range(thi - tlo):
            d, row = tlo + k, top + k * m
            for c in range(n + 1):
                e = edge[c] + (w[row + c] if c < n - 1 else 0.0)
                edge[c] = e + (-w[row + c - d] if c >= d else 0.0)
    if not tail:
        return np.empty(0)
    a = max(0, n - cut_size + 1)
    for i in range(a, n):
        edge[i] = edge[i] + w[at + i - a]
    turning = np.empty(n)
    run = 0.0
    for i in range(n):
        run = edge[0] if i == 0 else run + edge[i]
        turning[i] = 0.0 if run < 0.0 else (1.0 if run > 1.0 else run)  # NaN kept
    return turning
