"""numba kernels of the steps table (private: arrays and scalars in, called through
:mod:`stride.core.steps` and :mod:`stride.core.step_intervals`): each row's intervals, the
series its references are medians of, the references, and its flags.

The references are medians over each row's previous few strides; sorting a window matrix
per call costs a copy and a sort of the whole table, this walks the rows once with a small
insertion sort per row.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY

#: the steps table's flag bits (public as :data:`stride.core.steps.FLAG_GAP` ...), here
#: because :func:`_row_marks` sets them
FLAG_GAP, FLAG_TURN, FLAG_STOP, FLAG_EDGE, FLAG_ALTERNATION = 1, 2, 4, 8, 16


@njit(cache=True, **JIT_ONLY)
def _before(a: float, b: float) -> bool:
    """Sort order of ``np.sort``: ascending, NaN after everything."""
    if a != a:
        return False
    return b != b or a < b


@njit(cache=True, **JIT_ONLY)
def _mad_by_sorting(
    s: NDArray[np.float64], mi: float, buf: NDArray[np.float64], k: int, min_count: int
) -> float:
    """Median of the finite values among ``abs(s[:k] - mi)``, sorted (an insertion sort
    in ``np.sort`` order: k is a handful of strides) into ``buf``; NaN if fewer than
    ``min_count``. Indexing as the window-matrix version did, value for value. The rare
    windows' way (infinities, no finite median, a spread that overflows)."""
    for q in range(k):
        v = abs(s[q] - mi)
        r = q - 1
        while r >= 0 and _before(v, buf[r]):
            buf[r + 1] = buf[r]
            r -= 1
        buf[r + 1] = v
    cnt = 0
    for q in range(k):
        if np.isfinite(buf[q]):
            cnt += 1
    if cnt < min_count:
        return np.nan
    lo = max(cnt - 1, 0) // 2
    hi = min(cnt // 2, k - 1)
    return 0.5 * (buf[lo] + buf[hi])


@njit(cache=True, **JIT_ONLY)
def _mad_of_sorted_finite(
    s: NDArray[np.float64], cnt: int, mi: float, k: int, min_count: int
) -> float:
    """Median absolute deviation from ``mi`` of the sorted finite ``s[:cnt]``: the
    deviations left and right of ``mi`` are each sorted already, so merge them up to the
    middle instead of sorting. Same values as sorting ``abs(s - mi)`` (``mi - x`` equals
    ``abs(x - mi)`` exactly in IEEE arithmetic)."""
    if cnt < min_count:
        return np.nan
    lo = max(cnt - 1, 0) // 2
    hi = min(cnt // 2, k - 1)
    right = 0
    while right < cnt and s[right] < mi:
        right += 1
    left = right - 1
    a = np.nan
    b = np.nan
    for t in range(hi + 1):
        if left >= 0 and (right >= cnt or mi - s[left] <= s[right] - mi):
            d = mi - s[left]
            left -= 1
        else:
            d = s[right] - mi
            right += 1
        if t == lo:
            a = d
        if t == hi:
            b = d
    return 0.5 * (a + b)


@njit(cache=True, **PY_ENTRY)
def _previous_median_mad(
    x: NDArray[np.float64], k: int, min_count: int, with_mad: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row i: median of the finite values among x[i-k:i] (NaN before the start) and,
    if ``with_mad``, the median of their absolute deviations from it (else zeros).

    The window is kept sorted from row to row (one value out, one in), so a row costs
    O(k) with few mispredicted branches; odd windows (infinities, no finite median, a
    spread that overflows) take the general sort.
    """
    m = x.shape[0]
    # np.empty with float64 given, not implied, and no np.zeros or np.full: the reading
    # kernels compiled that np.empty already in this process, so a first run compiles no
    # array constructor for this kernel (each about 0.1-0.15 s)
    med = np.empty(m, np.float64)
    mad = np.empty(m, np.float64)
    s = np.empty(k, np.float64)  # the window x[i-k:i], sorted in np.sort order
    buf = np.empty(k, np.float64)
    for q in range(k):
        s[q] = np.nan
    for i in range(m):
        if i > 0:
            out = x[i - 1 - k] if i - 1 - k >= 0 else np.nan
            new = x[i - 1]
            r = k - 1
            if out == out:
                r = 0
                while s[r] != out:
                    r += 1
            for q in range(r, k - 1):
                s[q] = s[q + 1]
            j = k - 1
            while j > 0 and _before(new, s[j - 1]):
                s[j] = s[j - 1]
                j -= 1
            s[j] = new
        # int64, not the literal 0: numba would compile the helper once more for a literal
        cnt = int(np.int64(0))
        plain = True  # no infinities: the finite values are s[:cnt]
        for q in range(k):
            v = s[q]
            if np.isfinite(v):
                cnt += 1
            elif v == v:
                plain = False
        # the median of the finite values: the sorted window's middle positions among
        # cnt, as the window-matrix version indexed them (here, not a helper: one compile
        # fewer on a first run)
        mi = np.nan
        if cnt >= min_count:
            mi = 0.5 * (s[max(cnt - 1, 0) // 2] + s[min(cnt // 2, k - 1)])
        med[i] = mi
        mad[i] = 0.0
        if with_mad:
            if plain and cnt > 0 and np.isfinite(mi) and np.isfinite(s[cnt - 1] - s[0]):
                mad[i] = _mad_of_sorted_finite(s, cnt, mi, k, min_count)
            else:
                mad[i] = _mad_by_sorting(s, mi, buf, k, min_count)
    return med, mad


@njit(cache=True, **JIT_ONLY)
def _count_not_after(a: NDArray[np.float64], v: float) -> int:
    """``np.searchsorted(a, v, side="right")`` of an ascending ``a`` (NaN last, as numpy
    orders it): how many of ``a`` are not after ``v``."""
    lo = 0
    hi = a.shape[0]
    while lo < hi:
        mid = (lo + hi) // 2
        if _before(v, a[mid]):
            hi = mid
        else:
            lo = mid + 1
    return lo


@njit(cache=True, **PY_ENTRY)
def _intervals(
    on: NDArray[np.float64],
    off: NDArray[np.float64],
    on_seen: NDArray[np.bool_],
    on_o: NDArray[np.float64],
    off_o: NDArray[np.float64],
    other_seen: NDArray[np.bool_],
    j: NDArray[np.int64],
    after: NDArray[np.int64],
    out: NDArray[np.float64],
    marks: NDArray[np.bool_],
) -> None:
    """The times of rows ``j`` (``stride.core.step_intervals.intervals``), a row at a time:
    ``after[r]`` = how many of the other foot's ICs come before row r's IC. Writes ``out``
    (11, n): ic, fc, prev_ic, prev_fc, other_ic, stride, step, stance, swing and both
    double supports; ``marks`` (2, n): edge and alternation. Each value is the one the
    whole-array version's ``np.where`` picks, computed by the same float operation."""
    no = on_o.shape[0]
    nan = np.nan
    for r in range(j.shape[0]):
        jj = j[r]
        ic = on[jj]
        fc = off[jj]
        has_prev = jj > 0
        pj = max(jj - 1, 0)
        prev_ic = on[pj] if has_prev else nan
        prev_fc = off[pj] if has_prev else nan
        seen = on_seen[jj]
        prev_seen = on_seen[pj] if has_prev else False
        a = after[r]
        has_po = a >= 1 and no > 0
        pos = max(a - 1, 0)
        other_ic = on_o[pos] if has_po else nan
        other_fc = off_o[pos] if has_po else nan
        po_seen = other_seen[pos] if has_po else False
        n_between = a - _count_not_after(on_o, prev_ic if has_prev else -np.inf)
        ds_init = nan
        if np.isfinite(other_fc) and np.isfinite(fc):
            ds_init = (min(other_fc, fc) - ic) if other_fc >= ic else 0.0
        ds_term = nan
        if np.isfinite(fc):
            next_ic = on_o[min(a, max(no - 1, 0))] if a < no else np.inf
            ds_term = (fc - next_ic) if next_ic < fc else 0.0
        out[0, r] = ic
        out[1, r] = fc
        out[2, r] = prev_ic
        out[3, r] = prev_fc
        out[4, r] = other_ic
        out[5, r] = (ic - prev_ic) if seen and prev_seen else nan
        out[6, r] = (ic - other_ic) if seen and po_seen else nan
        out[7, r] = (fc - ic) if seen else nan
        out[8, r] = (ic - prev_fc) if seen else nan
        out[9, r] = ds_init
        out[10, r] = ds_term
        # An IC that was not seen (contact began before the record or a gap) ends no step
        # or stride and starts none; an unseen FC only leaves stance and loading unmeasured.
        marks[0, r] = not (has_prev and seen and prev_seen and has_po and po_seen)
        marks[1, r] = has_prev and n_between != 1


@njit(cache=True, **JIT_ONLY)
def _first_onset(on: NDArray[np.float64], c: int, cols: NDArray[np.int64]) -> float:
    """The earliest of contact ``c``'s onsets in ``cols`` (NaN where none loaded): the
    columns in order, each kept unless it is after the next or the next is the lesser
    (``np.fmin``'s comparison: a NaN never wins over a number)."""
    first = on[c, cols[0]]
    for q in range(1, cols.shape[0]):
        v = on[c, cols[q]]
        if not (first <= v or v != v):
            first = v
    return first


@njit(cache=True, **JIT_ONLY)
def _rollover_rows(
    on: NDArray[np.float64],
    j: NDArray[np.int64],
    heel: NDArray[np.int64],
    toe: NDArray[np.int64],
    on_seen: NDArray[np.bool_],
    tol: float,
    kinds: NDArray[np.int8],
    transition: NDArray[np.float64],
) -> None:
    """Contact type and heel-to-toe time of rows ``j`` (``stride.core.rollover``'s rules
    and type codes), a row at a time: ``on`` (m, k) the sensors' onset
    times, ``heel`` and ``toe`` the columns of each part (either empty: no roll-over to
    see, every row unknown). ``kinds``: the type, unknown where the IC was not seen
    (``on_seen``); ``transition``: forefoot onset less heel onset where both loaded, else
    NaN. Called by :func:`_row_marks` (one kernel call for both: each kernel a command
    loads costs about 2 ms however small)."""
    parts = heel.shape[0] > 0 and toe.shape[0] > 0
    for r in range(j.shape[0]):
        c = j[r]
        kinds[r] = -1  # rollover.UNKNOWN
        transition[r] = np.nan
        if not parts:
            continue
        h = _first_onset(on, c, heel)
        t = _first_onset(on, c, toe)
        d = t - h
        both = np.isfinite(d)
        kind = -1
        if both:
            kind = 0 if d > tol else (2 if d < -tol else 1)  # heel-first, toe-first, flat
        elif np.isfinite(h) and not np.isfinite(t):
            kind = 0
        elif np.isfinite(t) and not np.isfinite(h):
            kind = 2
        if on_seen[c]:
            kinds[r] = kind
        if both:
            transition[r] = d


@njit(cache=True, **PY_ENTRY)
def _row_marks(
    stride_time: NDArray[np.float64],
    step_time: NDArray[np.float64],
    stance: NDArray[np.float64],
    stride_length: NDArray[np.float64],
    step_length: NDArray[np.float64],
    ref: NDArray[np.float64],
    ref_step: NDArray[np.float64],
    mad_step: NDArray[np.float64],
    gap: NDArray[np.bool_],
    edge: NDArray[np.bool_],
    alternation: NDArray[np.bool_],
    max_stride_s: float,
    stop_factor: float,
    tol: float,
    flags: NDArray[np.uint16],
    out: NDArray[np.float64],
    on: NDArray[np.float64],
    j: NDArray[np.int64],
    heel: NDArray[np.int64],
    toe: NDArray[np.int64],
    on_seen: NDArray[np.bool_],
    flat_tol: float,
    kinds: NDArray[np.int8],
    transition: NDArray[np.float64],
) -> None:
    """Each row's flag bits (:data:`FLAG_GAP` ...: ``stop`` and ``turn`` against the
    references as ``stride.core.steps`` defines them, ``stop`` also for a ``stance``
    longer than the reference stride or ``max_stride_s``) and its stride
    time, step time, stride length and step length as the table gives them (``out``, 4 x
    n): a length only where its time is measured, neither beyond ``max_stride_s`` (a
    pause). The same comparisons of the same products as the whole-array version. Then
    the roll-over of rows ``j`` (:func:`_rollover_rows`: ``on`` .. ``transition``; no rows
    when ``j`` is empty)."""
    nan = np.nan
    spread = 5.0 * 1.4826  # the robust SD of a MAD, times five, as one constant
    for r in range(stride_time.shape[0]):
        st = stride_time[r]
        sp = step_time[r]
        rf = ref[r]
        sc = stance[r]
        # a walking stance is about 60 % of its stride: a foot loaded longer than its whole
        # reference stride stood through a gait cycle (a freeze of gait, a stopped belt)
        stop = st > max_stride_s or st > stop_factor * rf
        stop = stop or sc > max_stride_s or sc > rf
        # steps vary far more than strides in some gaits (ALS: step CV 40 % with stride
        # CV 7 %): a step is odd only beyond its foot's usual spread as well
        a = tol * ref_step[r]
        b = spread * mad_step[r]
        limit = b if a != a else (a if b != b else max(a, b))  # np.fmax
        odd = abs(st - rf) > tol * rf or abs(sp - ref_step[r]) > limit
        turn = odd and not stop
        bits = 0
        if gap[r]:
            bits |= FLAG_GAP
        if turn:
            bits |= FLAG_TURN
        if stop:
            bits |= FLAG_STOP
        if edge[r]:
            bits |= FLAG_EDGE
        if alternation[r]:
            bits |= FLAG_ALTERNATION
        flags[r] = bits
        st_ok = np.isfinite(st) and not st > max_stride_s
        sp_ok = np.isfinite(sp) and not sp > max_stride_s
        out[0, r] = st if not st > max_stride_s else nan
        out[1, r] = sp if not sp > max_stride_s else nan
        out[2, r] = stride_length[r] if st_ok else nan
        out[3, r] = step_length[r] if sp_ok else nan
    _rollover_rows(on, j, heel, toe, on_seen, flat_tol, kinds, transition)


@njit(cache=True, **PY_ENTRY)
def _reference_series(
    on: NDArray[np.float64],
    on_seen: NDArray[np.bool_],
    on_o: NDArray[np.float64],
    other_seen: NDArray[np.bool_],
    before: NDArray[np.int64],
    lo: int,
    out: NDArray[np.float64],
) -> None:
    """The series the references of contacts ``lo:lo + n`` are medians of, a contact at a
    time (``stride.core.step_intervals.references``; ``before[i]`` = how many of the other
    foot's ICs come before contact ``lo + i``'s IC). Writes ``out`` (4, n): the previous
    IC, the stride time from it, the other foot's last trusted IC before, the step time
    from it (NaN where there is none or either IC is not trusted)."""
    nan = np.nan
    no = on_o.shape[0]
    for i in range(out.shape[1]):
        c = lo + i
        ic = on[c]
        prev = on[c - 1] if c >= 1 else nan
        a = before[i]
        ok = a >= 1 and on_seen[c] and no > 0 and other_seen[a - 1]
        other = on_o[a - 1] if ok else nan
        out[0, i] = prev
        out[1, i] = ic - prev
        out[2, i] = other
        out[3, i] = (ic - other) if ok else nan
