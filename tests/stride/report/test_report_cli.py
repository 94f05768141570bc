"""`stride report` through the command line: both forms, and its usage errors (the first
report in a process of its own, as a user runs it; the rest through the entry point in this
process, ``stride_in_process``)."""

from __future__ import annotations

import html
import subprocess
import sys
from collections.abc import Callable
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


def test_a_damaged_recording_analysed_for_the_report_says_so(
    simulated_session: Callable[..., Path], tmp_path: Path
) -> None:
    """Where the report analyses the recording (a target asked for, or no derived tables),
    what reading skipped is said on the page and on stderr, as `stride analyze` says it."""
    rec = simulated_session(tmp_path / "s", minutes=0.5, seed=3)
    box = rec / "streams" / "box.rec"
    raw = bytearray(box.read_bytes())
    mid = len(raw) // 2
    raw[mid : mid + 300] = bytes(b ^ 0x5A for b in raw[mid : mid + 300])
    box.write_bytes(bytes(raw[:-700]))  # a damaged stretch and a torn tail
    analysed = stride_in_process("analyze", str(rec))
    said = [ln for ln in analysed.stderr.splitlines() if "skipped" in ln]
    assert len(said) == 1 and "1 torn" in said[0]
    out = tmp_path / "r.html"
    run = stride_in_process("report", str(rec), "--out", str(out), "--step-length", "0.6")
    assert run.returncode == 0, run.stderr
    assert said[0] in run.stderr.splitlines()
    words = said[0].removeprefix("stride: warning: ")
    assert f'<p class="note">Reading the recording: {html.escape(words)}.</p>' in out.read_text()
    clean = tmp_path / "clean.html"  # a recording read clean has no such note
    fresh = simulated_session(tmp_path / "c", minutes=0.5, seed=3)
    run = stride_in_process("report", str(fresh), "--out", str(clean), "--step-length", "0.6")
    assert run.returncode == 0 and "warning" not in run.stderr
    assert "Reading the recording" not in clean.read_text()


def test_adherence_goal_goes_with_subject_only(session_dir: Path, tmp_path: Path) -> None:
    """A session report has no adherence plot: --adherence-goal there (150 even) was taken
    without a word; it is refused as --db is, a usage error."""
    out = tmp_path / "x.html"
    run = stride_in_process(
        "report", str(session_dir), "--adherence-goal", "150", "--out", str(out)
    )
    assert run.returncode == 2 and "--adherence-goal is only used with --subject" in run.stderr
    assert not out.exists()
