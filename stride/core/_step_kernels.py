"""numba kernel of the steps table's references (private: arrays and scalars in, called
through :mod:`stride.core.steps`).

The references are medians over each row's previous few strides; sorting a window matrix
per call costs a copy and a sort of the whole table, this walks the rows once with a small
insertion sort per row.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, inline="always")
def _before(a: float, b: float) -> bool:
    """Sort order of ``np.sort``: ascending, NaN after everything."""
    if a != a:
        return False
    return b != b or a < b


@njit(cache=True)
def _median_of_sorted(buf: NDArray[np.float64], k: int, min_count: int) -> float:
    """Median of the finite values of the sorted ``buf[:k]`` (``np.sort`` order); NaN if
    fewer than ``min_count``. Indexing as the window-matrix version did, value for value."""
    cnt = 0
    for q in range(k):
        if np.isfinite(buf[q]):
            cnt += 1
    if cnt < min_count:
        return np.nan
    lo = max(cnt - 1, 0) // 2
    hi = min(cnt // 2, k - 1)
    return 0.5 * (buf[lo] + buf[hi])


@njit(cache=True)
def _sort_into(buf: NDArray[np.float64], k: int) -> None:
    """Insertion sort of ``buf[:k]`` in ``np.sort`` order (k is a handful of strides)."""
    for q in range(1, k):
        v = buf[q]
        r = q - 1
        while r >= 0 and _before(v, buf[r]):
            buf[r + 1] = buf[r]
            r -= 1
        buf[r + 1] = v


@njit(cache=True)
def _previous_median_mad(
    x: NDArray[np.float64], k: int, min_count: int, with_mad: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row i: median of the finite values among x[i-k:i] (NaN before the start) and,
    if ``with_mad``, the median of their absolute deviations from it (else zeros)."""
    m = x.shape[0]
    med = np.empty(m)
    mad = np.zeros(m)
    buf = np.empty(k)
    for i in range(m):
        for q in range(k):
            src = i - k + q
            buf[q] = x[src] if src >= 0 else np.nan
        _sort_into(buf, k)
        mi = _median_of_sorted(buf, k, min_count)
        med[i] = mi
        if with_mad:
            for q in range(k):
                src = i - k + q
                buf[q] = abs(x[src] - mi) if src >= 0 else np.nan
            _sort_into(buf, k)
            mad[i] = _median_of_sorted(buf, k, min_count)
    return med, mad
