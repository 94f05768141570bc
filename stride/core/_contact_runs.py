"""Contact detection kernels, the scan's quiet runs (private): the bounds a run must stay
inside, the test of its last sample, the one-by-one walk to its first event, its commit.

Between events (a level crossed, NaN, a gap), samples only move running values: block
extremes, the contact's and the candidate's force sums, the count of swing samples. A run
of samples up to the block's end stays quiet while every value stays inside the bounds the
current state allows (:func:`quiet_bounds`: the sum's, ``_sum_bounds``, and each sensor's
of a multi-sensor foot); it is then summarised at once (:mod:`stride.core._contact_sums`)
or walked one by one to the first sample outside them (:func:`walk`), and committed
(:func:`commit`). Updates happen in the same order either way (integer sums are exact), so
the results equal the per-sample rules bit for bit, for any chunking.

Before a run is summarised, its last sample is tested against the same bounds, with the
same sum (``0.0`` plus the columns in order, float64: the value the summary would take
for it; :func:`last_inside`). A run whose last sample is outside them cannot be quiet (the
summary's extremes include that sample), so it is walked at once instead of read twice:
on the 60-minute heel + toe session that skips every failed summary (about 20,000 a foot,
706,000 rows). The test only ever chooses the walk, which commits the same values in the
same order as a quiet summary would (so a wrong answer could only cost time, never change
a result).

Each function here is part of :func:`~stride.core._contact_scan.scan`, inlined into it by
numba (``inline="always"``: see that module's docstring); the state arrays are read and
written in place as in the scan. For an insole's eight float32 cells the sensors' bounds,
the last row's test, the walk and the commit are each one vector
(:mod:`~stride.core._contact_cellstate`, :mod:`~stride.core._contact_cells`; the cells'
bounds and extremes in ``cq``, a row a field, where ``qb`` has a row a sensor for the
other layouts).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_bounds import _sum_bounds
from stride.core._contact_cells import cell_walk
from stride.core._contact_cellstate import cell_bounds, cell_commit, cell_inside
from stride.core._contact_layout import (
    R_BCNT,
    R_BMAX,
    R_BMIN,
    R_LOADED,
    R_LOW,
    R_OFF,
    R_OK,
    R_PRE,
    R_PREV,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOW,
    T_MID,
    T_OFF,
    T_OK,
    T_ON,
    T_PREV,
    column,
)
from stride.core._contact_state import (
    BIG,
    LOADED,
    S_ACC,
    S_BELOW,
    S_BPOS,
    S_CAND_ACC,
    S_CAND_CNT,
    S_CAND_PEAK,
    S_CNT,
    S_INDEX,
    S_LIFTED,
    S_PEAK,
    S_PREV_T,
    UNLOADED,
)
from stride.core._contact_sums import pair_sample
from stride.core._kernel_options import JIT_ONLY

#: after an event, samples scanned one by one for the next before summarising again
NEAR = 4


@njit(cache=True, inline="always", **JIT_ONLY)
def quiet_bounds(
    tr: np.ndarray, fs: np.ndarray, st: float, pre: float, above: float, jump: float,
    cells: bool, multi: bool, nk: int, cells_at: np.uint64, cq: np.ndarray, qb: np.ndarray,
) -> tuple[float, float]:  # fmt: skip
    """The bounds of the foot's sum in a quiet run (returned: above the first, up to the
    second) from its state (``st``, ``pre``, ``above``), and each sensor's into ``qb``
    rows 0..nk-1 (an insole's eight cells: into ``cq``)."""
    lo, hi = _sum_bounds(
        tr[T_OK], st, pre, above, fs[S_LIFTED], tr[T_OFF], tr[T_ON], tr[T_LOW], tr[T_MID],
    )  # fmt: skip
    # a reading beyond the load rule's far level is an event (it is counted)
    far = tr[T_H] + 0.999999 * jump * (tr[T_H] - tr[T_L])
    hi = far if far < hi else hi
    if cells:
        # the loop below on the eight cells at once (_contact_cellstate)
        cell_bounds(tr, cells_at, cq)
    elif multi:
        # each sensor's values that change nothing but running values: any while its
        # levels are unusable; loaded, above its contact level; unloaded and not
        # pre-loaded, up to its onset level; else between the two (written out
        # branch-free, with the insole path's vector summaries: together 0.55-0.63x the
        # insole8 float32 scan's CPU)
        for k in range(nk):
            ck = column(k)
            ok = tr[ck + R_OK] != 0.0
            ld = tr[ck + R_LOADED]
            held = ok & (ld == LOADED)
            free = (ld == UNLOADED) & (tr[ck + R_PRE] == 0.0)
            s_on = tr[ck + R_OFF]
            s_low = tr[ck + R_LOW]
            qb[k, 0] = s_low if held else (-BIG if (not ok) | free else s_on)
            qb[k, 1] = BIG if (not ok) | held else (s_on if free else s_low)
    return lo, hi


@njit(cache=True, inline="always", **JIT_ONLY)
def last_inside(
    x: np.ndarray, ke: int, cols: np.ndarray, nk: int, multi: bool, cells: bool, c0: int,
    c1: int, uc0: np.uint64, qb: np.ndarray, cq: np.ndarray, lo: float, hi: float,
) -> bool:  # fmt: skip
    """Whether sample ``ke`` (a run's last) is inside the bounds: else the summary would
    fail (its extremes include it), and the run is walked one by one at once."""
    if nk == 2:
        e0 = float(x[ke, uc0])
        e1 = float(x[ke, np.uint64(c1)])
        se = 0.0 + e0 + e1
        return bool(
            (e0 > qb[0, 0]) & (e0 <= qb[0, 1]) & (e1 > qb[1, 0]) & (e1 <= qb[1, 1])
            & (se > lo) & (se <= hi)
        )  # fmt: skip
    if cells:
        return cell_inside(x, c0, ke, cq, lo, hi)
    se = 0.0
    inside = True
    for k in range(nk):
        ev = float(x[ke, cols[k]])
        se += ev
        if multi and not (ev > qb[k, 0] and ev <= qb[k, 1]):
            inside = False
    return inside and se > lo and se <= hi


@njit(cache=True, inline="always", **JIT_ONLY)
def walk(
    t: np.ndarray, x: np.ndarray, i: int, limit: int, near_event: bool, tp: float,
    gap_dt: float, fs: np.ndarray, cols: np.ndarray, nk: int, multi: bool, cells: bool,
    c0: int, c1: int, qb: np.ndarray, cq: np.ndarray, lo: float, hi: float,
) -> tuple[int, float, float, float, float, bool]:  # fmt: skip
    """Samples ``i..`` one by one to the first that is not quiet; right after an event
    only a few (events cluster), else to the run's end ``limit``. Returns (that sample,
    the run's extremes and sums, whether an event stopped the walk)."""
    j = i
    stop = limit if not near_event else (i + NEAR if i + NEAR < limit else limit)
    run_min = BIG
    run_max = -BIG
    acc_c = fs[S_ACC]
    acc_d = fs[S_CAND_ACC]
    if multi and not cells:  # (the cells' walk starts its extremes itself)
        for k in range(nk):
            qb[k, 2] = BIG
            qb[k, 3] = -BIG
    d = t[i] - tp
    if not (d > 0.0 and d <= gap_dt):
        stop = i  # the step into the run is an event; the later ones are good
    if nk == 2:
        # heel + toe: the loop below with the bounds and extremes in registers and the
        # tests branch-free (the sample that fails one is the event)
        a0, b0, a1, b1 = qb[0, 0], qb[0, 1], qb[1, 0], qb[1, 1]
        m0 = BIG
        n0 = -BIG
        m1 = BIG
        n1 = -BIG
        ua = np.uint64(c0)
        ub = np.uint64(c1)
        while j < stop:
            v0 = np.float64(x[j, ua])
            v1 = np.float64(x[j, ub])
            sv: float = 0.0 + v0 + v1
            if not ((v0 > a0) & (v0 <= b0) & (v1 > a1) & (v1 <= b1) & (sv > lo) & (sv <= hi)):
                break
            sv, m0, n0, m1, n1, run_min, run_max = pair_sample(
                v0, v1, m0, n0, m1, n1, run_min, run_max
            )
            acc_c += sv
            acc_d += sv
            j += 1
        qb[0, 2] = m0
        qb[0, 3] = n0
        qb[1, 2] = m1
        qb[1, 3] = n1
    elif cells:
        # an insole's eight cells: a row's tests in one vector (_contact_cells)
        # (each cell's extremes into cq[2:4])
        jf, run_min, run_max, acc_c, acc_d = cell_walk(x, c0, j, stop, cq, lo, hi, acc_c, acc_d)
        j = int(jf)
    else:
        while j < stop:  # (the run ends before the next bad step: limit)
            sv = 0.0
            inside = True
            for k in range(nk):
                v = np.float64(x[j, cols[k]])
                sv += v
                if multi and not (v > qb[k, 0] and v <= qb[k, 1]):
                    inside = False
            if not (inside and sv > lo and sv <= hi):
                break
            if multi:
                for k in range(nk):
                    v = np.float64(x[j, cols[k]])
                    qb[k, 2] = v if v < qb[k, 2] else qb[k, 2]
                    qb[k, 3] = v if v > qb[k, 3] else qb[k, 3]
            run_min = sv if sv < run_min else run_min
            run_max = sv if sv > run_max else run_max
            acc_c += sv
            acc_d += sv
            j += 1
    return j, run_min, run_max, acc_c, acc_d, j < stop


@njit(cache=True, inline="always", **JIT_ONLY)
def commit(
    t: np.ndarray, x: np.ndarray, j: int, m: int, fs: np.ndarray, tr: np.ndarray,
    in_contact: bool, tracking: bool, counting: bool, acc_c: float, acc_d: float,
    run_min: float, run_max: float, cols: np.ndarray, nk: int, multi: bool, cells: bool,
    c0: int, cells_at: np.uint64, qb: np.ndarray, cq: np.ndarray,
) -> None:  # fmt: skip
    """Commit the quiet run of ``m`` samples before ``j``: its sums (``acc_c`` the
    contact's, ``acc_d`` the candidate's) and extremes into the foot's state, each sensor's
    extremes (``qb`` rows, or ``cq``) into its tracker."""
    last = j - 1
    if in_contact:
        fs[S_ACC] = acc_c
        fs[S_CNT] += m
        fs[S_PEAK] = run_max if run_max > fs[S_PEAK] else fs[S_PEAK]
    if tracking:
        fs[S_CAND_ACC] = acc_d
        fs[S_CAND_CNT] += m
        fs[S_CAND_PEAK] = run_max if run_max > fs[S_CAND_PEAK] else fs[S_CAND_PEAK]
    if counting:
        fs[S_BELOW] += m
    tr[T_BMIN] = run_min if run_min < tr[T_BMIN] else tr[T_BMIN]
    tr[T_BMAX] = run_max if run_max > tr[T_BMAX] else tr[T_BMAX]
    tr[T_BCNT] += m
    if cells:  # the loop below on the eight cells at once (_contact_cellstate)
        s_last = cell_commit(tr, cells_at, x, c0, last, cq, m)
    else:
        s_last = 0.0
        for k in range(nk):
            ck = column(k)
            v = np.float64(x[last, cols[k]])
            s_last += v
            if multi:
                tr[ck + R_PREV] = v
                ext = qb[k, 2]
                tr[ck + R_BMIN] = ext if ext < tr[ck + R_BMIN] else tr[ck + R_BMIN]
                ext = qb[k, 3]
                tr[ck + R_BMAX] = ext if ext > tr[ck + R_BMAX] else tr[ck + R_BMAX]
                tr[ck + R_BCNT] += m
    tr[T_PREV] = s_last
    fs[S_PREV_T] = t[last]
    fs[S_INDEX] += m
    fs[S_BPOS] += m
