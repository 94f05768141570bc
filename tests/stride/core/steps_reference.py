"""Slow, obviously-correct reference for the steps table's rolling medians (the former
window-matrix implementation, kept so the kernel is checked against it)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def _previous_windows(x: NDArray[np.float64], k: int) -> NDArray[np.float64]:
    """Row i holds x[i-k:i] (NaN-padded at the start)."""
    m = x.shape[0]
    padded = np.concatenate([np.full(k, np.nan), x])
    return np.lib.stride_tricks.sliding_window_view(padded, k)[:m]


def _median_rows(win: NDArray[np.float64], min_count: int) -> NDArray[np.float64]:
    """Median of the finite values of each row; NaN where fewer than ``min_count``."""
    m, k = win.shape
    if m == 0:
        return np.zeros(0)
    srt = np.sort(win, axis=1)  # NaN sort last
    cnt = np.isfinite(win).sum(axis=1)
    lo = np.maximum(cnt - 1, 0) // 2
    hi = cnt // 2
    rows = np.arange(m)
    med = 0.5 * (srt[rows, lo] + srt[rows, np.minimum(hi, k - 1)])
    return np.where(cnt >= min_count, med, np.nan)


def previous_median_mad_reference(
    x: NDArray[np.float64], k: int, min_count: int
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Median and MAD of the finite values among x[i-k:i], by sorting a window matrix."""
    if x.shape[0] == 0:
        return np.zeros(0), np.zeros(0)
    win = _previous_windows(x, k)
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf, 1e308 + 1e308: intended
        med = _median_rows(win, min_count)
        dev = np.abs(win - med[:, None])
        return med, _median_rows(dev, min_count)
