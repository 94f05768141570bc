"""A whole record's steps table without gaps, one foot in one kernel call
(``stride.core._step_whole._whole_rows``): what :func:`stride.core.steps.side_rows`
computes for every contact of a record whose samples hold no gap, from the same arrays by
the same kernels, instead of about forty numpy calls a foot. After the contact scan,
which streams the forces through the caches, those calls took about 0.12 ms a foot of a
5-minute analysis (docs/performance.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core._step_whole import _whole_rows
from stride.core.belt import BeltTrack
from stride.core.rollover import roll_parts
from stride.core.step_intervals import ContactsLike

#: the steps table's float columns (``stride.core.steps.FLOAT_COLUMNS``)
N_COLUMNS = 15
_F0 = np.zeros(0)
_F00 = np.zeros((0, 0))
_I0 = np.zeros(0, np.int64)


def _f64(a: NDArray[np.generic]) -> NDArray[np.float64]:
    return np.ascontiguousarray(a, np.float64)


def _b1(a: NDArray[np.generic]) -> NDArray[np.bool_]:
    return np.ascontiguousarray(a, np.bool_)


#: set once this process found the kernel neither compiled nor cached (a first run)
_missing = False


def kernel_ready() -> bool:
    """Whether :func:`whole_rows` is to be called: its kernel is compiled in this process
    or cached (or runs as Python, as a first run's helper runs it). Otherwise (a first
    run) the steps table's kernels one by one make the same rows, and this process leaves
    the kernel's compile (seconds) to where it costs the command nothing
    (:mod:`stride.cli.first_run`); asked of numba's cache once a process."""
    global _missing
    overloads = getattr(_whole_rows, "overloads", None)
    if overloads is None or overloads:  # Python, or compiled here
        return True
    if _missing:
        return False
    from stride.core.kernels import whole_rows_ready

    _missing = not whole_rows_ready()
    return not _missing


def whole_rows(
    own: ContactsLike,
    other: ContactsLike,
    places: Sequence[str],
    fs: float,
    belt: BeltTrack | None,
    ref_strides: int,
    min_ref_strides: int,
    limits: tuple[float, float, float, float],
) -> tuple[NDArray[np.float64], NDArray[np.uint16], NDArray[np.int8] | None] | None:
    """The rows of every contact of ``own`` in a record without gaps: the float columns
    (15, m) in ``FLOAT_COLUMNS`` order, all but the last (confidence, the caller's),
    the flags and the contact types (None: every row's unknown, no roll-over to see).
    ``limits``: ``max_stride_s``, ``stop_factor``, ``turn_tolerance`` and ``flat_s`` of
    the step settings. None (the numpy path, which says what is wrong) when the arrays do
    not fit or ``ref_strides`` is below 1."""
    on, on_o = _f64(own.on_t), _f64(other.on_t)
    m, mo = on.shape[0], on_o.shape[0]
    mine = (_f64(own.off_t), _b1(own.on_seen), _b1(own.off_seen), _f64(own.impulse),
            _f64(own.peak), _b1(own.gap_before), _b1(own.complete))  # fmt: skip
    theirs = (_f64(other.off_t), _b1(other.on_seen), _b1(other.off_seen))
    sensor_on = np.asarray(own.sensor_on_t, np.float64)
    if (
        ref_strides < 1
        or on.ndim != 1
        or on_o.ndim != 1
        or any(a.shape != (m,) for a in mine)
        or any(a.shape != (mo,) for a in theirs)
        or (sensor_on.ndim == 2 and sensor_on.shape[0] < m)
    ):
        return None
    # as stride.core.rollover.rollover_args: a roll-over only with one onset a place
    rolled = sensor_on.ndim == 2 and sensor_on.shape[1] == len(places) and m > 0
    heel, toe = roll_parts(places) if rolled else (_I0, _I0)
    bt, bv, bd, bad = (_F0, _F0, _F0, _I0) if belt is None else belt.travel()
    max_stride_s, stop_factor, turn_tolerance, flat_s = limits
    coefficients = np.array(
        [max_stride_s, stop_factor, turn_tolerance, max(flat_s, 1.0 / fs)], np.float64
    )
    block = np.empty((N_COLUMNS, m))
    flags = np.empty(m, np.uint16)
    kinds = np.empty(m if rolled else 0, np.int8)
    _whole_rows(on, mine[0], mine[1], mine[2], on_o, *theirs,
                np.searchsorted(on_o, on, side="left"), mine[3], mine[4], mine[5], mine[6],
                int(ref_strides), int(min_ref_strides), coefficients,
                np.ascontiguousarray(sensor_on) if rolled else _F00,
                np.arange(m, dtype=np.int64) if rolled else _I0,
                heel, toe, bt, bv, bd, bad, block, flags, kinds)  # fmt: skip
    return block, flags, kinds if rolled else None
