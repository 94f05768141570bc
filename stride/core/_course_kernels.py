"""numba kernels of course mode's segmentation (private: arrays in, called through
:mod:`stride.core.course_segment`, which checks them against every segmentation of short
records enumerated in its tests).

Rows 0..n of the log-sum arrays are boundaries between steps; ``cum`` is the cumulative
sum of the steps' evidence of turning (``cum[j] - cum[i]``: the evidence of steps i..j-1);
``pass_lp[d]`` and ``turn_lp[d]`` are the log-probabilities of a pass or a turn of d
steps, ``pass_cut[d]`` and ``turn_cut[d]`` of one at least d steps long (the last
segment, cut off by the end of the record).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY


@njit(cache=True, **JIT_ONLY)
def _logsumexp(x: NDArray[np.float64], m: int) -> float:
    """log(sum(exp(x[:m]))), -inf for none (or all -inf)."""
    top = -np.inf
    for k in range(m):
        if x[k] > top:
            top = x[k]
    if top == -np.inf:
        return -np.inf
    s = 0.0
    for k in range(m):
        s += math.exp(x[k] - top)
    return top + math.log(s)


@njit(cache=True, **PY_ENTRY)
def course_forward(
    cum: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``fw[j]``: log-sum over prefixes ending with a whole pass at j; ``ft[j]``: with a
    whole turn (``ft[0] = 0``: the record starts with a pass)."""
    n = cum.size - 1
    fw = np.full(n + 1, -np.inf)
    ft = np.full(n + 1, -np.inf)
    ft[0] = 0.0
    buf = np.empty(max(pass_lp.size, turn_lp.size))
    for j in range(1, n + 1):
        m = 0
        for i in range(max(0, j - pass_lp.size + 1), j):
            buf[m] = ft[i] + pass_lp[j - i]
            m += 1
        fw[j] = _logsumexp(buf, m)
        m = 0
        for i in range(max(0, j - turn_lp.size + 1), j):
            buf[m] = fw[i] + turn_lp[j - i] + cum[j] - cum[i]
            m += 1
        ft[j] = _logsumexp(buf, m)
    return fw, ft


@njit(cache=True, **PY_ENTRY)
def course_backward(
    cum: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    pass_cut: NDArray[np.float64],
    turn_cut: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``bw[i]``: log-sum over suffixes starting with a pass at i; ``bt[i]``: with a turn;
    the last segment (not empty) may be cut off by the end of the record."""
    n = cum.size - 1
    bw = np.full(n + 1, -np.inf)
    bt = np.full(n + 1, -np.inf)
    buf = np.empty(max(pass_lp.size, turn_lp.size) + 1)
    for i in range(n, -1, -1):
        left = n - i
        m = 0
        if 0 < left < pass_cut.size:
            buf[m] = pass_cut[left]
            m += 1
        for j in range(i + 1, min(n, i + pass_lp.size - 1) + 1):
            buf[m] = pass_lp[j - i] + bt[j]
            m += 1
        bw[i] = _logsumexp(buf, m)
        m = 0
        if 0 < left < turn_cut.size:
            buf[m] = turn_cut[left] + cum[n] - cum[i]
            m += 1
        for j in range(i + 1, min(n, i + turn_lp.size - 1) + 1):
            buf[m] = turn_lp[j - i] + cum[j] - cum[i] + bw[j]
            m += 1
        bt[i] = _logsumexp(buf, m)
    return bw, bt


@njit(cache=True, **PY_ENTRY)
def course_viterbi(
    cum: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    pass_cut: NDArray[np.float64],
    turn_cut: NDArray[np.float64],
) -> tuple[NDArray[np.int64], NDArray[np.int64], float, float]:
    """Best prefix scores ending with a pass or a turn at each row: the row each one's last
    segment starts at (``aw``, ``at``) and the scores at the record's end (the last
    segment scored as cut off). Ties go to the earliest start."""
    n = cum.size - 1
    vw = np.full(n + 1, -np.inf)
    vt = np.full(n + 1, -np.inf)
    aw = np.zeros(n + 1, np.int64)
    at = np.zeros(n + 1, np.int64)
    vt[0] = 0.0
    for j in range(1, n + 1):
        plp = pass_cut if j == n else pass_lp
        tlp = turn_cut if j == n else turn_lp
        lo = max(0, j - plp.size + 1)
        aw[j], vw[j] = lo, vt[lo] + plp[j - lo]
        for i in range(lo + 1, j):
            s = vt[i] + plp[j - i]
            if s > vw[j]:
                aw[j], vw[j] = i, s
        lo = max(0, j - tlp.size + 1)
        at[j], vt[j] = lo, vw[lo] + tlp[j - lo] + cum[j] - cum[lo]
        for i in range(lo + 1, j):
            s = vw[i] + tlp[j - i] + cum[j] - cum[i]
            if s > vt[j]:
                at[j], vt[j] = i, s
    return aw, at, vw[n], vt[n]
