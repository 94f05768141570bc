"""Each step's time against its neighbours': how course mode tells a turn step from a
walking one (:mod:`stride.core.course`).

Stride times drift slowly over a session (fatigue, warming up, a change of pace), so a
step is compared with the same foot's walking steps around it, not with the session's
median: a turn is a run of steps slower than the walker's own recent walking steps.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided
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
    return _window_medians(padded, window)


def _window_medians(padded: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Median of the finite values of each ``2 * window + 1`` consecutive values of
    ``padded`` (whose only non-finite values are NaN), NaN where there is none: sorting
    puts NaN last, so a row's ``m`` finite values come first (none: both picks are NaN)."""
    width = 2 * window + 1
    step = padded.strides[0]
    views = as_strided(padded, (padded.size - width + 1, width), (step, step), writeable=False)
    ordered = np.sort(views, axis=1)
    m = np.isfinite(ordered).sum(axis=1)
    rows = np.arange(ordered.shape[0])
    return 0.5 * (ordered[rows, (m - 1) // 2] + ordered[rows, m // 2])


class FootWindows:
    """Where each row of a table sits among its own foot's steps, laid out so that the
    running medians of several series (each over the same foot's steps, ``window`` of that
    foot either side) are taken in one sort: each foot's values of each series follow
    ``window`` NaN, which no window of another foot's or series' row reaches."""

    def __init__(self, side: NDArray[np.integer], window: int, series: int) -> None:
        n = side.shape[0]
        feet = [np.flatnonzero(side == code) for code in (0, 1)]
        #: each laid-out value's row, and its place in the flattened (series, row) array
        self.rows = np.concatenate(feet * series)
        self.target = self.rows + n * np.repeat(np.arange(series), feet[0].size + feet[1].size)
        block = np.concatenate([np.full(window, -1), np.zeros(feet[0].size, np.int64)])
        block = np.concatenate([block, np.full(window, -1), np.zeros(feet[1].size, np.int64)])
        layout = np.concatenate([np.tile(block, series), np.full(window, -1)])
        #: where each value sits in the padded layout (its window starts ``window`` before)
        self.at = np.flatnonzero(layout == 0)
        self.size = layout.size
        self.window = window
        self.shape = (series, n)

    def over_walking(
        self, x: NDArray[np.float64], walking: NDArray[np.bool_], out: NDArray[np.float64]
    ) -> None:
        """``out[s, k] = x[s, k]`` over the median of the same foot's walking values of
        ``x[s]`` around it, where both are finite and the median positive; ``out`` (of
        ``shape``, as ``x``) is left as it is elsewhere."""
        v = x.reshape(-1)[self.target]
        finite = np.isfinite(v)
        padded = np.full(self.size, np.nan)
        padded[self.at] = np.where(walking[self.rows] & finite, v, np.nan)
        ref = _window_medians(padded, self.window)[self.at - self.window]
        ok = np.isfinite(ref) & finite & (ref > 0)
        np.put(out, self.target[ok], v[ok] / ref[ok])  # ``out`` flattened, in place


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
    ratio = _paused(table)
    given = walking is not None
    walking = np.ones(st.shape[0], dtype=np.bool_) if walking is None else walking
    feet = FootWindows(table.side, window, 1)
    for _ in range(1 if given else 2):  # the second time without the first's slow steps
        feet.over_walking(st[None], walking, ratio[None])  # step times are positive
        with np.errstate(invalid="ignore"):
            walking = ~(ratio > SLOW_REFERENCE)
    return ratio


def _paused(table: StepTable) -> NDArray[np.float64]:
    """+inf for a pause (``stop`` with no step time, not a gap), NaN elsewhere."""
    st = table["step_time_s"]
    paused = ~np.isfinite(st) & ((table.flags & FLAG_STOP) != 0) & ((table.flags & FLAG_GAP) == 0)
    return np.where(paused, np.inf, np.nan)


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
    if walking is None:
        with np.errstate(invalid="ignore"):
            walking = ~(step_ratios(table, window) > SLOW_REFERENCE)
    out = np.full(len(table), np.nan)
    FootWindows(table.side, window, 1).over_walking(_share(table)[None], walking, out[None])
    return out


def _share(table: StepTable) -> NDArray[np.float64]:
    """Each row's swing over its step time where it has double support, else NaN."""
    st, sw = table["step_time_s"], table["swing_s"]
    with np.errstate(invalid="ignore", divide="ignore"):
        walked = np.isfinite(st) & np.isfinite(sw) & (sw > 0) & (sw < st)
        return np.where(walked, sw / st, np.nan)


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
    feet = FootWindows(table.side, window, 1)
    feet.over_walking(np.where(known, sw, np.nan)[None], walking, out[None])
    return out


class WalkingReadings:
    """A table's :func:`step_ratios` and, with ``phases``, :func:`phase_ratios` for given
    walking steps, both from one sort (course mode takes them again each round of learning,
    the walking steps being those then likely walking: mostly the same steps as the round
    before, whose readings are kept)."""

    def __init__(self, table: StepTable, phases: bool, window: int = 4) -> None:
        st = table["step_time_s"]
        self.x = np.stack([st, _share(table)]) if phases else st[None]
        self.first = np.stack([_paused(table), np.full(st.shape[0], np.nan)])[: self.x.shape[0]]
        self.feet = FootWindows(table.side, window, self.x.shape[0])
        self.last: tuple[NDArray[np.bool_], NDArray[np.float64]] | None = None

    def __call__(
        self, walking: NDArray[np.bool_]
    ) -> tuple[NDArray[np.float64], NDArray[np.float64] | None]:
        """The step-time ratios and the phase ratios (None without ``phases``)."""
        if self.last is None or not np.array_equal(walking, self.last[0]):
            out = self.first.copy()
            self.feet.over_walking(self.x, walking, out)
            self.last = (np.array(walking, dtype=np.bool_), out)
        out = self.last[1].copy()
        return out[0], (out[1] if out.shape[0] > 1 else None)
