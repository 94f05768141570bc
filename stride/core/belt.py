"""Belt displacement: the integral of the measured belt speed, per belt.

Step length on a treadmill is the distance the belt carried the stance foot between the
other foot's initial contact and this one (docs/metrics.md), so it is the integral of the
*measured* speed (which dips at each heel strike), not nominal speed times time. Speed is
taken as linear between its samples (trapezoids). A segment between two belt samples that
are further apart than ``max_gap_s`` or that has a NaN speed is unusable: any interval
touching it has no displacement (NaN) rather than a guess.

The running sum is carried from chunk to chunk in the same order as over a whole record,
so streaming and batch give bit-identical displacements.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY

#: Belt samples further apart than this leave the segment between them unusable.
MAX_BELT_GAP_S = 1.0
#: no count of unusable segments per sample: there is none (:class:`BeltTrack`)
_NO_COUNTS = np.zeros(0, np.int64)


@njit(cache=True, **PY_ENTRY)
def _accumulate(
    bt: NDArray[np.float64],
    v: NDArray[np.float64],
    max_gap: float,
    prev_t: float,
    prev_v: float,
    prev_d: float,
    prev_bad: np.int64,
    out_d: NDArray[np.float64],
    out_bad: NDArray[np.int64],
) -> np.int64:
    """Cumulative trapezoid displacement and count of unusable segments at each sample
    (the counts left unwritten when ``out_bad`` is empty).

    ``prev_*`` describe the sample before ``bt[0]`` (``prev_t`` NaN at the record start).
    Returns the count at the last sample, or -1 if the times do not strictly increase
    (checked in the same pass, not a second one over the times).
    """
    ordered = not bt[0] <= prev_t
    counts = out_bad.shape[0] > 0
    for i in range(bt.shape[0]):
        if prev_t == prev_t:
            h = bt[i] - prev_t
            if i > 0 and h <= 0.0:
                ordered = False
            seg = 0.5 * (v[i] + prev_v) * h
            if h > max_gap or seg != seg:
                prev_bad += 1
            else:
                prev_d += seg
        out_d[i] = prev_d
        if counts:
            out_bad[i] = prev_bad
        prev_t = bt[i]
        prev_v = v[i]
    return prev_bad if ordered else np.int64(-1)


class BeltTrack:
    """Belt samples of one belt, appended in order, with their cumulative displacement."""

    def __init__(self, max_gap_s: float = MAX_BELT_GAP_S) -> None:
        self.max_gap_s = max_gap_s
        self._t: list[NDArray[np.float64]] = []
        self._v: list[NDArray[np.float64]] = []
        self._d: list[NDArray[np.float64]] = []
        #: each part's count of unusable segments at each sample, or that count alone
        #: where it does not change within the part (the usual case: no array to write)
        self._bad: list[NDArray[np.int64] | int] = []
        self._state = (float("nan"), float("nan"), 0.0, 0)
        self._cache: tuple[NDArray[np.float64], ...] | None = None
        self._cache_bad: NDArray[np.int64] | None = None

    def append(self, t: NDArray[np.float64], v: NDArray[np.float64]) -> NDArray[np.float64]:
        """Add samples (times strictly after the last); returns the belt's cumulative travel
        (m) at each, unusable segments adding nothing."""
        t = np.ascontiguousarray(t, dtype=np.float64)
        v = np.ascontiguousarray(v, dtype=np.float64)
        if t.shape != v.shape or t.ndim != 1:
            raise ValueError("belt times and speeds must be 1-D arrays of equal length")
        if t.size == 0:
            return np.zeros(0)
        d = np.empty_like(t)
        pt, pv, pd, pb = self._state
        last = int(_accumulate(t, v, self.max_gap_s, pt, pv, pd, np.int64(pb), d, _NO_COUNTS))
        if last < 0:
            raise ValueError("belt sample times must be strictly increasing")
        bad: NDArray[np.int64] | int = last
        if last != pb:  # an unusable segment: the counts at each sample after all
            bad = np.empty(t.shape, dtype=np.int64)
            _accumulate(t, v, self.max_gap_s, pt, pv, pd, np.int64(pb), d, bad)
        self._t.append(t)
        self._v.append(v)
        self._d.append(d)
        self._bad.append(bad)
        self._state = (float(t[-1]), float(v[-1]), float(d[-1]), last)
        self._cache = None
        return d

    @property
    def last_t(self) -> float:
        """Time of the newest belt sample (NaN before any)."""
        return self._state[0]

    def _arrays(self) -> tuple[NDArray[np.float64], ...]:
        if self._cache is None:
            if len(self._t) == 1:
                t, v, d = self._t[0], self._v[0], self._d[0]
            elif self._t:
                t, v, d = (np.concatenate(x) for x in (self._t, self._v, self._d))
            else:
                t = v = d = np.zeros(0)
            parts = self._bad
            if all(isinstance(b, int) for b in parts):  # one count throughout: none to look up
                self._bad = [int(self._state[3])]
                bad = _NO_COUNTS
            else:
                bad = np.concatenate(
                    [np.full(len(x), b, np.int64) if isinstance(b, int) else b
                     for x, b in zip(self._t, parts, strict=True)]
                )  # fmt: skip
                self._bad = [bad]
            self._t, self._v, self._d = [t], [v], [d]
            self._cache = (t, v, d)
            self._cache_bad = bad
        return self._cache

    def drop_before(self, t: float) -> int:
        """Forget the samples no displacement from time ``t`` on can need (all before the
        last sample at or before ``t``), so a long stream keeps memory flat. Displacements
        between later times are unchanged bit for bit (the cumulative sums are kept as
        they were). Returns how many samples were dropped."""
        if not np.isfinite(t):
            return 0
        ts, v, d = self._arrays()
        k = int(np.searchsorted(ts, t, side="right")) - 1
        if k <= 0:
            return 0
        bad = self._cache_bad
        assert bad is not None
        self._t, self._v, self._d = [ts[k:].copy()], [v[k:].copy()], [d[k:].copy()]
        self._bad = [bad[k:].copy() if bad.size else int(self._state[3])]
        self._cache = None
        return k

    def samples(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        t, v, _ = self._arrays()
        return t, v

    def travel(
        self,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
        """The samples' times, speeds and cumulative travel, and the unusable segments'
        counts (empty: none), as :meth:`displacements` hands them to its kernel."""
        t, v, d = self._arrays()
        bad = self._cache_bad
        assert bad is not None
        return t, v, d, bad

    def displacement(self, ta: NDArray[np.float64], tb: NDArray[np.float64]) -> NDArray[np.float64]:
        """Belt travel from ``ta`` to ``tb`` (m); NaN outside the samples or across a bad one."""
        ta, tb = np.broadcast_arrays(np.asarray(ta, np.float64), np.asarray(tb, np.float64))
        return self.displacements([ta.reshape(-1)], tb.reshape(-1))[0].reshape(tb.shape)

    def displacements(
        self, starts: list[NDArray[np.float64]], tb: NDArray[np.float64]
    ) -> list[NDArray[np.float64]]:
        """:meth:`displacement` from each of ``starts`` (1-D, as long as ``tb``) to ``tb``,
        looking each end ``tb`` up once for all of them."""
        t, v, d = self._arrays()
        bad = self._cache_bad
        assert bad is not None
        tb = np.ascontiguousarray(tb, np.float64)
        ta = np.empty((len(starts), tb.shape[0]))
        for row, start in enumerate(starts):
            ta[row] = start
        out = np.full(ta.shape, np.nan)
        if t.size >= 2:
            _displacements(t, v, d, bad, ta, tb, out)
        return list(out)


@njit(cache=True, **JIT_ONLY)
def _segment(t: NDArray[np.float64], x: float, k: int) -> int:
    """Segment holding ``x`` (the last k with ``t[k] <= x``, at most ``t.size - 2``), found
    by galloping from the guess ``k``: with a good guess each look-up touches one or two
    samples instead of a binary search over the whole record; a bad one costs O(log n)."""
    n = t.shape[0]
    if t[k] <= x:
        lo = k
        step = 1
        hi = k + step
        while hi < n and t[hi] <= x:
            lo = hi
            step *= 2
            hi = lo + step
        if hi > n:
            hi = n
    else:
        hi = k
        step = 1
        lo = k - step
        while lo > 0 and t[lo] > x:
            hi = lo
            step *= 2
            lo = hi - step
        if lo < 0:
            lo = 0
    # invariant: t[lo] <= x, and hi == n or t[hi] > x
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if t[mid] <= x:
            lo = mid
        else:
            hi = mid
    # a conditional, not ``min`` or ``int()`` (below): numba compiles each builtin's
    # implementation as a kernel of its own on a first run
    return lo if lo < n - 2 else n - 2


@njit(cache=True, **JIT_ONLY)
def _guess(t: NDArray[np.float64], x: float, step: float) -> int:
    """Where ``x`` should fall if the samples are ``step`` apart: exact for a regularly
    sampled belt, and only a starting point for :func:`_segment` otherwise. It depends on
    ``x`` alone (not on the previous answer), so the memory loads of successive look-ups
    overlap instead of waiting for each other."""
    g = (x - t[0]) / step
    last = t.shape[0] - 2
    if not g > 0.0:  # also NaN (non-finite belt times): any start in range is safe
        return 0
    if g >= last:
        return last
    return math.floor(g)  # g > 0: int(g); not int(), see _segment


@njit(cache=True, **PY_ENTRY)
def _displacements(
    t: NDArray[np.float64],
    v: NDArray[np.float64],
    d: NDArray[np.float64],
    bad: NDArray[np.int64],
    ta: NDArray[np.float64],
    tb: NDArray[np.float64],
    out: NDArray[np.float64],
) -> None:
    """``out[r, i]`` = cumulative displacement at ``tb[i]`` minus at ``ta[r, i]`` where both
    lie in the samples, ``ta <= tb`` and no segment between is unusable (else left as is);
    ``bad`` empty: no segment is."""
    counts = bad.shape[0] > 0
    t0 = t[0]
    t1 = t[t.shape[0] - 1]
    last = t.shape[0] - 2
    step = (t1 - t0) / (last + 1)
    for i in range(tb.shape[0]):
        b = tb[i]
        if not (b >= t0 and b <= t1 and np.isfinite(b)):
            continue
        kb = _segment(t, b, _guess(t, b, step))
        h = t[kb + 1] - t[kb]
        dt = b - t[kb]
        pb = d[kb] + dt * (v[kb] + 0.5 * (v[kb + 1] - v[kb]) * dt / h)
        for r in range(ta.shape[0]):
            a = ta[r, i]
            if not (a >= t0 and a <= t1 and b >= a and np.isfinite(a)):
                continue
            ka = _segment(t, a, _guess(t, a, step))
            if counts and bad[kb + 1] - bad[ka] != 0:
                continue
            h = t[ka + 1] - t[ka]
            dt = a - t[ka]
            pa = d[ka] + dt * (v[ka] + 0.5 * (v[ka + 1] - v[ka]) * dt / h)
            out[r, i] = pb - pa
