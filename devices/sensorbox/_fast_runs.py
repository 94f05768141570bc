"""A decoded box stream's sample times from its blocks, without a time per sample (private;
used by :class:`devices.sensorbox.fast.DecodedBox`).

A SAMPLES block's samples are at its first sample's device time plus its period per
sample, so the blocks' first times, periods and sample offsets say every sample's time. A
consumer that needs the times in order (``stride.ingest``'s assembler) can take them as
runs of evenly spaced times (:func:`sample_runs`: an hour at 1 kHz without lost frames is
one run) where an hour's times per sample would be 28.8 MB of int64; the blocks' last
times (:func:`block_last_times`) come from them the same way. All in numpy, a part of the
blocks at a time (each part's temporaries small).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
I32 = NDArray[np.int32]

#: blocks per numpy pass (temporaries of 512 KB)
RUN_PART = 1 << 16


def block_last_times(bt: I64, period: I32, bstart: I64, a: int, b: int) -> I64 | None:
    """The device time of the last sample of blocks ``a..b-1`` (``bt``: their first
    sample's, ``bstart``: their sample offsets, B + 1); None if one of them holds no
    sample (its "last sample" is another block's: read from the times per sample)."""
    count = bstart[a + 1 : b + 1] - bstart[a:b]
    if count.size and int(count.min()) < 1:
        return None
    last = period[a:b].astype(np.int64)
    last *= count - 1
    last += bt[a:b]
    return last


def sample_runs(
    bt: I64, period: I32, bstart: I64, prev_us: int
) -> tuple[I64, I64, I64, int] | None:
    """The samples' device times as runs of evenly spaced times: ``(starts, first, step,
    last)``, run ``r`` holding samples ``starts[r]..starts[r + 1] - 1`` at ``first[r] +
    j * step[r]`` (step > 0), and the last sample's time. Blocks continue a run where
    their first time and period continue it exactly. None if some sample is not later
    than every one before it and than ``prev_us`` (a consumer that drops such samples
    needs them one by one), or a block holds no sample."""
    nb = int(bt.shape[0])
    starts: list[I64] = []
    firsts: list[I64] = []
    steps: list[I64] = []
    top = int(prev_us)
    run_step = 0  # the step of the run the next block may continue (0: none yet)
    for a in range(0, nb, RUN_PART):
        b = min(nb, a + RUN_PART)
        last = block_last_times(bt, period, bstart, a, b)
        if last is None:
            return None
        first = bt[a:b]
        per = period[a:b].astype(np.int64)
        count = bstart[a + 1 : b + 1] - bstart[a:b]
        if bool(np.any((count > 1) & (per <= 0))):
            return None  # times that do not rise within a block
        if int(first[0]) <= top or bool(np.any(first[1:] <= last[:-1])):
            return None  # a block not after the one before it
        step = np.where(per > 0, per, 1)  # (a one-sample block's period says nothing)
        # block j continues the run of block j - 1: same step, its time one step after
        new = np.empty(b - a, np.bool_)
        new[0] = not (run_step > 0 and int(step[0]) == run_step and int(first[0]) == top + run_step)
        new[1:] = (step[1:] != step[:-1]) | (first[1:] != last[:-1] + step[:-1])
        at = np.flatnonzero(new)
        starts.append(bstart[a:b][at])
        firsts.append(first[at])
        steps.append(step[at])
        top = int(last[-1])
        run_step = int(step[-1])
    if not nb:
        return np.zeros(1, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64), top
    ends = np.array([bstart[nb]], np.int64)
    return np.concatenate([*starts, ends]), np.concatenate(firsts), np.concatenate(steps), top
