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


@njit(cache=True, **JIT_ONLY)
def _block_sum(a: NDArray[np.float64], lo: int, n: int) -> float:
    """numpy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128``: below 8 values one by
    one, else eight running sums added as a tree, then the rest one by one."""
    if n < 8:
        res = 0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    i = lo + 8
    end = lo + n - n % 8
    while i < end:
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < lo + n:
        res += a[i]
        i += 1
    return res


@njit(cache=True, **JIT_ONLY)
def _pairwise_sum(
    a: NDArray[np.float64], n: int, stack: NDArray[np.int64], sums: NDArray[np.float64]
) -> float:
    """numpy's pairwise sum of ``a[:n]`` (``np.add.reduce``: beyond 128 values the halves'
    sums added, the first half a multiple of 8 values, up to 128 :func:`_block_sum`), the
    whole started from 0.0. Not recursive (a cached recursive kernel does not load): the
    halves wait on ``stack`` (400 values), each pair's sums added once both are known, the
    first half's first, in ``sums`` (70 values: deep enough for any length below 2**63)."""
    starts, lengths = stack[:200], stack[200:]  # length -1: add the last two sums
    starts[0], lengths[0] = 0, n
    t, s = 1, 0
    while t > 0:
        t -= 1
        start, m = starts[t], lengths[t]
        if m < 0:
            s -= 1
            sums[s - 1] = sums[s - 1] + sums[s]
        elif m <= 128:
            sums[s] = _block_sum(a, start, m)
            s += 1
        else:
            half = m // 2
            half -= half % 8
            lengths[t] = -1
            starts[t + 1], lengths[t + 1] = start + half, m - half
            starts[t + 2], lengths[t + 2] = start, half
            t += 3
    return 0.0 + sums[0]


@njit(cache=True, **JIT_ONLY)
def _slope_sums(
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    w: NDArray[np.float64],
    buf: NDArray[np.float64],
    stack: NDArray[np.int64],
    sums: NDArray[np.float64],
) -> tuple[float, float, float, float]:
    """:func:`~stride.core.course_stats.slope` of ``y`` on ``x`` weighted by ``w``, its sums
    taken as numpy takes them (each product's array summed pairwise): the slope not yet
    held within [0, 1], the residuals' weighted sum of squares, the variance and the
    weights' sum (the slope NaN when the variance is not positive)."""
    n = x.size
    total = _pairwise_sum(w, n, stack, sums)
    for i in range(n):
        buf[i] = x[i] * w[i]
    mx = _pairwise_sum(buf, n, stack, sums) / total
    for i in range(n):
        buf[i] = y[i] * w[i]
    my = _pairwise_sum(buf, n, stack, sums) / total
    for i in range(n):
        dx = x[i] - mx
        buf[i] = dx * dx * w[i]
    var = _pairwise_sum(buf, n, stack, sums) / total
    for i in range(n):
        buf[i] = (x[i] - mx) * (y[i] - my) * w[i]
    cov = _pairwise_sum(buf, n, stack, sums) / total
    if not var > 0:
        return math.nan, math.nan, var, total
    b = cov / var
    for i in range(n):
        e = (y[i] - my) - b * (x[i] - mx)
        buf[i] = e * e * w[i]
    return b, _pairwise_sum(buf, n, stack, sums), var, total


@njit(cache=True, **PY_ENTRY)
def course_slopes(
    x: NDArray[np.float64], y: NDArray[np.float64], w: NDArray[np.float64], q: NDArray[np.float64]
) -> tuple[float, float, float, float, float, float]:
    """:func:`_slope_sums` weighted by ``w`` (slope, variance) and by ``q`` (slope,
    residuals, variance, weights' sum), one foot's walking and turn steps."""
    buf, sums = np.empty(x.size), np.empty(70)
    stack = np.empty(400, np.int64)
    bw, _, vw, _ = _slope_sums(x, y, w, buf, stack, sums)
    bq, res, vq, total = _slope_sums(x, y, q, buf, stack, sums)
    return bw, vw, bq, res, vq, total


@njit(cache=True, **JIT_ONLY)
def _weighted_median(
    x: NDArray[np.float64], w: NDArray[np.float64], order: NDArray[np.int64]
) -> float:
    """The smallest ``x`` in ``order`` whose running sum of weights (``np.cumsum``'s,
    one by one) reaches half the whole (``np.searchsorted``'s first, the sums in order
    where no weight is negative)."""
    c = 0.0
    for k in range(order.size):
        c += w[order[k]]
    half = 0.5 * c
    c = 0.0
    for k in range(order.size):
        c += w[order[k]]
        if c >= half:
            return x[order[k]]
    return x[order[order.size - 1]]


@njit(cache=True, **PY_ENTRY)
def course_median_sd(
    x: NDArray[np.float64],
    w: NDArray[np.float64],
    order: NDArray[np.int64],
    median: float,
    want_sd: bool,
) -> tuple[float, float, bool]:
    """The weighted median of ``x`` (``median`` when not NaN; ``order``: ``x``'s stable
    argsort) and, with ``want_sd``, 1.4826 x the weighted median of the absolute
    deviations from it; False (nothing taken) when a value is NaN, a weight negative or
    not finite, or ``order`` not of ``x``'s size (numpy's sorts and searches are then the
    caller's)."""
    n = x.size
    if n == 0:
        return math.nan, math.nan, False
    for i in range(n):
        if np.isnan(x[i]) or not (0.0 <= w[i] < np.inf):
            return math.nan, math.nan, False
    if not want_sd and not np.isnan(median):
        return median, math.nan, True
    if order.size != n:
        return math.nan, math.nan, False
    if np.isnan(median):
        median = _weighted_median(x, w, order)
    if not want_sd:
        return median, math.nan, True
    dev = np.empty(n)
    for i in range(n):
        dev[i] = abs(x[i] - median)
        if np.isnan(dev[i]):
            return math.nan, math.nan, False
    return median, 1.4826 * _weighted_median(dev, w, _deviation_order(x, order, median, dev)), True


@njit(cache=True, **JIT_ONLY)
def _deviation_order(
    x: NDArray[np.float64], order: NDArray[np.int64], m: float, dev: NDArray[np.float64]
) -> NDArray[np.int64]:
    """The stable argsort of ``dev`` (``|x - m|``, no NaN) from ``x``'s (``order``): the
    values at or below ``m`` from ``m`` down (each run of equal values in its order) merged
    with those above it from ``m`` up, both by deviation (rounded differences keep their
    order, maybe tied), then ties put in index order (the sort is stable)."""
    n = order.size
    p = 0
    while p < n and not x[order[p]] > m:
        p += 1
    left = np.empty(p, np.int64)  # at or below m, deviation rising
    k, t = p - 1, 0
    while k >= 0:
        s = k
        while s > 0 and x[order[s - 1]] == x[order[k]]:
            s -= 1
        for r in range(s, k + 1):
            left[t] = order[r]
            t += 1
        k = s - 1
    out = np.empty(n, np.int64)
    a, b = 0, p
    for k in range(n):
        if b >= n or (a < p and dev[left[a]] <= dev[order[b]]):
            out[k] = left[a]
            a += 1
        else:
            out[k] = order[b]
            b += 1
    for k in range(1, n):  # ties (by deviation) in index order
        v, d = out[k], dev[out[k]]
        j = k - 1
        while j >= 0 and (dev[out[j]] > d or (dev[out[j]] == d and out[j] > v)):
            out[j + 1] = out[j]
            j -= 1
        out[j + 1] = v
    return out
