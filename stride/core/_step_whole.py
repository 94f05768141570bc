"""numba kernel of a whole record's steps table without gaps, one foot a call (private:
called through :mod:`stride.core.steps_whole`): the steps table's kernels
(:mod:`stride.core._step_kernels`) and the belt's travel on the same arrays as the numpy
path of :func:`stride.core.steps.side_rows`, in one call instead of about forty numpy
calls. Releases the GIL: a long record's two feet's tables are made side by side
(:func:`stride.core.analyzer.analyze_scan`).
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

# the belt's kernel through its module: the steps tables run as Python against their
# kernels (tests/stride/core/test_steps_whole.py, ``step_kernels_as_python``) replace this
# module's own kernels and those imported by name, and the belt's calls kernels that have
# no Python entry
import stride.core.belt as _belt
from stride.core._kernel_options import JIT_ONLY, PY_ENTRY
from stride.core._step_kernels import (
    _intervals,
    _previous_median_mad,
    _reference_series,
    _row_marks,
)


@njit(cache=True, **JIT_ONLY)
def _trusted(
    raw: NDArray[np.bool_],
    off_t: NDArray[np.float64],
    off_seen: NDArray[np.bool_],
    seen: NDArray[np.bool_],
    off: NDArray[np.float64],
) -> None:
    """A foot's trusted ICs (seen, and not its first seen one:
    ``stride.core.step_intervals.trusted_ics``) and its FCs with NaN where unseen."""
    count = 0
    for i in range(raw.shape[0]):
        if raw[i]:
            count += 1
        seen[i] = raw[i] and count >= 2
        off[i] = off_t[i] if off_seen[i] else np.nan


@njit(cache=True, nogil=True, **PY_ENTRY)
def _whole_rows(
    on: NDArray[np.float64],
    off_t: NDArray[np.float64],
    on_seen: NDArray[np.bool_],
    off_seen: NDArray[np.bool_],
    on_o: NDArray[np.float64],
    off_t_o: NDArray[np.float64],
    on_seen_o: NDArray[np.bool_],
    off_seen_o: NDArray[np.bool_],
    after: NDArray[np.int64],
    impulse: NDArray[np.float64],
    peak: NDArray[np.float64],
    gap_before: NDArray[np.bool_],
    complete: NDArray[np.bool_],
    k: int,
    min_count: int,
    limits: NDArray[np.float64],
    sensor_on: NDArray[np.float64],
    j_roll: NDArray[np.int64],
    heel: NDArray[np.int64],
    toe: NDArray[np.int64],
    belt_t: NDArray[np.float64],
    belt_v: NDArray[np.float64],
    belt_d: NDArray[np.float64],
    bad: NDArray[np.int64],
    block: NDArray[np.float64],
    flags: NDArray[np.uint16],
    kinds: NDArray[np.int8],
) -> None:
    """A whole record's rows of one foot, with no gap in the samples
    (``stride.core.steps.side_rows`` for every contact): the same kernels on the same
    arrays as its numpy path, in one call instead of about forty numpy calls.
    ``after[i]``: how many of the other foot's ICs come before contact i's; ``limits``:
    ``max_stride_s``, ``stop_factor``, ``turn_tolerance``, the roll-over's flat
    tolerance; ``belt_t``, ``belt_v``, ``belt_d``: the belt's times, speeds and travel
    (empty: no belt), ``bad`` its unusable segments' counts
    (``stride.core.belt.BeltTrack.travel``); ``j_roll`` the rows whose roll-over is seen
    (none: every row unknown). Writes ``block`` (15, m) in
    ``stride.core.steps.FLOAT_COLUMNS`` order but the last (confidence: the caller's),
    ``flags`` and ``kinds``."""
    nan = np.nan
    m = on.shape[0]
    seen = np.empty(m, np.bool_)
    off = np.empty(m, np.float64)
    _trusted(on_seen, off_t, off_seen, seen, off)
    seen_o = np.empty(on_o.shape[0], np.bool_)
    off_o = np.empty(on_o.shape[0], np.float64)
    _trusted(on_seen_o, off_t_o, off_seen_o, seen_o, off_o)
    series = np.empty((4, m), np.float64)
    # a first contact and the MAD's switch as values of the callees' argument types, not
    # literals: numba would compile (and a command load) each callee once more for those
    first = int(np.int64(0))
    mad = m >= 0
    _reference_series(on, seen, on_o, seen_o, after, first, series)
    ref = _previous_median_mad(series[1], k, min_count, not mad)[0]
    ref_step, mad_step = _previous_median_mad(series[3], k, min_count, mad)
    j = np.arange(m)
    iv = np.empty((11, m), np.float64)
    marks = np.empty((2, m), np.bool_)
    _intervals(on, off, seen, on_o, off_o, seen_o, j, after, iv, marks)
    stride_time = np.empty(m, np.float64)
    lengths = np.empty((2, m), np.float64)  # step, stride (the belt's travel)
    for i in range(m):
        stride_time[i] = nan if gap_before[i] else iv[5, i]
        lengths[0, i] = nan
        lengths[1, i] = nan
    if belt_t.shape[0] >= 2:
        starts = np.empty((2, m), np.float64)
        for i in range(m):
            starts[0, i] = iv[4, i]
            starts[1, i] = iv[2, i]
        _belt._displacements(belt_t, belt_v, belt_d, bad, starts, iv[0], lengths)
    out = np.empty((4, m), np.float64)
    transition = np.empty(j_roll.shape[0], np.float64)
    _row_marks(stride_time, iv[6], iv[7], lengths[1], lengths[0], ref, ref_step, mad_step,
               gap_before, marks[0], marks[1], limits[0], limits[1], limits[2], flags, out,
               sensor_on, j_roll, heel, toe, seen, limits[3], kinds, transition)  # fmt: skip
    rolled = j_roll.shape[0] > 0
    for i in range(m):
        block[0, i] = iv[0, i]
        block[1, i] = iv[1, i]
        block[2, i] = out[1, i]
        block[3, i] = out[0, i]
        block[4, i] = iv[7, i]
        block[5, i] = iv[8, i]
        block[6, i] = out[3, i]
        block[7, i] = out[2, i]
        block[8, i] = iv[9, i]
        block[9, i] = iv[10, i]
        block[10, i] = transition[i] if rolled else nan
        block[11, i] = impulse[i] if complete[i] else nan
        block[12, i] = peak[i] if complete[i] else nan
        block[13, i] = nan
