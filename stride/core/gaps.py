"""Where samples are missing: lost frames (a jump in sample time) and NaN rows.

A gap is the open interval between the last good sample before it and the first good
sample after it. Steps and strides that overlap a gap are flagged and left out of the
summaries; nothing is interpolated across it. The scan carries its state from chunk to
chunk, so a stream cut anywhere finds exactly the gaps of the whole record.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import PY_ENTRY
from stride.core.clock import CLOCK_CHUNK, SampleClock

#: A step in sample time beyond this many sample periods is a gap (lost frames).
GAP_PERIODS = 1.5


@njit(cache=True, **PY_ENTRY)
def _scan_gaps(
    t: NDArray[np.float64],
    bad: NDArray[np.bool_],
    use_bad: bool,
    max_dt: float,
    last_good_t: float,
    in_bad: bool,
    prev_t: float,
) -> tuple[NDArray[np.float64], NDArray[np.float64], float, bool, float]:
    """One pass over sample times (and a per-row NaN mask): gap starts/ends, new state.

    ``last_good_t``: time of the last good sample so far (NaN before the first);
    ``in_bad``: inside a run of NaN rows; ``prev_t``: time of the previous sample (NaN at
    the start of the record).
    """
    starts = []
    ends = []
    n = t.shape[0]
    one = np.uint64(1)
    a = 0
    while a < n:
        e = min(n, a + 1024)
        if not in_bad and prev_t == prev_t:
            # Fast path: a stretch with no time jump and no missing row changes nothing
            # but the last times. Counted branch-free (vectorises; unsigned indices spare
            # the negative-index check); the same comparisons as the per-sample rule.
            ua = np.uint64(a)
            ue = np.uint64(e)
            events = 1 if t[ua] - prev_t > max_dt else 0
            for j in range(ua + one, ue):
                events += t[j] - t[j - one] > max_dt
            if use_bad:
                for j in range(ua, ue):
                    events += bad[j]
            if events == 0:
                prev_t = t[e - 1]
                last_good_t = prev_t
                a = e
                continue
        for i in range(a, e):
            ti = t[i]
            if prev_t == prev_t and ti - prev_t > max_dt and not in_bad:
                # A time jump: the gap runs from the last good sample to this one.
                in_bad = True
            prev_t = ti
            is_bad = use_bad and bad[i]
            if is_bad:
                in_bad = True
                continue
            if in_bad:
                if last_good_t == last_good_t:
                    starts.append(last_good_t)
                    ends.append(ti)
                in_bad = False
            last_good_t = ti
        a = e
    s = np.empty(len(starts), dtype=np.float64)
    e = np.empty(len(ends), dtype=np.float64)
    for j in range(len(starts)):
        s[j] = starts[j]
        e[j] = ends[j]
    return s, e, last_good_t, in_bad, prev_t


def _nan_rows(forces: NDArray[np.generic]) -> NDArray[np.bool_] | None:
    """Which rows hold a NaN; None when none can (integer counts) or none does. A record
    without NaN (the usual case) costs one vectorised maximum (NaN propagates through it)."""
    if not np.issubdtype(forces.dtype, np.floating) or forces.size == 0:
        return None
    if not np.isnan(np.max(forces)):
        return None
    nan = np.ascontiguousarray(np.isnan(forces)).reshape(forces.shape[0], -1)
    return _any_per_row(nan)


def _any_per_row(mask: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """``mask.any(axis=1)`` of a C-contiguous 2-D bool array, a row's bytes read as a few
    wide words (numpy's reduction over a short axis is slow: one call per row)."""
    width = mask.shape[1]
    for word in (np.uint64, np.uint32, np.uint16, np.uint8):
        size = np.dtype(word).itemsize
        if width % size == 0:
            words = mask.view(word)
            out = words[:, 0] != 0
            for col in range(1, words.shape[1]):
                out |= words[:, col] != 0
            return out
    raise AssertionError("a width is always a multiple of one byte")


@dataclass
class GapScanner:
    """Finds gaps chunk by chunk; ``starts``/``ends`` hold every gap closed so far.

    A run of missing samples at the very start of the record is not a gap (there is
    nothing before it to bridge); one still open at the end is closed by :meth:`finish`
    at the last sample time.
    """

    fs: float
    starts: list[float] = field(default_factory=list)
    ends: list[float] = field(default_factory=list)
    _last_good_t: float = float("nan")
    _in_bad: bool = False
    _prev_t: float = float("nan")

    def feed(
        self,
        t: NDArray[np.float64],
        forces: NDArray[np.generic],
        breaks: NDArray[np.float64] | None = None,
    ) -> None:
        """The next samples; ``breaks``: times of the last sample before each known break
        (a box restart, :attr:`GaitSignals.breaks`), any number of them, in any chunk:
        each whose next sample is in this chunk is a gap up to that sample, whatever the
        time step says."""
        if t.shape[0] != forces.shape[0]:
            raise ValueError("t and forces differ in length")
        if self.fs <= 0:
            raise ValueError("fs must be positive")
        prev_t = self._prev_t
        bad = _nan_rows(forces)
        use_bad = bad is not None
        mask = bad if bad is not None else np.zeros(0, dtype=np.bool_)
        s, e, self._last_good_t, self._in_bad, self._prev_t = _scan_gaps(
            np.ascontiguousarray(t, dtype=np.float64),
            mask,
            use_bad,
            GAP_PERIODS / self.fs,
            self._last_good_t,
            self._in_bad,
            self._prev_t,
        )
        marked = _breaks_in(t, breaks, prev_t)
        if marked is None:
            self.starts.extend(s.tolist())
            self.ends.extend(e.tolist())
            return
        gaps = sorted({*zip(s.tolist(), e.tolist(), strict=True), *marked})
        self.starts.extend(a for a, _ in gaps)
        self.ends.extend(b for _, b in gaps)

    def finish(self) -> None:
        """Close a gap still open at the end (samples lost or NaN up to the last one)."""
        if self._in_bad and self._last_good_t == self._last_good_t:
            self.starts.append(self._last_good_t)
            self.ends.append(max(self._prev_t, self._last_good_t))
        self._in_bad = False

    def arrays(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        return np.asarray(self.starts, dtype=np.float64), np.asarray(self.ends, dtype=np.float64)


def break_samples(
    t: NDArray[np.float64], breaks: NDArray[np.float64] | None, prev_t: float
) -> NDArray[np.intp]:
    """Where in ``t`` each known break ends: the position of the first sample after each
    break (:attr:`GaitSignals.breaks`: the last sample's time before it) whose first sample
    after is in ``t``, sorted, each once (``prev_t``: the sample before ``t``, NaN at the
    start of the record: a break before the first sample is none). The one rule of which
    chunk a break belongs to, for the gaps and the contacts alike."""
    if breaks is None or not len(breaks) or not t.shape[0]:
        return _NO_SAMPLES
    b = np.asarray(breaks, np.float64)
    b = b[(b < t[-1]) & ~(b < prev_t)] if prev_t == prev_t else b[(b < t[-1]) & (b >= t[0])]
    if not b.size:
        return _NO_SAMPLES
    return np.unique(np.searchsorted(t, b, side="right"))


_NO_SAMPLES = np.zeros(0, np.intp)


def _breaks_in(
    t: NDArray[np.float64], breaks: NDArray[np.float64] | None, prev_t: float
) -> list[tuple[float, float]] | None:
    """The gaps (last sample before, first after) of the breaks whose first sample after
    is in ``t`` (:func:`break_samples`); None when there are none."""
    idx = break_samples(t, breaks, prev_t)
    if not idx.size:
        return None
    before = np.where(idx > 0, t[np.maximum(idx - 1, 0)], prev_t)
    return list(zip(before.tolist(), t[idx].tolist(), strict=True))


def find_gaps(
    t: NDArray[np.float64] | SampleClock,
    forces: NDArray[np.generic],
    fs: float,
    breaks: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """All gaps of a whole record as (starts, ends) arrays of times; times as a clock are
    expanded a chunk at a time (the scanner carries its state across chunks: the same
    gaps). ``breaks``: known breaks (:meth:`GapScanner.feed`)."""
    scanner = GapScanner(fs)
    if isinstance(t, SampleClock):
        if t.n != forces.shape[0]:
            raise ValueError("t and forces differ in length")
        buf = np.empty(min(t.n, CLOCK_CHUNK), np.float64)
        for lo in range(0, t.n, CLOCK_CHUNK):
            hi = min(t.n, lo + CLOCK_CHUNK)
            scanner.feed(t.times(lo, hi, buf[: hi - lo]), forces[lo:hi], breaks)
    else:
        scanner.feed(t, forces, breaks)
    scanner.finish()
    return scanner.arrays()


def overlaps_gap(
    a: NDArray[np.float64],
    b: NDArray[np.float64],
    gap_starts: NDArray[np.float64],
    gap_ends: NDArray[np.float64],
) -> NDArray[np.bool_]:
    """For intervals [a, b], whether any gap (start, end) lies partly inside.

    Gaps are disjoint and sorted, so the candidate is the first gap ending after ``a``.
    NaN bounds give False (the caller flags those intervals otherwise).
    """
    out = np.zeros(a.shape, dtype=np.bool_)
    if gap_starts.size == 0 or a.size == 0:
        return out
    ok = np.isfinite(a) & np.isfinite(b)
    idx = np.searchsorted(gap_ends, np.where(ok, a, 0.0), side="right")
    inside = idx < gap_starts.size
    cand = np.where(inside, gap_starts[np.minimum(idx, gap_starts.size - 1)], np.inf)
    out = ok & inside & (cand < b)
    return out
