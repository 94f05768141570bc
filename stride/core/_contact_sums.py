"""Contact detection kernels, the scan's run summaries (private): a run of samples read
at once, branch-free, for its extremes and sums, written for the common layouts.

A run (:mod:`stride.core._contact_runs`) is summarised when its last sample is inside the
bounds; it is quiet (committed at once) when the summary's extremes are too. The hot
summaries are written for the common layouts: four int16 channels per row read as one
64-bit word (heel + toe, and one sensor per foot), one integer column, and a generic loop
for everything else; the three heel + toe loops of any dtype share one sample's update
(:func:`pair_sample`: written once, and typed once, which also took about a second off the
scan's cold compile). Float32 heel + toe side by side (the reader's layout) is summarised
four rows at a time in vectors (:func:`~stride.core._contact_bounds.pair_rows`): the same
extremes, and the sum from the rows' sums when that is exact (it then equals the one
chain's), else added in order. Eight float32 cells side by side (insole8 as a reader
scales it, gaitpdb) are one vector a row (:mod:`~stride.core._contact_cells`): the summary
four rows at a time; the generic loops' values, bit for bit.

The float heel + toe summary keeps one chain of additions: into the contact's sum when a
contact is open, else into the candidate's (the sum committed, in sample order); a run
that would keep both (rare: a lift inside a contact, with a candidate above the onset
level) is left to the one-by-one walk, which keeps both.

Each function but :func:`pair_sample` is part of :func:`~stride.core._contact_scan.scan`,
inlined into it by numba (``inline="always"``: see that module's docstring).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_bounds import PAIR_STEP, pair_rows
from stride.core._contact_cells import cell_rows
from stride.core._contact_cellstate import cells_within
from stride.core._contact_state import BIG
from stride.core._kernel_options import JIT_ONLY


@njit(cache=True, **JIT_ONLY)
def pair_sample(
    a: float, b: float, m0: float, n0: float, m1: float, n1: float, lo: float, hi: float
) -> tuple[float, float, float, float, float, float, float]:
    """One sample of a heel + toe run (values ``a``, ``b``): its sum, then the running
    extremes of each column and of the sum, updated. The sum is ``0.0 + a + b``, not
    ``a + b``: the generic loop's order, so a zero sum has its sign. Scalars in and out
    (float64 only: one compile): LLVM inlines it into the scan's three heel + toe loops."""
    sv = 0.0 + a + b
    return (
        sv, a if a < m0 else m0, a if a > n0 else n0, b if b < m1 else m1,
        b if b > n1 else n1, sv if sv < lo else lo, sv if sv > hi else hi,
    )  # fmt: skip


@njit(cache=True, inline="always", **JIT_ONLY)
def word_sums(
    x: np.ndarray, xw: np.ndarray, i: int, limit: int, nk: int, sh0: int, sh1: int,
    uc0: np.uint64, integer_values: bool, qb: np.ndarray, run_min: float, run_max: float,
) -> tuple[bool, np.int64, float, float]:  # fmt: skip
    """Integer forces' run ``i..limit-1`` (``xw``: ``x``'s rows as 64-bit words, or empty):
    (whether summed here, the exact sum, the sum's extremes; each column's extremes of a
    heel + toe foot into ``qb``). Not summed (another layout): the extremes given back."""
    summed = True
    iacc = np.int64(0)
    if nk == 2 and xw.shape[0] == x.shape[0]:
        # heel + toe, int16 rows as 64-bit words: column c is (w << sh) >> 48
        ua = np.uint64(i)
        w = xw[ua]
        m0 = (w << sh0) >> 48
        n0 = m0
        m1 = (w << sh1) >> 48
        n1 = m1
        ms = m0 + m1
        ns = ms
        for jj in range(ua, np.uint64(limit)):
            w = xw[jj]
            v0 = (w << sh0) >> 48
            v1 = (w << sh1) >> 48
            sv = v0 + v1
            m0 = v0 if v0 < m0 else m0
            n0 = v0 if v0 > n0 else n0
            m1 = v1 if v1 < m1 else m1
            n1 = v1 if v1 > n1 else n1
            ms = sv if sv < ms else ms
            ns = sv if sv > ns else ns
            iacc += sv
        qb[0, 2] = np.float64(m0)
        qb[0, 3] = np.float64(n0)
        qb[1, 2] = np.float64(m1)
        qb[1, 3] = np.float64(n1)
        run_min = np.float64(ms)
        run_max = np.float64(ns)
    elif nk == 1 and xw.shape[0] == x.shape[0]:
        ua = np.uint64(i)
        mn = (xw[ua] << sh0) >> 48
        mx = mn
        for jj in range(ua, np.uint64(limit)):
            v = (xw[jj] << sh0) >> 48
            mn = v if v < mn else mn
            mx = v if v > mx else mx
            iacc += v
        run_min = np.float64(mn)
        run_max = np.float64(mx)
    elif nk == 1 and integer_values:
        ua = np.uint64(i)
        mn = np.int64(x[ua, uc0])
        mx = mn
        for jj in range(ua, np.uint64(limit)):
            v = np.int64(x[jj, uc0])
            mn = v if v < mn else mn
            mx = v if v > mx else mx
            iacc += v
        run_min = np.float64(mn)
        run_max = np.float64(mx)
    else:
        summed = False
    return summed, iacc, run_min, run_max


@njit(cache=True, inline="always", **JIT_ONLY)
def vector_sums(
    x: np.ndarray, i: int, limit: int, nk: int, c0: int, c1: int, float32_values: bool,
    cells: bool, in_contact: bool, tracking: bool, acc_c: float, acc_d: float,
    run_min: float, run_max: float, qb: np.ndarray, cq: np.ndarray,
) -> tuple[bool, float, float, float, float]:  # fmt: skip
    """Float32 heel + toe or eight cells side by side, run ``i..limit-1``, in vectors:
    (whether summed here, the sum's extremes, the contact's and the candidate's sums; the
    columns' extremes into ``qb``, or ``cq`` for the cells). Not summed: as given."""
    paired = nk == 2 and float32_values and c1 == c0 + 1 and limit - i >= PAIR_STEP
    if paired:
        # heel + toe, float32 side by side: four rows at a time in vectors
        keep = in_contact or tracking
        r = pair_rows(x, c0, i, limit, acc_c if in_contact else acc_d, keep)
        # a column's extremes that could tie as -0.0 and 0.0 (the first seen
        # decides): the rows are summarised one after another instead
        paired = r[7] == 0.0
        if paired:
            qb[0, 2] = r[0]
            qb[0, 3] = r[1]
            qb[1, 2] = r[2]
            qb[1, 3] = r[3]
            run_min = r[4]
            run_max = r[5]
            if keep:  # the sum committed, as in row_sums
                acc_c = np.nan if in_contact and tracking else r[6]
                acc_d = r[6]
            else:
                acc_c = np.nan if r[6] != r[6] else acc_c  # a NaN sample
    elif cells:
        # an insole's eight cells (float32 side by side): the rows' sums
        # and extremes four rows at a time in vectors (_contact_cells)
        keep = in_contact or tracking
        # (each cell's extremes into cq[2:4])
        run_min, run_max, s_run = cell_rows(
            x, c0, i, limit, acc_c if in_contact else acc_d, keep, cq
        )
        if keep:  # the sum committed, as in row_sums' generic loop
            acc_c = np.nan if in_contact and tracking else s_run
            acc_d = s_run
        else:
            acc_c = np.nan if s_run != s_run else acc_c  # a NaN sample
        paired = True
    return paired, run_min, run_max, acc_c, acc_d


@njit(cache=True, inline="always", **JIT_ONLY)
def row_sums(
    x: np.ndarray, i: int, limit: int, cols: np.ndarray, nk: int, multi: bool,
    uc0: np.uint64, uc1: np.uint64, in_contact: bool, tracking: bool, acc_c: float,
    acc_d: float, run_min: float, run_max: float, qb: np.ndarray,
) -> tuple[float, float, float, float]:  # fmt: skip
    """Any other layout's run ``i..limit-1``, row by row: (the sum's extremes, the
    contact's and the candidate's sums; each column's extremes into ``qb``)."""
    if nk == 2:
        # two columns of any other kind (heel + toe as a reader scaled them:
        # float32): the generic loop's operations, in its order, in registers
        ua = np.uint64(i)
        m0 = BIG
        n0 = -BIG
        m1 = BIG
        n1 = -BIG
        if in_contact or tracking:
            # one chain of additions, from the contact's sum if one is
            # open, else from the candidate's (the one committed)
            acc = acc_c if in_contact else acc_d
            for jj in range(ua, np.uint64(limit)):
                v0 = np.float64(x[jj, uc0])
                v1 = np.float64(x[jj, uc1])
                sv, m0, n0, m1, n1, run_min, run_max = pair_sample(
                    v0, v1, m0, n0, m1, n1, run_min, run_max
                )
                acc += sv
            # both kept (rare: a lift inside a contact, and a candidate
            # above the onset level): NaN, not quiet, scanned one by one
            acc_c = np.nan if in_contact and tracking else acc
            acc_d = acc
        else:
            # no sum is kept (the foot swings): without the sums' chain of
            # dependent additions; a NaN sample still shows, in nan
            nan = False
            for jj in range(ua, np.uint64(limit)):
                v0 = np.float64(x[jj, uc0])
                v1 = np.float64(x[jj, uc1])
                sv, m0, n0, m1, n1, run_min, run_max = pair_sample(
                    v0, v1, m0, n0, m1, n1, run_min, run_max
                )
                nan |= sv != sv
            acc_c = np.nan if nan else acc_c
        qb[0, 2] = m0
        qb[0, 3] = n0
        qb[1, 2] = m1
        qb[1, 3] = n1
    else:
        # any layout, any dtype: float sums in sample order
        for k in range(nk):
            qb[k, 2] = BIG
            qb[k, 3] = -BIG
        for jj in range(i, limit):
            sv = 0.0
            for k in range(nk):
                v = np.float64(x[jj, cols[k]])
                sv += v
                if multi:
                    qb[k, 2] = v if v < qb[k, 2] else qb[k, 2]
                    qb[k, 3] = v if v > qb[k, 3] else qb[k, 3]
            run_min = sv if sv < run_min else run_min
            run_max = sv if sv > run_max else run_max
            acc_c += sv
            acc_d += sv
    return run_min, run_max, acc_c, acc_d


@njit(cache=True, inline="always", **JIT_ONLY)
def summary_quiet(
    step_ok: bool, run_min: float, run_max: float, lo: float, hi: float, acc_c: float,
    nk: int, multi: bool, cells: bool, qb: np.ndarray, cq: np.ndarray,
) -> bool:  # fmt: skip
    """Whether a summarised run is quiet: the step into it good, the sum's extremes inside
    ``lo``..``hi``, no NaN, and each sensor's extremes inside its bounds."""
    quiet = (
        step_ok
        and run_min > lo
        and run_max <= hi
        and acc_c == acc_c  # a NaN sample (min/max skip NaN; sums do not)
    )
    if quiet and cells:
        quiet = cells_within(cq)
    elif quiet and multi:
        for k in range(nk):
            if not (qb[k, 2] > qb[k, 0] and qb[k, 3] <= qb[k, 1]):
                quiet = False
    return quiet
