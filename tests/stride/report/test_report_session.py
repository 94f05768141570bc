"""The per-session report: reading the derived tables, rolling symmetry, the page."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.errors import InputError
from stride.report.session import load_session, read_steps_csv, rolling_symmetry, session_report


def test_reads_steps_and_summary(session_dir: Path) -> None:
    data = load_session(session_dir)
    assert len(data.steps) == 110 and not data.analysed_now
    assert data.steps[0]["side"] == "L" and math.isnan(data.steps[0]["stride_time_s"])
    assert data.steps[40]["flags"] == ["gap"]
    assert data.meta["subject"] == "P7"


def test_rolling_symmetry_golden() -> None:
    steps = [
        {"side": "L", "ic_s": 0.0, "x": 0.39},
        {"side": "R", "ic_s": 0.5, "x": 0.25},
        {"side": "L", "ic_s": 1.0, "x": math.nan},
        {"side": "R", "ic_s": 1.5, "x": 0.35},
    ]
    si = rolling_symmetry(steps, "x", window=20)
    assert math.isnan(si[0])
    assert si[1] == pytest.approx(43.75)  # the published worked value
    assert si[2] == pytest.approx(43.75)  # a missing value changes nothing
    assert si[3] == pytest.approx((0.39 - 0.30) / 0.345 * 100)
    assert rolling_symmetry(steps, "x", window=1)[3] == pytest.approx((0.39 - 0.35) / 0.37 * 100)


def test_report_is_self_contained_with_four_plots(session_dir: Path, tmp_path: Path) -> None:
    out = session_report(session_dir, tmp_path / "r.html")
    text = out.read_text()
    assert len(re.findall(r'<img class="plot"[^>]+src="data:image/png;base64,', text)) == 4
    assert not re.search(r'(src|href)="(https?:)?//', text)  # nothing fetched from the network
    assert "Step length against the target" in text and "Event timeline" in text
    assert "1 marked gap (samples missing)" in text and "+13.3" in text and "P7" in text
    # each percentage with its space, the share on target as the CV ("90%" beside "1.8 %")
    assert "<td>steps on target</td><td>90 %</td><td>70 %</td>" in text
    assert "<td>stride-time CV</td><td>1.8 %</td><td>1.9 %</td>" in text


def test_each_symmetry_index_is_judged_against_the_normal_range(
    session_dir: Path, tmp_path: Path
) -> None:
    """The symmetry table gave "+13.3 % (the left step is longer)" with the normal range in
    a sentence under it: each row now says within or outside, with a shape, judged as shown
    (-9.53 is -9.5 %: within), as the dashboard and the session summary do."""
    import json

    summary = json.loads((session_dir / "summary.json").read_text())
    summary["symmetry"]["stance"] = {"si": -9.53, "ratio": 0.909}
    (session_dir / "summary.json").write_text(json.dumps(summary))
    text = session_report(session_dir, tmp_path / "r.html").read_text()
    assert "<th>normal range</th>" in text
    assert re.search(r"<td>step length</td><td>\+13\.3 % [^<]*</td><td>1\.143</td>"
                     r"<td>outside ✗</td>", text)  # fmt: skip
    assert re.search(r"<td>stance</td><td>-9\.5 % [^<]*</td><td>0\.909</td><td>within ✓</td>", text)


def test_flagged_steps_are_named_as_a_person_reads_them(
    session_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The timeline's marks and the sentence below it say what a flag means, not its key in
    steps.csv ("flagged: 6 edge" told a clinician nothing)."""
    from stride.report import plots

    with (session_dir / "steps.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    rows[0]["flags"] = "edge"  # the first step: nothing earlier to measure from
    with (session_dir / "steps.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    assert load_session(session_dir).steps[0]["flags"] == ["edge"]
    marks: list[str] = []
    timeline = plots.timeline

    def spy(stance, flagged, gaps, window):  # type: ignore[no-untyped-def]
        marks.extend(label for side in flagged.values() for _, label in side)
        return timeline(stance, flagged, gaps, window)

    monkeypatch.setattr(plots, "timeline", spy)
    text = session_report(session_dir, tmp_path / "r.html").read_text()
    assert sorted(marks) == ["gap", "start"]
    said = re.search(r"flagged and left out of the summary: ([^<]*)</p>", text)
    assert said and said.group(1) == (
        "1 marked start (no trusted earlier contact to measure from, as at the start of the "
        "record), 1 marked gap (samples missing)."
    )
    assert "edge" not in re.sub(r'src="[^"]*"', "", text)


def test_existing_output_is_refused_unless_forced(session_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("keep me")
    with pytest.raises(InputError, match="already exists"):
        session_report(session_dir, out)
    assert out.read_text() == "keep me"
    session_report(session_dir, out, force=True)
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_bad_inputs_are_clear_errors(tmp_path: Path, session_dir: Path) -> None:
    with pytest.raises(InputError, match="not a session directory"):
        load_session(tmp_path / "absent")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InputError, match="not a steps table"):
        read_steps_csv(bad)
    (session_dir / "summary.json").write_text("[1, 2]")
    with pytest.raises(InputError, match="JSON object"):
        load_session(session_dir)


def test_session_without_steps_still_reports(session_dir: Path, tmp_path: Path) -> None:
    (session_dir / "steps.csv").write_text("side,ic_s\n")
    text = session_report(session_dir, tmp_path / "r.html").read_text()
    assert "No steps were found" in text and "<img" not in text


def test_a_session_with_no_step_measured_has_no_empty_table_or_plot(
    session_dir: Path, tmp_path: Path
) -> None:
    """A few seconds of walking (every step flagged: no trusted earlier contact) once gave
    a "Summary" table of headings alone and three empty axes; what does not apply is left
    out and said once, the timeline of the steps found stays."""
    with (session_dir / "steps.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(("side", "ic_s", "fc_s", "step_length_m", "stride_time_s", "flags"))
        for i in range(5):
            ic = 0.5 + 0.6 * i
            w.writerow(("LR"[i % 2], f"{ic:.2f}", f"{ic + 0.7:.2f}", "", "", "start"))
    (session_dir / "summary.json").write_text('{"steps": 5}')
    text = session_report(session_dir, tmp_path / "r.html").read_text()
    assert "<th>left</th>" not in text  # no table of headings alone
    plots = re.findall(r'<img class="plot" alt="([^"]+)"', text)
    assert plots == ["stance periods and flagged steps"]
    assert "No step was measured" in text
    assert "Symmetry over time" not in text and "Stride-time variability" not in text


def test_garbage_values_in_steps_csv_become_missing(tmp_path: Path) -> None:
    p = tmp_path / "steps.csv"
    p.write_text(
        "side,ic_s,step_length_m,flags\nL,1.0,abc,\nX,2.0,0.5,\nR,,0.5,\nR,3.0,0.5,turn;gap\n"
    )
    rows = read_steps_csv(p)
    assert [r["side"] for r in rows] == ["L", "R"]
    assert np.isnan(rows[0]["step_length_m"]) and rows[1]["flags"] == ["turn", "gap"]


@pytest.mark.slow
def test_recording_without_derived_tables_is_analysed(tmp_path: Path) -> None:
    from sim.params import Feedback, GaitParams
    from sim.session import SessionSpec, simulate_session

    rec = tmp_path / "rec"
    spec = SessionSpec(
        minutes=0.5,
        params=GaitParams(step_time_asym=0.1),
        feedback=Feedback(step_length_m=0.6),
        seed=3,
    )
    simulate_session(rec, spec)
    data = load_session(rec)
    assert data.analysed_now and len(data.steps) > 30
    assert data.summary["target"]["step_length_m"] == 0.6  # from the recording's metadata
    assert data.summary["symmetry"]["step_length"]["si"] > 4.0
    text = session_report(rec, tmp_path / "r.html").read_text()
    assert text.count('<img class="plot"') == 4 and "analysed the recording" in text


@pytest.mark.slow
def test_a_target_asked_for_is_said_as_the_reason_for_analysing_again(tmp_path: Path) -> None:
    """``stride report S --spacing 0.30`` on a session with its steps.csv and summary.json:
    the page said "The derived tables were missing", which they were not."""
    from sim.session import SessionSpec, simulate_session
    from stride.cli.sim import SessionAnalysis
    from stride.core.targets import Target

    rec = tmp_path / "rec"
    simulate_session(rec, SessionSpec(minutes=0.5, seed=3), derive=SessionAnalysis().derive)
    assert (rec / "steps.csv").exists() and (rec / "summary.json").exists()
    text = session_report(rec, tmp_path / "r.html", target=Target(step_length_m=0.6)).read_text()
    assert "were missing" not in text
    assert "Against the target asked for, not the session&#x27;s own" in text
    assert "analysed the recording" not in session_report(rec, tmp_path / "own.html").read_text()


@given(st.text(max_size=300))
def test_steps_csv_parser_fuzz(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    p = tmp_path_factory.mktemp("csv") / "steps.csv"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        rows = read_steps_csv(p)
    except InputError as err:
        assert err.fix
        return
    assert all(r["side"] in ("L", "R") and math.isfinite(r["ic_s"]) for r in rows)


def test_rolling_statistics_golden() -> None:
    from stride.report.plots import rolling_cv, rolling_mean

    x = np.array([1.0, 2.0, np.nan, 4.0, 6.0])
    assert rolling_mean(x, 2).tolist() == [1.0, 1.5, 2.0, 4.0, 5.0]
    cv = rolling_cv(x, 5)
    assert np.isnan(cv[:3]).all()
    # 1, 2, 4: mean 7/3, sample SD sqrt(7/3)
    assert cv[3] == pytest.approx(100 * math.sqrt(7 / 3) / (7 / 3))


def test_a_dfa_alpha_too_short_to_compute_is_said_in_words() -> None:
    """Under 71 strides a foot has no DFA alpha: said as "not computed", never "none"
    (a session report and `stride analyze` printed "DFA alpha L none (47 strides)")."""
    from stride.core.norms import dfa_reading

    both = dfa_reading({"L": None, "R": None, "n": {"L": 47, "R": 46}})
    assert both == (
        "DFA alpha not computed (47 strides left, 46 strides right): fewer than the 600 "
        "strides DFA needs (Damouras et al. 2010)"
    )
    one = dfa_reading({"L": 0.81, "R": None, "n": {"L": 80, "R": 60}})
    assert one.startswith("DFA alpha L 0.81 (80 strides), R not computed (60 strides): fewer")
    assert one.endswith("not to be read as a finding")
    assert "none" not in both + one


def test_an_overground_session_says_its_passes_in_the_header(tmp_path: Path) -> None:
    """Course mode's step lengths come from the passes: the header says how many passes of
    what length and how many were measured, as `stride analyze` does ("course: 9 passes of
    10 m, 9 measured"); a treadmill session has no such row."""
    from stride.report.session import SessionData, _info_rows

    passes = [{"steps": 17, "measured": True}] * 8 + [{"steps": 5, "measured": False}]
    summary = {"steps": 188, "course": {"pass_length_m": 10.0, "passes": passes}}
    rows = dict(_info_rows(SessionData(tmp_path, [], summary, {})))
    assert rows["course"] == "9 passes of 10 m, 8 measured (step lengths from the passes)"
    assert "course" not in dict(_info_rows(SessionData(tmp_path, [], {"steps": 188}, {})))
