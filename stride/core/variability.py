"""Stride-to-stride variability: coefficient of variation and DFA alpha.

DFA follows Peng et al. 1995 with the defaults of ``nolds.dfa`` (overlapping windows of
50 %, linear detrending, window sizes 4, 4*1.2, ... below 10 % of the series, least-squares
line fit), so values compare with that independent implementation.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

#: Fewer strides than this give no DFA alpha (nolds switches to fixed tiny windows below
#: 70 points; gait-metrics.md: alpha needs several hundred strides to mean much).
DFA_MIN_POINTS = 71


def coefficient_of_variation(x: ArrayLike) -> float | None:
    """100 * SD / mean (sample SD, ddof=1) of the finite values; ``None`` below two values."""
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if a.size < 2:
        return None
    mean = float(a.mean())
    if mean == 0.0:
        return None
    return 100.0 * float(a.std(ddof=1)) / mean


def dfa_window_sizes(n_points: int, min_n: int = 4, factor: float = 1.2) -> list[int]:
    """min_n, floor(min_n * factor**i), ... below 10 % of the series (nolds' logarithmic_n)."""
    max_n = 0.1 * n_points
    if max_n <= min_n:
        return []
    max_i = math.floor(math.log(max_n / min_n) / math.log(factor))
    sizes = [min_n]
    for i in range(max_i + 1):
        n = math.floor(min_n * factor**i)
        if n > sizes[-1]:
            sizes.append(n)
    return sizes


def dfa_alpha(x: ArrayLike, sizes: list[int] | None = None) -> float | None:
    """DFA scaling exponent alpha of a series (e.g. stride intervals); ``None`` if too short.

    Healthy stride intervals give about 0.87, a shuffled series about 0.5 (Hausdorff 1997).
    """
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if sizes is None:
        if a.size < DFA_MIN_POINTS:
            return None
        sizes = dfa_window_sizes(a.size)
    if len(sizes) < 2 or max(sizes) >= a.size:
        return None
    walk = np.cumsum(a - a.mean())
    used: list[int] = []
    flucts: list[float] = []
    for n in sizes:
        step = n // 2
        starts = np.arange(0, walk.size - n, step)
        if starts.size == 0:
            continue
        windows = walk[starts[:, None] + np.arange(n)[None, :]]
        xs = np.arange(n, dtype=np.float64)
        # Least-squares line per window, in closed form (same fit as np.polyfit order 1).
        xm = xs.mean()
        sxx = float(((xs - xm) ** 2).sum())
        ym = windows.mean(axis=1)
        slope = ((windows - ym[:, None]) * (xs - xm)[None, :]).sum(axis=1) / sxx
        trend = ym[:, None] + slope[:, None] * (xs - xm)[None, :]
        f2 = ((windows - trend) ** 2).sum(axis=1) / n
        f = math.sqrt(float(f2.mean()))
        if f > 0.0:
            used.append(n)
            flucts.append(f)
    if len(used) < 2:
        return None
    lx = np.log(np.asarray(used, dtype=np.float64))
    ly = np.log(np.asarray(flucts))
    lxm = lx.mean()
    return float(((lx - lxm) * (ly - ly.mean())).sum() / ((lx - lxm) ** 2).sum())
