"""Slow, obviously-correct references for the steps table's kernels: the rolling medians
(the former window-matrix implementation) and the intervals (the former whole-array one),
kept so the kernels are checked against them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from stride.core import step_intervals as _si
from stride.core.step_intervals import Feet, Intervals
from stride.core.steps import (
    FLAG_ALTERNATION,
    FLAG_EDGE,
    FLAG_GAP,
    FLAG_STOP,
    FLAG_TURN,
    StepParams,
)


def _previous_windows(x: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Row i holds x[i-k:i] (NaN-padded at the start)."""
    m = x.shape[0]
    padded = np.concatenate([np.full(k, np.nan), x])
    return np.lib.stride_tricks.sliding_window_view(padded, k)[:m]


def _median_rows(win: NDArray[np.float64], min_count: int) -> NDArray[np.float64]:
    """Median of the finite values of each row; NaN where fewer than ``min_count``."""
    m, k = win.shape
    if m == 0:
        return np.zeros(0)
    srt = np.sort(win, axis=1)  # NaN sort last
    cnt = np.isfinite(win).sum(axis=1)
    lo = np.maximum(cnt - 1, 0) // 2
    hi = cnt // 2
    rows = np.arange(m)
    med = 0.5 * (srt[rows, lo] + srt[rows, np.minimum(hi, k - 1)])
    return np.where(cnt >= min_count, med, np.nan)


def previous_median_mad_reference(
    x: NDArray[np.float64], k: int, min_count: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and MAD of the finite values among x[i-k:i], by sorting a window matrix."""
    if x.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    win = _previous_windows(x, k)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, 1e308 + 1e308: intended
        med = _median_rows(win, min_count)
        dev = np.abs(win - med[:, None])
        return med, _median_rows(dev, min_count)


def intervals_reference(
    f: Feet, j: NDArray[np.int64], before: NDArray[np.intp] | None = None
) -> Intervals:
    """:func:`stride.core.step_intervals.intervals` with whole-array numpy calls (its former
    version, kept so the kernel is checked against it)."""
    on, on_o = f.on, f.on_o
    ic = on[j]
    fc = f.off[j]
    has_prev = j > 0
    pj = np.maximum(j - 1, 0)
    prev_ic = np.where(has_prev, on[pj], np.nan)
    prev_fc = np.where(has_prev, f.off[pj], np.nan)
    seen = f.on_seen[j]
    prev_seen = np.where(has_prev, f.on_seen[pj], False)

    after = np.searchsorted(on_o, ic, side="left") if before is None else before
    po = after - 1
    has_po = po >= 0
    pos = np.maximum(po, 0)
    other_ic = np.where(has_po, on_o[pos] if on_o.size else np.nan, np.nan)
    po_on_seen = np.where(has_po, f.other_seen[pos] if on_o.size else False, False)
    n_between = after - np.searchsorted(on_o, np.where(has_prev, prev_ic, -np.inf), side="right")

    other_fc = np.where(has_po, f.off_o[pos] if f.off_o.size else np.nan, np.nan)
    ds_init = np.where(other_fc >= ic, np.fmin(other_fc, fc) - ic, 0.0)
    ds_init = np.where(np.isfinite(other_fc) & np.isfinite(fc), ds_init, np.nan)
    nxt = np.minimum(after, max(on_o.size - 1, 0))
    next_ic = np.where(after < on_o.size, on_o[nxt] if on_o.size else np.nan, np.inf)
    ds_term = np.where(next_ic < fc, fc - next_ic, 0.0)
    ds_term = np.where(np.isfinite(fc), ds_term, np.nan)
    return Intervals(
        ic=ic,
        fc=fc,
        prev_ic=prev_ic,
        prev_fc=prev_fc,
        other_ic=other_ic,
        stride_time=np.where(seen & prev_seen, ic - prev_ic, np.nan),
        step_time=np.where(seen & po_on_seen, ic - other_ic, np.nan),
        stance=np.where(seen, fc - ic, np.nan),
        swing=np.where(seen, ic - prev_fc, np.nan),
        ds_init=ds_init,
        ds_term=ds_term,
        # An IC that was not seen (contact began before the record or a gap) ends no step
        # or stride and starts none; an unseen FC only leaves stance and loading unmeasured.
        edge=~has_prev | ~seen | ~prev_seen | ~has_po | ~po_on_seen,
        alternation=has_prev & (n_between != 1),
    )


def _odd_strides(
    stride_time: NDArray[np.float64],
    step_time: NDArray[np.float64],
    stance: NDArray[np.float64],
    refs: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    params: StepParams,
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``stop`` and ``turn`` of each row against its references (module docstring)."""
    ref, ref_step, mad_step = refs
    with np.errstate(invalid="ignore"):
        stop = (stride_time > params.max_stride_s) | (stride_time > params.stop_factor * ref)
        # a stance longer than the whole reference stride: standing through a gait cycle
        stop |= (stance > params.max_stride_s) | (stance > ref)
        tol = params.turn_tolerance
        odd_stride = np.abs(stride_time - ref) > tol * ref
        # steps vary far more than strides in some gaits (ALS: step CV 40 % with stride
        # CV 7 %): a step is odd only beyond its foot's usual spread as well
        step_limit = np.fmax(tol * ref_step, 5.0 * 1.4826 * mad_step)
        odd_step = np.abs(step_time - ref_step) > step_limit
        turn = ~stop & (odd_stride | odd_step)
    return stop, turn


def _unless_paused(
    time_s: NDArray[np.float64], length_m: NDArray[np.float64], params: StepParams
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A pause in walking (an interval longer than any stride, ``max_stride_s``) is not a
    stride or a step: its time and length are not measured (the row keeps its ``stop``)."""
    with np.errstate(invalid="ignore"):
        paused = time_s > params.max_stride_s
    return np.where(paused, np.nan, time_s), np.where(paused, np.nan, length_m)


def _flags(
    gap: NDArray[np.bool_],
    turn: NDArray[np.bool_],
    stop: NDArray[np.bool_],
    edge: NDArray[np.bool_],
    alternation: NDArray[np.bool_],
) -> NDArray[np.uint16]:
    """The flag bits of rows from one mask per flag: each mask's bytes (0 or 1) shifted
    to its bit, not a masked write per flag."""
    out = np.zeros(gap.shape, np.uint8)
    pairs = ((FLAG_GAP, gap), (FLAG_TURN, turn), (FLAG_STOP, stop), (FLAG_EDGE, edge),
             (FLAG_ALTERNATION, alternation))  # fmt: skip
    for bit, mask in pairs:
        out |= np.asarray(mask, np.bool_).view(np.uint8) << (bit.bit_length() - 1)
    return out.astype(np.uint16)


def row_marks_reference(
    times: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    lengths: tuple[NDArray[np.float64], NDArray[np.float64]],
    refs: tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]],
    masks: tuple[NDArray[np.bool_], NDArray[np.bool_], NDArray[np.bool_]],
    params: StepParams,
) -> tuple[NDArray[np.uint16], NDArray[np.float64]]:
    """``stride.core.steps._marks`` with whole-array numpy calls (its former version)."""
    stride_time, step_time, stance = times
    stride_length, step_length = lengths
    step_length = np.where(np.isfinite(step_time), step_length, np.nan)
    stride_length = np.where(np.isfinite(stride_time), stride_length, np.nan)
    stop, turn = _odd_strides(stride_time, step_time, stance, refs, params)
    flags = _flags(masks[0], turn, stop, masks[1], masks[2])
    stride_time, stride_length = _unless_paused(stride_time, stride_length, params)
    step_time, step_length = _unless_paused(step_time, step_length, params)
    return flags, np.stack([stride_time, step_time, stride_length, step_length])


def references_reference(
    f: Feet,
    j: NDArray[np.int64],
    gap_starts: NDArray[np.float64],
    gap_ends: NDArray[np.float64],
    ref_strides: int,
    min_ref_strides: int,
    before: NDArray[np.intp] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """``stride.core.step_intervals.references`` with whole-array numpy calls (its former
    version, kept so the kernel is checked against it)."""
    lo, hi = _si.span(j, ref_strides)
    seg_on = f.on[lo:hi]
    prev_on = np.concatenate([[np.nan], f.on])[lo:hi]
    seg_stride = seg_on - prev_on
    # stride intervals spanning a gap are not strides: keep them out of the reference
    if gap_starts.size:
        gapped = _si.overlaps_gap(prev_on, seg_on, gap_starts, gap_ends)
        seg_stride = np.where(gapped, np.nan, seg_stride)
    ref_all = _si._previous_median(seg_stride, ref_strides, min_ref_strides)
    # Step-time reference, per foot too (a limp makes left and right steps differ): the
    # first step of a turn or a hesitation shows in the step before it shows in the stride.
    on_o = f.on_o
    w_po = (_si.other_before(f, lo, hi) if before is None else before) - 1
    w_ok = (w_po >= 0) & f.on_seen[lo:hi]
    w_ok &= np.where(w_ok, f.other_seen[np.maximum(w_po, 0)] if on_o.size else False, False)
    w_other = np.where(w_ok, on_o[np.maximum(w_po, 0)] if on_o.size else np.nan, np.nan)
    seg_step = np.where(w_ok, seg_on - w_other, np.nan)
    if gap_starts.size:
        gapped = _si.overlaps_gap(w_other, seg_on, gap_starts, gap_ends)
        seg_step = np.where(gapped, np.nan, seg_step)
    ref_step_all, mad_step_all = _si._previous_median_mad(seg_step, ref_strides, min_ref_strides)
    return ref_all[j - lo], ref_step_all[j - lo], mad_step_all[j - lo]
