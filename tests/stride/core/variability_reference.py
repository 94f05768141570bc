"""Slow, obviously-correct references for the fast DFA and PCI (the former implementations,
kept verbatim so the fast versions are checked against them)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from stride.core.variability import DFA_MIN_POINTS, dfa_window_sizes


def dfa_alpha_reference(x: ArrayLike, sizes: list[int] | None = None) -> float | None:
    """DFA alpha with an explicit window matrix per size and a centred line fit."""
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


def phase_coordination_index_reference(phases_deg: Sequence[float]) -> float | None:
    """PCI = CV(phi) + 100 mean|phi - 180| / 180 with plain Python sums."""
    phis = [p for p in phases_deg if math.isfinite(p)]
    if len(phis) < 2:
        return None
    mean = sum(phis) / len(phis)
    if mean == 0.0:
        return None
    var = sum((p - mean) ** 2 for p in phis) / (len(phis) - 1)
    cv = 100.0 * math.sqrt(var) / mean
    p_abs = 100.0 * (sum(abs(p - 180.0) for p in phis) / len(phis)) / 180.0
    return cv + p_abs
