"""Smaller faults of issue 17, through the command line: a belt that does not move, an
unbounded --weeks, a recording whose stream file points elsewhere, a stream that is damaged
rather than empty, and --force replacing the history row of the session it overwrites."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride_in_process

from devices.errors import InputError
from devices.recording.layout import FILE_HEAD
from devices.treadmill.fixed import FixedTreadmill, parse_fixed_speed
from stride.history import list_sessions


@pytest.mark.parametrize("speed", ["0kmh", "0.0mps", "0.2kmh", "0mph"])
def test_a_fixed_belt_that_does_not_move_is_refused(speed: str) -> None:
    with pytest.raises(InputError, match=r"below 0\.4 km/h"):
        FixedTreadmill.open(speed)
    assert parse_fixed_speed("0.5kmh") == pytest.approx(0.5 / 3.6)


def test_live_refuses_a_fixed_belt_at_0_kmh(tmp_path: Path) -> None:
    run = stride_in_process(
        "live", "--port", "sim://box", "--treadmill", "fixed:0kmh", "--no-ui", "--duration",
        "2", "--record", str(tmp_path / "r"), "--no-history",
    )  # fmt: skip
    one_line_error(run, "fixed belt speed '0kmh'")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("weeks", ["100000", "521", "99999999999999"])
def test_weeks_are_bounded(tmp_path: Path, weeks: str) -> None:
    run = stride_in_process("sim", "recovery", "--profile", "healthy", "--seed", "1", "--fast",
                 "--weeks", weeks, "--db", str(tmp_path / "h.sqlite"))  # fmt: skip
    one_line_error(run, f"for {weeks} weeks", "--weeks 1..520")
    assert not (tmp_path / "h.sqlite").exists()


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    """``stride sim session --minutes 0.5 --no-history``: a copy of its own."""
    return simulated_session(tmp_path_factory.mktemp("rec") / "s", minutes=0.5)


def _copy(recording: Path, tmp_path: Path) -> Path:
    rec = tmp_path / "copy"
    shutil.copytree(recording, rec)
    return rec


@pytest.mark.parametrize("file", ["/dev/zero", "../../etc/passwd", "streams/../../x.rec"])
def test_analyze_refuses_a_stream_file_outside_the_recording(
    recording: Path, tmp_path: Path, file: str
) -> None:
    rec = _copy(recording, tmp_path)
    meta = json.loads((rec / "session.json").read_text())
    meta["streams"]["box"]["file"] = file
    (rec / "session.json").write_text(json.dumps(meta))
    one_line_error(stride_in_process("analyze", str(rec)), "not a path inside the recording")


def test_analyze_refuses_a_fifo_stream_without_hanging(recording: Path, tmp_path: Path) -> None:
    rec = _copy(recording, tmp_path)
    (rec / "streams" / "box.rec").unlink()
    os.mkfifo(rec / "streams" / "box.rec")
    one_line_error(stride_in_process("analyze", str(rec)), "not a regular file")


def test_zeros_after_a_valid_header_are_damaged_not_empty(recording: Path, tmp_path: Path) -> None:
    rec = _copy(recording, tmp_path)
    box = rec / "streams" / "box.rec"
    raw = box.read_bytes()
    _, _, jlen = FILE_HEAD.unpack_from(raw)
    with box.open("wb") as fh:
        fh.write(raw[: FILE_HEAD.size + jlen])
        fh.truncate(FILE_HEAD.size + jlen + (64 << 20))  # 64 MB of zeros, sparse
    one_line_error(stride_in_process("analyze", str(rec)), "is damaged", str(64 << 20))
    box.write_bytes(raw[: FILE_HEAD.size + jlen])
    one_line_error(stride_in_process("analyze", str(rec)), "is empty")


def test_force_replaces_the_history_row_of_the_session_it_overwrites(tmp_path: Path) -> None:
    db, out = tmp_path / "h.sqlite", tmp_path / "s"
    args = ("sim", "session", "--out", str(out), "--minutes", "0.5", "--db", str(db))
    assert stride_in_process(*args, "--seed", "1").returncode == 0
    run = stride_in_process(*args, "--seed", "2", "--force")
    assert run.returncode == 0, run.stderr
    (only,) = list_sessions(db)
    assert only.recording_path == str(out.resolve())
    assert only.meta["simulated"]["seed"] == 2


@pytest.mark.parametrize(
    "change",
    [
        {"belt_source": "fixed", "fixed_speed_mps": None},
        {"belt_source": "fixed", "fixed_speed_mps": -1.0},
        {"belt_source": "fixes"},
    ],
    ids=["fixed-speed-missing", "fixed-speed-negative", "belt-source-typo"],
)
def test_analyze_and_replay_refuse_a_bad_session_json_alike(
    recording: Path, tmp_path: Path, change: dict[str, object]
) -> None:
    rec = _copy(recording, tmp_path)
    meta = json.loads((rec / "session.json").read_text())
    meta.update(change)
    if change.get("fixed_speed_mps", 0) is None:
        del meta["fixed_speed_mps"]
    (rec / "session.json").write_text(json.dumps(meta))
    analysed = stride_in_process("analyze", str(rec))
    replayed = stride_in_process("replay", str(rec), "--no-ui", "--speed", "max")
    one_line_error(analysed, "corrupt belt source")
    one_line_error(replayed, "corrupt belt source")
    assert analysed.stderr == replayed.stderr
