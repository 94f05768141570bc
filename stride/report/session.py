"""The per-session report: step lengths against the target lines, symmetry and variability
over time, and an event timeline, from a session directory (docs/formats.md).

It reads the derived ``steps.csv`` and ``summary.json``; where either is missing it analyses
the recording the way ``stride analyze`` does.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.files import no_path_error
from stride.analysis import read_notes, run
from stride.core.analyzer import AnalysisConfig
from stride.core.flag_words import flag_label
from stride.core.norms import NORMAL_SI, dfa_reading, si_within
from stride.core.rolling import ROLLING_STRIDES
from stride.core.rolling import rolling_symmetry as core_rolling_symmetry
from stride.core.rows import NUMERIC_COLUMNS
from stride.core.targets import Target
from stride.errors import InputError
from stride.report import plots
from stride.report.html import Page, check_out, write_page
from stride.report.readable import (
    CADENCE_NORMAL_TEXT,
    NAMES,
    STRIDE_CV_NORMAL_TEXT,
    SYMMETRY_NORMAL_TEXT,
    flag_counts,
    number,
    signed_si,
    speed,
)

#: Columns read as numbers (a missing or unreadable cell is NaN).
NUMERIC = NUMERIC_COLUMNS
WINDOW_STRIDES = ROLLING_STRIDES


@dataclass(frozen=True)
class SessionData:
    """A session's steps (step rows, docs/formats.md), summary and metadata."""

    path: Path
    steps: list[dict[str, Any]]
    summary: dict[str, Any]
    meta: dict[str, Any]
    analysed_now: bool = False
    #: why it was analysed now: the derived tables missing, or a target other than the
    #: session's own asked for (the page says which)
    analysed_why: str = ""
    #: what reading the recording met when it was analysed now (damage skipped, a session
    #: cut short, ...), in words, as `stride analyze` says it
    notes: tuple[str, ...] = ()


def _float(text: str | None) -> float:
    try:
        return float(text) if text not in (None, "") else math.nan
    except ValueError:
        return math.nan


def read_steps_csv(path: Path) -> list[dict[str, Any]]:
    """Rows of a ``steps.csv`` (empty field = missing = NaN; flags split on ';')."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None or not {"side", "ic_s"} <= set(reader.fieldnames):
                raise InputError(
                    f"{str(path)!r} is not a steps table (no side/ic_s columns)",
                    fix="re-create it with `stride analyze SESSION`",
                )
            rows = []
            for raw in reader:
                # A column the file lacks is missing (NaN) in every row, as an empty cell is.
                row: dict[str, Any] = {k: _float(raw.get(k)) for k in NUMERIC}
                row["side"] = (raw.get("side") or "").strip()
                row["flags"] = [f for f in (raw.get("flags") or "").split(";") if f]
                if row["side"] in ("L", "R") and math.isfinite(row["ic_s"]):
                    rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as err:
        raise InputError(f"cannot read {str(path)!r}: {err}", fix="check the file") from err
    return rows


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise InputError(f"cannot read {str(path)!r}: {err}", fix="check the file") from err
    if not isinstance(data, dict):
        raise InputError(f"{str(path)!r} does not hold a JSON object", fix="check the file")
    return data


def _analyse(
    path: Path, target: Target | None
) -> tuple[list[dict[str, Any]], dict[str, Any], list[str]]:
    """Steps and summary of a recording as ``stride analyze`` gives them: against
    ``target``, else the target its session.json stored; and what reading it met."""
    config = AnalysisConfig(target=target)
    signals, result, _ = run(path, config, keep_samples=False)
    notes = read_notes(path, signals.meta, config).sentences(path, result.summary)
    rows = []
    for row in result.step_rows():
        clean: dict[str, Any] = dict(row)
        for key in NUMERIC:
            if key in clean and not isinstance(clean[key], int | float):
                clean[key] = math.nan
        flags = clean.get("flags")
        clean["flags"] = [str(f) for f in flags] if isinstance(flags, list) else []
        rows.append(clean)
    return rows, dict(result.summary), notes


def load_session(path: Path, target: Target | None = None) -> SessionData:
    """Read a session directory; analyse it if its derived tables are missing or a
    ``target`` other than the session's own is asked for."""
    if not path.is_dir():
        raise no_path_error(
            path, f"{str(path)!r} is not a session directory", fix="give a SESSION_DIR"
        )
    meta = _read_json(path / "session.json") if (path / "session.json").exists() else {}
    steps_csv, summary_json = path / "steps.csv", path / "summary.json"
    if target is None and steps_csv.exists() and summary_json.exists():
        return SessionData(path, read_steps_csv(steps_csv), _read_json(summary_json), meta)
    if not (path / "session.json").exists():  # the readers' error would offer other formats
        raise InputError(
            f"{path}: a directory that is not a session recording (no session.json)",
            fix="give a session directory recorded by `stride live`, `stride demo` or `stride "
            "sim session`; a WFDB or gaitpdb record goes to `stride analyze`",
        )
    steps, summary, notes = _analyse(path, target)
    why = (
        "Against the target asked for, not the session's own: this report analysed the "
        "recording again."
        if steps_csv.exists() and summary_json.exists()
        else "The derived tables were missing: this report analysed the recording."
    )
    return SessionData(
        path, steps, summary, meta, analysed_now=True, analysed_why=why, notes=tuple(notes)
    )


def _side(steps: list[dict[str, Any]], side: str, key: str) -> NDArray[np.float64]:
    return np.array([s.get(key, math.nan) for s in steps if s["side"] == side], dtype=float)


def rolling_symmetry(steps: list[dict[str, Any]], key: str, window: int) -> NDArray[np.float64]:
    """SI (%) of the per-side means of ``key`` over each side's last ``window`` values:
    :func:`stride.core.rolling.rolling_symmetry`, as the live dashboard computes it."""
    return core_rolling_symmetry(
        [s["side"] for s in steps], [s.get(key, math.nan) for s in steps], window
    )


def _obj(value: Any) -> dict[str, Any]:
    """``value`` if it is a JSON object, else an empty one: a hand-edited or damaged
    summary.json shows as missing figures instead of breaking the report."""
    return value if isinstance(value, dict) else {}


def _stat(summary: dict[str, Any], side: str, key: str, unit: str, k: float = 1.0) -> str:
    s = _obj(_obj(summary.get(side)).get(key))
    mean, sd = number(s.get("mean")), number(s.get("sd"))
    if mean is None:
        return ""
    sd_txt = f" ± {sd * k:.2f}" if sd is not None else ""
    return f"{mean * k:.2f}{sd_txt} {unit}"


def _target(s: dict[str, Any]) -> tuple[float | None, float | None]:
    target = _obj(s.get("target"))
    return number(target.get("step_length_m")), number(target.get("tolerance_m"))


def _info_rows(data: SessionData) -> list[tuple[str, str]]:
    """The session's header: only what applies (no subject, no belt, no target: no row)."""
    s, meta = data.summary, data.meta
    target = _obj(s.get("target"))
    rows: list[tuple[str, str]] = []
    if meta.get("subject"):
        rows.append(("subject", str(meta["subject"])))
    started = meta.get("started_utc") or meta.get("created_utc")
    if started:
        rows.append(("started", _local_time(str(started))))
    if isinstance(s.get("steps"), int):
        rows.append(("steps", str(s["steps"])))
    cadence = number(s.get("cadence_spm"))
    if cadence is not None:
        rows.append(("cadence", f"{cadence:.1f} steps/min; {CADENCE_NORMAL_TEXT}"))
    belt = number(_obj(s.get("belt_speed_mps")).get("mean"))
    if belt is not None:
        rows.append(("belt speed", speed(belt)))
    course = _obj(s.get("course"))
    passes, length = course.get("passes"), number(course.get("pass_length_m"))
    if isinstance(passes, list) and length is not None:  # overground: as `stride analyze`
        measured = sum(1 for p in passes if isinstance(p, dict) and p.get("measured"))
        said = f"{len(passes)} passes of {length:g} m, {measured} measured"
        rows.append(("course", f"{said} (step lengths from the passes)"))
    tgt, tol = _target(s)
    if tgt is not None:
        rows.append(("target step length", f"{tgt:.2f} m" + (f" ± {tol:.2f} m" if tol else "")))
    spacing, lines = number(target.get("spacing_m")), target.get("lines_per_step")
    if spacing is not None and isinstance(lines, int):
        rows.append(("target lines", f"{lines} × {spacing:.2f} m"))
    cadence_target = number(target.get("cadence_spm"))
    if cadence_target is not None:
        rows.append(("target cadence", f"{cadence_target:.1f} steps/min"))
    for t, old, new in speed_changes(meta):
        was = "" if old is None else f"{speed(old)} "
        rows.append((f"speed change at {t:.0f} s", f"{was}to {speed(new)}"))
    return rows


def _summary_rows(s: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Per side: each quantity that was measured, share on target, stride-time CV."""
    rows = []
    for name, key, unit, k in (
        ("step length", "step_length_m", "cm", 100.0),
        ("step time", "step_time_s", "s", 1.0),
        ("stride time", "stride_time_s", "s", 1.0),
        ("stance", "stance_s", "s", 1.0),
        ("swing", "swing_s", "s", 1.0),
    ):
        left, right = _stat(s, "L", key, unit, k), _stat(s, "R", key, unit, k)
        if left or right:
            rows.append((name, left, right))
    within = _obj(_obj(s.get("target")).get("within"))
    cv = _obj(_obj(s.get("variability")).get("stride_time_cv"))
    for name, values, k, spec in (
        ("steps on target", within, 100.0, "{:.0f} %"),  # "82 %" as "2.1 %", not "82%"
        ("stride-time CV", cv, 1.0, "{:.1f} %"),
    ):
        by_side = [number(values.get(sd)) for sd in "LR"]
        if any(v is not None for v in by_side):
            left, right = ("" if v is None else spec.format(k * v) for v in by_side)
            rows.append((name, left, right))
    return rows


def _symmetry_rows(s: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Each symmetry quantity measured (loading too, as in ``stride analyze``), and whether
    it is within the normal range (judged as shown, as on the dashboard: ✓ or ✗)."""
    sym = _obj(s.get("symmetry"))
    rows = []
    for key in ("step_length", "step_time", "stance", "swing", "loading"):
        si, ratio = number(_obj(sym.get(key)).get("si")), number(_obj(sym.get(key)).get("ratio"))
        if si is not None:
            normal = "within ✓" if si_within(si) else "outside ✗"
            rows.append((NAMES[key], signed_si(si, key), f"{ratio:.3f}" if ratio else "", normal))
    return rows


def _local_time(iso: str) -> str:
    """``2026-12-06 13:57`` in local time from a stored UTC time (as is if not a time)."""
    try:
        when = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return f"{when.astimezone():%Y-%m-%d %H:%M}" if when.tzinfo else f"{when:%Y-%m-%d %H:%M}"


def speed_changes(meta: dict[str, Any]) -> list[tuple[float, float | None, float]]:
    """(time, old m/s, new m/s) of each belt speed change recorded in session.json (a live
    session's ``speed_changes`` [{elapsed_s, mps}], a simulated one's [[s, m/s], ...]);
    old None where the speed before is not recorded (a live session's first change). The
    stop a live session makes at its end (``session_end``) is kept in session.json and
    left out here."""
    raw = meta.get("speed_changes")
    # a simulated session lists changes only, after its set speed; a live one lists every
    # speed it set, the belt's speed before the first not being one of them
    points: list[tuple[float, float | None]] = [
        (0.0, number(_obj(meta.get("sim")).get("speed_mps")))
    ]
    for x in raw if isinstance(raw, list) else []:
        if isinstance(x, dict) and x.get("session_end"):
            continue  # the session's own stop at its end: not a change anyone made
        if isinstance(x, dict):
            t, v = number(x.get("elapsed_s")), number(x.get("mps"))
        elif isinstance(x, list) and len(x) == 2:
            t, v = number(x[0]), number(x[1])
        else:
            continue
        if t is not None and v is not None:
            points.append((t, v))
    pairs = itertools.pairwise(points)
    return [(t, a, b) for (_, a), (t, b) in pairs if b is not None and a != b]


def _summary_tables(page: Page, data: SessionData) -> None:
    """Who and when, then the summary's figures per side and their symmetry."""
    s = data.summary
    page.table(("", ""), _info_rows(data))
    if data.analysed_why:
        page.text(data.analysed_why, "muted")
    for note in data.notes:  # damage skipped, a session cut short: beside the figures
        page.text(f"Reading the recording: {note}.", "note")
    rows = _summary_rows(s)
    if not rows:  # a few seconds, every step flagged: no table of headings alone
        if data.steps and all(r["flags"] for r in data.steps):
            page.text("No step was measured: the steps found are all flagged (see the timeline).")
        elif data.steps:  # summary.json edited or damaged
            page.text("The session's summary has no figure per side (summary.json).", "note")
        return
    page.heading("Summary")
    page.table(("", "left", "right"), rows)
    sym = _symmetry_rows(s)
    if sym:
        page.table(("symmetry", "symmetry index (SI)", "ratio left/right", "normal range"), sym)
        page.text(f"SI = (left − right) / mean × 100 %; {SYMMETRY_NORMAL_TEXT}.", "muted")
    dfa = _obj(_obj(s.get("variability")).get("dfa_alpha"))
    if dfa:
        page.text(f"Stride-time variability: {STRIDE_CV_NORMAL_TEXT}. {dfa_reading(dfa)}.", "muted")


def _unflagged(steps: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
    """``key`` of flagged steps as missing: rolling figures leave them out, as the
    summary and the live dashboard do."""
    return [{**r, key: math.nan} if r["flags"] else r for r in steps]


def _curves(
    page: Page,
    steps: list[dict[str, Any]],
    tgt: float | None,
    tol: float | None,
    changes: list[float],
) -> None:
    """The plots over time, each only where it has a point to draw (no empty axes)."""
    t = {side: _side(steps, side, "ic_s") for side in "LR"}
    lengths = {sd: _side(steps, sd, "step_length_m") for sd in "LR"}
    if _drawn(lengths):
        page.heading("Step length against the target" if tgt is not None else "Step length")
        page.plot(
            plots.step_lengths(t, lengths, tgt, tol, changes), "step length per side over time"
        )
    all_t = np.array([r["ic_s"] for r in steps])
    si = {
        f"{name} SI": rolling_symmetry(_unflagged(steps, key), key, WINDOW_STRIDES)
        for name, key in (
            ("step length", "step_length_m"),
            ("step time", "step_time_s"),
            ("stance", "stance_s"),
        )
    }
    if _drawn(si):
        page.heading("Symmetry over time")
        page.plot(
            plots.symmetry_over_time(all_t, si, NORMAL_SI, changes), "rolling symmetry indices"
        )
    strides = _unflagged(steps, "stride_time_s")
    stride_times = {sd: _side(strides, sd, "stride_time_s") for sd in "LR"}
    if _drawn(stride_times):
        page.heading("Stride-time variability")
        page.plot(
            plots.variability(t, stride_times, changes), "stride time and rolling CV per side"
        )


def _drawn(series: dict[str, NDArray[np.float64]]) -> bool:
    """Whether any of the series has a finite value to draw."""
    return any(bool(np.isfinite(v).any()) for v in series.values())


def _timeline(page: Page, steps: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    page.heading("Event timeline")
    start = float(steps[0]["ic_s"])
    window = (max(0.0, start - 0.5), start + 15.0)
    stance = {
        sd: [(r["ic_s"], r["fc_s"]) for r in steps if r["side"] == sd and math.isfinite(r["fc_s"])]
        for sd in "LR"
    }
    flagged = {
        sd: [
            (r["ic_s"], ", ".join(flag_label(f) for f in r["flags"]))
            for r in steps
            if r["side"] == sd and r["flags"]
        ]
        for sd in "LR"
    }
    raw_gaps = meta.get("gaps")
    gaps = [
        tuple(g)
        for g in (raw_gaps if isinstance(raw_gaps, list) else [])
        if isinstance(g, list) and len(g) == 2 and all(isinstance(x, int | float) for x in g)
    ]
    page.plot(plots.timeline(stance, flagged, gaps, window), "stance periods and flagged steps")
    counts: dict[str, int] = {}
    for r in steps:
        for f in r["flags"]:
            counts[f] = counts.get(f, 0) + 1
    page.text(
        f"The timeline shows the first 15 s of walking. Over the whole session: {len(steps)} "
        + (
            f"steps; flagged and left out of the summary: {flag_counts(counts)}."
            if counts
            else "steps, none flagged."
        ),
        "muted",
    )


def build_session_page(data: SessionData) -> Page:
    """The report page of one session."""
    page = Page(f"Session report: {data.path.name}")
    _summary_tables(page, data)
    steps = sorted(data.steps, key=lambda r: r["ic_s"])
    if not steps:
        page.text("No steps were found in this session, so there is nothing to plot.", "note")
        return page
    _curves(page, steps, *_target(data.summary), [t for t, _, _ in speed_changes(data.meta)])
    _timeline(page, steps, data.meta)
    return page


def session_report(
    path: Path,
    out: Path,
    *,
    force: bool = False,
    target: Target | None = None,
    say: Callable[[str], object] | None = None,
) -> Path:
    """Write the HTML report of the session directory ``path`` to ``out`` (against
    ``target`` if given, else the session's own). ``say`` is given each thing reading the
    recording met, where the report analysed it (the page shows them too)."""
    check_out(out, force=force, records=(path,))  # before the analysis, not after it
    data = load_session(path, target)
    if say is not None:
        for note in data.notes:
            say(note)
    return write_page(build_session_page(data), out, force=force)
