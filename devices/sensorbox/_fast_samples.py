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
) -> None:
    """``newtons[m] = (counts[m] - offset[m % k]) * scale[m % k]`` for ``m < total`` in
    float32, where ``newtons`` may start at ``counts``' own address: a block at a time
    from the end, each block's counts copied aside first (its float32 slots cover its own
    int16 slots and later ones, never earlier ones). ``total`` is a multiple of ``k`` and
    so is the block, so each block starts at channel 0: the offsets and scales are laid
    out a block long once, and the loop over a block is a plain one LLVM vectorises."""
    k = offset.shape[0]
    if k == 0:
        return
    block = 4096 - 4096 % k
    aside = np.empty(block, np.int16)
    off = np.empty(block, np.float32)
    sc = np.empty(block, np.float32)
    for m in range(block):
        off[m] = offset[m % k]
        sc[m] = scale[m % k]
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
def _seconds(t_us: NDArray[np.int64], t_out: NDArray[np.float64], n: int, t0: int) -> None:
    """``t_out[i] = (t_us[i] - t0) / 1e6`` for ``i < n``, where ``t_out`` may be ``t_us``'
    own memory: a block at a time, copied aside first, so the loop is a plain one."""
    aside = np.empty(4096, np.int64)
    for lo in range(0, n, 4096):
        w = min(4096, n - lo)
        for q in range(w):
            aside[q] = t_us[lo + q]
        for q in range(w):
            t_out[lo + q] = (aside[q] - t0) / 1e6


@njit(cache=True, **PY_ENTRY)
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
    """Keep the samples later than every one before them (and ``prev``); write their time
    ``(t_us - t0) / 1e6`` to ``t_out`` (may be ``t_us``' own memory) and their ``cols``
    counts, compacted, to the start of ``counts``; with ``newtons`` non-empty (it may
    share ``counts``' memory, starting at the same address) also ``(count - offset) *
    scale`` in float32 there. Returns (samples kept, samples dropped as out of order, the last kept
    device time, or ``prev`` if none)."""
    n = t_us.shape[0]
    k = cols.shape[0]
    top = prev
    every = k == nch  # all channels, in order: the counts stay where they are
    for j in range(k):
        every = every and cols[j] == j
    kept = 0
    if every:  # until a sample is dropped, nothing moves: only the times are written
        while kept < n and t_us[kept] > top:
            top = t_us[kept]
            kept += 1
        _seconds(t_us, t_out, kept, t0)
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
    if newtons.shape[0]:
        _widen(counts, offset, scale, newtons, kept * k)
    return kept, n - kept, top


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
