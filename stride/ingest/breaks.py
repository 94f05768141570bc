"""Where a sensor box restarted mid-stream (:attr:`~stride.core.signals.GaitSignals.breaks`).

A restart while the port stayed open puts the box's clock and frame counter back to the
start; the decoder continues device time from the frame before plus the host time that
passed, at least 1 us after the last sample (frames read in one chunk), so the samples'
times alone may show no gap. The restart is known (a step back in the frame counter or
the clock, a new HELLO): each is given to the analysis as the device time of the last
sample before it, and the analysis takes it as a gap (the steps, strides and contacts
across it flagged ``gap``). A restart before any sample is no break: nothing came before
it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.sensorbox import SampleBlock


def block_breaks(blocks: Sequence[SampleBlock], last_t_us: int | None) -> list[int]:
    """Breaks of blocks in order (``last_t_us``: the last sample kept before them)."""
    out: list[int] = []
    last = last_t_us
    for b in blocks:
        if b.restart and last is not None:
            out.append(last)
        last = int(b.t_us[-1])
    return out


def decoded_breaks(box: Any, last_t_us: int | None) -> list[int]:
    """Breaks of a whole decoded stream (``devices.sensorbox.fast.decode_stream``)."""
    out: list[int] = []
    for i in np.flatnonzero(box.block_restart).tolist():
        if i:
            out.append(int(box.block_last_t_us(i - 1, i)[0]))
        elif last_t_us is not None:
            out.append(last_t_us)
    return out


def on_clock(breaks: list[int] | None, t0_us: int) -> NDArray[np.float64] | None:
    """Breaks as seconds on the samples' clock (the same floats as their times)."""
    return (np.asarray(breaks, np.int64) - t0_us) / 1e6 if breaks else None


def joined(parts: list[NDArray[np.float64] | None]) -> NDArray[np.float64] | None:
    """The breaks of consecutive chunks of one record, as one array (None: none)."""
    some = [p for p in parts if p is not None]
    return np.concatenate(some) if some else None
