"""Sample times as a clock: runs of evenly spaced integer ticks instead of a float64 per sample.

A sensor box stamps its samples with a counter (microseconds): within a stretch without lost
or reordered frames, sample ``i`` is at ``first + i * period`` ticks exactly. An hour at
1 kHz is 3.6 million samples, 28.8 MB of float64 seconds, where the same times as runs are a
few numbers per gap. :class:`SampleClock` keeps the runs and gives the times in seconds of
any range of samples when asked (``times``), bit for bit the values a reader computes per
sample, ``float64(tick) / tick_hz``; the contact scan asks for them a chunk at a time, so
the times of a whole record never exist at once (:mod:`stride.core.contacts`).

Pure: arrays in, arrays out; numba is imported only when times are first expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stride.errors import InputError

#: samples per chunk where a clock's times are expanded for a pass over a record (the contact
#: scan, the gap finder): 512 KB of times, which stay in a core's 1 MB second-level cache
#: beside the chunk's forces (16,384 to 262,144 samples gave the contact scan the same speed
#: within 5 %)
CLOCK_CHUNK = 1 << 16


@dataclass(frozen=True, eq=False)
class SampleClock:
    """The times of ``n`` samples as runs: sample ``i`` with ``starts[r] <= i <
    starts[r + 1]`` is at tick ``ticks[r] + (i - starts[r]) * steps[r]``, that is at
    ``float64(tick) / tick_hz`` seconds.

    - ``starts``: (R + 1,) int64, the first sample of each run then ``n``; ``starts[0]``
      is 0 and each run holds at least one sample.
    - ``ticks``: (R,) int64, the tick of each run's first sample; ``steps``: (R,) int64,
      ticks from one sample to the next within the run (positive).
    - ``tick_hz``: ticks per second (positive, finite).

    The times strictly increase: each run's first tick is later than the last tick of the
    run before it (checked). Ticks stay below 2**53 in magnitude, so each is exact as a
    float64 (checked)."""

    starts: NDArray[np.int64]
    ticks: NDArray[np.int64]
    steps: NDArray[np.int64]
    tick_hz: float

    def __post_init__(self) -> None:
        s, k, d = self.starts, self.ticks, self.steps
        r = k.shape[0] if k.ndim == 1 else -1
        if not (
            s.dtype == k.dtype == d.dtype == np.int64
            and s.ndim == 1
            and d.shape == k.shape
            and s.shape[0] == r + 1
            and all(a.flags.c_contiguous for a in (s, k, d))
        ):
            raise InputError(
                "a sample clock needs int64 starts (R + 1), ticks (R) and steps (R)",
                fix="give one tick and one step per run, and the runs' starts then n",
            )
        hz = float(self.tick_hz)
        if not (np.isfinite(hz) and hz > 0):
            raise InputError(f"a sample clock of {hz!r} ticks per second", fix="give a rate > 0")
        if s[0] != 0 or (r and not bool(np.all(s[1:] > s[:-1]))):
            raise InputError(
                "a sample clock's runs must start at sample 0 and hold a sample each",
                fix="give increasing run starts from 0",
            )
        if r and not bool(np.all(d > 0)):
            raise InputError("a sample clock's steps must be positive", fix="sort the samples")
        last = k + (s[1:] - s[:-1] - 1) * d if r else k  # each run's last tick
        limit = 1 << 53
        if r and not (bool(np.all(np.abs(k) < limit)) and bool(np.all(np.abs(last) < limit))):
            raise InputError("a sample clock's ticks exceed 2**53", fix="count from the start")
        if r > 1 and not bool(np.all(k[1:] > last[:-1])):
            raise InputError(
                "a sample clock's runs overlap: times must strictly increase",
                fix="sort the samples by time and drop duplicates",
            )
        object.__setattr__(self, "tick_hz", hz)

    @staticmethod
    def regular(n: int, step: int = 1, tick_hz: float = 1.0, first: int = 0) -> SampleClock:
        """``n`` samples ``step`` ticks apart from tick ``first`` (one run; none if n is 0)."""
        r = 1 if n > 0 else 0
        return SampleClock(
            np.array([0, n][: r + 1], np.int64),
            np.full(r, first, np.int64),
            np.full(r, step, np.int64),
            tick_hz,
        )

    @property
    def n(self) -> int:
        return int(self.starts[-1])

    @property
    def shape(self) -> tuple[int]:
        return (self.n,)

    def __len__(self) -> int:
        return self.n

    def times(
        self, lo: int = 0, hi: int | None = None, out: NDArray[np.float64] | None = None
    ) -> NDArray[np.float64]:
        """The times (s) of samples ``lo..hi-1`` (default: all of them: their memory), into
        ``out`` (a C-contiguous float64 array of ``hi - lo``) if given."""
        n = self.n
        hi = n if hi is None else int(hi)
        lo = int(lo)
        if not 0 <= lo <= hi <= n:
            raise IndexError(f"samples {lo}..{hi} of a clock of {n}")
        if out is None:
            out = np.empty(hi - lo, np.float64)
        elif not (
            out.dtype == np.float64
            and out.ndim == 1
            and out.shape[0] == hi - lo
            and out.flags.c_contiguous
            and out.flags.writeable
        ):
            raise ValueError("out must be a writable C-contiguous float64 array of hi - lo")
        if hi > lo:
            from stride.core._clock_kernel import expand_times

            run = int(np.searchsorted(self.starts, lo, side="right")) - 1
            expand_times(self.starts, self.ticks, self.steps, self.tick_hz, lo, run, out)
        return out

    def __array__(self, dtype: Any = None, copy: Any = None) -> NDArray[Any]:
        """All the times (a caller that needs them as an array: their memory)."""
        t = self.times()
        return t if dtype is None else t.astype(dtype, copy=False)

    def __getitem__(self, i: int) -> float:
        """The time of sample ``i`` (negative: from the end)."""
        n = self.n
        k = int(i) + n if int(i) < 0 else int(i)
        return float(self.times(k, k + 1)[0])
