"""numba kernel that turns a whole decoded box stream into the analysis' arrays in place
(private; used by :meth:`devices.sensorbox.fast.DecodedBox.samples_in_place`, which
``stride.ingest``'s assembler calls for a whole recording).

One pass instead of numpy's five (order check, keep mask, time offset, column pick),
then the calibration, and no new memory: the times are written as float64 seconds over the
int64 device times they came from (same size), the kept channels are compacted over the
int16 counts (nothing moves while every channel is kept and no sample dropped), and
calibrated newtons (float32) are widened in place, a block at a time from the end, into
the room the decoder left after the counts. Each value is computed with the same float operations
as the assembler's numpy path (``BlockAssembler._keep_samples``), so the results are identical
(tested).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._kernel_options import PY_ENTRY


@njit(cache=True, inline="always")
def _widen(
    counts: NDArray[np.int16],
    offset: NDArray[np.float32],
    scale: NDArray[np.float32],
    newtons: NDArray[np.float32],
    total: int,
    aside: NDArray[np.int16],
) -> None:
    """``newtons[m] = (counts[m] - offset[m % k]) * scale[m % k]`` for ``m < total`` in
    float32, where ``newtons`` may start at ``counts``' own address: a block at a time
    from the end, each block's counts copied aside first (its float32 slots cover its own
    int16 slots and later ones, never earlier ones). ``total`` is a multiple of ``k`` and
    so is the block, so each block starts at channel 0: ``offset`` and ``scale`` come
    laid out a block long (``aside``'s length, a multiple of ``k``), and the loop over a
    block is a plain one LLVM vectorises."""
    block = aside.shape[0]
    off = offset
    sc = scale
    hi = total
    while hi > 0:
        lo = max(0, hi - block)
        for m in range(hi - lo):
            aside[m] = counts[lo + m]
        for m in range(hi - lo):
            x = np.float32(aside[m])
            x = np.float32(x - off[m])
            newtons[lo + m] = np.float32(x * sc[m])
        hi = lo


@njit(cache=True, inline="always")
def _seconds(
    t_us: NDArray[np.int64], t_out: NDArray[np.float64], n: int, t0: int, aside: NDArray[np.int64]
) -> None:
    """``t_out[i] = (t_us[i] - t0) / 1e6`` for ``i < n``, where ``t_out`` may be ``t_us``'
    own memory: a block at a time (``aside``'s length), copied aside first, so the loop
    is a plain one."""
    step = aside.shape[0]
    for lo in range(0, n, step):
        w = min(step, n - lo)
        for q in range(w):
            aside[q] = t_us[lo + q]
        for q in range(w):
            t_out[lo + q] = (aside[q] - t0) / 1e6


def _assemble_in_place(
    t_us: NDArray[np.int64],
    t_out: NDArray[np.float64],
    counts: NDArray[np.int16],
    nch: int,
    cols: NDArray[np.int64],
    offset: NDArray[np.float32],
    scale: NDArray[np.float32],
    newtons: NDArray[np.float32],
    t0: int,
    prev: int,
) -> tuple[int, int, int]:
    """:func:`_assemble_kernel` with its scratch blocks made here (an allocation in a
    kernel compiles code of its own): ``offset`` and ``scale`` laid out a block long
    (a multiple of the ``k`` columns), the block's counts and times set aside."""
    k = max(int(cols.shape[0]), 1)
    block = 4096 - 4096 % k
    if offset.shape[0] != cols.shape[0] or scale.shape[0] != cols.shape[0]:
        raise ValueError("an offset and a scale per column kept")
    off = np.resize(offset.astype(np.float32), block if cols.shape[0] else 0)
    sc = np.resize(scale.astype(np.float32), block if cols.shape[0] else 0)
    aside = np.empty(block if cols.shape[0] else 0, np.int16)
    args = (t_us, t_out, counts, nch, cols, off, sc, newtons, t0, prev, aside)
    if _two_parts(t_us, nch, cols, newtons):
        kept, _, top = _assemble_kernel(*args, np.empty(0, np.int64), IN_ORDER)
        if kept == t_us.shape[0]:  # nothing dropped: the two passes apart, at once
            _side_by_side(args, np.empty(4096, np.int64))
            return kept, 0, int(top)
    got = _assemble_kernel(*args, np.empty(4096, np.int64), ALL)
    return int(got[0]), int(got[1]), int(got[2])


#: What :func:`_assemble_kernel` does: all of it; only find the samples in order from the
#: first (nothing written); only their times; only their newtons (every sample kept).
ALL, IN_ORDER, SECONDS, NEWTONS = range(4)
#: Samples worth assembling in two parts at once (fewer: one pass).
MIN_SPLIT_SAMPLES = 1 << 16


def _two_parts(
    t_us: NDArray[np.int64], nch: int, cols: NDArray[np.int64], newtons: NDArray[np.float32]
) -> bool:
    """Whether the times and the newtons are worth writing at once, on two threads
    (:func:`devices.cores.read_threads`): every channel kept in order (the counts stay
    where they are), newtons asked for, enough samples."""
    from devices.cores import read_threads

    k = int(cols.shape[0])
    return (
        read_threads() >= 2
        and t_us.shape[0] >= MIN_SPLIT_SAMPLES
        and newtons.shape[0] > 0
        and k == nch
        and bool(np.array_equal(cols, np.arange(k)))
    )


def _side_by_side(args: tuple[Any, ...], aside64: NDArray[np.int64]) -> None:
    """Every sample kept (:data:`IN_ORDER` said so): their times on a thread of its own
    while this one writes their newtons (the kernel releases the GIL; the two write apart:
    the times over ``t_us``, the newtons over the counts)."""
    from devices.cores import at_once

    at_once(
        lambda: _assemble_kernel(*args, aside64[:0], NEWTONS),
        lambda: _assemble_kernel(*args, aside64, SECONDS),
    )


@njit(cache=True, nogil=True, **PY_ENTRY)
def _assemble_kernel(
    t_us: NDArray[np.int64],
    t_out: NDArray[np.float64],
    counts: NDArray[np.int16],
    nch: int,
    cols: NDArray[np.int64],
    offset: NDArray[np.float32],
    scale: NDArray[np.float32],
    newtons: NDArray[np.float32],
    t0: int,
    prev: int,
    aside16: NDArray[np.int16],
    aside64: NDArray[np.int64],
    what: int,
) -> tuple[int, int, int]:
    """Keep the samples later than every one before them (and ``prev``); write their time
    ``(t_us - t0) / 1e6`` to ``t_out`` (may be ``t_us``' own memory) and their ``cols``
    counts, compacted, to the start of ``counts``; with ``newtons`` non-empty (it may
    share ``counts``' memory, starting at the same address) also ``(count - offset) *
    scale`` in float32 there (``offset`` and ``scale`` laid out ``aside16``'s length, a
    multiple of ``k``: :func:`_assemble_in_place`). ``aside16``, ``aside64``: scratch.
    Returns (samples kept, samples dropped as out of order, the last kept device time, or
    ``prev`` if none). ``what``: :data:`ALL` of it, or a part (:data:`IN_ORDER`: the
    samples in order from the first counted, nothing written; :data:`SECONDS`,
    :data:`NEWTONS`: every sample kept, only its time or only its newtons written). Releases
    the GIL: the last two can run at once."""
    n = t_us.shape[0]
    k = cols.shape[0]
    top = prev
    kept = 0
    if what == NEWTONS:  # every sample kept (the caller knows): only the newtons
        kept = n
    else:
        every = k == nch  # all channels, in order: the counts stay where they are
        for j in range(k):
            every = every and cols[j] == j
        if every:  # until a sample is dropped, nothing moves: only the times are written
            while what != SECONDS and kept < n and t_us[kept] > top:
                top = t_us[kept]
                kept += 1
            if what == IN_ORDER:
                return kept, n - kept, top
            if what == SECONDS:  # every sample kept (the caller knows)
                kept = n
            _seconds(t_us, t_out, kept, t0, aside64)  # (one call site each: inlined once)
            if what == SECONDS:
                return kept, 0, top
        for i in range(kept, n):
            ti = t_us[i]
            if ti <= top:
                continue
            top = ti
            t_out[kept] = (ti - t0) / 1e6
            src = i * nch
            dst = kept * k
            for j in range(k):
                counts[dst + j] = counts[src + cols[j]]
            kept += 1
    if newtons.shape[0] and k:
        _widen(counts, offset, scale, newtons, kept * k, aside16)
    return kept, n - kept, top


@njit(cache=True, nogil=True, **PY_ENTRY)
def _widen_kernel(
    counts: NDArray[np.int16],
    offset: NDArray[np.float32],
    scale: NDArray[np.float32],
    newtons: NDArray[np.float32],
    total: int,
    aside: NDArray[np.int16],
) -> None:
    """:func:`_widen` called from Python: every sample kept, no times written."""
    _widen(counts, offset, scale, newtons, total, aside)


def widen_in_place(
    counts: NDArray[np.int16],
    k: int,
    offset: NDArray[np.float32],
    scale: NDArray[np.float32],
    newtons: NDArray[np.float32],
) -> None:
    """``newtons[m] = (counts[m] - offset[m % k]) * scale[m % k]`` in float32 for every
    count (``k`` columns a row), ``newtons`` possibly at ``counts``' own address: the
    widening :func:`_assemble_kernel` does, for a caller that keeps every sample and every
    channel and needs no times (the same values)."""
    total = int(counts.shape[0])
    if offset.shape[0] != k or scale.shape[0] != k or total % k or newtons.shape[0] < total:
        raise ValueError("an offset and a scale per column, and room for every count")
    block = 4096 - 4096 % k
    off = np.resize(offset.astype(np.float32), block)
    sc = np.resize(scale.astype(np.float32), block)
    _widen_kernel(counts, off, sc, newtons, total, np.empty(block, np.int16))


def load_kernel() -> None:
    """Load (on a first run: compile) the kernel now, on two samples, so that a timed read
    measures reading, not numba loading it."""
    t_us = np.array([5, 7], np.int64)
    counts = np.zeros(4, np.int16)
    room = np.zeros(8, np.float32)
    one = np.ones(1, np.float32)
    _assemble_in_place(
        t_us, t_us.view(np.float64), counts, 2, np.zeros(1, np.int64), one, one, room, 5, -1
    )
    widen_in_place(counts, 2, np.zeros(2, np.float32), np.ones(2, np.float32), room)
