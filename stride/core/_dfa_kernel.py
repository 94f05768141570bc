"""numba kernel of DFA (private: arrays in, called through :mod:`stride.core.variability`).

One pass over the profile per window size, with no window matrix: each window's line fit
is solved from its sums in closed form. Values are taken relative to the window's first
point, so the sums stay as well conditioned as the centred fit they replace.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import PY_ENTRY


@njit(cache=True, fastmath={"reassoc", "contract", "nsz"}, **PY_ENTRY)
def _dfa_fluctuations(walk: NDArray[np.float64], sizes: NDArray[np.int64]) -> NDArray[np.float64]:
    """RMS fluctuation F(n) per window size n (0.0 where no window fits).

    Windows of n points start at 0, n//2, 2(n//2), ... while start < len(walk) - n; each
    is detrended by its least-squares line and F(n) = sqrt(mean over windows of the mean
    squared residual). Sizes must be at least 2 (the wrapper checks).
    """
    total = walk.size
    # np.empty with float64 given, not np.zeros with it implied: a variant other kernels
    # compile already, so a first run compiles no array constructor for this one
    out = np.empty(sizes.size, np.float64)
    for i in range(sizes.size):
        n = sizes[i]
        step = n // 2
        xm = (n - 1) / 2.0
        sxx = 0.0
        for k in range(n):
            sxx += (k - xm) * (k - xm)
        acc = 0.0
        windows = 0
        s = 0
        while s < total - n:
            c = walk[s]
            sy = 0.0
            sxy = 0.0
            for k in range(n):
                y = walk[s + k] - c
                sy += y
                sxy += y * (k - xm)
            ym = sy / n
            slope = sxy / sxx
            ss = 0.0
            for k in range(n):
                d = walk[s + k] - c - ym - slope * (k - xm)
                ss += d * d
            acc += ss / n
            windows += 1
            s += step
        out[i] = math.sqrt(acc / windows) if windows > 0 else 0.0
    return out
