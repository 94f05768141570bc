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

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from stride.core.clock import SampleClock
from stride.errors import InputError

if TYPE_CHECKING:
    from stride.core.contacts import FootContacts, _FootRunner

#: samples per chunk: 512 KB of times, which stay in a core's 1 MB second-level cache
#: beside the chunk's forces (16,384 to 262,144 samples gave the same speed within 5 %)
CLOCK_CHUNK = 1 << 16


class _Rows:
    """One foot's output rows while its chunks are scanned: the kernel's row buffers, the
    rows written so far, and the parts already full."""

    __slots__ = ("f", "i", "parts", "rows")

    def __init__(self, runner: _FootRunner, n: int) -> None:
        self.f, self.i = runner._alloc(n)
        self.rows = 0
        self.parts: list[FootContacts] = []


def scan_clocked(
    runners: Sequence[_FootRunner], clock: SampleClock, x: NDArray[np.generic]
) -> list[FootContacts]:
    """Each runner's contacts over the whole record (``x``: the forces as the scan takes
    them, one row per sample of ``clock``), the stream's end included: the chunks' times
    expanded once for all the runners (one thread; feet on threads call this one foot
    each, with their own buffer)."""
    from stride.core import _contact_scan as _scan
    from stride.core import contacts as c

    n = x.shape[0]
    buf = np.empty(min(n, CLOCK_CHUNK), np.float64)
    outs = [_Rows(r, n) for r in runners]
    for lo in range(0, n, CLOCK_CHUNK):
        hi = min(n, lo + CLOCK_CHUNK)
        t = clock.times(lo, hi, buf[: hi - lo])
        xx = x[lo:hi]
        xw = c._row_words(xx)
        for r, o in zip(runners, outs, strict=True):
            start = 0
            while start < hi - lo:
                rows, nxt = _scan.scan(
                    t, xx, r.cols, start, r.p, r.tr, r.fs, o.f[o.rows :], o.i[o.rows :], xw,
                    c._NO_WORDS,
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
        words = None if c._row_words(x[:0]) is None else c._NO_WORDS  # as feed() leaves it
        r._last = (c._EMPTY_T, np.empty((0, x.shape[1]), x.dtype), words)
        parts = [*o.parts, r._result(o.f[: o.rows], o.i[: o.rows]), r.finish()]
        got.append(c.FootContacts.concat(parts, r.side, r.nk))
    return got


def _not_increasing(runner: _FootRunner, t: NDArray[np.float64], at: int) -> None:
    """The scan met a time that does not increase (a clock's times always do: only a
    clock built around its checks gets here): the error the array path gives."""
    from stride.core import _contact_state as _k

    raise InputError(
        f"sample times are not finite and strictly increasing at sample "
        f"{int(runner.fs[_k.S_INDEX])} (t={float(t[at])!r} s)",
        fix="sort the samples by time and drop duplicates",
    )


def clock_rate_sample(clock: SampleClock, first: int) -> NDArray[np.float64]:
    """The times of the first ``first`` samples (what the rate check reads)."""
    return clock.times(0, min(first, clock.n))
