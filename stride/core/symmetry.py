"""Left/right symmetry measures, one definition each (docs/metrics.md).

Sign convention, stated once: positive means the left value is larger. All take the
per-side *means* (not per-step pairs) and return ``None`` where the measure is undefined
(a missing side, a zero or non-positive value where a ratio or logarithm needs one).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike


class Symmetry(NamedTuple):
    """SI, GA and SA in percent and the plain ratio L/R, all from the per-side means."""

    si: float | None
    ga: float | None
    sa: float | None
    ratio: float | None

    def as_dict(self) -> dict[str, float | None]:
        return {"si": self.si, "ga": self.ga, "sa": self.sa, "ratio": self.ratio}


def _ok(x: float | None) -> bool:
    return x is not None and math.isfinite(x)


def symmetry_index(left: float | None, right: float | None) -> float | None:
    """SI = (L - R) / (0.5 (L + R)) x 100 %: a difference over the mean, not a ratio."""
    if not (_ok(left) and _ok(right)):
        return None
    assert left is not None and right is not None
    mean = 0.5 * (left + right)
    if mean == 0.0:
        return None
    return (left - right) / mean * 100.0


def gait_asymmetry(left: float | None, right: float | None) -> float | None:
    """GA = 100 |ln(L / R)| (Plotnik 2007); needs both sides positive. Never negative."""
    if not (_ok(left) and _ok(right)):
        return None
    assert left is not None and right is not None
    if left <= 0.0 or right <= 0.0:
        return None
    return 100.0 * abs(math.log(left / right))


def symmetry_angle(left: float | None, right: float | None) -> float | None:
    """SA = (45 deg - arctan(L / R)) / 90 deg x 100 % (Zifchock 2008), angles in degrees.

    Zifchock's definition also folds ratios beyond 90 degrees; for the non-negative gait
    quantities used here arctan(L/R) stays within 0..90 degrees, so no fold is needed.
    As written, a larger left value gives a negative SA (worked value: L=0.39, R=0.25 ->
    -13.71); we keep the published formula and its sign rather than flip it.
    """
    if not (_ok(left) and _ok(right)):
        return None
    assert left is not None and right is not None
    if right == 0.0 or left < 0.0 or right < 0.0:
        return None
    return (45.0 - math.degrees(math.atan(left / right))) / 90.0 * 100.0


def symmetry_ratio(left: float | None, right: float | None) -> float | None:
    """Ratio L / R (normal temporal range about 0.9-1.1, Patterson 2008)."""
    if not (_ok(left) and _ok(right)):
        return None
    assert left is not None and right is not None
    if right == 0.0:
        return None
    return left / right


def symmetry(left: float | None, right: float | None) -> Symmetry:
    """All four measures for one quantity from its left and right means."""
    return Symmetry(
        symmetry_index(left, right),
        gait_asymmetry(left, right),
        symmetry_angle(left, right),
        symmetry_ratio(left, right),
    )


def phase_coordination_index(phases_deg: ArrayLike) -> float | None:
    """PCI = CV(phi) + 100 mean|phi - 180| / 180 (Plotnik 2007), phi in degrees.

    CV uses the sample SD (ddof=1) in percent of the mean; needs at least two finite
    phases (non-finite ones are dropped). Vectorised: a long walk has tens of thousands.
    """
    a = np.asarray(phases_deg, dtype=np.float64).ravel()
    phis = a[np.isfinite(a)]
    count = phis.size
    if count < 2:
        return None
    mean = float(phis.sum()) / count
    if mean == 0.0:
        return None
    dev = phis - mean
    var = float((dev * dev).sum()) / (count - 1)  # not np.dot: BLAS threads wake slowly
    cv = 100.0 * math.sqrt(var) / mean
    p_abs = 100.0 * (float(np.abs(phis - 180.0).sum()) / count) / 180.0
    return cv + p_abs
