"""Stride-to-stride variability: coefficient of variation and DFA alpha.

DFA follows Peng et al. 1995 with the defaults of ``nolds.dfa`` (overlapping windows of
50 %, linear detrending, window sizes 4, 4*1.2, ... below 10 % of the series, least-squares
line fit), so values compare with that independent implementation.
"""

from __future__ import annotations

import functools
import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike, NDArray

from stride.core._dfa_kernel import _dfa_fluctuations
from stride.errors import InputError

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
    return list(_window_sizes(n_points, min_n, factor))


@functools.lru_cache(maxsize=64)
def _window_sizes(n_points: int, min_n: int, factor: float) -> tuple[int, ...]:
    """:func:`dfa_window_sizes`, kept per series length: a summary asks for the same few."""
    max_n = 0.1 * n_points
    if max_n <= min_n:
        return ()
    max_i = math.floor(math.log(max_n / min_n) / math.log(factor))
    sizes = [min_n]
    for i in range(max_i + 1):
        n = math.floor(min_n * factor**i)
        if n > sizes[-1]:
            sizes.append(n)
    return tuple(sizes)


class _Fit(NamedTuple):
    """What the line fit of log F(n) on log n needs of the window sizes alone."""

    sizes: NDArray[np.int64]
    dx: NDArray[np.float64]  # log n - its mean
    sxx: float  # the sum of dx squared


@functools.lru_cache(maxsize=64)
def _fit_of(sizes: tuple[int, ...]) -> _Fit:
    """:class:`_Fit` of these window sizes, computed as :func:`dfa_alpha` did per call."""
    sz = np.asarray(sizes, dtype=np.int64)
    lx = np.log(sz.astype(np.float64))
    dx = lx - lx.mean()
    dx.flags.writeable = False  # shared by every call (sizes stays writable: the kernel's type)
    return _Fit(sz, dx, float((dx**2).sum()))


def dfa_alpha(x: ArrayLike, sizes: list[int] | None = None) -> float | None:
    """DFA scaling exponent alpha of a series (e.g. stride intervals); ``None`` if too short.

    Healthy stride intervals give about 0.87, a shuffled series about 0.5 (Hausdorff 1997).
    """
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if sizes is None:
        return dfa_alpha_of_finite(a)
    if len(sizes) < 2 or max(sizes) >= a.size:
        return None
    if min(sizes) < 2:
        raise InputError(
            f"DFA window sizes must be at least 2 points, got {min(sizes)}",
            fix="pass window sizes of 2 or more (the defaults start at 4)",
        )
    return _alpha_of_finite(a, tuple(sizes))


def dfa_alpha_of_finite(a: NDArray[np.float64]) -> float | None:
    """:func:`dfa_alpha` of a float64 series whose values are all finite, with the default
    window sizes (bit for bit; a summary has filtered its series already)."""
    if a.size < DFA_MIN_POINTS:
        return None
    sizes = _window_sizes(a.size, 4, 1.2)
    if len(sizes) < 2 or max(sizes) >= a.size:
        return None
    return _alpha_of_finite(a, sizes)


def _alpha_of_finite(a: NDArray[np.float64], sizes: tuple[int, ...]) -> float | None:
    """The DFA alpha of finite ``a`` over ``sizes`` (valid for it: checked by the callers).
    ``a.mean()`` as ``np.add.reduce(a) / a.size`` (the same arithmetic, without numpy's
    Python-level ``mean``), the fit's terms of the sizes alone from :func:`_fit_of`."""
    walk = np.cumsum(a - np.add.reduce(a) / a.size)
    fit = _fit_of(sizes)
    f = _dfa_fluctuations(walk, fit.sizes)
    keep = f > 0.0
    kept = int(np.count_nonzero(keep))
    if kept < 2:
        return None
    if kept == f.size:  # every size had a window: the usual case
        ly = np.log(f)
        return float((fit.dx * (ly - np.add.reduce(ly) / ly.size)).sum() / fit.sxx)
    lx = np.log(fit.sizes[keep].astype(np.float64))
    ly = np.log(f[keep])
    lxm = lx.mean()
    return float(((lx - lxm) * (ly - ly.mean())).sum() / ((lx - lxm) ** 2).sum())
