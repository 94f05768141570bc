"""Targets: parallel-line step length, cadence, and the overground course mode.

- Parallel lines spaced ``s`` with ``n`` lines per step give a target step length
  ``n * s`` (30 cm, 2 lines per step = 0.60 m). Each step's signed error is its length
  minus the target (positive = longer); it is on target within the tolerance (default 5 cm).
- On a treadmill at belt speed ``v`` the cadence matching a target step length ``L`` is
  ``60 v / L`` steps/min.
- Course mode (overground, no belt): passes of known length between turns, in
  :mod:`stride.core.course` (re-exported here).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from stride.core.course import COURSE_ASSUMPTION, apply_course, course_passes
from stride.core.steps import StepTable

DEFAULT_TOLERANCE_M = 0.05

__all__ = [
    "COURSE_ASSUMPTION",
    "DEFAULT_TOLERANCE_M",
    "Target",
    "apply_course",
    "apply_target",
    "course_passes",
    "matching_cadence_spm",
]


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
