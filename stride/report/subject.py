"""The per-subject report: recovery of step-length symmetry across sessions with a fitted
exponential, the projected session at which it enters the normal range, target adherence,
cadence and variability, and feedback against no feedback where both were recorded.
"""

from __future__ import annotations

import math
import os
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np

from stride.core.norms import CADENCE_NORMAL_SPM, NORMAL_SI, STRIDE_CV_NORMAL_PCT
from stride.errors import InputError
from stride.history.db import SessionRecord, list_sessions
from stride.history.trends import (
    ExpFit,
    SessionPoint,
    fit_exponential,
    points,
    session_dates,
    subject_changes,
)
from stride.report import plots
from stride.report.html import Page, check_out, write_page
from stride.report.readable import (
    CADENCE_NORMAL_TEXT,
    STRIDE_CV_NORMAL_TEXT,
    SYMMETRY_NORMAL_TEXT,
    number,
    signed_si,
)


def _conditions(pts: list[SessionPoint]) -> dict[str, list[SessionPoint]]:
    """Sessions split by feedback condition where both exist, else one series."""
    fb = [p for p in pts if p.feedback is True]
    plain = [p for p in pts if p.feedback is False]
    if fb and plain:
        return {"feedback": fb, "no feedback": plain}
    return {"all sessions": pts}


def _series(pts: list[SessionPoint], attr: str, k: float = 1.0) -> tuple[Any, Any]:
    xy = [
        (i + 1.0, getattr(p, attr) * k) for i, p in enumerate(pts) if getattr(p, attr) is not None
    ]
    return np.array([a for a, _ in xy]), np.array([b for _, b in xy])


def _within_from(x: Any, outside: Any) -> str:
    """ "within the normal range from session N": the session from which every later one is
    within (``outside``: the indices of the sessions outside it, none of them the last)."""
    k = int(outside[-1]) + 1 if outside.size else 0
    return "within the normal range " + (
        f"from session {int(x[k])}" if k else "from the first session"
    )


def _projection(
    fit: ExpFit | None, x: Any, y: Any, *, rising: bool = False
) -> tuple[float | None, str]:
    """Session at which |SI| enters the normal range, and the sentence saying so.
    ``rising``: the best curve rises (|SI| grows across the sessions): not a recovery, so
    no fit and no crossing (a rise through 9.5 % read "reached at session 5")."""
    outside = np.flatnonzero(y > NORMAL_SI)
    if fit is None:
        if rising:
            last = f": outside the normal range at the last session, |SI| {y[-1]:.1f} %"
            return None, "no recovery curve: |SI| rises across the sessions" + (
                last if outside.size and outside[-1] == y.size - 1 else ""
            )
        if not (outside.size and outside[-1] == y.size - 1):  # within from a session on
            return None, _within_from(x, outside)
        if x.size >= 3:
            return None, "no recovery curve: |SI| does not fall steadily across the sessions"
        return None, "too few sessions to fit a curve"
    cross = fit.crossing(NORMAL_SI)
    if cross is None:
        return None, (
            f"the fitted curve levels off at |SI| {fit.plateau:.1f} %, above the normal range: "
            "not projected to enter it with this training"
        )
    if cross <= x[0]:  # the curve within from its start: where the sessions are within
        return None, _within_from(x, outside) if y[-1] <= NORMAL_SI else (
            f"outside the normal range at the last session, |SI| {y[-1]:.1f} %"
        )
    when = math.ceil(cross)
    status = "reached" if when <= x[-1] else "projected"
    return cross, f"{status} at session {when} (fitted curve crosses {NORMAL_SI:.1f} %)"


#: Share of steps on target that training aims at, drawn as the adherence plot's goal line
#: (a choice per patient: ``stride report --subject ID --adherence-goal 80``).
ADHERENCE_GOAL = 0.8


def _dates(pts: list[SessionPoint]) -> list[datetime]:
    return [datetime.fromisoformat(p.started_at.replace("Z", "+00:00")) for p in pts]


def per_day(when: list[datetime], values: Any) -> tuple[list[datetime], Any, list[int]]:
    """One point per local day (the sessions table's days): the mean of the day's measured
    values and how many sessions it is the mean of. Sessions of one day sat at one x on a
    date axis of weeks or months (their hours are narrower than a marker), so the line
    zigzagged up and down there; the table lists each session with its time of day."""
    days: dict[date, list[float]] = {}
    for t, v in zip(when, np.asarray(values, dtype=float), strict=True):
        if np.isfinite(v):
            days.setdefault(t.astimezone().date(), []).append(float(v))
    order = sorted(days)
    noon = [datetime.combine(d, time(12)) for d in order]  # the point in the middle of its day
    return noon, np.array([np.mean(days[d]) for d in order]), [len(days[d]) for d in order]


def _by_date(pts: list[SessionPoint], attr: str, k: float = 1.0) -> tuple[Any, Any, Any]:
    values = [np.nan if getattr(p, attr) is None else getattr(p, attr) * k for p in pts]
    return per_day(_dates(pts), values)


def _side_mean(record: SessionRecord, side: str) -> float | None:
    entry = record.summary.get(side)
    entry = entry.get("step_length_m") if isinstance(entry, dict) else None
    return number(entry.get("mean")) if isinstance(entry, dict) else None


def _target(records: list[SessionRecord]) -> tuple[float | None, float | None]:
    """The most recent session's step-length target and tolerance."""
    for r in reversed(records):
        for t in (r.target, r.summary.get("target")):
            if isinstance(t, dict) and number(t.get("step_length_m")) is not None:
                return number(t.get("step_length_m")), number(t.get("tolerance_m"))
    return None, None


def _session_rows(records: list[SessionRecord], pts: list[SessionPoint]) -> list[list[str]]:
    """One row per session: what a referrer reads first, empty where not measured."""

    def fmt(v: float | None, spec: str, k: float = 1.0) -> str:
        return "" if v is None else format(v * k, spec)

    rows = []
    for r, p, shown_date in zip(records, pts, session_dates(pts), strict=True):
        si = p.step_length_si
        rows.append(
            [
                shown_date,
                {True: "with feedback", False: "without feedback", None: ""}[p.feedback],
                "" if p.steps is None else str(p.steps),
                fmt(p.cadence_spm, ".1f"),
                fmt(_side_mean(r, "L"), ".1f", 100.0),
                fmt(_side_mean(r, "R"), ".1f", 100.0),
                "" if si is None else signed_si(si, short=True),
                fmt(p.target_within, ".0f", 100.0),
                fmt(p.stride_time_cv, ".1f"),
            ]
        )
    return rows


def _symmetry_section(page: Page, pts: list[SessionPoint]) -> None:
    groups = _conditions(pts)
    series, fits, proj, rows = {}, {}, {}, []
    for name, gpts in groups.items():
        x, y = _series(gpts, "step_length_si")
        y = np.abs(y)
        series[name] = (x, y)
        fit = fit_exponential(x, y, floor=0.0) if x.size else None  # |SI| >= 0
        rising = fit is not None and fit.amplitude < 0  # worse across sessions: no recovery
        fit = None if rising else fit
        fits[name] = fit
        proj[name], sentence = (
            _projection(fit, x, y, rising=rising) if x.size else (None, "no symmetry values")
        )
        first = f"{y[0]:.1f}" if y.size else ""
        last = f"{y[-1]:.1f}" if y.size else ""
        fitted = (f"{fit.tau:.1f}", f"{fit.plateau:.1f}") if fit else ("", "")
        rows.append((name, len(gpts), first, last, *fitted, sentence))
    page.heading("Step-length symmetry across sessions")
    latest = next((p for p in reversed(pts) if p.step_length_si is not None), None)
    if latest is not None and latest.step_length_si is not None:
        page.text(
            # named as the sessions table names it: with its time where the day had others
            f"Last session ({session_dates(pts)[pts.index(latest)]}): symmetry index "
            f"{signed_si(latest.step_length_si)}; {SYMMETRY_NORMAL_TEXT}."
        )
    page.plot(plots.recovery_curves(series, fits, NORMAL_SI, proj), "recovery curves")
    page.table(
        ("condition", "sessions", "first |SI| %", "last |SI| %", "tau (sessions)",
         "plateau |SI| %", "normal range"),
        rows,
        omit_empty=True,  # no condition with a fitted curve: no tau or plateau column
    )  # fmt: skip
    page.text(
        "Fit: |SI| = plateau + amplitude x exp(-session / tau), least squares. A projection "
        "assumes training continues as before; it is a guide, not a prognosis.",
        "muted",
    )
    if len(groups) == 2:
        fb, plain = fits["feedback"], fits["no feedback"]
        if fb is not None and plain is not None:
            faster = "faster" if fb.tau < plain.tau else "not faster"
            page.text(
                f"Feedback against no feedback: with feedback symmetry improved {faster} "
                f"(tau {fb.tau:.1f} against {plain.tau:.1f} sessions).",
            )


def _side_by_date(
    pts: list[SessionPoint], record_of: dict[Any, SessionRecord], side: str
) -> tuple[Any, Any, Any]:
    return per_day(_dates(pts), [_side_mean(record_of[p.id], side) or np.nan for p in pts])


#: Said under the first by-date plot where a day had more than one session.
SAME_DAY_TEXT = (
    "Where a day had several sessions, the plots by date show one point for that day: the "
    "mean of its sessions, with their number beside it (×2, ×3); the sessions table lists "
    "each session with its time of day."
)


def _by_date_section(
    page: Page, records: list[SessionRecord], pts: list[SessionPoint], goal: float
) -> None:
    groups = _conditions(pts)
    page.heading("Left and right step length")
    tgt, tol = _target(records)
    record_of = {p.id: r for p, r in zip(pts, records, strict=True)}
    series = {
        name: (_side_by_date(g, record_of, "L"), _side_by_date(g, record_of, "R"))
        for name, g in groups.items()
    }
    page.plot(
        plots.step_lengths_by_date(series, tgt, tol),
        "left and right step length per session against the target",
    )
    if any(n > 1 for sides in series.values() for side in sides for n in side[2]):
        page.text(SAME_DAY_TEXT, "muted")
    page.heading("Sessions")
    header = [
        "date", "condition", "steps", "cadence (steps/min)", "left step (cm)",
        "right step (cm)", "step-length symmetry", "steps on target %", "stride-time CV %",
    ]  # fmt: skip
    rows = _session_rows(records, pts)
    page.table(header, rows, cls="compact", omit_empty=True)  # e.g. no target: no column
    page.heading("Adherence to the step-length target")
    if all(p.target_within is None for p in pts):
        page.text("No session had a step-length target, so there is no adherence to show.")
    else:
        page.plot(
            plots.across_sessions(
                {n: _by_date(g, "target_within", 100.0) for n, g in groups.items()},
                "steps on target (%)",
                "Share of steps within the target tolerance",
                line=(100.0 * goal, f"goal {100 * goal:.0f} %"),
            ),
            "target adherence across sessions",
        )
    page.heading("Cadence and stride-time variability")
    lo, hi = CADENCE_NORMAL_SPM
    page.plot(
        plots.across_sessions(
            {n: _by_date(g, "cadence_spm") for n, g in groups.items()},
            "cadence (steps/min)",
            "Cadence",
            band=(lo, hi, "healthy adults"),
        ),
        "cadence across sessions",
    )
    lo, hi = STRIDE_CV_NORMAL_PCT
    page.plot(
        plots.across_sessions(
            {n: _by_date(g, "stride_time_cv") for n, g in groups.items()},
            "stride-time CV (%)",
            "Stride-time variability",
            band=(lo, hi, "healthy adults"),
        ),
        "stride-time variability across sessions",
    )
    page.text(f"Cadence: {CADENCE_NORMAL_TEXT}. Stride-time CV: {STRIDE_CV_NORMAL_TEXT}.", "muted")


def build_subject_page(
    subject: str, records: list[SessionRecord], *, adherence_goal: float = ADHERENCE_GOAL
) -> Page:
    """The report page of one subject's sessions: what a clinician hands a patient or a
    referrer."""
    pts = points(records)
    page = Page(f"Progress report: {subject}")
    page.table(
        ("", ""),
        [
            ("sessions", len(pts)),
            ("first", session_dates(pts[:1])[0]),
            ("last", session_dates(pts[-1:])[0]),
        ],
    )
    _symmetry_section(page, pts)
    _by_date_section(page, records, pts, adherence_goal)
    notes = subject_changes(records)
    page.heading("Sudden changes")
    if notes:
        for w in notes:
            page.text(w.message, "note")
    else:
        page.text(
            "No session departs from this person's own recent sessions by more than "
            "session-to-session variation explains while outside the normal range."
        )
    return page


def subject_report(
    db: str | os.PathLike[str] | None,
    subject: str,
    out: Path,
    *,
    force: bool = False,
    adherence_goal: float = ADHERENCE_GOAL,
) -> Path:
    """Write the HTML report of one subject's sessions in the history to ``out``."""
    check_out(out, force=force)
    records = list_sessions(db, subject=subject)
    if not records:
        raise InputError(
            f"no sessions of subject {subject!r} in the history",
            fix="check the id with `stride history`, or pass the right --db",
        )
    page = build_subject_page(subject, records, adherence_goal=adherence_goal)
    return write_page(page, out, force=force)
