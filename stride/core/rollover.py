"""Foot roll-over: heel-first, flat or toe-first contact and the heel-to-toe transition.

Needs a heel sensor and at least one forefoot sensor ("toe", "lateral", "medial") under
the same foot; insole cells without a known place give no classification. A contact is
*flat* when heel and forefoot start loading within ``flat_s`` (or one sample period, if
longer) of each other; otherwise it is heel-first or toe-first by which loaded first.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import HEEL_PLACES, TOE_PLACES

HEEL_FIRST, FLAT, TOE_FIRST, UNKNOWN = 0, 1, 2, -1
CONTACT_TYPES = {HEEL_FIRST: "heel", FLAT: "flat", TOE_FIRST: "toe"}

#: Heel and forefoot onsets closer than this are a flat contact (gait-metrics.md: "within
#: a few ms of each other").
FLAT_S = 0.010


#: :func:`rollover_args`: contact onsets, rows, heel and forefoot columns, ICs seen, tolerance
RolloverArgs = tuple[
    NDArray[np.float64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.bool_],
    float,
]


def rollover_args(
    sensor_on_t: NDArray[np.float64],
    on_seen: NDArray[np.bool_],
    j: NDArray[np.int64],
    places: Sequence[str],
    fs: float,
    flat_s: float = FLAT_S,
) -> RolloverArgs | None:
    """The arrays the steps table's kernel classifies contacts ``j`` from
    (``stride.core._step_kernels._rollover_rows``: the module docstring's rules, the type
    unknown where the IC was not seen, ``on_seen``), checked: C-contiguous, of its
    types, every row a contact; None when every row is unknown (``sensor_on_t`` not one
    column per place, or no IC seen at all)."""
    on = np.asarray(sensor_on_t, dtype=np.float64)
    if not (on.ndim == 2 and on.shape[1] == len(places) and on_seen.shape[0]):
        return None
    heel, toe = _parts(tuple(places))
    seen = np.ascontiguousarray(on_seen, np.bool_)
    idx = np.ascontiguousarray(j, np.int64)
    if idx.size and (int(idx.min()) < 0 or int(idx.max()) >= min(on.shape[0], seen.shape[0])):
        raise IndexError("a row's contact is outside the foot's contacts")
    return np.ascontiguousarray(on), idx, heel, toe, seen, max(flat_s, 1.0 / fs)


def roll_parts(places: Sequence[str]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The heel and the forefoot sensors' columns among ``places`` (either empty: no
    roll-over to see)."""
    return _parts(tuple(places))


@lru_cache(maxsize=64)
def _parts(places: tuple[str, ...]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The heel and the forefoot sensors' columns among ``places``."""
    heel = [i for i, p in enumerate(places) if p in HEEL_PLACES]
    toe = [i for i, p in enumerate(places) if p in TOE_PLACES]
    return np.array(heel, np.int64), np.array(toe, np.int64)
