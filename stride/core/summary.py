"""The summary of a steps table (docs/formats.md; definitions in docs/metrics.md).

Only rows without flags enter the summary. Nothing is reported as zero for lack of data:
a statistic without data is ``None`` with its count ``n`` = 0.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from stride.core.norms import DFA_HEALTHY_YOUNG, DFA_MIN_STRIDES, STRIDE_CV_NORMAL_PCT
from stride.core.rollover import HEEL_FIRST, UNKNOWN
from stride.core.steps import FLAG_NAMES, LOW_CONFIDENCE, StepTable
from stride.core.symmetry import phase_coordination_index, symmetry
from stride.core.targets import COURSE_ASSUMPTION, Target, matching_cadence_spm
from stride.core.variability import coefficient_of_variation, dfa_alpha

SIDE_QUANTITIES = ("step_length_m", "step_time_s", "stride_time_s", "stance_s", "swing_s")
SYMMETRY_OF = {
    "step_length": "step_length_m",
    "step_time": "step_time_s",
    "stance": "stance_s",
    "swing": "swing_s",
}
STEP_LENGTH_ASSUMPTION = (
    "step length = belt displacement between the other foot's initial contact and this "
    "one; the change in the feet's fore-aft positions is not observable with foot sensors "
    "and is assumed zero"
)


def stats(x: NDArray[np.float64]) -> dict[str, float | int | None]:
    """``{"mean", "sd", "n"}`` of the finite values (sample SD, ddof=1).

    Same arithmetic as ``a.mean()`` and ``a.std(ddof=1)`` (bit for bit), without the
    masked copy when all values are finite and without ``std`` summing the mean again:
    belt speed can be a million samples. A finite sum says every value is finite, so
    the values are looked at for one that is not only when the sum is not.
    """
    a = np.asarray(x, dtype=np.float64).ravel()
    with np.errstate(invalid="ignore", over="ignore"):  # said, if at all, by the sum below
        total = np.add.reduce(a)
    if not math.isfinite(total):  # a value that is not finite (or a sum that overflows)
        a = a[np.isfinite(a)]
        total = np.add.reduce(a)
    n = int(a.size)
    if n == 0:
        return {"mean": None, "sd": None, "n": 0}
    mean = total / n
    sd = None
    if n > 1:
        sd = math.sqrt(squared_deviations(a, mean) / (n - 1))
    return {"mean": float(mean), "sd": sd, "n": n}


#: :func:`squared_deviations` makes its deviations at most this many values at a time:
#: 128,000 bytes, under the C heap's 128 KB threshold for memory of its own (reused pages)
SQUARES_AT_ONCE = 16_000


def squared_deviations(a: NDArray[np.float64], mean: float) -> float:
    """``np.add.reduce((a - mean) ** 2)`` bit for bit (``a`` contiguous), without a
    temporary the size of ``a``: numpy sums a contiguous array pairwise, the first
    ``n // 2`` values rounded down to a multiple of 8 and then the rest, each half the same
    way, so halves summed here split where numpy's do. An hour's belt speeds would
    otherwise take 1.4 MB of new memory, whose first writes (a page fault per 4 KB) cost a
    fresh process more than the arithmetic."""
    n = a.shape[0]
    if n > SQUARES_AT_ONCE:
        half = n // 2
        half -= half % 8
        return squared_deviations(a[:half], mean) + squared_deviations(a[half:], mean)
    dev = a - mean
    np.multiply(dev, dev, out=dev)
    return float(np.add.reduce(dev))


def left_stride_phases(table: StepTable) -> NDArray[np.float64]:
    """Plotnik's phi per usable left stride: 360 (IC_R - IC_L,i) / (IC_L,i+1 - IC_L,i),
    with IC_R the first right IC within the stride (strides without one give none)."""
    ic = table["ic_s"]
    right_ic = ic[table.side == 1]
    if not bool((right_ic[1:] >= right_ic[:-1]).all()):  # rows come in time order: rarely
        right_ic = np.sort(right_ic)
    rows = table.valid & (table.side == 0)
    end = ic[rows]
    start = end - table["stride_time_s"][rows]
    ok = np.isfinite(start)
    start, end = start[ok], end[ok]
    if right_ic.size == 0 or end.size == 0:
        return np.zeros(0)
    k = np.searchsorted(right_ic, start, side="right")
    inside = k < right_ic.size
    r = right_ic[np.minimum(k, right_ic.size - 1)]
    inside &= r < end
    return 360.0 * (r[inside] - start[inside]) / (end[inside] - start[inside])


def cadence_spm(step_times: NDArray[np.float64]) -> float | None:
    """Cadence (steps/min) = 60 / mean step time over the finite step times; None without."""
    finite = step_times[np.isfinite(step_times)]
    return 60.0 / float(finite.mean()) if finite.size else None


def _side_stats(table: StepTable, multi_sensor: Sequence[bool]) -> dict[str, dict[str, object]]:
    """Per foot: mean, SD and n of each quantity; roll-over and loading with several sensors."""
    valid = table.valid
    sides: dict[str, dict[str, object]] = {}
    for code, name in ((0, "L"), (1, "R")):
        rows = valid & (table.side == code)
        side: dict[str, object] = {q: stats(table[q][rows]) for q in SIDE_QUANTITIES}
        if any(multi_sensor):
            kinds = table.contact_type[rows]
            known = kinds != UNKNOWN
            side["heel_first_share"] = (
                float((kinds[known] == HEEL_FIRST).mean()) if known.any() else None
            )
            side["heel_toe_s"] = stats(table["heel_toe_s"][rows])
            side["impulse"] = stats(table["impulse"][rows])
            side["peak"] = stats(table["peak"][rows])
        sides[name] = side
    return sides


def _symmetry(
    table: StepTable, sides: dict[str, dict[str, object]], multi_sensor: Sequence[bool]
) -> dict[str, object]:
    """SI, GA, SA and ratio of each quantity from the per-side means, and the PCI."""

    def mean_of(side: str, quantity: str) -> float | None:
        entry = sides[side][quantity]
        assert isinstance(entry, dict)
        value = entry["mean"]
        return None if value is None else float(value)

    sym: dict[str, object] = {
        key: symmetry(mean_of("L", q), mean_of("R", q)).as_dict() for key, q in SYMMETRY_OF.items()
    }
    sym["pci"] = phase_coordination_index(left_stride_phases(table))
    if any(multi_sensor):
        sym["loading"] = symmetry(mean_of("L", "impulse"), mean_of("R", "impulse")).as_dict()
    return sym


def _variability(table: StepTable) -> dict[str, object]:
    """Stride-time CV and DFA alpha per foot (unflagged strides)."""
    cv: dict[str, float | None] = {}
    dfa: dict[str, object] = {}
    counts: dict[str, int] = {}
    for code, name in ((0, "L"), (1, "R")):
        series = table["stride_time_s"][table.valid & (table.side == code)]
        series = series[np.isfinite(series)]
        cv[name] = coefficient_of_variation(series)
        dfa[name] = dfa_alpha(series)
        counts[name] = int(series.size)
    dfa["n"] = counts
    # what DFA alpha needs to be read: a value below the minimum is shown with a caveat
    dfa["min_strides"] = DFA_MIN_STRIDES
    dfa["reliable"] = {k: v >= DFA_MIN_STRIDES for k, v in counts.items()}
    return {
        "stride_time_cv": cv,
        "dfa_alpha": dfa,
        "reference": {
            "stride_time_cv_pct": list(STRIDE_CV_NORMAL_PCT),
            "dfa_alpha_healthy": list(DFA_HEALTHY_YOUNG),
        },
    }


def _belt(belt_speed: NDArray[np.float64]) -> dict[str, object]:
    """Mean and SD of every belt's finite samples (and per belt for split belts)."""
    v = np.asarray(belt_speed, dtype=np.float64).reshape(belt_speed.shape[0], -1)
    belt = stats(v)  # all belts' finite samples, in row order
    entry: dict[str, object] = {"mean": belt["mean"], "sd": belt["sd"]}
    if v.shape[1] == 2:
        for col, name in ((0, "L"), (1, "R")):
            s = stats(v[:, col])
            entry[name] = {"mean": s["mean"], "sd": s["sd"]}
    return entry


def _target(
    table: StepTable, target: Target, cadence: float | None, belt_mean: float | None
) -> dict[str, object]:
    """The target, the share of each foot's steps within its tolerance, cadence errors."""
    valid = table.valid
    tgt: dict[str, object] = {
        "step_length_m": target.step_length_m,
        "tolerance_m": target.tolerance_m,
    }
    if target.spacing_m is not None:
        tgt["spacing_m"] = target.spacing_m
        tgt["lines_per_step"] = target.lines_per_step
    within: dict[str, float | None] = {}
    for code, name in ((0, "L"), (1, "R")):
        on = table.on_target[valid & (table.side == code)]
        on = on[on >= 0]
        within[name] = float(on.mean()) if on.size and target.step_length_m else None
    tgt["within"] = within
    if target.cadence_spm is not None:
        tgt["cadence_spm"] = target.cadence_spm
        tgt["cadence_error_spm"] = None if cadence is None else cadence - target.cadence_spm
    if belt_mean is not None and target.step_length_m and math.isfinite(belt_mean):
        tgt["matching_cadence_spm"] = matching_cadence_spm(belt_mean, target.step_length_m)
    return tgt


def _low_confidence(table: StepTable) -> dict[str, object]:
    """How many usable strides of each foot rest on contacts that barely cleared the
    detector's levels (confidence below :data:`LOW_CONFIDENCE`): they stay in the numbers,
    this count says how many."""
    low: dict[str, object] = {"threshold": LOW_CONFIDENCE}
    with np.errstate(invalid="ignore"):
        weak = table.valid & (table["confidence"] < LOW_CONFIDENCE)
    for code, name in ((0, "L"), (1, "R")):
        low[name] = int((weak & (table.side == code)).sum())
    return low


def summarize(
    table: StepTable,
    *,
    multi_sensor: Sequence[bool] = (False, False),
    belt_speed: NDArray[np.float64] | None = None,
    target: Target | None = None,
    course: list[dict[str, object]] | None = None,
    pass_length_m: float | None = None,
) -> dict[str, object]:
    """The summary dictionary. ``multi_sensor[side]``: that foot has several sensors (adds
    roll-over and loading); ``belt_speed``: belt speed samples (n, belts) if a belt ran."""
    valid = table.valid
    cadence = cadence_spm(table["step_time_s"][valid])
    summary: dict[str, object] = {
        "steps": len(table),
        "steps_used": int(valid.sum()),
        "cadence_spm": cadence,
    }
    sides = _side_stats(table, multi_sensor)
    summary["L"], summary["R"] = sides["L"], sides["R"]
    summary["symmetry"] = _symmetry(table, sides, multi_sensor)
    summary["variability"] = _variability(table)
    summary["flags"] = {name: int(((table.flags & bit) != 0).sum()) for bit, name in FLAG_NAMES}
    summary["low_confidence"] = _low_confidence(table)
    belt_mean: float | None = None
    assumptions: list[str] = []
    if belt_speed is not None and belt_speed.size:
        entry = _belt(belt_speed)
        belt_mean = None if entry["mean"] is None else float(entry["mean"])  # type: ignore[arg-type]
        summary["belt_speed_mps"] = entry
        assumptions.append(STEP_LENGTH_ASSUMPTION)
    if target is not None:
        summary["target"] = _target(table, target, cadence, belt_mean)
    if course is not None and pass_length_m is not None:
        summary["course"] = {"pass_length_m": pass_length_m, "passes": course}
        assumptions.append(COURSE_ASSUMPTION)
    summary["assumptions"] = assumptions
    return summary
