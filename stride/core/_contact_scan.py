"""numba kernels of contact detection, part 2: the fast scan (private).

Between events (a crossing, NaN, a gap), samples only move running values — block
extremes, the contact's force sum — so runs of them are summarised in tight, branch-free
loops and committed at once; each event sample goes through the per-sample rules of
``_contact_kernels._step``. The updates happen in the same order either way (integer sums
are exact), so the results equal the per-sample rules bit for bit, for any chunking.

What keeps it fast (measured; each was a large share of the time): helpers are inlined
(``inline="always"``: numba's call overhead per 40 ms block); min/max are the inlined
``_min``/``_max`` (numba's builtins stayed out-of-line calls per sample in this large
function); inlined helpers take scalars, and the hot paths (heel + toe, one sensor) are
written out in ``detect_chunk``, because an inlined helper that takes an array costs
atomic reference counts per call; the time steps are checked ahead by a vectorised count
(``_next_bad_step``), not per block with float extremes (no fastmath: not vectorised);
unsigned loop indices spare numba's negative-index handling, which turns loads into
gathers; four-channel int16 rows are read as one 64-bit word each.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_kernels import (
    BIG,
    P_BLOCK,
    P_GAP_DT,
    P_INT,
    P_MIN_SWING,
    S_ABOVE,
    S_ACC,
    S_ACC_C,
    S_BELOW,
    S_BPOS,
    S_CNT,
    S_CNT_C,
    S_INDEX,
    S_PEAK,
    S_PEAK_C,
    S_PREV_T,
    S_STATE,
    T_BCNT,
    T_BMAX,
    T_BMIN,
    T_H,
    T_L,
    T_LOADED,
    T_LOW,
    T_MID,
    T_NZ,
    T_OK,
    T_PREV,
    T_RREF,
    _envelope_params,
    _envelopes,
    _max,
    _min,
    _step,
)

#: after an event, samples scanned one by one for the next before summarising again
NEAR = 4


@njit(cache=True, inline="always")
def _quiet_bounds(
    ok: float, low: float, mid: float, loaded: float, sensor: bool, state: float, above: float
) -> tuple[float, float]:
    """Values ``v`` with ``lo < v <= hi`` change nothing but running values in ``state``,
    for a tracker with thresholds ``ok``/``low``/``mid`` (a sensor: its ``loaded`` flag).
    Scalars only: an inlined helper taking the state arrays costs reference counts."""
    if ok == 0.0:
        return -BIG, BIG
    if sensor:  # a sensor: only its loaded flag matters
        if loaded == 0.0:
            return -BIG, low
        if loaded == 1.0:
            return low, BIG
        return BIG, -BIG
    if state == 2.0:
        return low, BIG
    if above != 0.0:
        if state == 1.0:
            # a candidate contact rising towards confirmation: only its sums change
            return low, np.nextafter(mid, -BIG)
        return BIG, -BIG
    if state == 1.0 or state == 3.0:
        return -BIG, low
    return low, np.nextafter(mid, -BIG)


@njit(cache=True, inline="always")
def _until_event(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    a: int,
    b: int,
    tp: float,
    acc0: float,
    gap_dt: float,
    qb: np.ndarray,
) -> tuple[int, float, float, float]:
    """Scan ``a..b`` up to the first sample that is not quiet: a time step that is not in
    (0, gap_dt] or a value outside its bounds (``qb[k, 0:2]``: sensor k; ``qb[nk]``: the
    sum). Returns it with the statistics of the quiet samples before it (as
    ``_quiet_stats``; sensor extremes into ``qb[k, 2:4]``)."""
    nk = cols.shape[0]
    ms = BIG
    ns = -BIG
    acc = acc0
    for k in range(nk):
        qb[k, 2] = BIG
        qb[k, 3] = -BIG
    for j in range(a, b):
        d = t[j] - tp
        if not (d > 0.0 and d <= gap_dt):
            return j, ms, ns, acc
        sv = 0.0
        for k in range(nk):
            v = np.float64(x[j, cols[k]])
            sv += v
            if nk > 1 and not (v > qb[k, 0] and v <= qb[k, 1]):
                return j, ms, ns, acc
        if not (sv > qb[nk, 0] and sv <= qb[nk, 1]):
            return j, ms, ns, acc
        tp = t[j]
        if nk > 1:
            for k in range(nk):
                v = np.float64(x[j, cols[k]])
                qb[k, 2] = _min(qb[k, 2], v)
                qb[k, 3] = _max(qb[k, 3], v)
        ms = _min(ms, sv)
        ns = _max(ns, sv)
        acc += sv
    return b, ms, ns, acc


@njit(cache=True)
def _next_bad_step(t: np.ndarray, a: int, n: int, gap_dt: float) -> int:
    """The first ``k`` in ``a..n-1`` (``a >= 1``) whose time step ``t[k] - t[k-1]`` is not in
    (0, gap_dt], or ``n``. Stretches are first checked by counting good steps: a count of
    comparisons vectorises, where running float extremes (no fastmath) do not; unsigned
    indices spare the negative-index check (which turns the loads into gathers)."""
    one = np.uint64(1)
    k = np.uint64(a)
    un = np.uint64(n)
    while k < un:
        e = k + np.uint64(1024)
        if e > un:
            e = un
        good = 0
        for j in range(k, e):
            d = t[j] - t[j - one]
            good += (d > 0.0) & (d <= gap_dt)
        if good != e - k:
            for j in range(k, e):
                d = t[j] - t[j - one]
                if not (d > 0.0 and d <= gap_dt):
                    return int(np.int64(j))
        k = e
    return n


@njit(cache=True)
def bad_steps(t: np.ndarray, gap_dt: float) -> np.ndarray:
    """Every ``k`` in ``1..n-1`` whose time step ``t[k] - t[k-1]`` is not in (0, gap_dt],
    then ``n``: found in one pass, so several feet scanning the same times share it."""
    n = t.shape[0]
    one = np.uint64(1)
    un = np.uint64(n)
    out = np.empty(16, np.int64)
    m = 0
    k = one
    while k < un:
        e = k + np.uint64(1024)
        if e > un:
            e = un
        good = 0
        for j in range(k, e):
            d = t[j] - t[j - one]
            good += (d > 0.0) & (d <= gap_dt)
        if good != e - k:
            for j in range(k, e):
                d = t[j] - t[j - one]
                if not (d > 0.0 and d <= gap_dt):
                    if m + 1 >= out.shape[0]:
                        grown = np.empty(2 * out.shape[0], np.int64)
                        grown[:m] = out[:m]
                        out = grown
                    out[m] = np.int64(j)
                    m += 1
        k = e
    out[m] = n
    return out[: m + 1]


@njit(cache=True, inline="always")
def _scan1_int(x: np.ndarray, c0: int, a: int, b: int) -> tuple[float, float, float]:
    """Branch-free over one integer column: the extremes and the sum (integer min/max
    vectorise; the time steps are checked separately, see ``_next_bad_step``)."""
    mn = np.int64(x[a, c0])
    mx = mn
    acc = mn
    for j in range(a + 1, b):
        v = np.int64(x[j, c0])
        mn = _min(mn, v)
        mx = _max(mx, v)
        acc += v
    return np.float64(mn), np.float64(mx), np.float64(acc)


@njit(cache=True, inline="always")
def _scan2_int(
    x: np.ndarray, c0: int, c1: int, a: int, b: int
) -> tuple[float, float, float, float, float, float, float]:
    """Branch-free over two integer sensors: extremes of their sum, its total, and each
    sensor's extremes."""
    m0 = np.int64(x[a, c0])
    n0 = m0
    m1 = np.int64(x[a, c1])
    n1 = m1
    ms = m0 + m1
    ns = ms
    acc = ms
    for j in range(a + 1, b):
        v0 = np.int64(x[j, c0])
        v1 = np.int64(x[j, c1])
        sv = v0 + v1
        m0 = _min(m0, v0)
        n0 = _max(n0, v0)
        m1 = _min(m1, v1)
        n1 = _max(n1, v1)
        ms = _min(ms, sv)
        ns = _max(ns, sv)
        acc += sv
    return (
        np.float64(ms), np.float64(ns), np.float64(acc),
        np.float64(m0), np.float64(n0), np.float64(m1), np.float64(n1),
    )  # fmt: skip


@njit(cache=True, inline="always")
def _scan1_words(xw: np.ndarray, sh0: int, a: int, b: int) -> tuple[float, float, float]:
    """``_scan1_int`` over 64-bit words that each hold one row of four int16 channels:
    contiguous loads vectorise, where the strided int16 loads of a column did not. The
    column is ``(w << sh) >> 48`` (``sh = 48 - 16 c``, little-endian rows); unsigned
    indices spare the negative-index check that also blocks vectorisation."""
    ua = np.uint64(a)
    mn = (xw[ua] << sh0) >> 48
    mx = mn
    acc = np.int64(0)
    for j in range(ua, np.uint64(b)):
        v = (xw[j] << sh0) >> 48
        mn = _min(mn, v)
        mx = _max(mx, v)
        acc += v
    return np.float64(mn), np.float64(mx), np.float64(acc)


@njit(cache=True)
def _scan_any(
    x: np.ndarray, cols: np.ndarray, a: int, b: int, acc0: float, qb: np.ndarray
) -> tuple[float, float, float]:
    """As the integer scans, for float input or more than two sensors: the running force
    sum in sample order; sensor extremes into ``qb[k, 2:4]``."""
    nk = cols.shape[0]
    ms = BIG
    ns = -BIG
    acc = acc0
    for k in range(nk):
        qb[k, 2] = BIG
        qb[k, 3] = -BIG
    for j in range(a, b):
        sv = 0.0
        for k in range(nk):
            v = np.float64(x[j, cols[k]])
            sv += v
            if nk > 1:
                qb[k, 2] = _min(qb[k, 2], v)
                qb[k, 3] = _max(qb[k, 3], v)
        ms = _min(ms, sv)
        ns = _max(ns, sv)
        acc += sv
    return ms, ns, acc


@njit(cache=True, inline="always")
def _quiet_stats(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    a: int,
    b: int,
    tp: float,
    gap_dt: float,
    acc0: float,
    int_in: bool,
    qb: np.ndarray,
    xw: np.ndarray,
) -> tuple[bool, float, float, float]:
    """(first time step fine, min sum, max sum, running force sum) over ``a..b``; sensor
    extremes into ``qb[k, 2:4]``. The later time steps of ``a..b`` are known to be fine
    (the caller stops runs at the next bad step). Integer sums are exact, so their order
    does not matter."""
    nk = cols.shape[0]
    d = t[a] - tp
    ok = d > 0.0 and d <= gap_dt
    if xw.shape[0] == x.shape[0] and nk == 1:
        w1 = _scan1_words(xw, 48 - 16 * cols[0], a, b)
        return ok, w1[0], w1[1], acc0 + w1[2]
    if int_in and nk == 1:
        r1 = _scan1_int(x, cols[0], a, b)
        return ok, r1[0], r1[1], acc0 + r1[2]
    if int_in and nk == 2:
        r = _scan2_int(x, cols[0], cols[1], a, b)
        qb[0, 2] = r[3]
        qb[0, 3] = r[4]
        qb[1, 2] = r[5]
        qb[1, 3] = r[6]
        return ok, r[0], r[1], acc0 + r[2]
    ra = _scan_any(x, cols, a, b, acc0, qb)
    return ok, ra[0], ra[1], ra[2]


@njit(cache=True)
def detect_chunk(
    t: np.ndarray,
    x: np.ndarray,
    cols: np.ndarray,
    start: int,
    p: np.ndarray,
    tr: np.ndarray,
    fs: np.ndarray,
    out_f: np.ndarray,
    out_i: np.ndarray,
    xw: np.ndarray,
    bads: np.ndarray,
) -> tuple[int, int]:
    """Run one foot over samples ``start..`` of a chunk.

    ``bads``: :func:`bad_steps` of ``t`` (with this ``gap_dt``) when already found for
    another foot, else empty (then found here, ahead, as the scan goes).

    ``xw``: the rows of ``x`` as 64-bit words when ``x`` is little-endian int16 with four
    columns (a view, no copy; the fast scan reads it), else an empty array.

    Fast path: between events, samples only move running values (block extremes, the
    contact's force sum). Each run up to the block's end (or the next bad time step, found
    ahead) is first summarised branch-free (extremes of the sum and each sensor); when
    every extreme is inside the bounds the state allows, the run is quiet and committed
    at once. Otherwise the
    first event is located, the run before it committed, and the event sample goes through
    ``_step`` (every rule). Updates happen in the same order either way (integer sums are
    exact), so results do not depend on chunking.
    Returns ``(rows written, next sample)``; the caller calls again while next < len(t)
    (output full). A non-increasing time returns ``(-1, i)``.
    """
    n = t.shape[0]
    nk = cols.shape[0]
    multi = nk > 1
    cap = out_f.shape[0]
    n_out = 0
    block = int(p[P_BLOCK])
    gap_dt = p[P_GAP_DT]
    # rows 0..nk-1: sensors, row nk: the sum; columns: low bound, high bound, min, max
    qb = np.empty((nk + 1, 4), np.float64)
    int_in = p[P_INT] != 0.0
    env_p = _envelope_params(p)
    n_tr = nk + 1 if multi else 1
    words2 = nk == 2 and xw.shape[0] == x.shape[0]
    sh0 = 48 - 16 * cols[0]
    sh1 = 48 - 16 * cols[nk - 1]
    c0 = cols[0]
    c1 = cols[nk - 1]
    uc0 = np.uint64(c0)
    one_int = nk == 1 and int_in and xw.shape[0] != x.shape[0]
    near_event = True
    bad_step = start  # the first bad time step at or after i + 1 (once looked up)
    shared_bads = bads.shape[0] > 0
    bp = 0
    i = start
    while i < n:
        if n_out + 3 >= cap:
            return n_out, i
        st = fs[S_STATE]
        if bad_step <= i:
            if shared_bads:
                while bads[bp] <= i:  # ends at the sentinel n > i
                    bp += 1
                bad_step = int(bads[bp])
            else:
                bad_step = _next_bad_step(t, i + 1, n, gap_dt)
        # a run stops before the next bad time step (the step is an event anyway)
        limit = _min(_min(n, i + block - int(fs[S_BPOS])), bad_step)
        if st == 3.0:
            # ending: the sample that completes the swing is an event
            room = int(p[P_MIN_SWING] - fs[S_BELOW]) - 1
            limit = _min(limit, i + _max(room, 0))
        tp = fs[S_PREV_T]
        candidate = st == 1.0 and fs[S_ABOVE] != 0.0
        acc_at = S_ACC_C if candidate else S_ACC
        j = i
        if limit > i and tp == tp:
            for k in range(n_tr):
                # tracker 0 (the sum) into row nk, sensor k (tracker k + 1) into row k - 1
                qb[k - 1 if k else nk, 0], qb[k - 1 if k else nk, 1] = _quiet_bounds(
                    tr[k, T_OK], tr[k, T_LOW], tr[k, T_MID], tr[k, T_LOADED],
                    k > 0, st, fs[S_ABOVE] if k == 0 else 0.0,
                )  # fmt: skip
            quiet = False
            if not near_event and words2:
                # _quiet_stats for heel + toe over row words, written out here (an inlined
                # helper taking the arrays costs atomic reference counts per call)
                d0 = t[i] - tp
                ua = np.uint64(i)
                w = xw[ua]
                m0 = (w << sh0) >> 48
                n0 = m0
                m1 = (w << sh1) >> 48
                n1 = m1
                ms = m0 + m1
                ns = ms
                acc = np.int64(0)
                for jj in range(ua, np.uint64(limit)):
                    w = xw[jj]
                    v0 = (w << sh0) >> 48
                    v1 = (w << sh1) >> 48
                    sv = v0 + v1
                    m0 = _min(m0, v0)
                    n0 = _max(n0, v0)
                    m1 = _min(m1, v1)
                    n1 = _max(n1, v1)
                    ms = _min(ms, sv)
                    ns = _max(ns, sv)
                    acc += sv
                qb[0, 2] = np.float64(m0)
                qb[0, 3] = np.float64(n0)
                qb[1, 2] = np.float64(m1)
                qb[1, 3] = np.float64(n1)
                stats: tuple[bool, float, float, float] = (
                    d0 > 0.0 and d0 <= gap_dt,
                    np.float64(ms),
                    np.float64(ns),
                    fs[acc_at] + np.float64(acc),
                )
            elif not near_event and one_int:
                # _scan1_int written out (one integer sensor): unsigned indices, no
                # reference counts per call
                d0 = t[i] - tp
                ua = np.uint64(i)
                mn = np.int64(x[ua, uc0])
                mx = mn
                iacc = np.int64(0)
                for jj in range(ua, np.uint64(limit)):
                    iv = np.int64(x[jj, uc0])
                    mn = _min(mn, iv)
                    mx = _max(mx, iv)
                    iacc += iv
                stats = (
                    d0 > 0.0 and d0 <= gap_dt,
                    np.float64(mn),
                    np.float64(mx),
                    fs[acc_at] + np.float64(iacc),
                )
            elif not near_event:
                stats = _quiet_stats(t, x, cols, i, limit, tp, gap_dt, fs[acc_at], int_in, qb, xw)
            if not near_event:
                quiet = (
                    stats[0]
                    and stats[1] > qb[nk, 0]
                    and stats[2] <= qb[nk, 1]
                    and stats[3] == stats[3]  # a NaN sample (min/max skip NaN; sums do not)
                )
                if quiet and multi:
                    for k in range(nk):
                        if not (qb[k, 2] > qb[k, 0] and qb[k, 3] <= qb[k, 1]):
                            quiet = False
            if quiet:
                j = limit
            else:
                # right after an event, scan sample by sample only a few samples (events
                # cluster); without one there, the rest of the block is summarised again
                stop = limit if not near_event else _min(limit, i + NEAR)
                # events cluster (contact level, confirmation, each sensor): after one,
                # scan sample by sample to the next instead of summarising the block first
                if nk == 2:
                    # _until_event2, written out here (no reference counts per call)
                    lo0, hi0 = qb[0, 0], qb[0, 1]
                    lo1, hi1 = qb[1, 0], qb[1, 1]
                    los, his = qb[2, 0], qb[2, 1]
                    e0 = BIG
                    f0 = -BIG
                    e1 = BIG
                    f1 = -BIG
                    es = BIG
                    gs = -BIG
                    eacc = fs[acc_at]
                    jj = i
                    tq = tp
                    while jj < stop:
                        d = t[jj] - tq
                        if not (d > 0.0 and d <= gap_dt):
                            break
                        v0 = np.float64(x[jj, c0])
                        v1 = np.float64(x[jj, c1])
                        sv = v0 + v1
                        if not (
                            v0 > lo0 and v0 <= hi0 and v1 > lo1 and v1 <= hi1
                            and sv > los and sv <= his
                        ):  # fmt: skip
                            break
                        tq = t[jj]
                        e0 = _min(e0, v0)
                        f0 = _max(f0, v0)
                        e1 = _min(e1, v1)
                        f1 = _max(f1, v1)
                        es = _min(es, sv)
                        gs = _max(gs, sv)
                        eacc += sv
                        jj += 1
                    qb[0, 2] = e0
                    qb[0, 3] = f0
                    qb[1, 2] = e1
                    qb[1, 3] = f1
                    ev = (jj, es, gs, eacc)
                elif nk == 1:
                    # _until_event for one sensor, written out (no reference counts)
                    los, his = qb[1, 0], qb[1, 1]
                    es = BIG
                    gs = -BIG
                    eacc = fs[acc_at]
                    jj = i
                    tq = tp
                    while jj < stop:
                        d = t[jj] - tq
                        if not (d > 0.0 and d <= gap_dt):
                            break
                        sv = 0.0
                        sv += np.float64(x[jj, c0])
                        if not (sv > los and sv <= his):
                            break
                        tq = t[jj]
                        es = _min(es, sv)
                        gs = _max(gs, sv)
                        eacc += sv
                        jj += 1
                    ev = (jj, es, gs, eacc)
                else:
                    ev = _until_event(t, x, cols, i, stop, tp, fs[acc_at], gap_dt, qb)
                j = ev[0]
                stats = (True, ev[1], ev[2], ev[3])
                near_event = j < stop
        m = j - i
        if m > 0:
            # commit the quiet samples
            last = j - 1
            if st == 2.0 or st == 3.0:
                fs[S_ACC] = stats[3]
                fs[S_CNT] += m
                fs[S_PEAK] = _max(fs[S_PEAK], stats[2])
                if st == 3.0:
                    fs[S_BELOW] += m
            elif candidate:
                fs[S_ACC_C] = stats[3]
                fs[S_CNT_C] += m
                fs[S_PEAK_C] = _max(fs[S_PEAK_C], stats[2])
            tr[0, T_BMIN] = _min(tr[0, T_BMIN], stats[1])
            tr[0, T_BMAX] = _max(tr[0, T_BMAX], stats[2])
            tr[0, T_BCNT] += m
            sl = 0.0
            for k in range(nk):
                v = np.float64(x[last, cols[k]])
                sl += v
                if multi:
                    tr[k + 1, T_PREV] = v
                    tr[k + 1, T_BMIN] = _min(tr[k + 1, T_BMIN], qb[k, 2])
                    tr[k + 1, T_BMAX] = _max(tr[k + 1, T_BMAX], qb[k, 3])
                    tr[k + 1, T_BCNT] += m
            tr[0, T_PREV] = sl
            fs[S_PREV_T] = t[last]
            fs[S_INDEX] += m
            fs[S_BPOS] += m
            i = j
        else:
            # an event: every rule for this one sample
            n_out = _step(t, x, cols, i, p, tr, fs, out_f, out_i, n_out)
            if n_out < 0:
                return -1, i
            i += 1
            near_event = True
        if fs[S_BPOS] >= block:
            # the block's end: each tracker's envelopes and thresholds (the foot's sum,
            # then its sensors), the state arrays read and written here, not in a helper
            fs[S_BPOS] = 0.0
            for j in range(n_tr):
                if tr[j, T_BCNT] > 0.0:
                    if j == 0:
                        unloaded = fs[S_STATE] == 1.0 or fs[S_STATE] == 3.0
                    else:
                        unloaded = tr[j, T_LOADED] == 0.0
                    env = _envelopes(
                        tr[j, T_BMIN], tr[j, T_BMAX], tr[j, T_L], tr[j, T_H],
                        tr[j, T_RREF], tr[j, T_NZ], tr[j, T_LOW], unloaded, env_p,
                    )  # fmt: skip
                    tr[j, T_L] = env[0]
                    tr[j, T_H] = env[1]
                    tr[j, T_RREF] = env[2]
                    tr[j, T_NZ] = env[3]
                    tr[j, T_LOW] = env[4]
                    tr[j, T_MID] = env[5]
                    tr[j, T_OK] = env[6]
                tr[j, T_BMIN] = np.inf
                tr[j, T_BMAX] = -np.inf
                tr[j, T_BCNT] = 0.0
    return n_out, i
