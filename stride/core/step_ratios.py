"""Each step's time against its neighbours': how course mode tells a turn step from a
walking one (:mod:`stride.core.course`).

Stride times drift slowly over a session (fatigue, warming up, a change of pace), so a
step is compared with the same foot's walking steps around it, not with the session's
median: a turn is a run of steps slower than the walker's own recent walking steps.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from numpy.typing import NDArray

from stride.core.steps import FLAG_GAP, FLAG_STOP, StepTable

#: steps this much slower than their neighbours are left out of the reference the second time
SLOW_REFERENCE = 1.25


def running_median(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Median of the finite values of ``x[k - window : k + window + 1]`` (cut at the ends)
    for every ``k``; NaN where there is none. Vectorised over all windows at once."""
    if x.size == 0:
        return np.empty(0)
    padded = np.concatenate([np.full(window, np.nan), x, np.full(window, np.nan)])
    padded[~np.isfinite(padded)] = np.nan
    views = sliding_window_view(padded, 2 * window + 1)
    out = np.full(x.size, np.nan)
    some = np.isfinite(views).any(axis=1)
    if some.any():
        # sorting puts NaN last: the median of each row's m finite values by index
        ordered = np.sort(views[some], axis=1)
        m = np.isfinite(ordered).sum(axis=1)
        rows = np.arange(ordered.shape[0])
        lo, hi = ordered[rows, (m - 1) // 2], ordered[rows, m // 2]
        out[some] = 0.5 * (lo + hi)
    return out


def _over_walking(
    x: NDArray[np.float64],
    side: NDArray[np.integer],
    walking: NDArray[np.bool_],
    window: int,
    out: NDArray[np.float64],
) -> None:
    """``out[k] = x[k]`` over the median of the same foot's walking values of ``x`` around
    it (``window`` steps of that foot before and after), where both are finite and the
    median positive; ``out`` is left as it is elsewhere."""
    for code in (0, 1):
        idx = np.flatnonzero(side == code)
        v = x[idx]
        ref = running_median(np.where(walking[idx], v, np.nan), window)
        ok = np.isfinite(ref) & np.isfinite(v) & (ref > 0)
        out[idx[ok]] = v[ok] / ref[ok]


def step_ratios(
    table: StepTable, window: int = 4, walking: NDArray[np.bool_] | None = None
) -> NDArray[np.float64]:
    """Each row's step time over the median of the same foot's walking step times around
    it (``window`` steps of that foot before and after): a local reference, because stride
    times drift slowly over a session. The walking steps are ``walking`` when given (the
    rows of passes), else those not slow the first time round. A pause (a step too long to
    be one, ``stop`` with no time: a freeze of gait, or a turn with a freeze in it) is
    +inf; an unknown time NaN."""
    st = table["step_time_s"]
    paused = ~np.isfinite(st) & ((table.flags & FLAG_STOP) != 0) & ((table.flags & FLAG_GAP) == 0)
    ratio = np.where(paused, np.inf, np.nan)
    given = walking is not None
    walking = np.ones(st.shape[0], dtype=np.bool_) if walking is None else walking
    for _ in range(1 if given else 2):  # the second time without the first's slow steps
        _over_walking(st, table.side, walking, window, ratio)  # step times are positive
        with np.errstate(invalid="ignore"):
            walking = ~(ratio > SLOW_REFERENCE)
    return ratio


def phase_ratios(
    table: StepTable, window: int = 4, walking: NDArray[np.bool_] | None = None
) -> NDArray[np.float64]:
    """Each row's swing share of its step time (the landing foot's swing over the time
    since the other foot landed; the rest is the double support after that landing) over
    the median share of the same foot's walking steps around it (``window`` steps of that
    foot before and after). The walking steps are ``walking`` when given, else those whose
    step time is not slow (:func:`step_ratios` at most :data:`SLOW_REFERENCE`). NaN where
    the swing or the step time is unknown (a pause, a gap) and where the step has no
    double support (the swing as long as the step or longer): walking always has some,
    so such a step's split says nothing of walking or turning (a flight phase, or
    contacts not seen as they were)."""
    st, sw = table["step_time_s"], table["swing_s"]
    with np.errstate(invalid="ignore", divide="ignore"):
        walked = np.isfinite(st) & np.isfinite(sw) & (sw > 0) & (sw < st)
        share = np.where(walked, sw / st, np.nan)
        if walking is None:
            walking = ~(step_ratios(table, window) > SLOW_REFERENCE)
    out = np.full(st.shape[0], np.nan)
    _over_walking(share, table.side, walking, window, out)
    return out


def swing_ratios(
    table: StepTable, window: int = 4, walking: NDArray[np.bool_] | None = None
) -> NDArray[np.float64]:
    """Each row's swing over the median swing of the same foot's walking steps around it
    (``window`` steps of that foot before and after). The walking steps are ``walking``
    when given, else those whose step time is not slow (:func:`step_ratios` known and at
    most :data:`SLOW_REFERENCE`). NaN where the swing is unknown. A pause's swing is known when
    its foot lifted and landed: what a pause does with its time (standing with both feet
    down, or swinging the foot slowly) shows in it."""
    sw = table["swing_s"]
    with np.errstate(invalid="ignore"):
        if walking is None:
            walking = step_ratios(table, window) <= SLOW_REFERENCE
        known = np.isfinite(sw) & (sw > 0)
    out = np.full(sw.shape[0], np.nan)
    _over_walking(np.where(known, sw, np.nan), table.side, walking, window, out)
    return out
