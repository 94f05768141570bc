"""One foot's contact scan carried from chunk to chunk (:class:`_FootRunner`): the
kernels' state, their output rows made into :class:`FootContacts`, and the stream's end;
and the bad time steps of a record found once for several feet (:func:`bad_steps`).
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.typing import NDArray

from stride.core import _contact_scan as _scan
from stride.core import _contact_state as _k
from stride.core.contact_input import _EMPTY_T, _NO_WORDS, _check_finite, _row_words
from stride.core.foot_contacts import FootContacts
from stride.core.signals import Side
from stride.errors import InputError


class _FootRunner:
    """Kernel state of one foot, carried from chunk to chunk."""

    def __init__(self, side: Side, cols: list[int], p: NDArray[np.float64]) -> None:
        self.side = side
        self.cols = np.asarray(cols, np.int64)
        self.nk = len(cols)
        self.p = p
        self.tr, self.fs = (a.copy() for a in _fresh_state(self.nk))
        fs = p[_k.P_FS]
        self.per_row = max(1, int(fs * p[_k.P_MIN_CONTACT] + p[_k.P_MIN_SWING]))
        #: empty arrays of the types the last chunk was scanned with, for the end of the
        #: stream (:meth:`finish`: the scan with ``start`` -1, no further compile)
        self._last: tuple[NDArray[np.float64], NDArray[np.generic], NDArray[np.int64] | None]
        self._last = (_EMPTY_T, np.zeros((0, 1)), None)

    def _alloc(self, n: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
        cap = n // self.per_row + self._end_rows()
        return np.empty((cap, _k.N_OF + self.nk)), np.empty((cap, _k.N_OI), np.int64)

    def _end_rows(self) -> int:
        """The room for rows that the end of the stream may write (:meth:`finish`'s)."""
        return 16 + int(self.p[_k.P_BLOCK])

    def end_into(self, f: NDArray[np.float64], i: NDArray[np.int64], rows: int) -> int | None:
        """:meth:`finish` written after the first ``rows`` rows of ``f``/``i`` when they
        have its room (the rows in all; None, and nothing scanned, when not): one set of
        rows made into contacts instead of two then joined, 10-25 us a foot."""
        if f.shape[0] - rows < self._end_rows():
            return None
        if self.fs[_k.S_STATE] == _k.UNKNOWN:  # no contact is open: nothing to end
            return rows
        t, x, xw = self._last
        more, _ = _scan.scan(
            t, x, self.cols, -1, self.p, self.tr, self.fs, f[rows:], i[rows:], xw, _NO_WORDS
        )
        return rows + more

    def _result(self, f: NDArray[np.float64], i: NDArray[np.int64]) -> FootContacts:
        """The kernel's rows as contacts: each column a contiguous row of one transposed
        copy (three copies, not a dozen)."""
        ft = f[:, : _k.N_OF].T.copy()
        it = i.T.copy()
        seen = it[[_k.I_COMPLETE, _k.I_GAP, _k.I_ON_SEEN, _k.I_OFF_SEEN]] != 0
        return FootContacts(
            self.side,
            ft[_k.O_ON_T],
            ft[_k.O_OFF_T],
            it[_k.I_ON],
            it[_k.I_OFF],
            seen[0],
            seen[1],
            f[:, _k.N_OF :].copy(),
            ft[_k.O_IMPULSE],
            ft[_k.O_PEAK],
            seen[2],
            seen[3],
            ft[_k.O_CONF],
            int(self.fs[_k.S_BLIPS]),
            int(self.fs[_k.S_TOUCHES]),
            int(self.fs[_k.S_BREAKS]),
        )

    def feed(
        self,
        t: NDArray[np.float64],
        x: NDArray[np.generic],
        bads: NDArray[np.int64] | None = None,
        end: bool = False,
    ) -> FootContacts:
        """Contacts finished in ``t``/``x``; ``bads`` = :func:`bad_steps` of them if known;
        ``end``: the stream ends with them (:meth:`finish`'s contacts too)."""
        parts: list[FootContacts] = []
        bads = _NO_WORDS if bads is None else bads
        start = 0
        n = t.shape[0]
        xw = _row_words(x)
        # (new empty arrays, not slices: a slice would keep the whole chunk alive)
        self._last = (
            _EMPTY_T,
            np.empty((0, x.shape[1]), x.dtype),
            None if xw is None else _NO_WORDS,
        )
        while start < n:
            out_f, out_i = self._alloc(n - start)
            rows, nxt = _scan.scan(
                t, x, self.cols, start, self.p, self.tr, self.fs, out_f, out_i, xw, bads
            )
            if rows < 0:
                _check_finite(t)  # a time that is not finite fails as a step: say so
                raise InputError(
                    f"sample times are not finite and strictly increasing at sample "
                    f"{int(self.fs[_k.S_INDEX])} (t={float(t[nxt])!r} s)",
                    fix="sort the samples by time and drop duplicates",
                )
            start = nxt
            if end and start >= n:
                total = self.end_into(out_f, out_i, rows)
                if total is not None:  # the stream's end written after these rows
                    rows, end = total, False
            parts.append(self._result(out_f[:rows], out_i[:rows]))
        if end:
            parts.append(self.finish())
        return FootContacts.concat(parts, self.side, self.nk)

    def finish(self) -> FootContacts:
        """End of the stream: the contact still open (none before any sample was fed)."""
        out_f, out_i = self._alloc(0)
        rows = 0
        if self.fs[_k.S_STATE] != _k.UNKNOWN:  # else no contact is open: nothing to end
            t, x, xw = self._last
            rows, _ = _scan.scan(
                t, x, self.cols, -1, self.p, self.tr, self.fs, out_f, out_i, xw, _NO_WORDS
            )
        return self._result(out_f[:rows], out_i[:rows])


@functools.cache
def _fresh_state(nk: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """A foot's fresh kernel state (:func:`~stride.core._contact_state.new_state`), made
    once per sensor count: each foot takes copies (about 6 us less a foot)."""
    return _k.new_state(nk)


#: bad time steps found per scan call (more take another call)
BAD_STEP_ROWS = 4096


def bad_steps(
    t: NDArray[np.float64],
    x: NDArray[np.generic],
    cols: NDArray[np.int64],
    p: NDArray[np.float64],
    rows: int = BAD_STEP_ROWS,
    first: int = 1,
) -> NDArray[np.int64]:
    """Every ``k`` in ``first..n-1`` whose time step ``t[k] - t[k-1]`` is not in (0, gap] (gap:
    ``p``'s), then ``n``: found in one pass, so several feet scanning the same times share
    it. The pass is a mode of the contact scan (``start`` -2 - k), called with the types of
    the feet's scans (``x``, ``cols``: the forces and a foot's columns, not read), so it is
    no kernel of its own to compile and load; ``rows`` steps per call."""
    n = t.shape[0]
    tr, fs = _k.new_state(cols.shape[0])
    out_f = np.empty((0, _k.N_OF + cols.shape[0]))
    xw = _row_words(x)
    parts = []
    k = max(1, first)
    while k < n:
        out_i = np.empty((rows, _k.N_OI), np.int64)
        m, k = _scan.scan(t, x, cols, -2 - k, p, tr, fs, out_f, out_i, xw, _NO_WORDS)
        parts.append(out_i[:m, 0].copy())
    parts.append(np.array([n], np.int64))
    return np.concatenate(parts)
