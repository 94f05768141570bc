"""Contact detection kernels, part 2: the scan (private).

Between events (a level crossed, NaN, a gap), samples only move running values: block
extremes, the contact's and the candidate's force sums, the count of swing samples. So a
run of samples up to the block's end is first summarised branch-free and, when every
value stays inside the bounds the current state allows (``_sum_bounds``, and each
sensor's of a multi-sensor foot), committed at once; otherwise the samples are scanned
one by one to the event, and the event sample goes through every rule (the ``rules`` part of
:func:`scan`). Updates happen in the same order either way (integer sums are exact), so
the results equal the per-sample rules bit for bit, for any chunking (tests compare them
with a plain-Python reference).

Before a run is summarised, its last sample is tested against the same bounds, with the
same sum (``0.0`` plus the columns in order, float64: the value the summary would take
for it). A run whose last sample is outside them cannot be quiet (the summary's extremes
include that sample), so it is scanned one by one at once instead of read twice: on the
60-minute heel + toe session that skips every failed summary (about 20,000 a foot, 706,000
rows). The test only ever chooses the one-by-one scan, which commits the same values in
the same order as a quiet summary would (so a wrong answer could only cost time, never
change a result). The float heel + toe summary keeps one chain of additions: into the
contact's sum when a contact is open, else into the candidate's (the sum committed, in
sample order); a run that would keep both (rare: a lift inside a contact, with a candidate
above the onset level) is left to the one-by-one scan, which keeps both.

:func:`scan` is long on purpose: the per-sample rules are written inside its loop, not in a
function, because every call of a numba function with array arguments costs atomic
reference counts (about 100 ns, more than the rest of an event), and the state arrays are
read and written in place for the same reason. Only rare steps (a contact opened or
emitted, a lift) take arrays; the helpers taking scalars (bounds, envelopes, crossings)
are plain functions that LLVM inlines (the scan's machine code, float32, int16 and
float64 alike, calls only the rare steps' helpers: ``emit``, ``open_contact``, ``lift``,
``onset_time``, ``_next_bad_step``); a rule met per sensor after every event is written
out branch-free here (the sensors' bounds). The hot summaries are written for the
common layouts:
four int16 channels per row read as one 64-bit word (heel + toe, and one sensor per foot),
one integer column, and a generic loop for everything else; the three heel + toe loops of
any dtype share one sample's update (:func:`_pair_sample`: written once, and typed once,
which also took about a second off the scan's cold compile). Float32 heel + toe side by
side (the reader's layout) is summarised four rows at a time in vectors
(:func:`~stride.core._contact_bounds.pair_rows`): the same extremes, and the sum from the
rows' sums when that is exact (it then equals the one chain's), else added in order.
Eight float32 cells side by side (insole8 as a reader scales it, gaitpdb) are one vector a
row (:mod:`~stride.core._contact_cells`): the summary four rows at a time, and the walk
one by one with a row's tests in one vector; the generic loops' values, bit for bit.
At a block's end the sensors' envelopes are updated four at a time in vectors, or a page
of eight at once for a foot of more than four sensors (an insole's: one call instead of
two, 0.95-0.98x the insole8 float32 scan's CPU; a heel + toe foot keeps four lanes)
(:mod:`~stride.core._contact_envelopes`; their state is laid out field by field for it).
For the eight cells, the sensors' quiet bounds, the test of a run's last row, the test of a
summary's extremes and a run's commit are each one vector too
(:mod:`~stride.core._contact_cellstate`; the cells' bounds and extremes in ``cq``, a row a
field, where ``qb`` has a row a sensor for the other layouts); so is an event's: while the
bounds hold for the sensors' state (computed since the last event and block end), only the
cells outside them can change state, so only their rules run (``cell_outside``: one bit a
cell), and every cell's running values are one vector (``cell_step``).

Compile time (a first run waits for it): numba compiles a helper once per distinct set of
argument types, and a literal ``True``, ``False`` or ``0`` argument is a type of its own,
so the helpers get run-time values (``yes``/``no``, ``np.int64(0)``), never literals; and
the dtype test is :func:`~stride.core._contact_bounds.is_integer`, a constant, not a string
search compiled into the kernel. The integer summaries are not compiled at all for float
forces: their caller passes ``xw=None`` then, and numba prunes a branch on ``xw is not None``
by the argument's type before typing it (an eighth of the scan's typed variables fewer).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numba.cpython.unsafe.numbers import trailing_zeros as _trailing_zeros

from stride.core._contact_bounds import (
    PAIR_STEP,
    _next_bad_step,
    _sum_bounds,
    is_float32,
    is_integer,
    onset_time,
    pair_rows,
)
from stride.core._contact_cells import adjacent, cell_rows, cell_walk
from stride.core._contact_cellstate import (
    CELLS,
    cell_bounds,
    cell_commit,
    cell_inside,
    cell_outside,
    cell_step,
    cell_sum,
    cells_within,
)
from stride.core._contact_envelopes import envelopes4, envelopes8
from stride.core._contact_gap import forget
from stride.core._contact_layout import (
    LANES,
    PAGE,
    R_BCNT,
    R_BMAX,
    R_BMIN,
    R_L,
    R_LOADED,
    R_LOW,
    R_OFF,
    R_OK,
    R_PRE,
    R_PRE_I,
    R_PRE_T,
    R_PREV,
    R_SON_I,
    R_SON_T,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOW,
    T_MID,
    T_NS,
    T_NZ,
    T_OFF,
    T_OK,
    T_ON,
    T_PREV,
    T_RREF,
    T_SON_I,
    column,
)
from stride.core._contact_state import (
    BIG,
    ENDING,
    LOAD_UNKNOWN,
    LOADED,
    P_BASE_N,
    P_BLOCK,
    P_DEEP,
    P_DIP,
    P_EXTEND,
    P_F_MID,
    P_GAP_DT,
    P_HOLD,
    P_JUMP,
    P_LOAD_N,
    P_MIN_CONTACT,
    P_MIN_SWING,
    P_ONSET_BACK,
    P_TOUCH,
    S_ABOVE,
    S_ACC,
    S_BELOW,
    S_BPOS,
    S_CAND_ACC,
    S_CAND_BASE,
    S_CAND_CNT,
    S_CAND_I,
    S_CAND_PEAK,
    S_CAND_T,
    S_CNT,
    S_FC_ACC,
    S_FC_CNT,
    S_FC_I,
    S_FC_PEAK,
    S_FC_T,
    S_GAP_OPEN,
    S_INDEX,
    S_LIFTED,
    S_LONG,
    S_LOW_T,
    S_NFAR,
    S_PART_I,
    S_PART_T,
    S_PBMAX,
    S_PBMIN,
    S_PBMIN2,
    S_PBMIN3,
    S_PEAK,
    S_PRE,
    S_PREV_FC,
    S_PREV_T,
    S_SEEN,
    S_STATE,
    S_SWUNG,
    S_TOUCHES,
    STANCE,
    SWING,
    UNKNOWN,
    UNLOADED,
    _crossing,
    emit,
    envelope_params,
    envelopes,
    lift,
    open_contact,
)
from stride.core._kernel_options import JIT_ONLY, PY_ENTRY

#: the place of an integer's lowest set bit (numba's intrinsic, called as a function)
trailing_zeros: Any = _trailing_zeros

#: after an event, samples scanned one by one for the next before summarising again
NEAR = 4


@njit(cache=True, **JIT_ONLY)
def _pair_sample(
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


@njit(cache=True, nogil=True, **PY_ENTRY)
def scan(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    start: int,
    p: np.ndarray,
    tr: np.ndarray,
    fs: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    xw: np.ndarray | None,
    bads: np.ndarray,
) -> tuple[int, int]:
    """Run one foot over samples ``start..`` of a chunk.

    ``xw``: the rows of ``x`` as 64-bit words when ``x`` is little-endian int16 with four
    columns (a view, no copy), else empty for integer ``x`` and None for float ``x``;
    ``bads``: the bad time steps of ``t`` then ``len(t)`` (``contacts.bad_steps``: the
    scan's ``start`` <= -2 below) when already found for another foot, else empty (then
    found here, ahead, as the scan goes).
    Returns ``(rows written, next sample)``; the caller calls again while next < len(t)
    (output full). A time that is not finite or does not increase returns ``(-1, i)``.
    ``start`` -1: the end of the stream instead (no sample is read: ``t`` and ``x`` may be
    empty): a contact still in stance is cut by the record's end (incomplete), one whose
    swing had begun ends at its final contact; returns ``(rows written, len(t))``.
    ``start`` -2 - k (k >= 1): the bad time steps of ``t`` from k on instead (each ``k``
    whose step ``t[k] - t[k-1]`` is not in (0, gap]), into ``out_i[:, 0]`` while it has
    room; returns ``(steps written, where to go on)``. These are modes of the scan, not
    kernels of their own: each kernel costs a first run its compile and every run the
    loading of its cached code (milliseconds each).
    """
    n = t.shape[0]
    nk = cols.shape[0]
    multi = nk > 1
    # the sensors' block ends in vectors, the page's padding columns too (trackers
    # without samples: left as they are): four at a time (envelopes4), or a page of eight
    # at a time for more than four sensors (envelopes8: an insole's foot in one call)
    wide = nk > LANES
    width = PAGE if wide else LANES
    n_lanes = -(-nk // width) * width if multi else 0
    cap = out_f.shape[0]
    n_out = int(np.int64(0))  # int64, not the literal 0: see the module docstring
    block = int(p[P_BLOCK])
    gap_dt = p[P_GAP_DT]
    min_swing = p[P_MIN_SWING]
    touch_rule = p[P_TOUCH] != 0.0
    base_n = int(p[P_BASE_N])
    load_n = int(p[P_LOAD_N])
    hold = p[P_HOLD] != 0.0
    jump = p[P_JUMP]
    back_most = p[P_ONSET_BACK]
    deep_rule = p[P_DEEP] != 0.0
    dip_rule = p[P_DIP] != 0.0
    # flags for the helpers as run-time bools: a literal True or False would compile the
    # helper once more (see the module docstring)
    yes = n >= 0
    no = not yes
    integer_values = is_integer(x)
    float32_values = is_float32(x)
    # eight float32 cells side by side: summarised four rows at a time in vectors
    cells = float32_values and adjacent(cols, x.strides[1])
    # bounds of each sensor's values in a quiet run: rows 0..nk-1, then extremes found
    qb = np.empty((nk, 4), np.float64)
    # eight cells' bounds and extremes, a row each (their vectors: _contact_cellstate)
    cq = np.empty((4, CELLS), np.float64)
    cells_at = column(np.int64(0))  # their trackers (int64, not the literal 0: see above)
    ep = envelope_params(p)
    # the sensors' baselines under the sum's rule for a far block minimum (read once: in
    # the loop LLVM reads ``p`` again at each block end, the state arrays' stores before
    # it may have written it)
    gp = (p[P_JUMP], p[P_BASE_N] - 1.0)
    c0 = cols[0]
    c1 = cols[nk - 1]
    sh0 = 48 - 16 * c0
    sh1 = 48 - 16 * c1
    uc0 = np.uint64(c0)
    uc1 = np.uint64(c1)
    near_event = True
    stale = True  # the quiet bounds need computing (after an event or a block's end)
    lo = hi = 0.0
    bad_step = start  # the first bad time step at or after i + 1 (once looked up)
    shared_bads = bads.shape[0] > 0
    bp = 0
    i = start
    if start < -1:
        k = -2 - start
        while k < n and n_out < out_i.shape[0]:
            k = _next_bad_step(t, k, n, gap_dt)
            if k < n:
                out_i[n_out, 0] = k
                n_out += 1
                k += 1
        return n_out, k
    if start < 0:
        st = fs[S_STATE]
        if st >= STANCE:  # a contact is open
            n_out = emit(
                fs, tr, nk, st == ENDING, fs[S_PREV_T], fs[S_INDEX] - 1.0, out_f, out_i,
                n_out, p,
            )  # fmt: skip
        fs[S_STATE] = UNKNOWN
        return n_out, n
    while i < n:
        if n_out + 3 >= cap:
            return n_out, i
        if bad_step <= i:
            if shared_bads:
                while bads[bp] <= i:  # ends at the sentinel n > i
                    bp += 1
                bad_step = int(bads[bp])
            else:
                bad_step = _next_bad_step(t, i + 1, n, gap_dt)
        st = fs[S_STATE]
        pre = fs[S_PRE]
        above = fs[S_ABOVE]
        # a run stops at the block's end and before the next bad time step (an event)
        limit = i + block - int(fs[S_BPOS])
        limit = n if n < limit else limit
        limit = bad_step if bad_step < limit else limit
        counting = st == ENDING and above == 0.0
        if counting:
            # ending: the sample that completes the swing is an event
            room = int(min_swing - fs[S_BELOW]) - 1
            room = i + (room if room > 0 else 0)
            limit = room if room < limit else limit
        in_contact = st >= STANCE  # STANCE or ENDING: a contact is open
        # the candidate's sums run while above the onset level in swing or after a lift
        tracking = pre != 0.0 and (st == SWING or (st == ENDING and fs[S_LIFTED] != 0.0))
        tp = fs[S_PREV_T]
        j = i
        run_min = BIG
        run_max = -BIG
        acc_c = fs[S_ACC]  # the contact's running sum ...
        acc_d = fs[S_CAND_ACC]  # ... and the candidate's (float input: in sample order)
        if limit > i and tp == tp:
            if stale:
                stale = False
                lo, hi = _sum_bounds(
                    tr[T_OK], st, pre, above, fs[S_LIFTED], tr[T_OFF], tr[T_ON],
                    tr[T_LOW], tr[T_MID],
                )  # fmt: skip
                # a reading beyond the load rule's far level is an event (it is counted)
                far = tr[T_H] + 0.999999 * jump * (tr[T_H] - tr[T_L])
                hi = far if far < hi else hi
                if cells:
                    # the loop below on the eight cells at once (_contact_cellstate)
                    cell_bounds(tr, cells_at, cq)
                elif multi:
                    # each sensor's values that change nothing but running values: any
                    # while its levels are unusable; loaded, above its contact level;
                    # unloaded and not pre-loaded, up to its onset level; else between
                    # the two (written out branch-free, with the insole path's vector
                    # summaries: together 0.55-0.63x the insole8 float32 scan's CPU)
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
            quiet = False
            summarise = not near_event
            if summarise:
                # the run's last sample first: outside the bounds, the summary would fail
                # (its extremes include it), so the run is scanned one by one at once
                ke = limit - 1
                if nk == 2:
                    e0 = float(x[ke, uc0])
                    e1 = float(x[ke, np.uint64(c1)])
                    se = 0.0 + e0 + e1
                    summarise = bool(
                        (e0 > qb[0, 0]) & (e0 <= qb[0, 1]) & (e1 > qb[1, 0]) & (e1 <= qb[1, 1])
                        & (se > lo) & (se <= hi)
                    )  # fmt: skip
                elif cells:
                    summarise = cell_inside(x, c0, ke, cq, lo, hi)
                else:
                    se = 0.0
                    inside = True
                    for k in range(nk):
                        ev = float(x[ke, cols[k]])
                        se += ev
                        if multi and not (ev > qb[k, 0] and ev <= qb[k, 1]):
                            inside = False
                    summarise = inside and se > lo and se <= hi
            if summarise:
                d0 = t[i] - tp
                step_ok = d0 > 0.0 and d0 <= gap_dt
                iacc = np.int64(0)
                summed = False  # whether the run's sum is in iacc (exact integers)
                if xw is not None:
                    # integer forces (float forces come with xw None: then the numba compile
                    # prunes this part, see the module docstring)
                    summed = True
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
                paired = False
                if xw is None:
                    # float forces (xw None; for integer ones numba still types this part,
                    # which is dropped as dead code after: is_float32 is a constant)
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
                            if keep:  # the sum committed, as in the loop below
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
                        if keep:  # the sum committed, as in the generic loop below
                            acc_c = np.nan if in_contact and tracking else s_run
                            acc_d = s_run
                        else:
                            acc_c = np.nan if s_run != s_run else acc_c  # a NaN sample
                        paired = True
                if not (paired or summed):
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
                                sv, m0, n0, m1, n1, run_min, run_max = _pair_sample(
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
                                sv, m0, n0, m1, n1, run_min, run_max = _pair_sample(
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
                if summed:
                    acc_c += np.float64(iacc)
                    acc_d += np.float64(iacc)
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
            if quiet:
                j = limit
            else:
                # scan one by one to the first sample that is not quiet; right after an
                # event only a few samples (events cluster), else to the run's end
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
                    # heel + toe: the loop below with the bounds and extremes in registers
                    # and the tests branch-free (the sample that fails one is the event)
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
                        sv = 0.0 + v0 + v1
                        if not (
                            (v0 > a0) & (v0 <= b0) & (v1 > a1) & (v1 <= b1) & (sv > lo)
                            & (sv <= hi)
                        ):  # fmt: skip
                            break
                        sv, m0, n0, m1, n1, run_min, run_max = _pair_sample(
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
                    jf, run_min, run_max, acc_c, acc_d = cell_walk(
                        x, c0, j, stop, cq, lo, hi, acc_c, acc_d
                    )
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
                near_event = j < stop
        m = j - i
        if m > 0:
            # commit the quiet run
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
            i = j
        else:
            # ---- rules: one event sample, every rule applied (as the reference) ----
            # the cells' quiet bounds still hold for this sample's state (computed after
            # the last event or block end): only the cells outside them can change state
            quick = cells and not stale
            near_event = True
            stale = True
            ti = t[i]
            gi = fs[S_INDEX]
            if cells:  # (the same sum, its additions fewer deep: _contact_cellstate)
                s = cell_sum(x, c0, i)
            else:
                s = 0.0
                for k in range(nk):
                    s += np.float64(x[i, cols[k]])
            if (tp == tp and ti <= tp) or ti != ti or abs(ti) == np.inf:
                return -1, i
            valid = s == s and abs(s) != np.inf
            if (not valid) or (tp == tp and ti - tp > gap_dt):
                # missing samples: cut an open contact, forget the previous sample (the
                # resets: forget, as a known break's, stride.core.contact_breaks)
                if in_contact:
                    n_out = emit(fs, tr, nk, st == ENDING, tp, gi - 1.0, out_f, out_i, n_out, p)
                forget(fs, tr, nk)
                tp = np.nan
                st = UNKNOWN
                in_contact = False
                quick = False  # the sensors' state was reset: the bounds no longer hold
            if valid:
                if multi:
                    # an insole's eight cells: the rules of the cells outside their quiet
                    # bounds only (one vector test), then every cell's running values in
                    # one vector (cell_step); else every sensor in turn
                    todo = cell_outside(x, c0, i, cq) if quick else np.int64(0)
                    k = 0
                    while k < nk:
                        if quick:
                            if todo == 0:
                                break
                            k = int(trailing_zeros(todo))
                            todo &= todo - 1
                        ck = column(k)
                        v = np.float64(x[i, cols[k]])
                        if tr[ck + R_OK] != 0.0:
                            on_k = tr[ck + R_OFF]
                            low_k = tr[ck + R_LOW]
                            ld = tr[ck + R_LOADED]
                            if ld == LOAD_UNKNOWN:
                                if v > low_k:
                                    tr[ck + R_LOADED] = LOADED
                                elif v <= on_k:
                                    tr[ck + R_LOADED] = UNLOADED
                                    tr[ck + R_PRE] = 0.0
                            elif ld == UNLOADED:
                                if v > on_k and tr[ck + R_PRE] == 0.0:
                                    tr[ck + R_PRE] = 1.0
                                    tr[ck + R_PRE_T] = _crossing(tr[ck + R_PREV], v, tp, ti, on_k)
                                    tr[ck + R_PRE_I] = gi
                                elif v <= on_k:
                                    tr[ck + R_PRE] = 0.0
                                if v > low_k:
                                    tr[ck + R_LOADED] = LOADED
                                    # onset: the rise through the band's top and the
                                    # contact level, extended back to the baseline
                                    if low_k > on_k:
                                        up = tr[ck + R_PRE_T]
                                        back = _crossing(tr[ck + R_PREV], v, tp, ti, low_k) - up
                                        r = (on_k - tr[ck + R_L]) / (low_k - on_k)
                                        back *= 1.0 if r > 1.0 else r
                                        most = p[P_EXTEND]  # not ``cap``: the output's
                                        tr[ck + R_PRE_T] = up - (back if back < most else most)
                                    # (a crossing before the last contact's end is
                                    # stale: the foot cannot land before it left)
                                    if (
                                        in_contact
                                        and tr[ck + R_SON_T] != tr[ck + R_SON_T]
                                        and tr[ck + R_PRE_T] > fs[S_PREV_FC]
                                    ):
                                        tr[ck + R_SON_T] = tr[ck + R_PRE_T]
                                        tr[ck + R_SON_I] = tr[ck + R_PRE_I]
                            elif v <= low_k:
                                tr[ck + R_LOADED] = UNLOADED
                                tr[ck + R_PRE] = 1.0 if v > on_k else 0.0
                        if not quick:
                            tr[ck + R_PREV] = v
                            tr[ck + R_BMIN] = v if v < tr[ck + R_BMIN] else tr[ck + R_BMIN]
                            tr[ck + R_BMAX] = v if v > tr[ck + R_BMAX] else tr[ck + R_BMAX]
                            tr[ck + R_BCNT] += 1.0
                        k += 1
                    if quick:
                        cell_step(tr, cells_at, x, c0, i)
                off = tr[T_OFF]
                on = tr[T_ON]
                low = tr[T_LOW]
                mid = tr[T_MID]
                xp = tr[T_PREV]
                if in_contact:
                    fs[S_ACC] += s
                    fs[S_CNT] += 1.0
                    fs[S_PEAK] = s if s > fs[S_PEAK] else fs[S_PEAK]
                # the candidate above the onset level: swing, or after a lift while ending
                track = st == SWING or (st == ENDING and fs[S_LIFTED] != 0.0)
                # one reading far below the baseline (a glitch: a lifted foot reads its
                # unloaded level) moves no contact state; the next one far below does (a
                # level, not a glitch); far: by the unloaded band's height and a jump
                # more (beyond the swing's noise); NaN levels: none is far
                far_by = jump * (tr[T_H] - tr[T_L]) + (off - tr[T_L])
                deep = deep_rule and tr[T_L] - s > far_by and not tr[T_L] - xp > far_by
                if st == UNKNOWN:
                    if tr[T_OK] != 0.0:
                        if s <= on:
                            fs[S_STATE] = SWING
                            fs[S_PRE] = 0.0
                        elif s >= mid:
                            fs[S_CAND_T] = ti
                            fs[S_CAND_I] = gi
                            fs[S_CAND_BASE] = tr[T_L]
                            fs[S_CAND_ACC] = s
                            fs[S_CAND_CNT] = 1.0
                            fs[S_CAND_PEAK] = s
                            open_contact(fs, tr, nk, no, fs[S_PREV_FC])
                    track = False
                elif st == STANCE and s <= low and not deep:
                    # below the contact level: a swing begins, or a dip inside the stance
                    fs[S_STATE] = ENDING
                    fs[S_ABOVE] = 0.0
                    fs[S_LIFTED] = 0.0
                    fs[S_BELOW] = 1.0
                    fs[S_PRE] = 0.0
                    fs[S_FC_T] = _crossing(xp, s, tp, ti, low)
                    fs[S_LOW_T] = fs[S_FC_T]
                    fs[S_FC_I] = gi
                    fs[S_FC_ACC] = fs[S_ACC] - s
                    fs[S_FC_CNT] = fs[S_CNT] - 1.0
                    fs[S_FC_PEAK] = fs[S_PEAK]
                    if s <= off:
                        lift(fs, p, _crossing(xp, s, tp, ti, off), gi, s, tr)
                if track:
                    if s > on:
                        if fs[S_PRE] == 0.0:
                            fs[S_PRE] = 1.0
                            fs[S_CAND_T] = onset_time(xp, s, tp, ti, on, off, back_most)
                            fs[S_CAND_I] = gi
                            fs[S_CAND_BASE] = tr[T_L]
                            fs[S_CAND_ACC] = 0.0
                            fs[S_CAND_CNT] = 0.0
                            fs[S_CAND_PEAK] = -np.inf
                        fs[S_CAND_ACC] += s
                        fs[S_CAND_CNT] += 1.0
                        fs[S_CAND_PEAK] = s if s > fs[S_CAND_PEAK] else fs[S_CAND_PEAK]
                    elif not deep:
                        fs[S_PRE] = 0.0
                if st == SWING and s >= mid:
                    open_contact(fs, tr, nk, yes, fs[S_PREV_FC])
                elif st == ENDING:
                    if s >= mid:
                        # back to the confirmation level before a whole swing
                        fs[S_STATE] = STANCE
                        if fs[S_LIFTED] != 0.0:
                            if (
                                dip_rule
                                and fs[S_BELOW] == 1.0
                                and fs[S_FC_I] == gi - 1.0
                                and s - xp > jump * (tr[T_H] - tr[T_L]) + 2.0 * tr[T_NS]
                            ):
                                # the dip's one reading below the contact level was the
                                # last, in the unloaded band, and this one above it by a
                                # jump and the swing's noise (not a still foot's): a
                                # glitch, no lift
                                fs[S_LIFTED] = 0.0
                            elif fs[S_LONG] == 0.0 and touch_rule:
                                # every part so far was a short touch: start at this one
                                fs[S_TOUCHES] += 1.0
                                gap_open = fs[S_GAP_OPEN]
                                open_contact(fs, tr, nk, fs[S_SEEN] != 0.0, fs[S_FC_T])
                                fs[S_GAP_OPEN] = gap_open
                            else:
                                fs[S_PART_T] = fs[S_CAND_T]
                                fs[S_PART_I] = fs[S_CAND_I]
                                fs[S_SWUNG] = fs[S_BELOW]
                                fs[S_LIFTED] = 0.0
                    else:
                        if s <= low:
                            if fs[S_ABOVE] != 0.0:
                                fs[S_LOW_T] = _crossing(xp, s, tp, ti, low)
                            fs[S_BELOW] += 1.0
                            fs[S_ABOVE] = 0.0
                        else:
                            fs[S_ABOVE] = 1.0
                        if fs[S_LIFTED] == 0.0 and s <= off and not deep:
                            lift(fs, p, _crossing(xp, s, tp, ti, off), gi, s, tr)
                        if fs[S_BELOW] >= min_swing:
                            n_out = emit(fs, tr, nk, yes, ti, gi, out_f, out_i, n_out, p)
                            fs[S_STATE] = SWING
                tr[T_PREV] = s
                fs[S_PREV_T] = ti
                tr[T_BMIN] = s if s < tr[T_BMIN] else tr[T_BMIN]
                tr[T_BMAX] = s if s > tr[T_BMAX] else tr[T_BMAX]
                tr[T_BCNT] += 1.0
                if s - tr[T_H] > jump * (tr[T_H] - tr[T_L]):
                    fs[S_NFAR] += 1.0
            fs[S_INDEX] = gi + 1.0
            fs[S_BPOS] += 1.0
            i += 1
        if fs[S_BPOS] >= block:
            # the block's end: each tracker's envelopes and levels (the state arrays read
            # and written here, not in a helper: see the module docstring)
            fs[S_BPOS] = 0.0
            stale = True
            st = fs[S_STATE]
            if tr[T_BCNT] > 0.0:
                unloaded = st != STANCE and st != UNKNOWN  # swing or ending
                # a level far beyond the envelopes is a level when consecutive blocks
                # reach it (base_n, load_n): a glitch neither lowers the baseline nor
                # raises the load level
                bmin, bmax = tr[T_BMIN], tr[T_BMAX]
                el, eh = tr[T_L], tr[T_H]
                lmin = bmin
                # (before the foot's first contact the load level is being learnt)
                known = fs[S_PREV_FC] != -np.inf
                if el - bmin > jump * (eh - el):
                    for q in range(S_PBMIN, S_PBMIN + base_n - 1):
                        lmin = fs[q] if fs[q] > lmin else lmin
                # (a load lasts tens of ms: one reading beyond the far level, a spike,
                # reaches no further than that level)
                reach = bmax
                hmax = bmax
                if bmax - eh > jump * (eh - el):
                    if fs[S_NFAR] < 2.0:
                        reach = eh + jump * (eh - el)
                    if known and load_n > 1:
                        hmax = fs[S_PBMAX] if fs[S_PBMAX] < reach else reach
                fs[S_PBMIN3] = fs[S_PBMIN2]
                fs[S_PBMIN2] = fs[S_PBMIN]
                fs[S_PBMIN] = bmin
                fs[S_PBMAX] = reach
                env = envelopes(
                    bmin, bmax, lmin, hmax, el, eh, tr[T_RREF], tr[T_NZ], tr[T_NS], tr[T_LOW],
                    unloaded, ep, hold and st == STANCE,
                )  # fmt: skip
                tr[T_L] = env[0]
                tr[T_H] = env[1]
                tr[T_RREF] = env[2]
                tr[T_NZ] = env[3]
                tr[T_NS] = env[4]
                tr[T_OFF] = env[5]
                tr[T_ON] = env[6]
                tr[T_LOW] = env[7]
                tr[T_MID] = env[8]
                tr[T_OK] = env[9]
            else:
                fs[S_PBMAX] = np.nan
                fs[S_PBMIN3] = fs[S_PBMIN2]
                fs[S_PBMIN2] = fs[S_PBMIN]
                fs[S_PBMIN] = np.nan
            tr[T_BMIN] = np.inf
            tr[T_BMAX] = -np.inf
            tr[T_BCNT] = 0.0
            fs[S_NFAR] = 0.0
            # the sensors' baselines under the sum's rule for a far block minimum (gp)
            if wide:  # a page's sensors eight at a time (an insole's foot)
                for k in range(0, n_lanes, PAGE):
                    envelopes8(tr, column(k), ep, gp)
            else:  # the sensors four at a time, in vectors
                for k in range(0, n_lanes, LANES):
                    envelopes4(tr, column(k), ep, gp)
            if tr[T_OK] == 0.0 and st != UNKNOWN:
                # the levels became unusable (range within the noise): state unknown
                if st >= STANCE:
                    n_out = emit(
                        fs, tr, nk, st == ENDING, fs[S_PREV_T], fs[S_INDEX] - 1.0, out_f,
                        out_i, n_out, p,
                    )  # fmt: skip
                fs[S_STATE] = UNKNOWN
                fs[S_PRE] = 0.0
    return n_out, i


# names the scan uses only through the helpers, kept importable for the reference tests
__all__ = [
    "NEAR", "P_F_MID", "P_MIN_CONTACT", "S_CAND_BASE", "S_FC_ACC", "S_FC_CNT", "S_FC_I",
    "S_FC_PEAK", "S_PART_T", "T_SON_I", "_next_bad_step", "scan",
]  # fmt: skip
