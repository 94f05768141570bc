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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

# course mode lives in stride.core.course; these names stay importable from here
from stride.core.course import COURSE_ASSUMPTION as COURSE_ASSUMPTION
from stride.core.course import apply_course as apply_course
from stride.core.course import course_passes as course_passes
from stride.core.steps import StepTable
from stride.errors import InputError

DEFAULT_TOLERANCE_M = 0.05
#: ``--spacing`` alone means this many lines per step, on every command.
DEFAULT_LINES_PER_STEP = 2
#: Longest step a target may ask for, m (spacing x lines per step, or the step length).
MAX_STEP_M = 3.0


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

    @staticmethod
    def from_options(
        *,
        spacing_m: float | None = None,
        lines_per_step: int | None = None,
        step_length_m: float | None = None,
        tolerance_m: float | None = None,
        cadence_spm: float | None = None,
    ) -> Target | None:
        """The target the command-line options describe, the same on every command (None
        without any). ``--spacing`` alone means :data:`DEFAULT_LINES_PER_STEP` lines per
        step. Options that do not fit together raise :class:`TargetOptionError` (a usage
        error), implausible values :class:`~stride.errors.InputError`."""
        return _target_from_options(
            spacing_m, lines_per_step, step_length_m, tolerance_m, cadence_spm
        )

    @staticmethod
    def from_session(meta: Mapping[str, object], where: str = "the recording") -> Target | None:
        """The target a session stored in its session.json (``meta``), None if it stored
        none; a damaged entry raises :class:`CorruptTargetError` naming ``where``. A
        missing tolerance is the default; a recorded 0 stays 0."""
        return _target_from_session(meta, where)


class TargetOptionError(InputError):
    """Target options that do not fit together (a usage error: the command line exits 2)."""


def _check_plausible(
    spacing_m: float | None,
    lines: int,
    step_length_m: float | None,
    tolerance_m: float,
    cadence_spm: float | None,
) -> None:
    for name, v, e in (("--spacing", spacing_m, "0.30"), ("--step-length", step_length_m, "0.60")):
        if v is not None and not (0.05 <= v <= MAX_STEP_M):
            raise InputError(
                f"bad target: {name} {v} m is implausible (0.05-{MAX_STEP_M:g} m)",
                fix=f"give metres, e.g. {name} {e}",
            )
    if lines < 1:
        raise InputError("bad target: --lines-per-step must be at least 1", fix="e.g. 2")
    if spacing_m is not None and spacing_m * lines > MAX_STEP_M:
        raise InputError(
            f"--spacing {spacing_m} m x --lines-per-step {lines} is a {spacing_m * lines:g} m step",
            fix="give the lines per step, e.g. --lines-per-step 2",
        )
    if not (0.0 <= tolerance_m <= 1.0):
        raise InputError(f"bad target: --tolerance {tolerance_m} m is implausible", fix="e.g. 0.05")
    if cadence_spm is not None and not (20.0 <= cadence_spm <= 300.0):
        raise InputError(
            f"bad target: --cadence {cadence_spm} is implausible", fix="steps/min, e.g. 100"
        )


def _target_from_options(
    spacing_m: float | None,
    lines_per_step: int | None,
    step_length_m: float | None,
    tolerance_m: float | None,
    cadence_spm: float | None,
) -> Target | None:
    if spacing_m is not None and step_length_m is not None:
        raise TargetOptionError(
            "both --spacing and --step-length give a step-length target",
            fix="use either --spacing M [--lines-per-step N] or --step-length M",
        )
    if lines_per_step is not None and spacing_m is None:
        raise TargetOptionError(
            "--lines-per-step goes with --spacing", fix="add --spacing M, e.g. --spacing 0.3"
        )
    if tolerance_m is not None and spacing_m is None and step_length_m is None:
        raise TargetOptionError(
            "--tolerance needs a step-length target",
            fix="add --spacing M [--lines-per-step N] or --step-length M",
        )
    lines = DEFAULT_LINES_PER_STEP if lines_per_step is None else lines_per_step
    tol = DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m
    _check_plausible(spacing_m, lines, step_length_m, tol, cadence_spm)
    if spacing_m is not None:
        return Target.from_lines(spacing_m, lines, tol, cadence_spm)
    if step_length_m is not None or cadence_spm is not None:
        return Target(step_length_m, tol, cadence_spm)
    return None


def _stored_number(raw: Mapping[str, object], key: str) -> float | None:
    """A stored target number: None if absent; ValueError unless a positive finite number
    (or a zero tolerance)."""
    v = raw.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(key)
    if not (v > 0 or (key == "tolerance_m" and v == 0)):
        raise ValueError(key)
    return float(v)


def _target_from_session(meta: Mapping[str, object], where: str) -> Target | None:
    raw = meta.get("target")
    if raw is None:
        return None
    try:
        if not isinstance(raw, Mapping):
            raise ValueError("target")
        tol = _stored_number(raw, "tolerance_m")
        lines = _stored_number(raw, "lines_per_step")
        if lines is not None and lines != int(lines):
            raise ValueError("lines_per_step")
        target = Target(
            step_length_m=_stored_number(raw, "step_length_m"),
            tolerance_m=DEFAULT_TOLERANCE_M if tol is None else tol,
            cadence_spm=_stored_number(raw, "cadence_spm"),
            spacing_m=_stored_number(raw, "spacing_m"),
            lines_per_step=None if lines is None else int(lines),
        )
    except ValueError as err:
        raise CorruptTargetError(
            f"session.json of {where} has a corrupt target ({raw!r})",
            fix="restore session.json from a backup, or give the target yourself "
            "(--spacing M or --step-length M)",
        ) from err
    return target if target.step_length_m is not None or target.cadence_spm is not None else None


class CorruptTargetError(InputError):
    """The target a session stored cannot be read (named, never guessed)."""


def target_meta(target: Target | None) -> dict[str, object]:
    """The target as session.json and the history store it (the keys
    :meth:`Target.from_session` reads; all null but the tolerance without a target)."""
    t = target or Target()
    return {
        "step_length_m": t.step_length_m,
        "tolerance_m": t.tolerance_m,
        "cadence_spm": t.cadence_spm,
        "spacing_m": t.spacing_m,
        "lines_per_step": t.lines_per_step,
    }


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
