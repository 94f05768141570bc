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
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stride.core.steps import FLAG_GAP, FLAG_STOP, FLAG_TURN, StepTable
from stride.errors import InputError

DEFAULT_TOLERANCE_M = 0.05
#: ``--spacing`` alone means this many lines per step, on every command.
DEFAULT_LINES_PER_STEP = 2
#: Longest step a target may ask for, m (spacing x lines per step, or the step length).
MAX_STEP_M = 3.0
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
    for name, v in (("--spacing", spacing_m), ("--step-length", step_length_m)):
        if v is not None and not (0.05 <= v <= MAX_STEP_M):
            raise InputError(
                f"bad target: {name} {v} m is implausible", fix="give metres, e.g. 0.30"
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
