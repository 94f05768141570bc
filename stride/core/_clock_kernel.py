"""numba kernel of :class:`stride.core.clock.SampleClock` (private; called by its ``times``,
which checks the arguments): a range of samples' times from the clock's runs."""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import PY_ENTRY


@njit(cache=True, nogil=True, **PY_ENTRY)
def expand_times(
    starts: NDArray[np.int64],
    ticks: NDArray[np.int64],
    steps: NDArray[np.int64],
    tick_hz: float,
    lo: int,
    run: int,
    out: NDArray[np.float64],
) -> None:
    """``out[q]`` = the time of sample ``lo + q``: ``float64(tick) / tick_hz`` with ``tick =
    ticks[r] + (i - starts[r]) * steps[r]`` of its run ``r`` (``run``: the run of sample
    ``lo``), the operations a reader computes each sample's seconds with. Each run's part
    is a plain loop from index 0 (the tick a running sum: exact integers), which LLVM
    vectorises (0.12 ns a sample; from index ``q``, 0.3 ns).
    Releases the GIL: feet scanned on two threads expand their chunks at once."""
    m = out.shape[0]
    q = 0
    r = run
    while q < m:
        i = lo + q
        end = min(m, starts[r + 1] - lo)
        tick = ticks[r] + (i - starts[r]) * steps[r]
        step = steps[r]
        part = out[q:end]  # (indices from 0: no negative-index check in the loop)
        for j in range(part.shape[0]):
            part[j] = tick / tick_hz
            tick += step
        q = end
        r += 1
