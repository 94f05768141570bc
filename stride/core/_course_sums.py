"""numba kernels of course mode's forward and backward sums (private: arrays in, called
through :mod:`stride.core.course_segment`; see :mod:`stride.core._course_kernels` for the
rows and arrays).

Each row's log-sum is taken in the linear domain: a term is one multiply-add of a
segment length's probability (``exp`` of the count prior, taken once a call) and a
row's value scaled against a reference (``exp(x[i] - ref)``, taken once as the row is
made), and the row's log one ``log`` of the sum. A reference serves until a new row's
value lies more than :data:`HIGH` nats above it (then it becomes the largest value in
the window and the window's scaled values are taken again), so no scaled value exceeds
``e**HIGH`` and no sum overflows (the priors are log-probabilities, none above 0). A
sum below :data:`LOW` (values that fell far below the reference, or none at all), and a
row whose segment cut off by the end of the record lies more than :data:`HIGH` nats
above the reference, are taken in the log domain, one ``exp`` a term, and the window
then rescaled: a sum at or above it lost to underflow only terms below
``2**-1074``, far below half a unit in its last place. So each row is the log of the
sum of its terms' exps to within a few units in the last place, however long the record
(only a window of rows is ever scaled against one reference) and however far its values
stray from 0.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY

#: a row's value more than this many nats above the reference takes a new one
HIGH = 300.0
#: a scaled sum below this is taken again in the log domain (e**-300)
LOW = math.exp(-300.0)


@njit(cache=True, **JIT_ONLY)
def _log_row(
    x: NDArray[np.float64], lp: NDArray[np.float64], lo: int, hi: int, at: int, cut: float
) -> float:
    """log(exp(cut) + sum(exp(x[k] + lp[|at - k|]) for k in [lo, hi))), the largest term
    taken out first (-inf for none): a row in the log domain, one exp a term."""
    top = cut
    for k in range(lo, hi):
        v = x[k] + lp[abs(at - k)]
        if v > top:
            top = v
    if top == -np.inf:
        return -np.inf
    s = math.exp(cut - top)
    for k in range(lo, hi):
        s += math.exp((x[k] + lp[abs(at - k)]) - top)
    return top + math.log(s)


@njit(cache=True, **JIT_ONLY)
def _exps(lp: NDArray[np.float64]) -> NDArray[np.float64]:
    """The probabilities of log-probabilities ``lp``."""
    out = np.empty(lp.size)
    for d in range(lp.size):
        out[d] = math.exp(lp[d])
    return out


@njit(cache=True, **JIT_ONLY)
def _enter(
    x: NDArray[np.float64],
    sc: NDArray[np.float64],
    k: int,
    ref: float,
    lo: int,
    hi: int,
    again: bool,
) -> float:
    """Row ``k``'s value ``x[k]`` scaled into ``sc[k]``; the window ``[lo, hi)`` (row k
    in it) rescaled when ``again`` or when the value lies more than :data:`HIGH` nats
    above ``ref`` (the window's largest value the new reference). The reference after
    it."""
    v = x[k]
    if not (again or v > ref + HIGH):
        sc[k] = 0.0 if ref == -np.inf else math.exp(v - ref)
        return ref
    ref = -np.inf  # the window's largest value, its values scaled against it
    for i in range(lo, hi):
        if x[i] > ref:
            ref = x[i]
    for i in range(lo, hi):
        sc[i] = 0.0 if ref == -np.inf else math.exp(x[i] - ref)
    return ref


@njit(cache=True, **PY_ENTRY)
def course_forward(
    cum: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """``fw[j]``: log-sum over prefixes ending with a whole pass at j; ``ft[j]``: with a
    whole turn (``ft[0] = 0``: the record starts with a pass)."""
    n = cum.size - 1
    npl, ntl = pass_lp.size, turn_lp.size
    fw = np.full(n + 1, -np.inf)
    ft = np.full(n + 1, -np.inf)
    xt = np.full(n + 1, -np.inf)  # fw[i] - cum[i]: a turn's start
    sp, st = np.empty(n + 1), np.empty(n + 1)  # ft and xt scaled (each row as made)
    p, t = _exps(pass_lp), _exps(turn_lp)
    ft[0] = 0.0
    rp = _enter(ft, sp, 0, -np.inf, 0, 1, True)
    rt = _enter(xt, st, 0, -np.inf, 0, 1, True)
    for j in range(1, n + 1):
        lo = max(0, j - npl + 1)
        s = 0.0
        for i in range(lo, j):
            s += sp[i] * p[j - i]
        again_p = not s >= LOW
        if again_p:
            fw[j] = _log_row(ft, pass_lp, lo, j, j, -np.inf)
        else:
            fw[j] = rp + math.log(s)
        lo = max(0, j - ntl + 1)
        s = 0.0
        for i in range(lo, j):
            s += st[i] * t[j - i]
        again_t = not s >= LOW
        if again_t:
            ft[j] = _log_row(xt, turn_lp, lo, j, j, -np.inf) + cum[j]
        else:
            ft[j] = (rt + math.log(s)) + cum[j]
        xt[j] = fw[j] - cum[j]
        rp = _enter(ft, sp, j, rp, max(0, j - npl + 2), j + 1, again_p)
        rt = _enter(xt, st, j, rt, max(0, j - ntl + 2), j + 1, again_t)
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
    npl, ntl = pass_lp.size, turn_lp.size
    bw = np.full(n + 1, -np.inf)
    bt = np.full(n + 1, -np.inf)
    xw = np.full(n + 1, -np.inf)  # cum[j] + bw[j]: a pass's start after a turn
    sp, sw = np.empty(n + 1), np.empty(n + 1)  # bt and xw scaled (each row as made)
    p, t = _exps(pass_lp), _exps(turn_lp)
    rp, rw = -np.inf, -np.inf
    for i in range(n, -1, -1):
        left = n - i
        hi = min(n, i + npl - 1)
        cut = pass_cut[left] if 0 < left < pass_cut.size else -np.inf
        s = 0.0 if cut == -np.inf or rp == -np.inf else math.exp(cut - rp)
        for j in range(i + 1, hi + 1):
            s += p[j - i] * sp[j]
        again_p = not (s >= LOW and cut <= rp + HIGH)
        if again_p:
            bw[i] = _log_row(bt, pass_lp, i + 1, hi + 1, i, cut)
        else:
            bw[i] = rp + math.log(s)
        hi = min(n, i + ntl - 1)
        cut = turn_cut[left] + cum[n] if 0 < left < turn_cut.size else -np.inf
        s = 0.0 if cut == -np.inf or rw == -np.inf else math.exp(cut - rw)
        for j in range(i + 1, hi + 1):
            s += t[j - i] * sw[j]
        again_t = not (s >= LOW and cut <= rw + HIGH)
        if again_t:
            bt[i] = _log_row(xw, turn_lp, i + 1, hi + 1, i, cut) - cum[i]
        else:
            bt[i] = (rw + math.log(s)) - cum[i]
        xw[i] = cum[i] + bw[i]
        rp = _enter(bt, sp, i, rp, i, min(n, i + npl - 2) + 1, again_p)
        rw = _enter(xw, sw, i, rw, i, min(n, i + ntl - 2) + 1, again_t)
    return bw, bt
