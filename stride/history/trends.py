"""Trends across a subject's sessions: per-session metrics, fitted recovery curves and the
check for a sudden change of symmetry against the subject's own recent baseline.

The sudden-change rule (docs/history.md): a note when a session's step-length symmetry index
is **outside the normal range** (|SI| > 9.5 %, the ratio 0.9-1.1 of Patterson et al. 2008)
**and** differs from the mean of the subject's previous sessions (the last ``window`` of
them, at least ``min_baseline``) by **more than the minimal detectable change**: 1.96 x
sqrt(2) x the within-subject SD of those sessions (Bland & Altman 1996), the SD floored at
``sd_floor`` SI points, about the session-to-session noise of a 5-minute session; and only
toward more asymmetry or the other side becoming longer. Changes inside the normal range and
improvements are not flagged: they need no one's attention.

Trend slopes need at least :data:`~stride.core.norms.MIN_SESSIONS_FOR_TREND` sessions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np

from stride.core.norms import MDC95_FACTOR, MIN_SESSIONS_FOR_TREND, NORMAL_SI
from stride.history.db import SessionRecord
from stride.history.metrics import cadence, step_length_si, stride_time_cv, target_within

__all__ = [
    "NORMAL_SI",
    "ChangeWarning",
    "ExpFit",
    "SessionPoint",
    "Trend",
    "fit_exponential",
    "points",
    "subject_changes",
    "sudden_changes",
    "trends",
]


@dataclass(frozen=True)
class SessionPoint:
    """The tracked numbers of one session (None where the summary lacks them)."""

    id: int
    subject: str | None
    started_at: str
    source: str
    steps: int | None
    cadence_spm: float | None
    step_length_si: float | None
    target_within: float | None
    stride_time_cv: float | None
    feedback: bool | None


def session_dates(pts: Sequence[SessionPoint]) -> list[str]:
    """Each session's date in local time (stored in UTC), with its time of day where
    another of these sessions falls on the same day, so that every row can be told apart."""
    local: list[datetime | None] = []
    for p in pts:
        try:
            local.append(datetime.fromisoformat(p.started_at.replace("Z", "+00:00")).astimezone())
        except ValueError:
            local.append(None)
    days = Counter(t.date() for t in local if t is not None)
    return [
        p.started_at[:16]
        if t is None
        else f"{t:%Y-%m-%d %H:%M}"
        if days[t.date()] > 1
        else f"{t:%Y-%m-%d}"
        for p, t in zip(pts, local, strict=True)
    ]


def points(records: Sequence[SessionRecord]) -> list[SessionPoint]:
    """One :class:`SessionPoint` per record, same order."""
    out = []
    for r in records:
        steps = r.summary.get("steps")
        fb = r.meta.get("feedback")
        out.append(
            SessionPoint(
                id=r.id,
                subject=r.subject,
                started_at=r.started_at,
                source=r.source,
                steps=steps if isinstance(steps, int) else None,
                cadence_spm=cadence(r.summary),
                step_length_si=step_length_si(r.summary),
                target_within=target_within(r.summary),
                stride_time_cv=stride_time_cv(r.summary),
                feedback=fb if isinstance(fb, bool) else None,
            )
        )
    return out


@dataclass(frozen=True)
class ChangeWarning:
    """A session whose symmetry departs suddenly from the subject's own baseline, outside
    the normal range and by more than the minimal detectable change."""

    subject: str | None
    session_id: int
    started_at: str
    si: float
    baseline_mean: float
    baseline_sd: float
    n_baseline: int
    kind: str  # "more asymmetric" | "other side longer"
    mdc: float = 0.0  # minimal detectable change used, SI points
    normal_si: float = NORMAL_SI
    #: The session as the history table names it (:func:`session_dates`: its local date,
    #: and time where the subject has several sessions that day); "" = the stored date.
    when: str = ""

    @property
    def message(self) -> str:
        """Plain wording for a clinician or the person themselves: factual, not alarming."""
        who = f"{self.subject}'s" if self.subject else "This"
        side = "left" if self.si > 0 else "right"
        what = (
            f"step lengths became more uneven (the {side} step is longer)"
            if self.kind == "more asymmetric"
            else f"the longer step switched to the {side} side"
        )
        change = abs(self.si - self.baseline_mean)
        return (
            f"{who} session of {self.when or self.started_at[:10]}: {what} - symmetry index "
            f"{self.si:+.1f} %, outside the normal range (within ±{self.normal_si:.1f} %), "
            f"against {self.baseline_mean:+.1f} ± {self.baseline_sd:.1f} % over the previous "
            f"{self.n_baseline} sessions: a change of {change:.1f} points, more than the "
            f"{self.mdc:.1f} that session-to-session variation explains. Such a change has "
            "many possible causes (pain, fatigue, footwear, sensor placement); if it persists "
            "it may be worth discussing with a health professional."
        )

    def as_json(self) -> dict[str, object]:
        """The note and the numbers behind it (``stride history --json``)."""
        return {
            "subject": self.subject,
            "session_id": self.session_id,
            "message": self.message,
            "kind": self.kind,
            "si": self.si,
            "baseline_mean": self.baseline_mean,
            "baseline_sd": self.baseline_sd,
            "n_baseline": self.n_baseline,
            "mdc": self.mdc,
            "normal_si": self.normal_si,
        }


def _change_kind(si: float, mean: float) -> str | None:
    """Which way a session moved from its baseline, if toward more asymmetry."""
    if abs(si) > abs(mean) and si * mean >= 0:
        return "more asymmetric"
    if si * mean < 0:
        return "other side longer"
    return None


def sudden_changes(
    pts: Sequence[SessionPoint],
    *,
    window: int = 8,
    min_baseline: int = 3,
    sd_floor: float = 1.0,
    normal_si: float = NORMAL_SI,
) -> list[ChangeWarning]:
    """Sessions of one subject (date order) whose step-length SI changed suddenly and
    matters clinically (module docstring)."""
    warnings: list[ChangeWarning] = []
    history: list[float] = []
    for p in pts:
        si = p.step_length_si
        if si is None:
            continue
        base = history[-window:]
        history.append(si)
        if len(base) < min_baseline or abs(si) <= normal_si:
            continue
        mean = sum(base) / len(base)
        sd = math.sqrt(sum((b - mean) ** 2 for b in base) / (len(base) - 1))
        mdc = MDC95_FACTOR * max(sd, sd_floor)
        kind = _change_kind(si, mean)
        if abs(si - mean) > mdc and kind is not None:
            warnings.append(
                ChangeWarning(
                    p.subject, p.id, p.started_at, si, mean, sd, len(base), kind, mdc, normal_si
                )
            )
    return warnings


@dataclass(frozen=True)
class Trend:
    """First and last value of one metric over a subject's sessions, and the fitted slope."""

    metric: str
    first: float
    last: float
    slope_per_session: float
    n: int


_METRICS = ("step_length_si", "target_within", "cadence_spm", "stride_time_cv")


def trends(pts: Sequence[SessionPoint], min_sessions: int = MIN_SESSIONS_FOR_TREND) -> list[Trend]:
    """Least-squares slope per session of each tracked metric with at least
    ``min_sessions`` values (two points always fit a line: no slope from them)."""
    out = []
    for name in _METRICS:
        vals = [(i, float(v)) for i, p in enumerate(pts) if (v := getattr(p, name)) is not None]
        if len(vals) < min_sessions:
            continue
        x = np.array([v[0] for v in vals], dtype=float)
        y = np.array([v[1] for v in vals], dtype=float)
        slope = float(np.polyfit(x, y, 1)[0]) if np.ptp(x) > 0 else 0.0
        out.append(Trend(name, vals[0][1], vals[-1][1], slope, len(vals)))
    return out


@dataclass(frozen=True)
class ExpFit:
    """``y = plateau + amplitude * exp(-x / tau)`` fitted to a recovery curve."""

    plateau: float
    amplitude: float
    tau: float
    rmse: float

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.plateau + self.amplitude * np.exp(-np.asarray(x, dtype=float) / self.tau)

    def crossing(self, level: float) -> float | None:
        """The x at which the curve reaches ``level``, or None if it never does."""
        if self.amplitude == 0:
            return None
        ratio = (level - self.plateau) / self.amplitude
        if not 0 < ratio < 1:
            return 0.0 if ratio >= 1 else None
        return -self.tau * math.log(ratio)


def fit_exponential(
    x: Sequence[float], y: Sequence[float], floor: float | None = None
) -> ExpFit | None:
    """Least-squares exponential fit (grid over tau, exact linear solve for the rest).

    ``floor``: the lowest plateau the quantity allows (0 for an absolute value such as
    |SI|); a plateau below it is held at it and the amplitude fitted alone.
    Deterministic and dependency-free; None with fewer than 3 points or no spread in x,
    and None where the best tau is under half the shortest interval between two points:
    the whole change falls between two sessions, a jump rather than a recovery curve
    (three sessions of |SI| 10.1, 9.6, 9.9 % fitted tau 0.0 and a curve from 10^15 %).
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    ok = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[ok], ys[ok]
    if xs.size < 3 or np.ptp(xs) <= 0:
        return None
    span = float(np.ptp(xs))
    best: tuple[float, float, float, float] | None = None
    for tau in np.geomspace(span / 200.0, span * 20.0, 400):
        basis = np.column_stack([np.ones_like(xs), np.exp(-(xs - xs[0]) / tau)])
        coef, *_ = np.linalg.lstsq(basis, ys, rcond=None)
        if floor is not None and coef[0] < floor:
            amp_only, *_ = np.linalg.lstsq(basis[:, 1:], ys - floor, rcond=None)
            coef = np.asarray([floor, amp_only[0]])
        sse = float(np.sum((basis @ coef - ys) ** 2))
        if best is None or sse < best[0]:
            best = (sse, float(coef[0]), float(coef[1]), float(tau))
    assert best is not None
    sse, plateau, amp, tau = best
    if tau < 0.5 * float(np.min(np.diff(np.unique(xs)))):
        return None
    # Re-express the amplitude at x = 0 rather than at the first point.
    amp *= math.exp(xs[0] / tau)
    return ExpFit(plateau, amp, tau, math.sqrt(sse / xs.size))


def subject_changes(records: Sequence[SessionRecord]) -> list[ChangeWarning]:
    """Sudden changes of one subject, each session against its own condition's baseline.

    Sessions with and without feedback are separate series: walking to shown targets is
    a different condition, so switching between them is not a change of the person's gait.
    Sessions without a subject are skipped (no baseline of their own).
    """
    series: dict[bool | None, list[SessionPoint]] = {}
    every = points(records)
    for p in every:
        if p.subject is not None:
            series.setdefault(p.feedback, []).append(p)
    when = dict(zip((p.id for p in every), session_dates(every), strict=True))
    found = [
        replace(w, when=when.get(w.session_id, ""))
        for pts in series.values()
        for w in sudden_changes(pts)
    ]
    return sorted(found, key=lambda w: (w.started_at, w.session_id))
