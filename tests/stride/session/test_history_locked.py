"""A history file another program holds locked: stride waits for it (up to 60 s), and says
so at once - which file, and that it waits - then what came of it; it used to be 60 s of
silence before the one line."""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from stride.history import register_session
from stride.history.connect import locked_now
from stride.session import run as run_module
from stride.session.checks import check_history_db
from stride.session.protocols import SessionResult
from stride.session.run import LiveArgs


def _history(tmp_path: Path) -> Path:
    db = tmp_path / "history.sqlite"
    register_session(db, subject="P01", started_at="2026-01-01T10:00:00", source="sim", summary={})
    return db


def _hold(db: Path, seconds: float) -> threading.Event:
    """Another program's write lock on ``db`` for ``seconds``; set once it is held."""
    held = threading.Event()

    def hold() -> None:
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        held.set()
        time.sleep(seconds)
        con.execute("ROLLBACK")
        con.close()

    threading.Thread(target=hold, daemon=True).start()
    assert held.wait(10.0)
    return held


def test_a_locked_history_is_said_at_once_then_its_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _history(tmp_path)
    assert not locked_now(db) and not locked_now(tmp_path / "none.sqlite")
    os.mkfifo(tmp_path / "fifo")  # not a file: not opened for reading (that would block)
    (tmp_path / "text").write_text("not a database")
    assert not locked_now(tmp_path / "fifo") and not locked_now(tmp_path / "text")
    _hold(db, 1.5)
    assert locked_now(db)
    said: list[tuple[float, str]] = []
    start = time.monotonic()
    done = threading.Event()

    def watch() -> None:  # what stderr holds, and when, while the check waits
        while not done.is_set():
            err = capsys.readouterr().err
            if err:
                said.append((time.monotonic() - start, err))
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        check_history_db(db)  # waits for the lock, then passes
    finally:
        done.set()
        watcher.join()
    said.append((time.monotonic() - start, capsys.readouterr().err))
    text = "".join(t for _, t in said)
    waiting = [t for t, err in said if "waiting for history database" in err]
    assert waiting and waiting[0] < 1.0, said  # at once, not when the lock is gone
    assert f"waiting for history database {str(db)!r}: another program holds it locked" in text
    assert "stride waits up to 60 s" in text
    assert "history database free after 1 s: the session starts" in text or (
        "history database free after 2 s: the session starts" in text
    ), text


def test_storing_the_session_in_a_locked_history_says_it_waits(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _history(tmp_path)
    _hold(db, 1.0)
    result = SessionResult({"summary": {"steps": 10}}, {}, tmp_path / "rec", recording_failure=None)
    run_module.register(LiveArgs(port="x", db=db, subject="P02"), result, {}, datetime.now())
    err = capsys.readouterr().err
    assert "stride: note: waiting for history database" in err
    assert "free after" in err and "the session is stored in it" in err
    assert "warning" not in err


def test_an_unlocked_history_says_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = _history(tmp_path)
    check_history_db(db)
    assert capsys.readouterr().err == ""


def test_sim_session_says_it_waits_for_a_locked_history(tmp_path: Path) -> None:
    """``stride sim session`` checks the history before simulating: a locked one was a
    silent wait of up to 60 s."""
    from cli_helpers import stride_in_process  # type: ignore[import-not-found]

    db = _history(tmp_path)
    _hold(db, 1.5)
    run = stride_in_process(
        "sim", "session", "--out", str(tmp_path / "s"), "--minutes", "0.1",
        "--seed", "1", "--db", str(db),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"stride: note: waiting for history database {str(db)!r}" in run.stderr
    assert "free after" in run.stderr and "the session is simulated" in run.stderr
    assert "stored as history session 2" in run.stdout


def test_sim_recovery_says_it_waits_for_a_locked_history(tmp_path: Path) -> None:
    """``stride sim recovery`` checks the history before its cohort: a locked one was a
    silent wait, where ``live`` and ``sim session`` say it."""
    from cli_helpers import stride_in_process  # type: ignore[import-not-found]

    db = _history(tmp_path)
    _hold(db, 1.5)
    run = stride_in_process(
        "sim", "recovery", "--profile", "antalgic-left:0.5", "--seed", "1",
        "--weeks", "1", "--sessions-per-week", "1", "--fast", "--workers", "1", "--db", str(db),
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert f"stride: note: waiting for history database {str(db)!r}" in run.stderr
    assert "free after" in run.stderr and "the cohort is simulated" in run.stderr
