"""``stride sim`` on the command line: bad rates refused in one line, history registration."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import stride_in_process

from devices.errors import InputError
from sim.box import RATE_MAX_HZ, RATE_MIN_HZ, BoxConfig, check_rate
from sim.urlhandler.protocol_sim import parse_sim_url
from sim.world import WorldOptions


def _process(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The installed CLI as a user runs it (own process: exit code, stderr, no traceback)."""
    code = "import sys; from stride.cli.app import main; sys.argv[0] = 'stride'; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def _stride(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command's logic through its entry point in this process (``stride_in_process``:
    the same exit code and stderr; one refusal below runs as a process of its own)."""
    if args[-2:] == ("--rate", "10"):
        return _process(*args, cwd=cwd)
    return stride_in_process(*args, cwd=cwd)


def test_rate_limits_follow_protocol_v1() -> None:
    # uint16 microseconds of sample period, uint16 Hz in HELLO
    assert round(1e6 / RATE_MIN_HZ) <= 0xFFFF < round(1e6 / (RATE_MIN_HZ - 1))
    assert RATE_MAX_HZ == 0xFFFF
    for ok in (RATE_MIN_HZ, 100, 1000, RATE_MAX_HZ):
        assert check_rate(ok) == ok
        assert BoxConfig(rate_hz=ok).period_us <= 0xFFFF
    for bad in (0, 10, 15, RATE_MAX_HZ + 1, -1000):
        with pytest.raises(InputError, match=f"{RATE_MIN_HZ}..{RATE_MAX_HZ} Hz"):
            BoxConfig(rate_hz=bad)
        with pytest.raises(InputError, match="sample rate"):
            WorldOptions(rate_hz=bad)
        with pytest.raises(InputError, match=f"{RATE_MIN_HZ}..{RATE_MAX_HZ} Hz"):
            parse_sim_url(f"sim://box?rate={bad}")
    with pytest.raises(InputError, match="whole number"):
        check_rate(1000.5)  # type: ignore[arg-type]


def test_lowest_rate_encodes_and_simulates(tmp_path: Path) -> None:
    from sim.cli_support import run_session

    line = run_session(
        out=tmp_path / "slow", minutes=0.1, speed="3.6kmh", profile="healthy", seed=1, rate=16
    )
    assert "at 16 Hz" in line
    assert (tmp_path / "slow" / "truth_steps.csv").stat().st_size > 0


@pytest.mark.parametrize("rate", ["10", "15", "70000"])
def test_cli_refuses_unencodable_rate_in_one_line(tmp_path: Path, rate: str) -> None:
    out = _stride(
        "sim", "session", "--out", str(tmp_path / "s"), "--minutes", "0.1", "--rate", rate,
        cwd=tmp_path,
    )  # fmt: skip
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert f"sample rate {rate} Hz" in lines[0] and "16..65535 Hz" in lines[0]
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "s").exists()  # refused before anything is written


def _session_args(out: Path, *more: str) -> list[str]:
    return [
        "sim",
        "session",
        "--out",
        str(out),
        "--minutes",
        "0.4",
        "--seed",
        "5",
        "--rate",
        "500",
        *more,
    ]


def test_sim_session_is_analysed_and_registered_with_its_subject(tmp_path: Path) -> None:
    from stride.analysis import document, run
    from stride.core.analyzer import AnalysisConfig
    from stride.history import list_sessions

    out, db = tmp_path / "s", tmp_path / "h.sqlite"
    args = ("--profile", "antalgic-left:0.4", "--target", "0.6")
    done = _stride(*_session_args(out, *args, "--subject", "P07", "--db", str(db)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    meta = json.loads((out / "session.json").read_text())
    assert meta["subject"] == "P07"
    assert {"steps.csv", "summary.json", "truth_steps.csv"} <= set(meta["files"])
    summary = json.loads((out / "summary.json").read_text())
    with (out / "steps.csv").open() as f:
        assert len(list(csv.DictReader(f))) == summary["steps"] > 20
    # the same analysis as `stride analyze` of the recording
    again = document(run(out, AnalysisConfig())[1])["summary"]
    assert json.loads(json.dumps(again)) == summary
    (stored,) = list_sessions(db)
    assert (stored.subject, stored.source) == ("P07", "sim")
    assert stored.summary == summary
    assert stored.summary["target"]["step_length_m"] == 0.6
    assert stored.recording_path == str(out.resolve())
    assert stored.devices == meta["devices"]
    assert f"history session {stored.id} (P07)" in done.stdout


def test_no_history_and_force_replace_the_derived_files(tmp_path: Path) -> None:
    out, db = tmp_path / "s", tmp_path / "h.sqlite"
    first = _stride(*_session_args(out, "--no-history", "--db", str(db)), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert not db.exists()
    old = json.loads((out / "summary.json").read_text())
    second = _stride(
        *_session_args(out, "--no-history", "--force", "--profile", "parkinsonian:0.6"),
        cwd=tmp_path,
    )
    assert second.returncode == 0, second.stderr
    new = json.loads((out / "summary.json").read_text())
    assert new != old  # a new session's summary, not the stale one
    assert json.loads((out / "session.json").read_text())["subject"] is None


def test_foreign_history_is_refused_before_simulating(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_bytes(b"not a database, someone's notes\n" * 50)
    out = _stride(*_session_args(tmp_path / "s", "--db", str(db)), cwd=tmp_path)
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
    assert not (tmp_path / "s").exists()
    assert db.read_bytes().startswith(b"not a database")


def test_full_recovery_recordings_carry_the_subject(tmp_path: Path) -> None:
    recs, db = tmp_path / "recs", tmp_path / "h.sqlite"
    done = _stride(
        "sim", "recovery", "--profile", "antalgic-left:0.5", "--weeks", "1",
        "--sessions-per-week", "1", "--minutes", "0.5", "--seed", "3", "--subject", "R9",
        "--db", str(db), "--recordings", str(recs), "--workers", "1",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    metas = [json.loads(p.read_text()) for p in recs.glob("*/session.json")]
    assert len(metas) == 1 and metas[0]["subject"] == "R9"
