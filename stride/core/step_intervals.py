"""The times each step row is computed from: both feet's contacts, the intervals between
them and the references (medians of previous strides and steps) that flag odd ones.

Split from :mod:`stride.core.steps`, which turns these into the steps table (definitions
in its module docstring and docs/metrics.md).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np
from numpy.typing import NDArray

from stride.core._step_kernels import _intervals as _k_intervals
from stride.core._step_kernels import _previous_median_mad as _k_previous_median_mad
from stride.core._step_kernels import _reference_series as _k_reference_series
from stride.core.gaps import overlaps_gap
from stride.errors import InputError


class ContactsLike(Protocol):
    """What the steps table reads from a foot's contacts (``stride.core.contacts``)."""

    @property
    def on_t(self) -> NDArray[np.float64]: ...
    @property
    def off_t(self) -> NDArray[np.float64]: ...
    @property
    def complete(self) -> NDArray[np.bool_]: ...
    @property
    def on_seen(self) -> NDArray[np.bool_]: ...
    @property
    def off_seen(self) -> NDArray[np.bool_]: ...
    @property
    def gap_before(self) -> NDArray[np.bool_]: ...
    @property
    def sensor_on_t(self) -> NDArray[np.float64]: ...
    @property
    def impulse(self) -> NDArray[np.float64]: ...
    @property
    def peak(self) -> NDArray[np.float64]: ...
    @property
    def confidence(self) -> NDArray[np.float64]: ...


def _previous_median(x: NDArray[np.float64], k: int, min_count: int) -> NDArray[np.float64]:
    """For each i, the median of the finite values among x[i-k:i]; NaN if fewer than min."""
    return _previous_median_mad(x, k, min_count, with_mad=False)[0]


def _previous_median_mad(
    x: NDArray[np.float64], k: int, min_count: int, with_mad: bool = True
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and median absolute deviation of the finite values among x[i-k:i]."""
    if k < 1:
        raise InputError(
            f"the stride reference needs at least 1 previous stride, got ref_strides={k}",
            fix="set ref_strides to 1 or more (default 8)",
        )
    xs = np.ascontiguousarray(x, dtype=np.float64)
    med, mad = _k_previous_median_mad(xs, int(k), int(min_count), with_mad)
    return med, mad


class Feet(NamedTuple):
    """The arrays of both feet that the rows of one foot are computed from."""

    on: NDArray[np.float64]
    off: NDArray[np.float64]  # NaN where the final contact was not seen
    on_seen: NDArray[np.bool_]
    on_o: NDArray[np.float64]
    off_o: NDArray[np.float64]
    other_seen: NDArray[np.bool_]


def trusted_ics(on_seen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Initial contacts a step or stride may begin or end at: seen, and not the first
    seen IC of the foot in the record.

    At the start of a record (``stride live`` joining a box that is already streaming) the
    detector learns the foot's levels from what it sees first; until it has seen the foot
    through a whole stance it may take the dip in force between heel and forefoot loading,
    or the end of a stance it joined, for a swing, and start a contact with a "seen" IC in
    mid-stance. A stride measured from that IC is a phantom (0.81-0.88 s where the walker's
    strides are 1.26 s). So the foot's first contact with a seen IC starts no stride or
    step: one stride per foot per record. After a gap the levels are already known and the
    detector waits for a clear swing or stance, so nothing more is given up there.
    """
    seen = np.asarray(on_seen, dtype=np.bool_)
    return seen & (np.cumsum(seen) >= 2)


def feet(own: ContactsLike, other: ContactsLike) -> Feet:
    off_seen = np.asarray(own.off_seen, dtype=np.bool_)
    return Feet(
        np.asarray(own.on_t, dtype=np.float64),
        np.where(off_seen, np.asarray(own.off_t, dtype=np.float64), np.nan),
        trusted_ics(own.on_seen),
        np.asarray(other.on_t, dtype=np.float64),
        np.where(
            np.asarray(other.off_seen, dtype=np.bool_), np.asarray(other.off_t, np.float64), np.nan
        ),
        trusted_ics(other.on_seen),
    )


def span(j: NDArray[np.int64], ref_strides: int) -> tuple[int, int]:
    """The contacts ``lo:hi`` that rows ``j`` and their references are computed from."""
    if not j.shape[0]:
        return 0, 0
    return max(int(j.min()) - ref_strides, 0), int(j.max()) + 1


def other_before(f: Feet, lo: int, hi: int) -> NDArray[np.intp]:
    """For each of the contacts ``lo:hi``, how many of the other foot's ICs come before its
    IC (found once for :func:`references` and :func:`intervals`)."""
    return np.searchsorted(f.on_o, f.on[lo:hi], side="left")


def references(
    f: Feet,
    j: NDArray[np.int64],
    gap_starts: NDArray[np.float64],
    gap_ends: NDArray[np.float64],
    ref_strides: int,
    min_ref_strides: int,
    before: NDArray[np.intp] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Stride reference, step reference and step MAD of rows ``j``: medians of the same
    foot's previous strides and steps (those spanning a gap left out). ``before``:
    :func:`other_before` of the contacts of :func:`span`, if known."""
    lo, hi = span(j, ref_strides)
    seg_on = f.on[lo:hi]
    after = other_before(f, lo, hi) if before is None else before
    series = np.empty((4, hi - lo))
    on_o = np.ascontiguousarray(f.on_o, dtype=np.float64)
    if after.shape != (hi - lo,) or (hi - lo and int(after.max()) > on_o.shape[0]):
        raise ValueError("before: one count of the other foot's ICs a contact")
    _k_reference_series(np.ascontiguousarray(f.on, dtype=np.float64),
                        np.ascontiguousarray(f.on_seen, dtype=np.bool_), on_o,
                        np.ascontiguousarray(f.other_seen, dtype=np.bool_),
                        np.ascontiguousarray(after, dtype=np.int64), lo, series)  # fmt: skip
    prev_on, seg_stride, w_other, seg_step = series
    # stride intervals spanning a gap are not strides: keep them out of the reference
    if gap_starts.size:
        gapped = overlaps_gap(prev_on, seg_on, gap_starts, gap_ends)
        seg_stride = np.where(gapped, np.nan, seg_stride)
    ref_all = _previous_median(seg_stride, ref_strides, min_ref_strides)
    # Step-time reference, per foot too (a limp makes left and right steps differ): the
    # first step of a turn or a hesitation shows in the step before it shows in the stride.
    if gap_starts.size:
        gapped = overlaps_gap(w_other, seg_on, gap_starts, gap_ends)
        seg_step = np.where(gapped, np.nan, seg_step)
    ref_step_all, mad_step_all = _previous_median_mad(seg_step, ref_strides, min_ref_strides)
    return ref_all[j - lo], ref_step_all[j - lo], mad_step_all[j - lo]


class Intervals(NamedTuple):
    """Times of rows ``j`` before gaps are taken into account."""

    ic: NDArray[np.float64]
    fc: NDArray[np.float64]
    prev_ic: NDArray[np.float64]
    prev_fc: NDArray[np.float64]
    other_ic: NDArray[np.float64]
    stride_time: NDArray[np.float64]
    step_time: NDArray[np.float64]
    stance: NDArray[np.float64]
    swing: NDArray[np.float64]
    ds_init: NDArray[np.float64]
    ds_term: NDArray[np.float64]
    edge: NDArray[np.bool_]
    alternation: NDArray[np.bool_]


def intervals(f: Feet, j: NDArray[np.int64], before: NDArray[np.intp] | None = None) -> Intervals:
    """Step, stride, stance, swing and double support of rows ``j`` (module docstring);
    ``before``: :func:`other_before` of contacts ``j``, if known. One kernel call, a row
    at a time (a whole-array version took about 50 numpy calls: most of a short record's
    table)."""
    j = np.ascontiguousarray(j, dtype=np.int64)
    on_o = np.ascontiguousarray(f.on_o, dtype=np.float64)
    after = np.searchsorted(on_o, f.on[j], side="left") if before is None else before
    n = j.shape[0]
    if n and (int(j.min()) < 0 or int(j.max()) >= f.on.shape[0]):
        raise IndexError("rows outside the foot's contacts")
    out = np.empty((11, n))
    marks = np.empty((2, n), np.bool_)
    _k_intervals(np.ascontiguousarray(f.on, dtype=np.float64),
                 np.ascontiguousarray(f.off, dtype=np.float64),
                 np.ascontiguousarray(f.on_seen, dtype=np.bool_), on_o,
                 np.ascontiguousarray(f.off_o, dtype=np.float64),
                 np.ascontiguousarray(f.other_seen, dtype=np.bool_), j,
                 np.ascontiguousarray(after, dtype=np.int64), out, marks)  # fmt: skip
    return Intervals._make((*out, marks[0], marks[1]))
