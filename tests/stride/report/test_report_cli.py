"""`stride report` through the command line: both forms, and its usage errors (the first
report in a process of its own, as a user runs it; the rest through the entry point in this
process, ``stride_in_process``)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli_helpers import stride_in_process


def _stride(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "stride.cli.app", *args], capture_output=True, text=True, timeout=120
    )


def test_session_report_command(session_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.html"
    run = _stride("report", str(session_dir), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert out.read_text().count('<img class="plot"') == 4
    again = stride_in_process("report", str(session_dir), "--out", str(out))
    assert again.returncode == 1 and "already exists" in again.stderr


def test_report_needs_exactly_one_source(session_dir: Path, tmp_path: Path) -> None:
    neither = stride_in_process("report", "--out", str(tmp_path / "x.html"))
    both = stride_in_process(
        "report", str(session_dir), "--subject", "P", "--out", str(tmp_path / "x.html")
    )
    for run in (neither, both):
        assert run.returncode == 2 and "either a SESSION_DIR or --subject" in run.stderr
    missing = stride_in_process("report", "--subject", "P", "--db", str(tmp_path / "none.sqlite"))
    assert missing.returncode == 1 and "no history database" in missing.stderr


def test_adherence_goal_is_a_share_of_steps(tmp_path: Path) -> None:
    for bad in ("0", "120", "-5"):
        where = ["--db", str(tmp_path / "h.sqlite"), "--out", str(tmp_path / "x.html")]
        run = stride_in_process("report", "--subject", "P", "--adherence-goal", bad, *where)
        assert run.returncode == 2 and "share of steps" in run.stderr, run.stderr
