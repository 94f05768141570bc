"""The reports open in a real browser (headless Chromium) and show every plot."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from stride.report.session import session_report


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium is not installed (CI installs Debian's chromium; apt-get install chromium)",
)


def _dump_dom(html: Path, profile: Path) -> str:
    assert CHROMIUM is not None
    cmd = [
        CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--virtual-time-budget=5000", "--dump-dom",
        html.resolve().as_uri(),
    ]  # fmt: skip
    env = {**os.environ, "HOME": str(profile)}
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=90, env=env)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.slow
@needs_chromium
def test_session_report_loads_in_chromium_with_all_plots(session_dir: Path, tmp_path: Path) -> None:
    out = session_report(session_dir, tmp_path / "report.html")
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    m = re.search(r'<body[^>]*data-plots-ok="(\d+)/(\d+)"', dom)
    assert m, "the page's plot check did not run"
    assert m.group(1) == m.group(2) == "4"
    assert '<p id="plot-check"></p>' in dom


@pytest.mark.slow
@needs_chromium
def test_a_broken_plot_is_detected_by_the_page(session_dir: Path, tmp_path: Path) -> None:
    out = session_report(session_dir, tmp_path / "report.html")
    text = out.read_text()
    broken = text.replace("data:image/png;base64,iVBOR", "data:image/png;base64,AAAA", 1)
    out.write_text(broken)
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    assert 'data-plots-ok="3/4"' in dom
    assert '<p id="plot-check">1 plot(s) could not be shown.</p>' in dom


@pytest.mark.slow
@needs_chromium
def test_subject_report_loads_in_chromium_with_all_plots(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sim.recovery import fast_summary, plan_patient
    from stride.history import NewSession, register_sessions
    from stride.report.subject import SAME_DAY_TEXT, subject_report

    db = tmp_path / "h.sqlite"
    for feedback in (True, False):
        plans = plan_patient(
            "antalgic-right:0.7", weeks=4, sessions_per_week=3, feedback=feedback, seed=2,
            start=datetime(2026, 3, 2, 9, tzinfo=UTC),
        )  # fmt: skip
        register_sessions(
            db,
            [
                NewSession("S", p.started_at, "recovery", fast_summary(p), meta=p.meta())
                for p in plans
            ],
        )
    # two more sessions on the fifth session's day: one point for that day, "×3" beside it
    p = plans[4]
    register_sessions(db, [NewSession("S", p.started_at.replace(hour=h), "recovery",
                                      fast_summary(p), meta={**p.meta(), "session_index": h})
                           for h in (13, 16)])  # fmt: skip
    out = subject_report(db, "S", tmp_path / "s.html")
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    m = re.search(r'<body[^>]*data-plots-ok="(\d+)/(\d+)"', dom)
    # recovery curves, L/R step length by date, adherence, cadence, stride-time CV
    assert m and m.group(1) == m.group(2) == "5"
    assert "Progress report: S" in dom and "<td>-</td>" not in dom
    # that day's rows, each with its time of day: both conditions' 09:00, 13:00 and 16:00
    assert SAME_DAY_TEXT in dom and dom.count(f"{p.started_at.astimezone():%Y-%m-%d} ") == 4
    assert re.search(r"[+-]\d+\.\d % \(the (left|right) step is longer\)", dom)
    for heading in ("Left and right step length", "Sessions", "Adherence to the step-length target",
                    "Cadence and stride-time variability"):  # fmt: skip
        assert f"<h2>{heading}</h2>" in dom


@pytest.mark.slow
@needs_chromium
def test_subject_report_without_a_target_loads_in_chromium(tmp_path: Path) -> None:
    """A subject who never walked to a target (``stride live`` without ``--spacing``): the
    page shows every plot it draws, says why adherence is missing, and has no empty cell."""
    from test_report_subject import _untargeted

    from stride.history import register_sessions
    from stride.report.subject import subject_report

    db = tmp_path / "h.sqlite"
    register_sessions(db, [_untargeted(si, d) for si, d in ((10.1, 2), (9.6, 4), (9.9, 6))])
    out = subject_report(db, "Q", tmp_path / "q.html")
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    m = re.search(r'<body[^>]*data-plots-ok="(\d+)/(\d+)"', dom)
    # recovery of symmetry, L/R step length by date, cadence, stride-time CV: no adherence plot
    assert m and m.group(1) == m.group(2) == "4", m and m.group(0)
    assert "No session had a step-length target, so there is no adherence to show." in dom
    assert "<td></td>" not in dom and "<td>-</td>" not in dom
    assert "no recovery curve: |SI| does not fall steadily across the sessions" in dom


@pytest.mark.slow
@needs_chromium
def test_report_of_a_simulated_session_reads_as_a_clinician_needs(tmp_path: Path) -> None:
    """A real recording (simulated, heel and toe sensors, a belt speed change): the report
    shows every plot and names things as a person reads them."""
    from sim.profiles import parse_profile
    from sim.session import SessionSpec, simulate_session

    prof = parse_profile("antalgic-left:0.5")
    spec = SessionSpec(
        minutes=1.0, speed_mps=0.9, params=prof.params, profile=prof.label, seed=4,
        speed_changes=((30.0, 1.1),),
    )  # fmt: skip
    simulate_session(tmp_path / "s", spec)
    out = session_report(tmp_path / "s", tmp_path / "report.html")
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    m = re.search(r'<body[^>]*data-plots-ok="(\d+)/(\d+)"', dom)
    assert m and m.group(1) == m.group(2) == "4"
    assert "<td>-</td>" not in dom and "step_length" not in dom
    for words in ("<td>step length</td>", "<td>loading (force impulse)</td>", "km/h)",
                  "speed change at 30 s", "0.90 m/s (3.2 km/h) to 1.10 m/s (4.0 km/h)",
                  "Patterson et al. 2008", "DFA alpha not computed (",
                  "fewer than the 600 strides"):  # fmt: skip
        assert words in dom, words
    assert re.search(r"[+-]\d+\.\d % \(the (left|right) step is longer\)", dom)
    assert "subject</td>" not in dom  # no subject: no row, not a placeholder
    # the cadence with the healthy range, read in one go (parentheses were nested in it)
    cadence = r"<td>cadence</td><td>\d+\.\d steps/min; healthy adults 90-170 steps/min \("
    assert re.search(cadence, dom)
    assert all(_depth(cell) <= 1 for cell in re.findall(r"<td>([^<]*)</td>", dom))


def _depth(text: str) -> int:
    """How deep parentheses nest in ``text``."""
    depth = deepest = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        deepest = max(deepest, depth)
    return deepest


@pytest.mark.slow
@needs_chromium
def test_a_live_sessions_first_speed_change_is_in_the_report(
    session_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A live session's session.json lists each speed it set ({elapsed_s, mps}), not the
    belt's speed before: the first change (the + key at 20 s) is shown with its new speed
    (it was taken for the starting speed and left out of the table and the plots). Its
    start reads in local time, to the minute (it was the stored ISO text in UTC)."""
    import json
    import time

    monkeypatch.setenv("TZ", "Europe/Madrid")
    time.tzset()
    meta = json.loads((session_dir / "session.json").read_text())
    meta["speed_changes"] = [{"elapsed_s": 20.0, "mps": 1.0}, {"elapsed_s": 40.0, "mps": 1.1}]
    meta["started_utc"] = "2026-12-06T12:57:54.120+00:00"
    (session_dir / "session.json").write_text(json.dumps(meta))
    try:
        out = session_report(session_dir, tmp_path / "report.html")
    finally:
        monkeypatch.undo()
        time.tzset()
    dom = _dump_dom(out, tmp_path / "chromium-profile")
    first = "<td>speed change at 20 s</td><td>to 1.00 m/s (3.6 km/h)</td>"
    second = "<td>speed change at 40 s</td><td>1.00 m/s (3.6 km/h) to 1.10 m/s (4.0 km/h)"
    assert first in dom and second in dom
    assert "<td>started</td><td>2026-12-06 13:57</td>" in dom
    m = re.search(r'<body[^>]*data-plots-ok="(\d+)/(\d+)"', dom)
    assert m and m.group(1) == m.group(2)
