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

from stride.core._kernel_options import JIT_ONLY, PY_ENTRY


@njit(cache=True, **JIT_ONLY)
def _before(a: float, b: float) -> bool:
    """Sort order of ``np.sort``: ascending, NaN after everything."""
    if a != a:
        return False
    return b != b or a < b


@njit(cache=True, **JIT_ONLY)
def _mad_by_sorting(
    s: NDArray[np.float64], mi: float, buf: NDArray[np.float64], k: int, min_count: int
) -> float:
    """Median of the finite values among ``abs(s[:k] - mi)``, sorted (an insertion sort
    in ``np.sort`` order: k is a handful of strides) into ``buf``; NaN if fewer than
    ``min_count``. Indexing as the window-matrix version did, value for value. The rare
    windows' way (infinities, no finite median, a spread that overflows)."""
    for q in range(k):
        v = abs(s[q] - mi)
        r = q - 1
        while r >= 0 and _before(v, buf[r]):
            buf[r + 1] = buf[r]
            r -= 1
        buf[r + 1] = v
    cnt = 0
    for q in range(k):
        if np.isfinite(buf[q]):
            cnt += 1
    if cnt < min_count:
        return np.nan
    lo = max(cnt - 1, 0) // 2
    hi = min(cnt // 2, k - 1)
    return 0.5 * (buf[lo] + buf[hi])


@njit(cache=True, **JIT_ONLY)
def _mad_of_sorted_finite(
    s: NDArray[np.float64], cnt: int, mi: float, k: int, min_count: int
) -> float:
    """Median absolute deviation from ``mi`` of the sorted finite ``s[:cnt]``: the
    deviations left and right of ``mi`` are each sorted already, so merge them up to the
    middle instead of sorting. Same values as sorting ``abs(s - mi)`` (``mi - x`` equals
    ``abs(x - mi)`` exactly in IEEE arithmetic)."""
    if cnt < min_count:
        return np.nan
    lo = max(cnt - 1, 0) // 2
    hi = min(cnt // 2, k - 1)
    right = 0
    while right < cnt and s[right] < mi:
        right += 1
    left = right - 1
    a = np.nan
    b = np.nan
    for t in range(hi + 1):
        if left >= 0 and (right >= cnt or mi - s[left] <= s[right] - mi):
            d = mi - s[left]
            left -= 1
        else:
            d = s[right] - mi
            right += 1
        if t == lo:
            a = d
        if t == hi:
            b = d
    return 0.5 * (a + b)


@njit(cache=True, **PY_ENTRY)
def _previous_median_mad(
    x: NDArray[np.float64], k: int, min_count: int, with_mad: bool
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per row i: median of the finite values among x[i-k:i] (NaN before the start) and,
    if ``with_mad``, the median of their absolute deviations from it (else zeros).

    The window is kept sorted from row to row (one value out, one in), so a row costs
    O(k) with few mispredicted branches; odd windows (infinities, no finite median, a
    spread that overflows) take the general sort.
    """
    m = x.shape[0]
    # np.empty with float64 given, not implied, and no np.zeros or np.full: the reading
    # kernels compiled that np.empty already in this process, so a first run compiles no
    # array constructor for this kernel (each about 0.1-0.15 s)
    med = np.empty(m, np.float64)
    mad = np.empty(m, np.float64)
    s = np.empty(k, np.float64)  # the window x[i-k:i], sorted in np.sort order
    buf = np.empty(k, np.float64)
    for q in range(k):
        s[q] = np.nan
    for i in range(m):
        if i > 0:
            out = x[i - 1 - k] if i - 1 - k >= 0 else np.nan
            new = x[i - 1]
            r = k - 1
            if out == out:
                r = 0
                while s[r] != out:
                    r += 1
            for q in range(r, k - 1):
                s[q] = s[q + 1]
            j = k - 1
            while j > 0 and _before(new, s[j - 1]):
                s[j] = s[j - 1]
                j -= 1
            s[j] = new
        # int64, not the literal 0: numba would compile the helper once more for a literal
        cnt = int(np.int64(0))
        plain = True  # no infinities: the finite values are s[:cnt]
        for q in range(k):
            v = s[q]
            if np.isfinite(v):
                cnt += 1
            elif v == v:
                plain = False
        # the median of the finite values: the sorted window's middle positions among
        # cnt, as the window-matrix version indexed them (here, not a helper: one compile
        # fewer on a first run)
        mi = np.nan
        if cnt >= min_count:
            mi = 0.5 * (s[max(cnt - 1, 0) // 2] + s[min(cnt // 2, k - 1)])
        med[i] = mi
        mad[i] = 0.0
        if with_mad:
            if plain and cnt > 0 and np.isfinite(mi) and np.isfinite(s[cnt - 1] - s[0]):
                mad[i] = _mad_of_sorted_finite(s, cnt, mi, k, min_count)
            else:
                mad[i] = _mad_by_sorting(s, mi, buf, k, min_count)
    return med, mad
