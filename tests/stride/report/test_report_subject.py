"""The per-subject report, on a history filled by the recovery model's fast path."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from sim.recovery import fast_summary, plan_patient
from stride.errors import InputError
from stride.history import NewSession, register_sessions
from stride.history.trends import NORMAL_SI, ExpFit
from stride.report.subject import _projection, subject_report


def _fill(db: Path, subject: str, feedback: bool) -> None:
    plans = plan_patient(
        "hemiparetic-left:0.8", weeks=6, sessions_per_week=3, feedback=feedback, seed=11,
        start=datetime(2026, 1, 5, 9, tzinfo=UTC),
    )  # fmt: skip
    register_sessions(
        db,
        [
            NewSession(subject, p.started_at, "recovery", fast_summary(p), meta=p.meta())
            for p in plans
        ],
    )


def test_subject_report_with_both_conditions(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    _fill(db, "P1", True)
    _fill(db, "P1", False)
    text = subject_report(db, "P1", tmp_path / "p1.html").read_text()
    # recovery curves, L/R step length by date, adherence, cadence, stride-time CV
    assert len(re.findall(r'<img class="plot"', text)) == 5
    assert "Feedback against no feedback" in text
    assert "<td>feedback</td>" in text and "<td>no feedback</td>" in text
    # what a referrer reads: a signed SI naming the longer side, normal ranges with their
    # sources, one table row per session, the adherence goal; no "-" placeholders
    assert re.search(r"symmetry index [+-]\d+\.\d % \(the (left|right) step is longer\)", text)
    assert "Patterson et al. 2008" in text and "Mobilise-D" in text and "Hausdorff" in text
    assert len(re.findall(r"<td>(with|without) feedback</td>", text)) == 2 * 18
    assert "goal 80 %" not in text  # drawn in the plot, not written
    assert "<td>-</td>" not in text and "<td></td><td></td><td></td>" not in text


def test_subject_report_single_condition_and_unknown_subject(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    _fill(db, "P2", True)
    text = subject_report(db, "P2", tmp_path / "p2.html").read_text()
    assert "all sessions" in text and "Feedback against" not in text
    with pytest.raises(InputError, match="no sessions of subject"):
        subject_report(db, "nobody", tmp_path / "x.html")


def test_projection_sentences() -> None:
    x = np.arange(1.0, 11.0)
    fit = ExpFit(plateau=2.0, amplitude=30.0, tau=4.0, rmse=0.1)
    y = fit(x)
    cross, text = _projection(fit, x, y)
    # 2 + 30 exp(-x/4) = 9.5238  ->  x = 4 ln(30 / 7.5238) = 5.53
    assert cross == pytest.approx(4 * np.log(30 / (NORMAL_SI - 2.0)))
    assert "reached at session 6" in text
    far = ExpFit(plateau=2.0, amplitude=30.0, tau=40.0, rmse=0.1)
    assert "projected at session" in _projection(far, x, far(x))[1]
    stuck = ExpFit(plateau=12.0, amplitude=10.0, tau=3.0, rmse=0.1)
    assert _projection(stuck, x, stuck(x))[0] is None
    assert "not projected" in _projection(stuck, x, stuck(x))[1]
    one = _projection(None, np.array([1.0]), np.array([3.0]))[1]
    assert one == "within the normal range from the first session"
    # without a curve: where |SI| stays within from, never a first within it left again
    x4 = np.arange(1.0, 5.0)
    assert _projection(None, x4, np.array([12.0, 8.0, 11.0, 7.0]))[1].endswith("from session 4")
    assert "does not fall" in _projection(None, x4, np.array([8.0, 7.0, 9.0, 12.0]))[1]
    # a curve within the range from its start says what the sessions say, not "from the first"
    low = ExpFit(plateau=2.0, amplitude=5.0, tau=3.0, rmse=0.1)
    assert _projection(low, x4, np.array([5.0, 12.0, 4.0, 3.0]))[1].endswith("from session 3")
    assert _projection(low, x4, np.array([5.0, 4.0, 3.0, 12.0]))[1] == (
        "outside the normal range at the last session, |SI| 12.0 %"
    )


def test_a_rise_of_asymmetry_is_no_recovery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """|SI| 3.0, 3.5, 2.8, 3.2 then 14.0 %: the best exponential rises (amplitude < 0); the
    report drew it as the "recovery" curve, dotted at 9.5 %, and said "reached at session 5
    (fitted curve crosses 9.5 %)" of a session that left the normal range. Now no curve is
    drawn and the table says |SI| rises, outside the normal range at the last session."""
    from stride.report import plots

    drawn: list[dict[str, object]] = []
    curves = plots.recovery_curves

    def spy(series, fits, normal, projections):  # type: ignore[no-untyped-def]
        drawn.append({"fits": fits, "projections": projections})
        return curves(series, fits, normal, projections)

    monkeypatch.setattr(plots, "recovery_curves", spy)
    db = tmp_path / "h.sqlite"
    sis = ((3.0, 2), (3.5, 4), (2.8, 6), (3.2, 8), (14.0, 10))
    register_sessions(db, [_untargeted(si, d) for si, d in sis])
    text = subject_report(db, "Q", tmp_path / "q.html").read_text()
    assert "reached at session" not in text and "fitted curve crosses" not in text
    assert (
        "no recovery curve: |SI| rises across the sessions: outside the normal range at the "
        "last session, |SI| 14.0 %" in text
    )
    assert drawn == [{"fits": {"all sessions": None}, "projections": {"all sessions": None}}]


def test_a_first_session_is_plotted_on_whole_sessions_and_a_week_of_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A subject's first report (one session in a real history file): the session-number
    axis had ticks 0.96 ... 1.04 and the date axes four years of ticks around the one
    date; now whole session numbers, and dates over a week around the session."""
    from matplotlib.dates import num2date

    from stride.report import plots

    figures: list[object] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"")
    db = tmp_path / "h.sqlite"
    plans = plan_patient("hemiparetic-left:0.8", weeks=1, sessions_per_week=1, feedback=True,
                         seed=11, start=datetime(2026, 1, 5, 9, tzinfo=UTC))  # fmt: skip
    p = plans[0]
    register_sessions(db, [NewSession("P9", p.started_at, "recovery", fast_summary(p), p.meta())])
    subject_report(db, "P9", tmp_path / "p9.html")
    axes = [fig.axes[0] for fig in figures]  # type: ignore[attr-defined]
    numbered = [ax for ax in axes if ax.get_xlabel() == "session number"]
    dated = [ax for ax in axes if ax.get_xlabel() == "session date"]
    assert len(numbered) == 1 and len(dated) >= 2
    ticks = [t for t in numbered[0].get_xticks() if numbered[0].get_xlim()[0] <= t]
    assert ticks and all(float(t).is_integer() for t in ticks)
    for ax in dated:
        lo, hi = (num2date(v) for v in ax.get_xlim())
        assert 6.9 <= (hi - lo).total_seconds() / 86400 <= 7.1


def _untargeted(si: float, day: int) -> NewSession:
    """A session walked without a step-length target (`stride live` without --spacing)."""
    left, right = 0.60 * (1 + si / 200), 0.60 * (1 - si / 200)
    summary = {
        "steps": 48,
        "cadence_spm": 97.5,
        "L": {"step_length_m": {"mean": left, "sd": 0.02, "n": 24}},
        "R": {"step_length_m": {"mean": right, "sd": 0.02, "n": 24}},
        "symmetry": {"step_length": {"si": si, "ga": si, "sa": 0.0, "ratio": left / right}},
        "variability": {"stride_time_cv": {"L": 2.3, "R": 2.5}},
    }
    return NewSession("Q", datetime(2026, 3, day, 9, tzinfo=UTC), "live", summary)


def test_sessions_without_a_target_or_a_trend_report_no_empty_plot_nor_wild_curve(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sessions without a target whose |SI| does not fall (10.1, 9.6, 9.9 %): the
    report drew an adherence plot with no data and axis ticks -0.04 ... 0.04 for dates,
    an empty "steps on target" column, and a fitted curve of tau 0.0 reaching 10^14 %.
    Now it says there is no target, and that no recovery curve fits."""
    from stride.report import plots

    figures: list[object] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"")
    db = tmp_path / "h.sqlite"
    register_sessions(db, [_untargeted(si, d) for si, d in ((10.1, 2), (9.6, 4), (9.9, 6))])
    text = subject_report(db, "Q", tmp_path / "q.html").read_text()
    titles = [fig.axes[0].get_title() for fig in figures]  # type: ignore[attr-defined]
    assert "Share of steps within the target tolerance" not in titles
    assert "No session had a step-length target, so there is no adherence to show." in text
    sessions = text[text.index("<h2>Sessions</h2>") : text.index("<h2>Adherence")]
    assert "steps on target" not in sessions and "condition" not in sessions  # none known
    assert "<td></td>" not in sessions and sessions.count("<td>2026-03-0") == 3
    recovery = figures[titles.index("Recovery of step-length symmetry across sessions")]
    assert recovery.axes[0].get_ylim()[1] < 20  # type: ignore[attr-defined]
    assert "no recovery curve: |SI| does not fall steadily across the sessions" in text
    assert "tau 0.0" not in text and "<td>0.0</td>" not in text


def test_sessions_of_one_day_are_one_point_of_that_day_with_their_number(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sessions on one morning sat at one x of the by-date plots (their hours are
    narrower than a marker on a date axis), the line zigzagging through them: now that day
    is one point, the mean of its sessions, with "×3" beside it and a sentence saying so;
    the sessions table keeps each session with its time of day."""
    from stride.report import plots
    from stride.report.subject import SAME_DAY_TEXT

    figures: list[object] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"")
    sessions = [_untargeted(si, d) for si, d in ((12.0, 2), (10.0, 4), (6.0, 4), (8.0, 4))]
    for k, hour in ((2, 10), (3, 11)):  # the 4th: 09:00, 10:00, 11:00 UTC
        sessions[k] = replace(sessions[k], started_at=datetime(2026, 3, 4, hour, tzinfo=UTC))
    sessions[3].summary["cadence_spm"] = 103.5
    db = tmp_path / "h.sqlite"
    register_sessions(db, sessions)
    text = subject_report(db, "Q", tmp_path / "q.html").read_text()
    assert SAME_DAY_TEXT in text
    sessions_table = text[text.index("<h2>Sessions</h2>") : text.index("<h2>Adherence")]
    for hour in (9, 10, 11):  # in local time, as the table writes it
        assert (
            f"{datetime(2026, 3, 4, hour, tzinfo=UTC).astimezone():%Y-%m-%d %H:%M}"
            in sessions_table
        )
    dated = [f.axes[0] for f in figures if f.axes[0].get_xlabel() == "session date"]  # type: ignore[attr-defined]
    assert len(dated) == 3  # step lengths, cadence, stride CV (no target: no adherence)
    for ax in dated:
        for line in ax.get_lines():
            if len(line.get_xdata()) < 2:
                continue  # a band's or goal's line
            days = [x.date() for x in line.get_xdata()]
            assert len(days) == len(set(days)) == 2, ax.get_title()
    cadence = next(ax for ax in dated if ax.get_title() == "Cadence")
    (line,) = [ln for ln in cadence.get_lines() if len(ln.get_xdata()) == 2]
    assert list(line.get_ydata()) == pytest.approx([97.5, (97.5 * 2 + 103.5) / 3])
    steps = next(ax for ax in dated if "step length" in ax.get_title())
    assert [t.get_text() for t in steps.texts] == ["×3", "×3"]  # left and right
    assert [t.get_text() for t in cadence.texts] == ["×3"]


def test_the_fitted_curve_is_drawn_over_the_sessions_and_on_to_its_projection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Sessions 3-8 (a subject's earlier sessions without symmetry values): the fitted
    curve was drawn from session 0, before any session; now over the sessions' span, and
    beyond the last one only to the session it projects, dashed (a forecast, not a fit)."""
    from stride.report import plots

    figures: list[object] = []
    monkeypatch.setattr(plots, "_png", lambda fig: figures.append(fig) or b"")
    x = np.arange(3.0, 9.0)
    fit = ExpFit(plateau=2.0, amplitude=30.0, tau=10.0, rmse=0.1)
    cross = float(fit.crossing(NORMAL_SI) or 0.0)
    assert cross > 9.0
    plots.recovery_curves({"feedback": (x, fit(x))}, {"feedback": fit}, NORMAL_SI,
                          {"feedback": cross})  # fmt: skip
    lines = figures[0].axes[0].get_lines()  # type: ignore[attr-defined]
    curves = [ln for ln in lines if ln.get_linestyle() in ("-", "--") and len(ln.get_xdata()) > 2]
    fitted = next(ln for ln in curves if ln.get_linestyle() == "-")
    assert min(fitted.get_xdata()) == 3.0 and max(fitted.get_xdata()) == 8.0
    ahead = next(ln for ln in curves if ln.get_linestyle() == "--")
    assert min(ahead.get_xdata()) == 8.0 and max(ahead.get_xdata()) == pytest.approx(cross)


def test_the_last_session_is_named_as_the_sessions_table_names_it(tmp_path: Path) -> None:
    """Two sessions on the last day: "Last session (2026-03-04)" did not say which of the
    two; the table lists them with their times of day, and so does the sentence now."""
    from dataclasses import replace

    db = tmp_path / "h.sqlite"
    morning, evening = _untargeted(3.0, 4), _untargeted(6.0, 4)
    evening = replace(evening, started_at=evening.started_at.replace(hour=17))
    register_sessions(db, [_untargeted(2.0, 2), morning, evening])
    text = subject_report(db, "Q", tmp_path / "q.html").read_text()
    local = evening.started_at.astimezone()
    assert f"Last session ({local:%Y-%m-%d %H:%M}): symmetry index +6.0 %" in text
