"""Cohort runs that are interrupted: what was stored is said, the same command completes the
cohort without a duplicate, and the workers never outlive their parent (kill -9 too)."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest
from cli_helpers import CMD, env

from stride.cohort.recovery import RecoveryJob, job_keys
from stride.history.db import NewSession, now_iso, prepare_row, row_key

COHORT = ["sim", "recovery", "--profile", "antalgic-left:0.4", "--seed", "5", "--workers", "2"]


def _rows(db: Path) -> tuple[int, int]:
    """(rows, distinct session keys) of a history, read without writing to it."""
    if not db.exists():
        return 0, 0
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        count = con.execute("SELECT count(*), count(DISTINCT session_key) FROM sessions")
        return tuple(count.fetchone())  # type: ignore[return-value]
    except sqlite3.OperationalError:  # not created yet
        return 0, 0
    finally:
        con.close()


def _children(pid: int) -> set[int]:
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def _wait_for(condition: object, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "the condition never came true"
        time.sleep(0.05)


def test_the_key_known_before_a_run_is_the_key_stored() -> None:
    job = RecoveryJob("antalgic-left:0.4", 2, 3, True, 9, 0, 1, "P 1", 5.0,
                      "2026-01-05T09:00:00+00:00", 1.0, 0.6, 0.05)  # fmt: skip
    keys = job_keys([job])[0]
    assert len(keys) == 6 and len(set(keys)) == 6
    new = NewSession("P", "2026-01-05T09:00:00Z", "recovery", {"steps": 3},
                     target={"step_length_m": 0.6}, meta={"seed": 4, "session_index": 2,
                     "impairment": 0.25, "feedback": True})  # fmt: skip
    assert row_key(new) == prepare_row(new, now_iso())[-1] is not None


@pytest.mark.slow
def test_an_interrupted_cohort_says_what_it_stored_and_is_completed_once(
    tmp_path: Path,
) -> None:
    db = tmp_path / "h.sqlite"
    args = [*CMD, *COHORT, "--fast", "--patients", "300", "--db", str(db)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env()
    )
    _wait_for(lambda: _rows(db)[0] > 0 or proc.poll() is not None)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    stored = _rows(db)[0]
    line = err.strip().splitlines()[-1]
    assert line == (
        f"stride: interrupted: stored {stored} of the cohort's 7200 sessions in {db}; run the "
        f"same command again to store the other {7200 - stored}"
    )
    assert 0 < stored < 7200 and "Traceback" not in err
    again = subprocess.run(args, capture_output=True, text=True, env=env(), timeout=600)
    assert again.returncode == 0, again.stderr
    assert f"stored {7200 - stored} sessions" in again.stdout
    assert f"{stored} were stored by an earlier run" in again.stdout
    assert _rows(db) == (7200, 7200)


@pytest.mark.slow
def test_workers_die_with_a_parent_killed_with_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    args = [*CMD, *COHORT, "--patients", "6", "--weeks", "1", "--minutes", "0.5",
            "--db", str(db)]  # fmt: skip
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env())
    _wait_for(lambda: len(_children(proc.pid)) >= 2 or proc.poll() is not None)
    workers = _children(proc.pid)
    assert len(workers) >= 2
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    _wait_for(lambda: not any(Path(f"/proc/{w}").exists() for w in workers), timeout=20)
    again = subprocess.run(args, capture_output=True, text=True, env=env(), timeout=600)
    assert again.returncode == 0, again.stderr
    assert _rows(db) == (18, 18)
