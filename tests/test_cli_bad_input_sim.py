"""Bad input to ``stride sim serve``, ``stride sim recovery`` and WFDB records: one line on
stderr, exit 1, no traceback, nothing on disk changed. And a Ctrl-C during ``stride sim
session`` leaves nothing that looks like a recording.

The refusals are command logic and run in this process (``stride_in_process``), but for one
that runs in a process of its own, as a user's does; the Ctrl-C cases signal a real process.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cli_helpers import CMD as _CMD
from cli_helpers import env as _env
from cli_helpers import one_line_error as _one_line_error
from cli_helpers import stride as _stride_process
from cli_helpers import stride_in_process as _stride

REPO = Path(__file__).resolve().parents[1]
GAITNDD = REPO / "data" / "physionet" / "gaitndd"


def _tree(root: Path) -> dict[str, bytes | None]:
    """Every path under ``root`` with its bytes (None for folders): a snapshot to compare."""
    return {
        str(p.relative_to(root)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(root.rglob("*"))
    }


@pytest.fixture
def notes(tmp_path: Path) -> Path:
    """A plain file that users then name as if it were a folder."""
    p = tmp_path / "notes.txt"
    p.write_text("my notes\n")
    return p


# 1. stride sim serve --seed -1
def test_serve_negative_seed(tmp_path: Path) -> None:
    before = _tree(tmp_path)
    run = _stride_process("sim", "serve", "--dir", str(tmp_path / "x"), "--seed", "-1")
    _one_line_error(run, "seed is negative", "seed >= 0")
    assert _tree(tmp_path) == before  # --dir not even created


# 1b. stride sim session --swing-jitter -5 (the SD of a toe-off's own shift, 0..50 ms)
def test_session_swing_jitter_out_of_range(tmp_path: Path) -> None:
    before = _tree(tmp_path)
    run = _stride(
        "sim", "session", "--out", str(tmp_path / "x"), "--minutes", "0.1", "--no-history",
        "--swing-jitter", "-5",
    )  # fmt: skip
    _one_line_error(run, "--swing-jitter -5.0 ms is outside 0..50", "--swing-jitter 10")
    assert _tree(tmp_path) == before


# 1c. stride sim session --target -1 / --metronome 0: named as the options a user typed, with
# their units, not as the simulator's inner parameters (target step_length_m, metronome_spm)
@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--target", "-1", ["--target -1.0 m is outside 0.1..1.5 m", "--target 0.6"]),
        ("--target", "nan", ["--target nan m is outside"]),
        ("--metronome", "0", ["--metronome 0.0 steps/min is outside 40..200", "--metronome 100"]),
    ],
)
def test_session_feedback_options_out_of_range(
    tmp_path: Path, option: str, value: str, words: list[str]
) -> None:
    before = _tree(tmp_path)
    run = _stride(
        "sim", "session", "--out", str(tmp_path / "x"), "--minutes", "0.1", "--no-history",
        option, value,
    )  # fmt: skip
    _one_line_error(run, *words)
    assert "step_length_m" not in run.stderr and "metronome_spm" not in run.stderr
    assert _tree(tmp_path) == before


# 2. stride sim recovery --seed -1
def test_recovery_negative_seed(tmp_path: Path) -> None:
    before = _tree(tmp_path)
    run = _stride(
        "sim", "recovery", "--profile", "antalgic-left:0.3", "--seed", "-1", "--fast",
        "--db", str(tmp_path / "r.sqlite"),
    )  # fmt: skip
    _one_line_error(run, "seed is negative", "seed >= 0")
    assert _tree(tmp_path) == before


# 3. stride sim recovery --recordings FILE/recs
def test_recovery_recordings_under_a_file(tmp_path: Path, notes: Path) -> None:
    before = _tree(tmp_path)
    run = _stride(
        "sim", "recovery", "--profile", "antalgic-left:0.3", "--seed", "1",
        "--weeks", "1", "--sessions-per-week", "1", "--minutes", "0.5",
        "--recordings", str(notes / "recs"), "--db", str(tmp_path / "r.sqlite"),
    )  # fmt: skip
    _one_line_error(run, str(notes), "not a directory")
    assert _tree(tmp_path) == before  # refused before the history or any simulation


# 3b. stride sim recovery --recordings DIR where DIR/SUBJECT-s001 holds another recording:
# refused, nothing replaced, and the fix names what this command takes (it has no --force)
def test_recovery_recordings_taken_by_another(tmp_path: Path) -> None:
    taken = tmp_path / "recs" / "P9-s001"
    taken.mkdir(parents=True)
    (taken / "notes.txt").write_text("another recording\n")
    before = _tree(tmp_path / "recs")
    run = _stride(
        "sim", "recovery", "--profile", "antalgic-left:0.3", "--seed", "1", "--subject", "P9",
        "--weeks", "1", "--sessions-per-week", "1", "--minutes", "0.5", "--workers", "1",
        "--recordings", str(tmp_path / "recs"), "--db", str(tmp_path / "r.sqlite"),
    )  # fmt: skip
    assert run.returncode == 1 and "Traceback" not in run.stderr
    last = run.stderr.strip().splitlines()[-1]  # after the progress bar's line
    assert last.startswith("stride: error: ") and str(taken) in last, run.stderr
    assert "another --recordings folder" in last and "--force" not in run.stderr
    assert _tree(tmp_path / "recs") == before


# 4. stride sim recovery --workers 0 / -3
@pytest.mark.parametrize("workers", ["0", "-3"])
def test_recovery_workers_below_one(tmp_path: Path, workers: str) -> None:
    before = _tree(tmp_path)
    run = _stride(
        "sim", "recovery", "--profile", "antalgic-left:0.3", "--seed", "1", "--fast",
        "--weeks", "1", "--workers", workers, "--db", str(tmp_path / "r.sqlite"),
    )  # fmt: skip
    _one_line_error(run, "--workers must be >= 1", workers)
    assert _tree(tmp_path) == before


# 5. stride sim serve --dir FILE/x
def test_serve_dir_under_a_file(tmp_path: Path, notes: Path) -> None:
    before = _tree(tmp_path)
    run = _stride("sim", "serve", "--dir", str(notes / "x"))
    _one_line_error(run, str(notes / "x"), "--dir")
    assert _tree(tmp_path) == before


def test_serve_dir_is_a_file(tmp_path: Path, notes: Path) -> None:
    before = _tree(tmp_path)
    _one_line_error(_stride("sim", "serve", "--dir", str(notes)), str(notes), "not a directory")
    assert _tree(tmp_path) == before


# 6. WFDB: a negative sample count; a signal "file" that is a directory
def _record_copy(tmp_path: Path) -> Path:
    for ext in ("hea", "let", "rit"):
        shutil.copy(GAITNDD / f"control1.{ext}", tmp_path / f"control1.{ext}")
    return tmp_path / "control1.hea"


def test_wfdb_negative_sample_count(tmp_path: Path) -> None:
    hea = _record_copy(tmp_path)
    lines = hea.read_text().splitlines(keepends=True)
    hea.write_text("control1 2 300 -5\n" + "".join(lines[1:]))
    before = _tree(tmp_path)
    run = _stride("analyze", str(hea))
    _one_line_error(run, "sample count -5 is not valid", str(hea))
    assert _tree(tmp_path) == before


def test_wfdb_non_numeric_sample_count(tmp_path: Path) -> None:
    from stride.errors import InputError
    from stride.readers.wfdb import read_wfdb

    hea = _record_copy(tmp_path)
    lines = hea.read_text().splitlines(keepends=True)
    hea.write_text("control1 2 300 9e4\n" + "".join(lines[1:]))
    with pytest.raises(InputError, match="sample count 9e4 is not valid"):
        read_wfdb(hea)


def test_wfdb_signal_file_is_a_directory(tmp_path: Path) -> None:
    hea = _record_copy(tmp_path)
    (tmp_path / "control1.let").unlink()
    (tmp_path / "control1.let").mkdir()
    before = _tree(tmp_path)
    run = _stride("analyze", str(hea))
    _one_line_error(run, "control1.let", "is a directory")
    assert "missing" not in run.stderr
    assert _tree(tmp_path) == before


# 7. Ctrl-C during stride sim session
def _interrupt_session(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Start a long simulation, SIGINT it once its directory exists, return how it ended.
    Four hours of walking take half a minute to simulate on a quiet machine: a test process
    starved on a loaded one still signals well inside it."""
    proc = subprocess.Popen(
        [*_CMD, "sim", "session", "--minutes", "240", "--out", str(out), "--no-history", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=_env(),
    )
    try:
        deadline = time.monotonic() + 60
        while not (out / "session.json").exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the session directory never appeared"
            time.sleep(0.02)
        time.sleep(0.3)  # inside the simulation
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _interrupted(run: subprocess.CompletedProcess[str]) -> None:
    assert run.returncode == 130, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert lines == ["stride: interrupted: nothing written"], run.stderr


def test_sigint_removes_the_new_session(tmp_path: Path) -> None:
    out = tmp_path / "new" / "D"
    run = _interrupt_session(out)
    _interrupted(run)
    assert not (tmp_path / "new").exists()  # every folder this run created is gone
    assert list(tmp_path.iterdir()) == []


def test_sigint_keeps_what_was_there(tmp_path: Path) -> None:
    out = tmp_path / "D"
    out.mkdir()
    (out / "notes.txt").write_text("mine\n")  # not a session: --force leaves it alone
    run = _interrupt_session(out, "--force")
    _interrupted(run)
    assert _tree(out) == {"notes.txt": b"mine\n"}
