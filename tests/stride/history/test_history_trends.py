"""Trends, the exponential fit and the sudden-change rule, on hand-made sessions."""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from stride.history.db import SessionRecord
from stride.history.metrics import trend_columns
from stride.history.trends import (
    NORMAL_SI,
    SessionPoint,
    fit_exponential,
    points,
    sudden_changes,
    trends,
)


def _pt(i: int, si: float | None) -> SessionPoint:
    return SessionPoint(
        i, "P", f"2026-11-{i + 1:02d}T00:00", "live", 100, 110.0, si, 0.8, 2.0, None
    )


def test_normal_si_matches_ratio_1_1() -> None:
    assert pytest.approx(9.5238, abs=1e-4) == NORMAL_SI


def test_worsening_beyond_the_mdc_and_outside_normal_is_flagged_improvement_is_not() -> None:
    steady = [5.0, 6.0, 5.5, 4.5, 5.0]
    pts = [_pt(i, v) for i, v in enumerate([*steady, 15.0])]
    (w,) = sudden_changes(pts)
    assert w.session_id == 5 and w.kind == "more asymmetric" and w.n_baseline == 5
    assert w.baseline_mean == pytest.approx(5.2)
    assert w.baseline_sd == pytest.approx(math.sqrt(0.325))
    # the SD (0.57) is below the 1-point floor: MDC95 = 1.96 sqrt(2) x 1.0
    assert w.mdc == pytest.approx(2.772, abs=1e-3)
    assert "health professional" in w.message and "left step is longer" in w.message
    assert "outside the normal range" in w.message and "2.8" in w.message
    assert w.as_json()["mdc"] == w.mdc and w.as_json()["message"] == w.message
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, -12.0])])[0].kind == (
        "other side longer"
    )
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, 0.0])]) == []


def test_changes_inside_the_normal_range_are_not_flagged() -> None:
    # 0.7 % to 2.9 %, and even 1 % to 9 %: large against the baseline, but normal
    steady = [0.7, 0.6, 0.8, 0.7]
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, 2.9])]) == []
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, 9.0])]) == []
    assert sudden_changes([_pt(i, v) for i, v in enumerate([*steady, -9.4])]) == []
    assert len(sudden_changes([_pt(i, v) for i, v in enumerate([*steady, 9.6])])) == 1


def test_needs_a_baseline_and_a_change_beyond_the_mdc() -> None:
    assert sudden_changes([_pt(0, 2.0), _pt(1, 2.0), _pt(2, 30.0)]) == []  # 2 sessions only
    flat = [_pt(i, 8.0) for i in range(5)]
    assert sudden_changes([*flat, _pt(5, 10.5)]) == []  # outside normal, within the MDC 2.77
    assert len(sudden_changes([*flat, _pt(5, 10.9)])) == 1
    assert sudden_changes([*flat, _pt(5, None), _pt(6, 8.0)]) == []
    # a subject whose sessions vary a lot needs a larger change
    varied = [_pt(i, v) for i, v in enumerate([12.0, 16.0, 12.0, 16.0])]
    assert sudden_changes([*varied, _pt(4, 20.0)]) == []  # SD 2.3: MDC 6.4, change 6.0
    assert len(sudden_changes([*varied, _pt(4, 21.0)])) == 1


def test_window_uses_only_recent_sessions() -> None:
    recovering = [30.0, 25.0, 20.0, 15.0, 5.0, 5.2, 4.8, 5.1, 4.9, 5.0, 5.0, 4.9]
    pts = [_pt(i, v) for i, v in enumerate([*recovering, 12.0])]
    assert [w.session_id for w in sudden_changes(pts, window=6)] == [12]
    assert sudden_changes(pts, window=12) == []  # the early, asymmetric sessions widen it


def test_trends_slope(summary: Callable[..., dict[str, Any]]) -> None:
    pts = [_pt(i, 10.0 - 2.0 * i) for i in range(4)]
    (si,) = [t for t in trends(pts) if t.metric == "step_length_si"]
    assert (si.first, si.last, si.n) == (10.0, 4.0, 4)
    assert si.slope_per_session == pytest.approx(-2.0)
    # two sessions always fit a line: no slope from them
    assert trends(pts[:2]) == []
    assert {t.metric for t in trends(pts[:3])} >= {"step_length_si"}


def test_points_from_records(summary: Callable[..., dict[str, Any]]) -> None:
    rec = SessionRecord(
        1, "P", "2026", "sim", [], None, summary(4.0, cv=3.0), None, {"feedback": True}
    )
    (p,) = points([rec])
    assert (p.step_length_si, p.stride_time_cv, p.feedback, p.steps) == (4.0, 3.0, True, 200)
    assert trend_columns({}, {}) == (None, None, None, None, None, None)
    assert trend_columns({"target": {"within": {"L": 0.5}}}, {})[3] == 0.5


def test_fit_exponential_golden() -> None:
    x = np.arange(1, 25, dtype=float)
    y = 3.0 + 20.0 * np.exp(-x / 6.0)
    fit = fit_exponential(x, y)
    assert fit is not None
    assert fit.tau == pytest.approx(6.0, rel=0.02)
    assert fit.plateau == pytest.approx(3.0, abs=0.2)
    assert fit.amplitude == pytest.approx(20.0, rel=0.03)
    # 3 + 20 exp(-x/6) = 9.5238  ->  x = -6 ln(6.5238 / 20) = 6.723
    assert fit.crossing(NORMAL_SI) == pytest.approx(6.723, rel=0.03)
    assert fit.crossing(2.0) is None  # below the plateau: never reached
    assert fit_exponential([1, 2], [3, 4]) is None
    assert fit_exponential([1, 1, 1], [3, 4, 5]) is None


def test_fit_exponential_with_noise(rng: np.random.Generator) -> None:
    x = np.arange(0, 30, dtype=float)
    y = 2.0 + 15.0 * np.exp(-x / 8.0) + rng.normal(0, 0.5, x.size)
    fit = fit_exponential(x, y)
    assert fit is not None and 6.0 < fit.tau < 10.5 and fit.rmse < 0.8


def test_a_fitted_absolute_si_never_levels_off_below_zero() -> None:
    """|SI| that reaches 0 within the sessions: the free fit's plateau is negative (a
    subject report printed "plateau |SI| -0.8 %"); with ``floor=0`` it is held at 0 and
    the rest refitted, and a plateau above the floor is left as it was."""
    x = np.arange(1, 41, dtype=float)
    y = np.maximum(13.0 * np.exp(-x / 14.0) - 0.8, 0.0) + 0.05 * np.sin(x)
    free, held = fit_exponential(x, y), fit_exponential(x, y, floor=0.0)
    assert free is not None and free.plateau < -0.5
    assert held is not None and held.plateau == 0.0 and 9.0 < held.tau < 16.0
    assert held.amplitude == pytest.approx(13.0, rel=0.05) and held.rmse < 0.5
    above = 3.0 + 20.0 * np.exp(-x / 6.0)
    assert fit_exponential(x, above, floor=0.0) == fit_exponential(x, above)


def test_a_symmetry_index_of_zero_reads_without_a_sign() -> None:
    """A symmetry index that rounds to zero is "0.0 %", never "-0.0 %"."""
    from stride.report.readable import signed_si

    assert signed_si(-0.04) == "0.0 % (left and right equal)"
    assert signed_si(-0.04, short=True) == "0.0 % (equal)"
    assert signed_si(-0.06, short=True) == "-0.1 % (right longer)"


@pytest.mark.slow
def test_simulated_patients_get_notes_only_for_changes_that_matter() -> None:
    """Recovering patients (the fast model) whose symmetry varies inside the normal range get
    no note; one session made abnormal and far from the patient's baseline gets one."""
    from datetime import UTC, datetime

    from sim.recovery import fast_summary, plan_patient
    from stride.history.trends import subject_changes

    def record(i: int, subject: str, plan: Any, summary: dict[str, Any]) -> SessionRecord:
        return SessionRecord(
            i, subject, plan.started_at.isoformat(), "recovery", [], None, summary, None,
            plan.meta(),
        )  # fmt: skip

    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    notes = 0
    inside = 0
    relapsed: list[SessionRecord] = []
    for k in range(150):
        plans = plan_patient(
            "antalgic-left:0.5", weeks=8, sessions_per_week=3, seed=k, start=start, feedback=True
        )
        recs = [record(i, f"P{k}", p, fast_summary(p)) for i, p in enumerate(plans)]
        sis = [float(r.summary["symmetry"]["step_length"]["si"]) for r in recs]
        inside += sum(abs(a - b) > 2.0 for a, b in itertools.pairwise(sis))
        notes += len(subject_changes(recs))
        if k == 0:
            relapsed = recs
    assert inside > 0  # sessions do move by more than 2 points inside the normal range
    assert notes == 0
    # a relapse in session 20: SI jumps to +16 %, far outside the patient's recent sessions
    summary = json.loads(json.dumps(relapsed[20].summary))
    summary["symmetry"]["step_length"]["si"] = 16.0
    relapsed[20] = record(
        20,
        "P0",
        plan_patient(
            "antalgic-left:0.5", weeks=8, sessions_per_week=3, seed=0, start=start, feedback=True
        )[20],
        summary,
    )
    (note,) = subject_changes(relapsed)
    assert note.session_id == 20 and note.kind == "more asymmetric"


def test_a_note_names_its_session_as_the_history_table_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two sessions on one day, the second far off the subject's baseline: the note named
    it by its date alone, which both sessions share; it now names it as the history table
    does, with its local time of day (a day of one session keeps its date alone)."""
    import time

    from stride.history.trends import session_dates, subject_changes

    monkeypatch.setenv("TZ", "Europe/Madrid")
    time.tzset()
    try:
        sis = [2.0, 3.0, 2.5, 3.5, 2.0, 2.5, 16.0]
        starts = [f"2026-03-0{d}T09:00:00+00:00" for d in range(2, 7)]
        starts += ["2026-03-07T08:30:00+00:00", "2026-03-07T15:45:00+00:00"]
        summaries = [{"steps": 200, "symmetry": {"step_length": {"si": si}}} for si in sis]
        recs = [
            SessionRecord(i, "P1", at, "live", [], None, summary, None, {})
            for i, (at, summary) in enumerate(zip(starts, summaries, strict=True))
        ]
        (note,) = subject_changes(recs)
        table = session_dates(points(recs))
        (alone,) = subject_changes(recs[:5] + recs[6:])  # the morning's session not stored
    finally:
        monkeypatch.undo()
        time.tzset()
    assert table[6] == "2026-03-07 16:45" and note.session_id == 6
    assert "P1's session of 2026-03-07 16:45: " in note.message
    assert "P1's session of 2026-03-07: " in alone.message
