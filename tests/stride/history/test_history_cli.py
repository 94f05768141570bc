"""`stride history` and `stride sim recovery --fast` end to end through the command line."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import stride_in_process


def _stride(*args: str) -> subprocess.CompletedProcess[str]:
    """The command through its entry point in this process (``stride_in_process``); the
    last test runs ``stride history`` as a process of its own."""
    return stride_in_process(*args)


@pytest.mark.slow
def test_recovery_then_history_json_and_table(tmp_path: Path) -> None:
    db = str(tmp_path / "h.sqlite")
    common = ("--profile", "antalgic-left:0.5", "--seed", "3", "--fast", "--db", db)
    run = _stride("sim", "recovery", *common, "--subject", "P1", "--weeks", "4", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["sessions"] == 12 and result["mode"] == "fast"
    run = _stride("sim", "recovery", *common, "--subject", "P1", "--weeks", "4", "--no-feedback")
    assert run.returncode == 0 and "stored 12 sessions of P1" in run.stdout
    out = _stride("history", "--db", db, "--subject", "P1", "--json")
    doc = json.loads(out.stdout)
    dates = [s["started_at"] for s in doc["sessions"]]
    assert len(dates) == 24 and dates == sorted(dates)
    s0 = doc["sessions"][0]
    assert s0["source"] == "recovery" and s0["subject"] == "P1"
    assert {"steps", "cadence_spm", "L", "R", "symmetry", "variability"} <= set(s0["summary"])
    assert {s["meta"]["feedback"] for s in doc["sessions"]} == {True, False}
    table = _stride("history", "--db", db, "--subject", "P1")
    assert table.returncode == 0
    assert "Sessions of P1" in table.stdout and "Trend, step-length symmetry index" in table.stdout


def test_history_errors_are_one_line(tmp_path: Path) -> None:
    foreign = tmp_path / "notes.txt"
    foreign.write_text("not a database\n")
    out = _stride("history", "--db", str(foreign))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "not a stride history database" in out.stderr
    out = _stride("sim", "recovery", "--profile", "limping:0.5", "--seed", "1", "--fast",
                  "--db", str(tmp_path / "h.sqlite"))  # fmt: skip
    assert out.returncode == 1 and "unknown gait profile" in out.stderr
    assert not (tmp_path / "h.sqlite").exists()


@pytest.mark.parametrize("blank", ["", "  "])
def test_a_blank_subject_is_refused_as_stride_live_refuses_it(tmp_path: Path, blank: str) -> None:
    """``--subject ""`` read as a history with no sessions (exit 0) and ``history add``
    stored a session under it; ``stride live`` refuses it: so do these, the same way."""
    from stride.history import register_session

    db = tmp_path / "h.sqlite"
    for who in ("P1", "P2"):
        register_session(
            db, subject=who, started_at="2026-01-01T10:00:00", source="sim", summary={}
        )
    out = _stride("history", "--db", str(db), "--subject", blank, "--json")
    assert out.returncode == 1 and out.stdout == "", out.stdout
    assert out.stderr == (
        "stride: error: --subject is blank (give the subject's id, e.g. --subject P01)\n"
    )
    live = _stride("live", "--port", "sim://box", "--subject", blank, "--duration", "1")
    assert live.returncode == 1 and live.stderr == out.stderr, live.stderr
    add = _stride("history", "add", str(tmp_path / "any"), "--db", str(db), "--subject", blank)
    assert add.returncode == 1 and add.stderr == out.stderr, add.stderr


def test_empty_history_says_so(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    import sqlite3

    sqlite3.connect(db).close()  # an empty file: a history with no sessions yet
    out = _stride("history", "--db", str(db))
    assert out.returncode == 0 and "No sessions" in out.stdout


def test_no_history_yet_at_the_default_location(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "STRIDE_HISTORY_DB": str(tmp_path / "never.sqlite")}
    run = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "history", "--json"],
        capture_output=True, text=True, timeout=60, env=env,
    )  # fmt: skip
    assert run.returncode == 0 and json.loads(run.stdout) == {"sessions": [], "warnings": []}
    assert not (tmp_path / "never.sqlite").exists()


def test_the_table_at_80_columns_cuts_no_header_and_tells_same_day_sessions_apart(
    tmp_path: Path, summary: Any
) -> None:
    """Four sessions on one day (and one on another) in a real history file, shown by
    `stride history` as a process of its own on 80 columns: every header whole (``step-l…``
    and ``feedba…`` before), and each same-day row with its local time of day (the rows
    were four identical dates); a lone day keeps its date alone."""
    import os

    from stride.history.db import register_session

    db = tmp_path / "h.sqlite"
    days = ["2026-09-01T07:00:00+00:00", "2026-09-01T10:30:00+00:00",
            "2026-09-01T13:00:00+00:00", "2026-09-01T15:45:00+00:00",
            "2026-09-04T09:00:00+00:00"]  # fmt: skip
    for i, when in enumerate(days):  # "recovery", the longest source, widens its column
        register_session(db, subject="José Ñ 李", started_at=when,
                         source="recovery" if i == 4 else "live",
                         summary=summary(8.0 - i), meta={"feedback": True})  # fmt: skip
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TZ": "UTC"}
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "history", "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    lines = out.stdout.splitlines()
    assert "…" not in out.stdout and max(len(ln) for ln in lines) <= 80
    assert "feedback" in out.stdout and "length" in out.stdout and "target" in out.stdout
    for clock in ("07:00", "10:30", "13:00", "15:45"):
        assert sum(clock in ln for ln in lines) == 1
    assert "2026-09-04" in out.stdout and "09:00" not in out.stdout
    # no cell against a rule of the frame ("│2026-09-01 │", "2.5│"): at 80 columns the
    # outer border goes, not the cells' padding; wider, rich's default frame
    assert not re.search(r"[│┃][^ ━│┃\n]|[^ ━│┃\n][│┃]", out.stdout)
    assert any(ln.startswith(" 2026-09-01 │") for ln in lines)
    env["COLUMNS"] = "100"
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "history", "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    assert not re.search(r"[│┃][^ ━│┃\n]|[^ ━│┃\n][│┃]", out.stdout)
    assert any(ln.startswith("│ 2026-09-01 │") for ln in out.stdout.splitlines())


def test_the_subjects_overview_at_80_columns_folds_a_long_id_whole(
    tmp_path: Path, summary: Any
) -> None:
    """Several subjects: the overview cut a long id to "López-Ferná…" (two such ids read
    alike); it is folded onto more lines, whole."""
    import os

    from stride.history.db import register_session

    db = tmp_path / "h.sqlite"
    long_id = "Ana María López-Fernández"
    for subject in (long_id, "P2"):
        register_session(db, subject=subject, started_at="2026-09-01T09:00:00+00:00",
                         source="live", summary=summary(5.0))  # fmt: skip
    env = {**os.environ, "COLUMNS": "80", "NO_COLOR": "1", "TZ": "UTC"}
    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "history", "--db", str(db)],
        capture_output=True, text=True, env=env, timeout=60, check=True,
    )  # fmt: skip
    assert "Subjects (2 sessions" in out.stdout and "…" not in out.stdout
    cells = "".join(ln.split("│")[1].strip() for ln in out.stdout.splitlines() if "│" in ln)
    assert "López-Fernández" in cells
