"""Targets: parallel-line step length, cadence, and the overground course mode.

- Parallel lines spaced ``s`` with ``n`` lines per step give a target step length
  ``n * s`` (30 cm, 2 lines per step = 0.60 m). Each step's signed error is its length
  minus the target (positive = longer); it is on target within the tolerance (default 5 cm).
- On a treadmill at belt speed ``v`` the cadence matching a target step length ``L`` is
  ``60 v / L`` steps/min.
- Course mode (overground, no belt): passes of known length walked between turns or stops.
  The steps of a pass are taken to cover the pass exactly, at a constant speed within the
  pass, so each step's length is the pass length shared in proportion to step time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stride.core.steps import FLAG_GAP, FLAG_STOP, FLAG_TURN, StepTable

DEFAULT_TOLERANCE_M = 0.05
COURSE_ASSUMPTION = (
    "course mode: the steps of each pass (between turns, stops or gaps) cover the pass "
    "length exactly, at constant speed within the pass (step length = pass length x step "
    "time / pass time)"
)


@dataclass(frozen=True)
class Target:
    """A step-length target (from line spacing or given) and an optional cadence target."""

    step_length_m: float | None = None
    tolerance_m: float = DEFAULT_TOLERANCE_M
    cadence_spm: float | None = None
    spacing_m: float | None = None
    lines_per_step: int | None = None

    def __post_init__(self) -> None:
        for name in ("step_length_m", "cadence_spm", "spacing_m"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise ValueError(f"{name} must be a positive number, got {value!r}")
        if not (math.isfinite(self.tolerance_m) and self.tolerance_m >= 0):
            raise ValueError(f"tolerance_m must be >= 0, got {self.tolerance_m!r}")
        if self.lines_per_step is not None and self.lines_per_step < 1:
            raise ValueError("lines_per_step must be at least 1")

    @classmethod
    def from_lines(
        cls,
        spacing_m: float,
        lines_per_step: int,
        tolerance_m: float = DEFAULT_TOLERANCE_M,
        cadence_spm: float | None = None,
    ) -> Target:
        """Parallel lines: target step length = lines per step x spacing."""
        return cls(
            step_length_m=lines_per_step * spacing_m,
            tolerance_m=tolerance_m,
            cadence_spm=cadence_spm,
            spacing_m=spacing_m,
            lines_per_step=lines_per_step,
        )


def matching_cadence_spm(belt_speed_mps: float, step_length_m: float) -> float:
    """Cadence (steps/min) that gives ``step_length_m`` at belt speed ``belt_speed_mps``."""
    return 60.0 * belt_speed_mps / step_length_m


def apply_target(table: StepTable, target: Target | None) -> StepTable:
    """The table with ``target_error_m`` and ``on_target`` filled in (a new table)."""
    if target is None or target.step_length_m is None or len(table) == 0:
        return table
    err = table["step_length_m"] - target.step_length_m
    on = np.where(np.isfinite(err), (np.abs(err) <= target.tolerance_m + 1e-12), -1)
    values = dict(table.values)
    values["target_error_m"] = err
    return StepTable(
        table.side, table.contact, table.flags, table.contact_type, on.astype(np.int8), values
    )


def course_passes(table: StepTable) -> list[NDArray[np.int64]]:
    """Row indices of each pass: runs of steps with a measured step time and no turn,
    stop or gap between them."""
    ok = np.isfinite(table["step_time_s"]) & (
        (table.flags & (FLAG_GAP | FLAG_STOP | FLAG_TURN)) == 0
    )
    passes: list[NDArray[np.int64]] = []
    run: list[int] = []
    for i, good in enumerate(ok.tolist()):
        if good:
            run.append(i)
        elif run:
            passes.append(np.asarray(run, dtype=np.int64))
            run = []
    if run:
        passes.append(np.asarray(run, dtype=np.int64))
    return passes


#: A pass whose implied mean step length falls outside this range was not told apart from
#: its neighbours (no turn or stop detected between them): its lengths are not reported.
PLAUSIBLE_STEP_M = (0.15, 1.5)


def apply_course(
    table: StepTable,
    pass_length_m: float,
    min_steps: int = 2,
    plausible_step_m: tuple[float, float] = PLAUSIBLE_STEP_M,
) -> tuple[StepTable, list[dict[str, object]]]:
    """Step and stride lengths from passes of known length (overground, no belt).

    Returns the new table and one record per pass (steps, start, end, sum of lengths,
    ``measured``). A pass with fewer than ``min_steps`` steps, or whose mean step length
    would be implausible (several passes run together because the turns between them did
    not show in the step timing), is left unmeasured rather than reported wrongly.
    """
    if not (math.isfinite(pass_length_m) and pass_length_m > 0):
        raise ValueError("pass_length_m must be a positive number")
    step_len = np.full(len(table), np.nan)
    stride_len = np.full(len(table), np.nan)
    records: list[dict[str, object]] = []
    lo, hi = plausible_step_m
    for rows in course_passes(table):
        times = table["step_time_s"][rows]
        record: dict[str, object] = {
            "steps": int(rows.size),
            "start_s": float(table["ic_s"][rows[0]] - times[0]),
            "end_s": float(table["ic_s"][rows[-1]]),
        }
        mean_step = pass_length_m / rows.size
        if rows.size < min_steps or not lo <= mean_step <= hi:
            record["measured"] = False
            record["length_m"] = None
            record["reason"] = (
                "too few steps"
                if rows.size < min_steps
                else f"{rows.size} steps for {pass_length_m:g} m: passes not told apart"
            )
            records.append(record)
            continue
        lengths = pass_length_m * times / times.sum()
        step_len[rows] = lengths
        # Stride = this step plus the previous step of the same pass.
        stride_len[rows[1:]] = lengths[1:] + lengths[:-1]
        record["measured"] = True
        record["length_m"] = float(lengths.sum())
        records.append(record)
    values = dict(table.values)
    values["step_length_m"] = step_len
    values["stride_length_m"] = stride_len
    new = StepTable(
        table.side, table.contact, table.flags, table.contact_type, table.on_target, values
    )
    return new, records
