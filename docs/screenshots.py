"""Make the screenshots of docs/report.md: a session report and a subject report, rendered by
headless Chromium from reports of simulated data.

Run: ``python docs/screenshots.py`` (needs Debian's chromium; writes docs/images/*.png).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
IMAGES = HERE / "images"


def _session_report(work: Path) -> Path:
    from sim.params import Feedback
    from sim.profiles import parse_profile
    from sim.session import SessionSpec, simulate_session
    from stride.cli.sim import SessionAnalysis
    from stride.report.session import session_report

    prof = parse_profile("antalgic-left:0.5")
    # walking to a 0.60 m target: the report's target rows, band and share on target
    spec = SessionSpec(
        minutes=2.0, speed_mps=0.9, params=prof.params, profile=prof.label, seed=4,
        speed_changes=((60.0, 1.1),), subject="P7", feedback=Feedback(step_length_m=0.6),
    )  # fmt: skip
    # with its steps.csv and summary.json, as `stride sim session` writes them
    simulate_session(work / "session", spec, derive=SessionAnalysis().derive)
    return session_report(work / "session", work / "session.html")


def _subject_report(work: Path) -> Path:
    from sim.recovery import fast_summary, plan_patient
    from stride.history import NewSession, register_sessions
    from stride.report.subject import subject_report

    db = work / "history.sqlite"
    for feedback in (True, False):
        plans = plan_patient(
            "antalgic-right:0.7", weeks=4, sessions_per_week=3, feedback=feedback, seed=2,
            start=datetime(2026, 3, 2, 9, tzinfo=UTC),
        )  # fmt: skip
        register_sessions(
            db, [NewSession("P7", p.started_at, "recovery", fast_summary(p), meta=p.meta())
                 for p in plans],
        )  # fmt: skip
    return subject_report(db, "P7", work / "subject.html")


def screenshot(html: Path, png: Path, height: int) -> None:
    """Chromium's rendering of ``html`` (1000 px wide, ``height`` tall) to ``png``."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    profile = html.parent / "chromium-profile"
    subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--hide-scrollbars", f"--user-data-dir={profile}", f"--window-size=1000,{height}",
         f"--screenshot={png}", html.as_uri()],
        check=True, capture_output=True, timeout=120, env={**os.environ, "HOME": str(profile)},
    )  # fmt: skip


def main() -> None:
    IMAGES.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        screenshot(_session_report(work), IMAGES / "session-report.png", 2750)
        screenshot(_subject_report(work), IMAGES / "subject-report.png", 3400)
    print(f"wrote {IMAGES / 'session-report.png'} and {IMAGES / 'subject-report.png'}")


if __name__ == "__main__":
    main()
