"""How course mode shares a pass's length among its steps (:mod:`stride.core.course`):
at constant speed within the pass, each foot's steps in proportion to that foot's median
step time."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.steps import StepTable


def step_weights(
    table: StepTable, rows: NDArray[np.int64], slow: NDArray[np.bool_]
) -> tuple[NDArray[np.float64], NDArray[np.bool_]]:
    """Each row's share of the pass and whether it is a walking step of its own.

    The share is its foot's median step time in the pass: at constant speed a foot whose
    steps take longer makes them longer (a limp shows), but one step's time is not its
    length (in irregular gait step times stray far more than the steps' lengths do). A
    pass has a dozen steps or so: its medians are taken in plain Python."""
    t = table["step_time_s"][rows]
    own = np.isfinite(t) & ~slow[rows]
    times, feet, mine = t.tolist(), table.side[rows].tolist(), own.tolist()
    fallback = median_of_few([x for x, o in zip(times, mine, strict=True) if o] or [1.0])
    share = {
        code: median_of_few(
            [x for x, o, f in zip(times, mine, feet, strict=True) if o and f == code] or [fallback]
        )
        for code in (0, 1)
    }
    return np.array([share.get(f, fallback) for f in feet], dtype=np.float64), own


def median_of_few(x: Sequence[float] | NDArray[np.float64]) -> float:
    """``np.median`` of a few finite values, the same float (the middle one, or the two
    middle ones' sum halved) without its overhead: a pass has a dozen steps or so."""
    s = sorted(x)
    m = len(s) // 2
    return float(s[m]) if len(s) % 2 else float((s[m - 1] + s[m]) / 2.0)
