"""Rolling figures over each foot's last 20 strides: one definition for the live dashboard
and the report's curves, so both show the same number at the same step.

A window holds each foot's last :data:`ROLLING_STRIDES` finite values of a quantity
(missing values are skipped, not counted). From it: the symmetry index of the two feet's
means (:func:`stride.core.symmetry.symmetry_index`), each foot's coefficient of variation
(:func:`stride.core.variability.coefficient_of_variation`, from
:data:`MIN_ROLLING_CV_VALUES` values on) and the cadence of both feet's step times
(:func:`stride.core.summary.cadence_spm`). Callers leave flagged steps out, as the summary
does. Memory is flat: a window never holds more than its length.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.summary import cadence_spm
from stride.core.symmetry import symmetry_index
from stride.core.variability import coefficient_of_variation

#: Strides in a rolling window (each foot's last 20 steps).
ROLLING_STRIDES = 20
#: A rolling CV needs this many values (two values make a CV that means little).
MIN_ROLLING_CV_VALUES = 3
SIDES = ("L", "R")


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


class RollingWindow:
    """Each foot's last ``window`` finite values of each quantity it is given."""

    def __init__(self, window: int = ROLLING_STRIDES) -> None:
        if window < 1:
            raise ValueError("a rolling window holds at least one stride")
        self.window = window
        self._values: dict[tuple[str, str], deque[float]] = {}

    def add(self, side: str, values: Mapping[str, object]) -> None:
        """One step of foot ``side``: its finite values join that foot's windows."""
        for key, value in values.items():
            v = _finite(value)
            if v is None:
                continue
            win = self._values.get((key, side))
            if win is None:
                win = self._values[(key, side)] = deque(maxlen=self.window)
            win.append(v)

    def values(self, key: str, side: str) -> list[float]:
        return list(self._values.get((key, side), ()))

    def mean(self, key: str, side: str) -> float | None:
        vals = self._values.get((key, side))
        return sum(vals) / len(vals) if vals else None

    def symmetry_index(self, key: str) -> float | None:
        """SI (%) of the two feet's window means (positive: left larger)."""
        return symmetry_index(self.mean(key, "L"), self.mean(key, "R"))

    def cv(self, key: str, side: str) -> float | None:
        """Coefficient of variation (%) of one foot's window."""
        vals = self.values(key, side)
        if len(vals) < MIN_ROLLING_CV_VALUES:
            return None
        return coefficient_of_variation(np.asarray(vals))

    def cadence_spm(self) -> float | None:
        """60 / mean step time over both feet's windows."""
        both = self.values("step_time_s", "L") + self.values("step_time_s", "R")
        return cadence_spm(np.asarray(both, dtype=np.float64))


def rolling_symmetry(
    sides: Sequence[str], values: Iterable[object], window: int = ROLLING_STRIDES
) -> NDArray[np.float64]:
    """At each step, the SI (%) of each foot's last ``window`` finite values (NaN until
    both feet have one): the dashboard's figure, step by step."""
    win = RollingWindow(window)
    out = np.full(len(sides), np.nan)
    for i, (side, value) in enumerate(zip(sides, values, strict=True)):
        win.add(side, {"x": value})
        si = win.symmetry_index("x")
        if si is not None:
            out[i] = si
    return out


def rolling_cv(values: Iterable[object], window: int = ROLLING_STRIDES) -> NDArray[np.float64]:
    """At each value, the CV (%) of the last ``window`` finite values of one series (NaN
    below :data:`MIN_ROLLING_CV_VALUES`)."""
    win = RollingWindow(window)
    out = []
    for value in values:
        win.add("L", {"x": value})
        cv = win.cv("x", "L")
        out.append(np.nan if cv is None else cv)
    return np.asarray(out, dtype=np.float64)
