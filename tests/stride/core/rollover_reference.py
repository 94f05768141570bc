"""The roll-over rules of :mod:`stride.core.rollover` over whole arrays in numpy: how the
steps table classified contacts before its kernel did, kept as the kernel's reference."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.rollover import FLAT, FLAT_S, HEEL_FIRST, TOE_FIRST, UNKNOWN
from stride.core.signals import HEEL_PLACES, TOE_PLACES


def classify_contacts(
    sensor_on_t: NDArray[np.float64], places: Sequence[str], fs: float, flat_s: float = FLAT_S
) -> tuple[NDArray[np.int8], NDArray[np.float64]]:
    """Per contact: type code (HEEL_FIRST/FLAT/TOE_FIRST/UNKNOWN) and heel-to-toe time (s).

    ``sensor_on_t``: shape (m, k), onset time of each of the foot's k sensors in each
    contact (NaN = that sensor did not load). ``places``: the k sensors' places.
    """
    on = np.asarray(sensor_on_t, dtype=np.float64)
    m = on.shape[0]
    if on.ndim != 2 or on.shape[1] != len(places):
        raise ValueError("sensor_on_t must have one column per sensor place")
    heel = [i for i, p in enumerate(places) if p in HEEL_PLACES]
    toe = [i for i, p in enumerate(places) if p in TOE_PLACES]
    if m == 0 or not heel or not toe:
        return np.full(m, UNKNOWN, dtype=np.int8), np.full(m, np.nan)
    heel_on, toe_on = _first_onset(on, heel), _first_onset(on, toe)
    tol = max(flat_s, 1.0 / fs)
    d = toe_on - heel_on
    both = np.isfinite(d)
    heel_seen, toe_seen = np.isfinite(heel_on), np.isfinite(toe_on)
    # both loaded: by which loaded first (flat within tol); only one part loaded during
    # the whole contact: it loaded first by definition
    kinds = np.where(
        both,
        np.where(d > tol, HEEL_FIRST, np.where(d < -tol, TOE_FIRST, FLAT)),
        np.where(
            heel_seen & ~toe_seen,
            HEEL_FIRST,
            np.where(toe_seen & ~heel_seen, TOE_FIRST, UNKNOWN),
        ),
    )
    return kinds.astype(np.int8), np.where(both, d, np.nan)


def _first_onset(on: NDArray[np.float64], cols: list[int]) -> NDArray[np.float64]:
    """Per contact, the earliest onset among ``cols`` (NaN where none loaded); one column
    is its own earliest (no copy and reduction of it)."""
    if len(cols) == 1:
        return on[:, cols[0]]
    with np.errstate(all="ignore"):
        return np.fmin.reduce(on[:, cols], axis=1)
