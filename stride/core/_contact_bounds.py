"""Contact detection kernels, part 2a (private): the scan's scalar helpers.

Plain numba functions of scalars (LLVM inlines them into :func:`~stride.core._contact_scan.scan`):
the bounds within which a sample changes nothing but running values (the scan's quiet
runs), the time steps that are gaps, and the dating of an initial contact along its rise.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from stride.core._contact_state import (
    BIG,
    LOADED,
    STANCE,
    SWING,
    UNKNOWN,
    UNLOADED,
    _crossing,
)
from stride.core._kernel_options import JIT_ONLY, PY_ENTRY


@njit(cache=True, **PY_ENTRY)
def onset_time(
    x0: float, x1: float, t0: float, t1: float, on: float, off: float, most: float
) -> float:
    """Initial contact from the rise through the onset level ``on`` between samples
    (t0, x0) and (t1, x1): the crossing, dated back along that rise to the top of the
    unloaded band ``off`` (where the foot's load began), by at most ``most`` seconds.

    Why: a footswitch closes at the first load; a landing rises from the band's top to the
    onset level within a few milliseconds, so the crossing of the onset level (kept at 15 %
    of the range because feet creep up in late swing) is a little late, by more at low
    sample rates. A slower rise (a creeping swing level, a foot rolling on) is not dated
    back further than ``most``: its start is not the landing."""
    tc = _crossing(x0, x1, t0, t1, on)
    if not (x1 > x0 and t0 == t0 and most > 0.0):
        return tc
    back = (on - off) * (t1 - t0) / (x1 - x0)
    if back > most:
        back = most
    return tc - back if back > 0.0 else tc


@njit(cache=True, **JIT_ONLY)
def _below(v: float) -> float:
    """The largest float below ``v``: bounds are ``lo < x <= hi``, so ``x < v`` is
    ``x <= _below(v)``."""
    return np.nextafter(v, -BIG)


@njit(cache=True, **JIT_ONLY)
def _sum_bounds(
    ok: float,
    st: float,
    pre: float,
    above: float,
    lifted: float,
    off: float,
    on: float,
    low: float,
    mid: float,
) -> tuple[float, float]:
    """Values ``v`` of the foot's sum with ``lo < v <= hi`` change nothing but running
    values in this state (scalars in: a helper taking arrays costs reference counts)."""
    if ok == 0.0:
        return -BIG, BIG  # the state is UNKNOWN until the levels are usable
    if st == STANCE:
        return low, BIG
    if st == SWING:
        return (on, _below(mid)) if pre != 0.0 else (-BIG, on)
    if st == UNKNOWN:
        return on, _below(mid)
    # ending
    if above != 0.0:
        return low, _below(mid)
    if lifted == 0.0:
        return off, low
    return (on, low) if pre != 0.0 else (-BIG, on)


@njit(cache=True, **JIT_ONLY)
def _sensor_bounds(
    ok: float, loaded: float, pre: float, on: float, low: float
) -> tuple[float, float]:
    """As :func:`_sum_bounds`, for one sensor of a multi-sensor foot."""
    if ok == 0.0:
        return -BIG, BIG
    if loaded == LOADED:
        return low, BIG
    if loaded == UNLOADED and pre == 0.0:
        return -BIG, on
    return on, low


@njit(cache=True, **JIT_ONLY)
def _next_bad_step(t: np.ndarray, a: int, n: int, gap_dt: float) -> int:
    """The first ``k`` in ``a..n-1`` (``a >= 1``) whose time step ``t[k] - t[k-1]`` is not in
    (0, gap_dt], or ``n``. Stretches are first checked by counting good steps: a count of
    comparisons vectorises, where running float extremes (no fastmath) do not; unsigned
    indices spare the negative-index check (which turns the loads into gathers)."""
    one = np.uint64(1)
    k = np.uint64(a)
    un = np.uint64(n)
    while k < un:
        e = k + np.uint64(1024)
        if e > un:
            e = un
        good = 0
        for j in range(k, e):
            d = t[j] - t[j - one]
            good += (d > 0.0) & (d <= gap_dt)
        if good != e - k:
            for j in range(k, e):
                d = t[j] - t[j - one]
                if not (d > 0.0 and d <= gap_dt):
                    return int(np.int64(j))
        k = e
    return n
