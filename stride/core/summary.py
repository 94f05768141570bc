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
from stride.core.variability import coefficient_of_variation, dfa_alpha_of_finite

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


def column_stats(block: NDArray[np.float64]) -> list[dict[str, float | int | None]]:
    """:func:`stats` of each row of ``block`` (q, n), bit for bit, in a few numpy calls
    instead of a dozen per row: a short record's summary is mostly such calls. numpy sums
    each row of a C-contiguous array along the row exactly as it sums that row alone
    (pairwise, tested), so the sums, means and squared deviations are :func:`stats`'s; a
    row whose sum is not finite (a value that is not) goes through :func:`stats`."""
    block = np.ascontiguousarray(block, dtype=np.float64)
    n = block.shape[1]
    if n == 0 or n > SQUARES_AT_ONCE:  # no values, or rows stats() splits: row by row
        return [stats(row) for row in block]
    with np.errstate(invalid="ignore", over="ignore"):  # said, if at all, by stats()
        totals = np.add.reduce(block, axis=1)
    finite = np.isfinite(totals)
    if bool(finite.all()):  # the usual case: no value that is not finite
        return _finite_rows(block, totals, n)
    plain = block[finite]
    means = totals[finite] / n
    sds: list[float | None] = [None] * means.shape[0]
    if n > 1:
        dev = plain - means[:, None]
        np.multiply(dev, dev, out=dev)
        sds = [math.sqrt(ss / (n - 1)) for ss in np.add.reduce(dev, axis=1).tolist()]
    done = iter(zip(means.tolist(), sds, strict=True))
    out: list[dict[str, float | int | None]] = []
    for row, ok in enumerate(finite.tolist()):
        if ok:
            mean, sd = next(done)
            out.append({"mean": mean, "sd": sd, "n": n})
        else:
            out.append(stats(block[row]))
    return out


def _finite_rows(
    block: NDArray[np.float64], totals: NDArray[np.float64], n: int
) -> list[dict[str, float | int | None]]:
    """:func:`column_stats` of a block whose row sums ``totals`` are all finite."""
    means = totals / n
    if n == 1:
        return [{"mean": mean, "sd": None, "n": n} for mean in means.tolist()]
    dev = block - means[:, None]
    np.multiply(dev, dev, out=dev)
    squares = np.add.reduce(dev, axis=1).tolist()
    return [
        {"mean": mean, "sd": math.sqrt(ss / (n - 1)), "n": n}
        for mean, ss in zip(means.tolist(), squares, strict=True)
    ]


SideRows = tuple[NDArray[np.intp], NDArray[np.intp]]


def rows_by_side(table: StepTable) -> SideRows:
    """The unflagged rows of each foot (L, R), as indices: found once for every part of
    the summary, not once per statistic."""
    usable = table.valid
    return np.flatnonzero(usable & (table.side == 0)), np.flatnonzero(usable & (table.side == 1))


def left_stride_phases(table: StepTable, rows: SideRows | None = None) -> NDArray[np.float64]:
    """Plotnik's phi per usable left stride: 360 (IC_R - IC_L,i) / (IC_L,i+1 - IC_L,i),
    with IC_R the first right IC within the stride (strides without one give none);
    ``rows``: :func:`rows_by_side` of the table, if known."""
    ic = table["ic_s"]
    right_ic = ic[table.side == 1]
    if not bool((right_ic[1:] >= right_ic[:-1]).all()):  # rows come in time order: rarely
        right_ic = np.sort(right_ic)
    left = (rows or rows_by_side(table))[0]
    end = ic[left]
    start = end - table["stride_time_s"][left]
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
    finite = step_times[np.isfinite(step_times)]  # its mean as ndarray.mean() sums it
    return 60.0 / float(np.add.reduce(finite) / finite.size) if finite.size else None


#: quantities summarised per foot when it has several sensors (after the roll-over share)
LOADING_QUANTITIES = ("heel_toe_s", "impulse", "peak")


def _side_stats(
    table: StepTable, multi_sensor: Sequence[bool], rows: SideRows | None = None
) -> dict[str, dict[str, object]]:
    """Per foot: mean, SD and n of each quantity; roll-over and loading with several
    sensors. Every quantity of a foot in one :func:`column_stats` call."""
    rows = rows or rows_by_side(table)
    multi = any(multi_sensor)
    names = SIDE_QUANTITIES + (LOADING_QUANTITIES if multi else ())
    columns = np.stack([np.asarray(table[q], np.float64) for q in names])
    sides: dict[str, dict[str, object]] = {}
    for code, name in ((0, "L"), (1, "R")):
        got = dict(zip(names, column_stats(np.take(columns, rows[code], axis=1)), strict=True))
        side: dict[str, object] = {q: got[q] for q in SIDE_QUANTITIES}
        if multi:
            # the share as counts (a mean of 0s and 1s is their count over n, exactly)
            kinds = table.contact_type[rows[code]]
            known = kinds.size - int(np.count_nonzero(kinds == UNKNOWN))
            heel_first = int(np.count_nonzero(kinds == HEEL_FIRST))
            side["heel_first_share"] = heel_first / known if known else None
            side.update((q, got[q]) for q in LOADING_QUANTITIES)
        sides[name] = side
    return sides


def _symmetry(
    table: StepTable,
    sides: dict[str, dict[str, object]],
    multi_sensor: Sequence[bool],
    rows: SideRows | None = None,
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
    sym["pci"] = phase_coordination_index(left_stride_phases(table, rows))
    if any(multi_sensor):
        sym["loading"] = symmetry(mean_of("L", "impulse"), mean_of("R", "impulse")).as_dict()
    return sym


def _cv(entry: object) -> float | None:
    """:func:`~stride.core.variability.coefficient_of_variation` from a :func:`stats` entry
    of the same values (the same mean and SD, bit for bit: no second pass over them)."""
    assert isinstance(entry, dict)
    mean, sd = entry["mean"], entry["sd"]
    if sd is None or mean == 0.0:
        return None
    return 100.0 * float(sd) / float(mean)


def _variability(
    table: StepTable,
    rows: SideRows | None = None,
    sides: dict[str, dict[str, object]] | None = None,
) -> dict[str, object]:
    """Stride-time CV and DFA alpha per foot (unflagged strides); the CV from ``sides``'
    stride-time statistics (:func:`_side_stats`) when given."""
    rows = rows or rows_by_side(table)
    cv: dict[str, float | None] = {}
    dfa: dict[str, object] = {}
    counts: dict[str, int] = {}
    stride_time = table["stride_time_s"]
    for code, name in ((0, "L"), (1, "R")):
        series = stride_time[rows[code]]
        entry = None if sides is None else sides[name]["stride_time_s"]
        if not (isinstance(entry, dict) and entry["n"] == series.size):  # some not finite
            series = series[np.isfinite(series)]
        if entry is None:
            cv[name] = coefficient_of_variation(series)
        else:
            cv[name] = _cv(entry)
        dfa[name] = dfa_alpha_of_finite(series)
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
    table: StepTable,
    target: Target,
    cadence: float | None,
    belt_mean: float | None,
    rows: SideRows | None = None,
) -> dict[str, object]:
    """The target, the share of each foot's steps within its tolerance, cadence errors."""
    rows = rows or rows_by_side(table)
    tgt: dict[str, object] = {
        "step_length_m": target.step_length_m,
        "tolerance_m": target.tolerance_m,
    }
    if target.spacing_m is not None:
        tgt["spacing_m"] = target.spacing_m
        tgt["lines_per_step"] = target.lines_per_step
    within: dict[str, float | None] = {}
    for code, name in ((0, "L"), (1, "R")):
        on = table.on_target[rows[code]]
        on = on[on >= 0]
        within[name] = float(on.mean()) if on.size and target.step_length_m else None
    tgt["within"] = within
    if target.cadence_spm is not None:
        tgt["cadence_spm"] = target.cadence_spm
        tgt["cadence_error_spm"] = None if cadence is None else cadence - target.cadence_spm
    if belt_mean is not None and target.step_length_m and math.isfinite(belt_mean):
        tgt["matching_cadence_spm"] = matching_cadence_spm(belt_mean, target.step_length_m)
    return tgt


def _low_confidence(table: StepTable, rows: SideRows | None = None) -> dict[str, object]:
    """How many usable strides of each foot rest on contacts that barely cleared the
    detector's levels (confidence below :data:`LOW_CONFIDENCE`): they stay in the numbers,
    this count says how many."""
    rows = rows or rows_by_side(table)
    low: dict[str, object] = {"threshold": LOW_CONFIDENCE}
    confidence = table["confidence"]
    with np.errstate(invalid="ignore"):
        for code, name in ((0, "L"), (1, "R")):
            low[name] = int(np.count_nonzero(confidence[rows[code]] < LOW_CONFIDENCE))
    return low


def flag_counts(flags: NDArray[np.uint16]) -> dict[str, int]:
    """How many rows carry each flag: from one count of each distinct mask (a handful)
    instead of a pass over the rows per flag."""
    per_mask = np.bincount(np.asarray(flags, np.intp), minlength=1).tolist()
    return {
        name: sum(count for mask, count in enumerate(per_mask) if mask & bit)
        for bit, name in FLAG_NAMES
    }


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
    rows = rows_by_side(table)
    cadence = cadence_spm(table["step_time_s"][valid])
    summary: dict[str, object] = {
        "steps": len(table),
        "steps_used": int(np.count_nonzero(valid)),
        "cadence_spm": cadence,
    }
    sides = _side_stats(table, multi_sensor, rows)
    summary["L"], summary["R"] = sides["L"], sides["R"]
    summary["symmetry"] = _symmetry(table, sides, multi_sensor, rows)
    summary["variability"] = _variability(table, rows, sides)
    summary["flags"] = flag_counts(table.flags)
    summary["low_confidence"] = _low_confidence(table, rows)
    belt_mean: float | None = None
    assumptions: list[str] = []
    if belt_speed is not None and belt_speed.size:
        entry = _belt(belt_speed)
        belt_mean = None if entry["mean"] is None else float(entry["mean"])  # type: ignore[arg-type]
        summary["belt_speed_mps"] = entry
        assumptions.append(STEP_LENGTH_ASSUMPTION)
    if target is not None:
        summary["target"] = _target(table, target, cadence, belt_mean, rows)
    if course is not None and pass_length_m is not None:
        summary["course"] = {"pass_length_m": pass_length_m, "passes": course}
        assumptions.append(COURSE_ASSUMPTION)
    summary["assumptions"] = assumptions
    return summary
