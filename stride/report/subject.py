"""The per-subject report: recovery of step-length symmetry across sessions with a fitted
exponential, the projected session at which it enters the normal range, target adherence,
cadence and variability, and feedback against no feedback where both were recorded.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from stride.errors import InputError
from stride.history.db import SessionRecord, list_sessions
from stride.history.trends import (
    NORMAL_SI,
    ExpFit,
    SessionPoint,
    fit_exponential,
    points,
    subject_changes,
)
from stride.report import plots
from stride.report.html import Page, check_out, write_page


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


def _projection(fit: ExpFit | None, x: Any, y: Any) -> tuple[float | None, str]:
    """Session at which |SI| enters the normal range, and the sentence saying so."""
    within = np.flatnonzero(y <= NORMAL_SI)
    if fit is None:
        if within.size:
            return None, f"within the normal range at session {int(x[within[0]])}"
        return None, "too few sessions to fit a curve"
    cross = fit.crossing(NORMAL_SI)
    if cross is None:
        return None, (
            f"the fitted curve levels off at |SI| {fit.plateau:.1f} %, above the normal range: "
            "not projected to enter it with this training"
        )
    if cross <= x[0]:
        return None, "within the normal range from the first session"
    when = math.ceil(cross)
    status = "reached" if when <= x[-1] else "projected"
    return cross, f"{status} at session {when} (fitted curve crosses {NORMAL_SI:.1f} %)"


def _adherence(page: Page, groups: dict[str, list[SessionPoint]]) -> None:
    """Target adherence, cadence and stride-time variability across sessions."""
    page.heading("Target adherence, cadence and variability")
    page.plot(
        plots.across_sessions(
            {n: _series(g, "target_within", 100.0) for n, g in groups.items()},
            "steps on target (%)",
            "Share of steps within the target tolerance",
        ),
        "target adherence across sessions",
    )
    page.plot(
        plots.across_sessions(
            {n: _series(g, "cadence_spm") for n, g in groups.items()},
            "cadence (steps/min)",
            "Cadence",
        ),
        "cadence across sessions",
    )
    page.plot(
        plots.across_sessions(
            {n: _series(g, "stride_time_cv") for n, g in groups.items()},
            "stride-time CV (%)",
            "Stride-time variability",
        ),
        "stride-time variability across sessions",
    )


def build_subject_page(subject: str, records: list[SessionRecord]) -> Page:
    """The report page of one subject's sessions."""
    pts = points(records)
    page = Page(f"Recovery report: {subject}")
    page.table(
        ("", ""),
        [
            ("sessions", len(pts)),
            ("first", pts[0].started_at[:10]),
            ("last", pts[-1].started_at[:10]),
            ("normal range", f"|step-length SI| <= {NORMAL_SI:.1f} % (ratio 0.9-1.1)"),
        ],
    )
    groups = _conditions(pts)
    series, fits, proj, rows = {}, {}, {}, []
    for name, gpts in groups.items():
        x, y = _series(gpts, "step_length_si")
        y = np.abs(y)
        series[name] = (x, y)
        fit = fit_exponential(x, y) if x.size else None
        fits[name] = fit
        proj[name], sentence = _projection(fit, x, y) if x.size else (None, "no symmetry values")
        rows.append(
            (
                name,
                len(gpts),
                f"{y[0]:.1f}" if y.size else "-",
                f"{y[-1]:.1f}" if y.size else "-",
                f"{fit.tau:.1f}" if fit else "-",
                f"{fit.plateau:.1f}" if fit else "-",
                sentence,
            )
        )
    page.heading("Step-length symmetry across sessions")
    page.plot(plots.recovery_curves(series, fits, NORMAL_SI, proj), "recovery curves")
    page.table(
        (
            "condition",
            "sessions",
            "first |SI| %",
            "last |SI| %",
            "tau (sessions)",
            "plateau |SI| %",
            "normal range",
        ),
        rows,
    )
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
    _adherence(page, groups)
    notes = subject_changes(records)
    page.heading("Sudden changes")
    if notes:
        for w in notes:
            page.text(w.message, "note")
    else:
        page.text("No session departs suddenly from this person's own recent baseline.")
    return page


def subject_report(
    db: str | os.PathLike[str] | None, subject: str, out: Path, *, force: bool = False
) -> Path:
    """Write the HTML report of one subject's sessions in the history to ``out``."""
    check_out(out, force=force)
    records = list_sessions(db, subject=subject)
    if not records:
        raise InputError(
            f"no sessions of subject {subject!r} in the history",
            fix="check the id with `stride history`, or pass the right --db",
        )
    return write_page(build_subject_page(subject, records), out, force=force)
