"""numba kernel of the polarity figure's block sums (private: arrays in, called through
:class:`stride.core.polarity.PolarityMeter`, which checks its arguments).

One pass over the rows read: each block's two feet's readings (each the sum of its
channels, taken in float64 in the columns' order) gathered into two small buffers, then
its peak-to-peak, its mean and the sums about that mean. A block's numbers depend only on
its own readings (not on how many blocks a call holds), so a stream fed in chunks gives
the batch numbers exactly. Releases the GIL: a long record's figure is taken on the
foot thread while the noise figures are taken (:func:`stride.core.scan.scan_samples`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from stride.core._kernel_options import PY_ENTRY


@njit(cache=True, nogil=True, **PY_ENTRY)
def block_sums(
    rows: NDArray[np.generic],
    left: NDArray[np.int64],
    right: NDArray[np.int64],
    first: int,
    step: int,
    n: int,
    m: int,
) -> NDArray[np.float64]:
    """(m, 5): for each of ``m`` blocks of ``n`` readings (a reading every ``step``-th row
    from ``first``), each foot's peak-to-peak, then the sums LL, RR, LR of the feet's
    readings centred about the block's own means. A NaN reading makes the block's sums NaN
    (left out by the figure). The wrapper checks that the rows hold the ``m * n`` readings."""
    out = np.empty((m, 5), np.float64)
    lf = np.empty(n, np.float64)
    rf = np.empty(n, np.float64)
    for b in range(m):
        r = first + b * n * step
        for i in range(n):
            a = np.float64(rows[r, left[0]])
            for j in range(1, left.size):
                a += np.float64(rows[r, left[j]])
            c = np.float64(rows[r, right[0]])
            for j in range(1, right.size):
                c += np.float64(rows[r, right[j]])
            lf[i] = a
            rf[i] = c
            r += step
        lo_l = hi_l = lf[0]
        lo_r = hi_r = rf[0]
        sl = sr = 0.0
        for i in range(n):
            sl += lf[i]
            sr += rf[i]
            lo_l = min(lo_l, lf[i])
            hi_l = max(hi_l, lf[i])
            lo_r = min(lo_r, rf[i])
            hi_r = max(hi_r, rf[i])
        ml = sl / n
        mr = sr / n
        ll = rr = lr = 0.0
        for i in range(n):
            dl = lf[i] - ml
            dr = rf[i] - mr
            ll += dl * dl
            rr += dr * dr
            lr += dl * dr
        out[b, 0] = hi_l - lo_l
        out[b, 1] = hi_r - lo_r
        out[b, 2] = ll
        out[b, 3] = rr
        out[b, 4] = lr
    return out
