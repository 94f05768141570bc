"""Analysis glue: read a record, analyse it with timing, build the JSON document and the
steps CSV. Used by ``stride analyze``; the history and report code can call it too.

The core (:mod:`stride.core`) stays pure; everything that touches files is here.
"""

from __future__ import annotations

import csv
import io
import math
import os
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from stride.core.analyzer import Analysis, AnalysisConfig, analyze
from stride.core.signals import GaitSignals
from stride.core.steps import CSV_COLUMNS
from stride.core.targets import DEFAULT_TOLERANCE_M, Target
from stride.errors import InputError

#: Columns of ``steps.csv`` after :data:`CSV_COLUMNS` (the first nine are shared with the
#: simulator's ``truth_steps.csv``).
CSV_EXTRA = (
    "flags",
    "target_error_m",
    "on_target",
    "double_support_initial_s",
    "double_support_terminal_s",
    "contact_type",
    "heel_toe_s",
    "impulse",
    "peak",
)


@dataclass(frozen=True)
class Timing:
    """Seconds spent reading/decoding and analysing, and the time points analysed."""

    read_s: float
    analysis_s: float
    samples: int

    def as_dict(self) -> dict[str, float | int]:
        return {"read_s": self.read_s, "analysis_s": self.analysis_s, "samples": self.samples}


#: Longest step a target may ask for, m (spacing x lines-per-step or --step-length).
MAX_STEP_M = 3.0


def check_step_target(
    spacing_m: float | None, lines_per_step: int | None, step_length_m: float | None
) -> None:
    """The one plausibility rule for a step-length target, shared by ``stride analyze`` and
    the live session: spacing and step length 0.05-3 m, at least one line per step, and
    spacing x lines-per-step at most :data:`MAX_STEP_M` (a 300 m "step" is a typo)."""
    for name, v in (("--spacing", spacing_m), ("--step-length", step_length_m)):
        if v is not None and not (0.05 <= v <= MAX_STEP_M):
            raise InputError(f"{name} {v} m is implausible", fix="give metres, e.g. 0.30")
    if lines_per_step is not None and lines_per_step < 1:
        raise InputError("--lines-per-step must be at least 1", fix="e.g. 2")
    if spacing_m is not None and lines_per_step is not None:
        length = spacing_m * lines_per_step
        if length > MAX_STEP_M:
            raise InputError(
                f"--spacing {spacing_m} m x --lines-per-step {lines_per_step} is a "
                f"{length:g} m step",
                fix="give the lines per step, e.g. --lines-per-step 2",
            )


def target_from_options(
    spacing_m: float | None,
    lines_per_step: int | None,
    step_length_m: float | None,
    tolerance_m: float | None,
    cadence_spm: float | None,
) -> Target | None:
    """The target the options describe (None without any); InputError for a bad mix."""
    if spacing_m is not None and step_length_m is not None:
        raise InputError(
            "both --spacing and --step-length give a step-length target",
            fix="use either --spacing M --lines-per-step N or --step-length M",
        )
    if (spacing_m is None) != (lines_per_step is None):
        raise InputError(
            "--spacing and --lines-per-step go together",
            fix="give both, e.g. --spacing 0.3 --lines-per-step 2",
        )
    tol = DEFAULT_TOLERANCE_M if tolerance_m is None else tolerance_m
    try:
        if spacing_m is not None and lines_per_step is not None:
            return Target.from_lines(spacing_m, lines_per_step, tol, cadence_spm)
        if step_length_m is not None or cadence_spm is not None:
            return Target(step_length_m, tol, cadence_spm)
    except ValueError as err:
        raise InputError(f"bad target: {err}", fix="give positive numbers") from err
    if tolerance_m is not None:
        raise InputError(
            "--tolerance needs a step-length target",
            fix="add --spacing M --lines-per-step N or --step-length M",
        )
    return None


def read_record(path: str | os.PathLike[str]) -> GaitSignals:
    """A project recording (session directory), WFDB ``.hea`` or gaitpdb ``.txt``."""
    from stride.readers import read_signals

    return read_signals(path)


def run(
    path: str | os.PathLike[str], config: AnalysisConfig
) -> tuple[GaitSignals, Analysis, Timing]:
    """Read and analyse one record, timing both; InputError if no stride is usable."""
    t0 = time.perf_counter()
    signals = read_record(path)
    t1 = time.perf_counter()
    config = with_session_defaults(config, signals.meta)
    result = analyze(signals, config)
    outages = signals.meta.get("belt_outages")
    if isinstance(outages, list) and outages:
        result = BeltFlagged(**vars(result), outages=tuple(tuple(o) for o in outages))
    t2 = time.perf_counter()
    if result.usable_steps == 0:
        flagged = result.summary.get("flags")
        why = ""
        if isinstance(flagged, dict):
            why = ", ".join(f"{k} {v}" for k, v in flagged.items() if v)
        raise InputError(
            f"{path}: no usable strides ({len(result.steps)} steps detected"
            + (f"; flagged: {why}" if why else "")
            + ")",
            fix="check that the record contains walking and that each foot's sensor works",
        )
    return signals, result, Timing(t1 - t0, t2 - t1, signals.n)


@dataclass(frozen=True)
class BeltFlagged(Analysis):
    """An analysis whose step rows carry ``belt-unknown`` where a treadmill used as the belt
    source was not answering (its outages, box seconds), as the live session flagged them."""

    outages: tuple[tuple[float, ...], ...] = ()

    def step_rows(self) -> list[dict[str, object]]:
        from stride.ingest.treadmill_clock import flag_row

        return [flag_row(r, self.outages) for r in super().step_rows()]


def with_session_defaults(config: AnalysisConfig, meta: dict[str, object]) -> AnalysisConfig:
    """A recording's own target and course (session.json) where the options gave none, so
    analysing a session scores it against what the walker was shown."""
    session = meta.get("session")
    if not isinstance(session, dict):
        return config
    target = config.target
    raw = session.get("target")
    if target is None and isinstance(raw, dict):
        try:
            target = Target(
                step_length_m=_num(raw.get("step_length_m")),
                tolerance_m=_num(raw.get("tolerance_m")) or DEFAULT_TOLERANCE_M,
                cadence_spm=_num(raw.get("cadence_spm")),
                spacing_m=_num(raw.get("spacing_m")),
                lines_per_step=_int(raw.get("lines_per_step")),
            )
        except ValueError:
            target = None  # a target the session stored badly is left out, not guessed
        if target is not None and target.step_length_m is None and target.cadence_spm is None:
            target = None
    pass_length = config.pass_length_m
    sim = session.get("sim")
    if pass_length is None and isinstance(sim, dict) and sim.get("overground"):
        pass_length = _num(sim.get("pass_length_m"))
    return replace(config, target=target, pass_length_m=pass_length)


def _num(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) else None


def _int(x: object) -> int | None:
    return int(x) if isinstance(x, int) and not isinstance(x, bool) else None


def document(result: Analysis, timing: Timing | None = None) -> dict[str, object]:
    """The one JSON document of DESIGN.md: summary, steps, timing."""
    doc: dict[str, object] = {"summary": result.summary, "steps": result.step_rows()}
    if timing is not None:
        doc["timing"] = timing.as_dict()
    clean = _finite(doc)
    assert isinstance(clean, dict)
    return clean


def _finite(x: object) -> object:
    """JSON has no NaN: any non-finite number becomes null (the summary never makes one,
    but a document that cannot be printed would lose the whole analysis)."""
    if isinstance(x, float):
        return x if math.isfinite(x) else None
    if isinstance(x, dict):
        return {k: _finite(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_finite(v) for v in x]
    return x


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def steps_csv_text(result: Analysis) -> str:
    """The steps table as CSV: the shared first columns, then flags and the extras."""
    return steps_csv_text_from_rows(result.step_rows())


def steps_csv_text_from_rows(rows: Iterable[Mapping[str, object]]) -> str:
    """``steps.csv`` from step rows (the ``steps`` of the JSON document): one format for
    every writer (``stride analyze``, cohorts, ``stride sim session``, live sessions);
    a key a row lacks is an empty field."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    cols = (*CSV_COLUMNS, *CSV_EXTRA)
    w.writerow(cols)
    for row in rows:
        w.writerow([_cell(row.get(c)) for c in cols])
    return buf.getvalue()


def check_output(path: Path, force: bool) -> None:
    """Refuse to overwrite an existing file unless ``force``."""
    if path.exists() and not force:
        raise InputError(f"{path} already exists", fix="choose another name or add --force")
    if path.exists() and path.is_dir():
        raise InputError(f"{path} is a directory", fix="give a file name")
    parent = path.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(
            f"the folder {parent} is a file", fix="give a path inside a folder, or another name"
        )
    if not parent.exists():
        raise InputError(f"the folder {parent} does not exist", fix="create it first")


def write_text_atomic(path: Path, text: str) -> None:
    """Write via a temporary file and rename, so a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
