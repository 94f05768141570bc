"""The contact scan of samples whose times are a :class:`~stride.core.clock.SampleClock`:
the record fed to each foot's scan a chunk at a time, each chunk's times expanded into a
small buffer that stays in the core's cache (private to :mod:`stride.core.contacts`).

The scan carries its state from chunk to chunk and gives the whole record's contacts for
any chunking (its module docstring), so this is the batch result, bit for bit, without an
hour's float64 times in memory. The scan reads every time step once anyway (the gap check),
so writing a chunk's times and reading them back from the cache costs about what reading
them from memory did.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_state as _k
from stride.core._clock_kernel import expand_times
from stride.core.clock import CLOCK_CHUNK, SampleClock
from stride.core.contact_breaks import feed_cut
from stride.core.contact_input import _EMPTY_T, _NO_WORDS, _row_words
from stride.core.foot_contacts import FootContacts
from stride.core.gaps import break_samples
from stride.errors import InputError

if TYPE_CHECKING:
    from stride.core.contact_runner import _FootRunner


class _Rows:
    """One foot's output rows while its chunks are scanned: the kernel's row buffers, the
    rows written so far, and the parts already full."""

    __slots__ = ("f", "i", "parts", "rows")

    def __init__(self, runner: _FootRunner, n: int) -> None:
        self.f, self.i = runner._alloc(n)
        self.rows = 0
        self.parts: list[FootContacts] = []


def scan_clocked(
    runners: Sequence[_FootRunner],
    clock: SampleClock,
    x: NDArray[np.generic],
    breaks: NDArray[np.float64] | None = None,
) -> list[FootContacts]:
    """Each runner's contacts over the whole record (``x``: the forces as the scan takes
    them, one row per sample of ``clock``), the stream's end included: the chunks' times
    expanded once for all the runners (one thread; feet on threads call this one foot
    each, with their own buffer). ``breaks``: the record's known breaks (a chunk holding
    one is scanned in parts, :mod:`stride.core.contact_breaks`)."""
    from stride.core import _contact_scan as _scan

    n = x.shape[0]
    outs = [_Rows(r, n) for r in runners]
    prev_t = np.nan
    for lo, hi, t, bads in _chunks(clock, n, float(runners[0].p[_k.P_GAP_DT])):
        xx = x[lo:hi]
        xw = _row_words(xx)
        at = break_samples(t, breaks, prev_t)
        prev_t = float(t[-1])
        for r, o in zip(runners, outs, strict=True):
            if at.size:  # (rare: a box restart) the parts' contacts as a part of their own
                o.parts.append(r._result(o.f[: o.rows], o.i[: o.rows]))
                o.parts.append(feed_cut(r, t, xx, at))
                o.f, o.i = r._alloc(n - hi)
                o.rows = 0
                continue
            start = 0
            while start < hi - lo:
                rows, nxt = _scan.scan(
                    t, xx, r.cols, start, r.p, r.tr, r.fs, o.f[o.rows :], o.i[o.rows :], xw,
                    bads,
                )  # fmt: skip
                if rows < 0:
                    _not_increasing(r, t, nxt)
                o.rows += rows
                start = nxt
                if start < hi - lo:  # the rows are full: a part, and new rows
                    o.parts.append(r._result(o.f[: o.rows], o.i[: o.rows]))
                    o.f, o.i = r._alloc(n - lo - start)
                    o.rows = 0
    got = []
    for r, o in zip(runners, outs, strict=True):
        words = None if _row_words(x[:0]) is None else _NO_WORDS  # as feed() leaves it
        r._last = (_EMPTY_T, np.empty((0, x.shape[1]), x.dtype), words)
        total = r.end_into(o.f, o.i, o.rows)  # the stream's end after the rows if they
        if total is None:  # have its room, else a part of its own
            parts = [*o.parts, r._result(o.f[: o.rows], o.i[: o.rows]), r.finish()]
        else:
            parts = [*o.parts, r._result(o.f[:total], o.i[:total])]
        got.append(FootContacts.concat(parts, r.side, r.nk))
    return got


def _chunks(
    clock: SampleClock, n: int, gap_dt: float
) -> Iterator[tuple[int, int, NDArray[np.float64], NDArray[np.int64]]]:
    """``(lo, hi, times, bad steps)`` of each chunk of the clock's ``n`` samples: the times
    of samples ``lo..hi-1`` (one buffer, written over for each chunk) and their bad time
    steps (``contact_runner.bad_steps``' list: each ``k`` whose step ``t[k] - t[k-1]`` is not in
    (0, gap], chunk positions from 1, then ``hi - lo``) found from the runs, not by reading
    every step: within a run the step is ``steps[r] / tick_hz`` but for the rounding of
    two times, a few units in the last place of the largest; a run whose step clears 0 and
    the gap by far more than that has no bad step inside it, and only the steps into the
    runs' first samples are read. A chunk with a run whose step is that close to 0 or to
    the gap gets an empty list instead (the scan then reads every step itself)."""
    starts, ticks, steps, hz = clock.starts, clock.ticks, clock.steps, clock.tick_hz
    dt = steps / hz
    top = max(abs(float(ticks.min())), abs(clock[-1]) * hz) / hz if n else 0.0
    margin = 64 * 2.0**-52 * (top + gap_dt)  # rounding of two times, their step, and dt
    clear = (dt > margin) & (dt < gap_dt - margin)
    buf = _buffer(min(n, CLOCK_CHUNK))
    whole = np.array([CLOCK_CHUNK], np.int64)  # the list of a whole chunk inside one run
    run = 0
    for lo in range(0, n, CLOCK_CHUNK):
        hi = min(n, lo + CLOCK_CHUNK)
        if starts[run + 1] <= lo:  # the run of sample lo
            run = int(np.searchsorted(starts, lo, side="right")) - 1
        t = buf[: hi - lo]
        expand_times(starts, ticks, steps, hz, lo, run, t)
        end = run + 1 if starts[run + 1] >= hi else int(np.searchsorted(starts, hi, side="left"))
        if not (clear[run] if end == run + 1 else bool(np.all(clear[run:end]))):
            yield lo, hi, t, _NO_WORDS
        elif end == run + 1:  # inside one run: no bad step
            yield lo, hi, t, whole if hi - lo == CLOCK_CHUNK else np.array([hi - lo], np.int64)
        else:
            k = starts[run + 1 : end] - lo
            d = t[k] - t[k - 1]
            bad = k[~((d > 0.0) & (d <= gap_dt))]
            yield lo, hi, t, np.concatenate([bad, np.array([hi - lo], np.int64)])


_BUFFERS = threading.local()


def _buffer(size: int) -> NDArray[np.float64]:
    """This thread's buffer for a chunk's times, kept for its next record: new memory takes
    a page fault per 4 KB on its first write (for a 5-minute record's foot, about a tenth
    of its scan)."""
    buf: NDArray[np.float64] | None = getattr(_BUFFERS, "times", None)
    if buf is None or buf.shape[0] < size:
        buf = _BUFFERS.times = np.empty(max(size, CLOCK_CHUNK), np.float64)
    return buf


def _not_increasing(runner: _FootRunner, t: NDArray[np.float64], at: int) -> None:
    """The scan met a time that does not increase (a clock's times always do: only a
    clock built around its checks gets here): the error the array path gives."""
    raise InputError(
        f"sample times are not finite and strictly increasing at sample "
        f"{int(runner.fs[_k.S_INDEX])} (t={float(t[at])!r} s)",
        fix="sort the samples by time and drop duplicates",
    )


def clock_rate_sample(clock: SampleClock, first: int) -> NDArray[np.float64]:
    """The times of the first ``first`` samples (what the rate check reads)."""
    return clock.times(0, min(first, clock.n))
