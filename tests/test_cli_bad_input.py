"""Bad input to the session commands gets one line on stderr and exit 1 (2 for usage).

Each case is what a user can type: a file where a directory is expected, contradictory
options, a nonsense seed or profile, a history file that is not ours, a recording whose
stream file is missing, foreign, empty or torn. Nothing on disk may change on refusal.

Most cases run through the console entry point in this process (``stride_in_process``): what
they test is the message and exit code, not the process, and a process start-up costs
seconds each. These stay a real ``stride`` process (``_process``), so the path a user's
shell sees stays tested:

- a toolkit error refused before a session (``demo --record FILE``): the entry point turns it
  into one line and exit 1 and the interpreter prints no traceback of its own;
- a usage error (``report DIR --db``): click's exit 2 and usage text as a process ends;
- an error raised while a session runs (``replay`` of a recording whose stream is missing):
  the session's threads and the interpreter's shutdown add nothing to stderr.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from cli_helpers import one_line_error as _one_line_error
from cli_helpers import stride as _process
from cli_helpers import stride_in_process as _stride
from cli_helpers import without_kernel_notice

from devices.errors import InputError
from devices.recording import SessionReader


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short simulated session directory (sensor-box stream only)."""
    out = tmp_path_factory.mktemp("rec") / "s"
    run = _stride("sim", "session", "--out", str(out), "--minutes", "0.1", "--seed", "3")
    assert run.returncode == 0, run.stderr
    return out


def _copy(recording: Path, tmp_path: Path) -> tuple[Path, Path]:
    rec = tmp_path / "copy"
    shutil.copytree(recording, rec)
    return rec, rec / "streams" / "box.rec"


# -- demo / live ------------------------------------------------------------------------
@pytest.mark.parametrize("command", [["demo"], ["live", "--port", "sim://box"]])
def test_record_and_no_record_together_is_a_usage_error(command: list[str], tmp_path: Path) -> None:
    run = _stride(*command, "--record", str(tmp_path / "r"), "--no-record", "--no-ui")
    assert run.returncode == 2, run.stderr
    assert "--no-record" in run.stderr and "Traceback" not in run.stderr
    assert not (tmp_path / "r").exists()


def test_demo_record_path_that_is_a_file_is_refused_untouched(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    run = _process("demo", "--no-ui", "--duration", "1", "--record", str(target), "--no-history")
    _one_line_error(run, "not a directory")
    assert target.read_text() == "keep me"


def test_live_record_path_that_is_a_file_is_refused_even_with_force(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    run = _stride(
        "live", "--port", "sim://box", "--record", str(target), "--force", "--no-ui",
        "--duration", "1", "--no-history",
    )  # fmt: skip
    _one_line_error(run, "not a directory")
    assert target.read_text() == "keep me"


@pytest.mark.parametrize(
    ("option", "value", "words"),
    [
        ("--seed", "-1", ["--seed -1"]),
        ("--profile", "nosuch:0.3", ["unknown gait profile"]),
        ("--profile", "antalgic-left:2", ["severity"]),
    ],
)
def test_demo_world_options_are_checked_before_any_port(
    option: str, value: str, words: list[str], tmp_path: Path
) -> None:
    rec = tmp_path / "r"
    run = _stride("demo", "--no-ui", "--duration", "1", option, value, "--record", str(rec))
    _one_line_error(run, *words)
    assert "port" not in run.stderr and "cable" not in run.stderr
    assert not rec.exists()


def test_live_zero_baud_is_refused(tmp_path: Path) -> None:
    run = _stride(
        "live", "--port", "sim://box", "--baud", "0", "--no-ui", "--duration", "1",
        "--no-record", "--no-history",
    )  # fmt: skip
    _one_line_error(run, "--baud 0")


def test_demo_bad_history_file_is_refused_before_the_session(tmp_path: Path) -> None:
    db = tmp_path / "notes.db"
    db.write_text("not a database")
    before = db.stat().st_mtime_ns
    rec = tmp_path / "r"
    run = _stride("demo", "--no-ui", "--duration", "1", "--record", str(rec), "--db", str(db))
    _one_line_error(run, "not a stride history database")
    assert db.read_text() == "not a database" and db.stat().st_mtime_ns == before
    assert not rec.exists()  # refused before anything was recorded


# -- replay ------------------------------------------------------------------------------
def test_replay_missing_stream_file(recording: Path, tmp_path: Path) -> None:
    rec, box = _copy(recording, tmp_path)
    box.unlink()
    _one_line_error(_process("replay", str(rec), "--no-ui", "--speed", "max"), "missing")


@pytest.mark.parametrize(
    ("content", "said"),
    [(b"", "is empty"), (b"STRDSTR", "cut short in its header (7 bytes)"),
     (b"\x00garbage" * 100, "does not start as one")],
)  # fmt: skip
def test_replay_foreign_or_empty_stream_file(
    content: bytes, said: str, recording: Path, tmp_path: Path
) -> None:
    rec, box = _copy(recording, tmp_path)
    box.write_bytes(content)
    run = _stride("replay", str(rec), "--no-ui", "--speed", "max")
    _one_line_error(run, "not a stride stream file", said)
    assert box.read_bytes() == content


def test_replay_stream_without_any_intact_chunk(recording: Path, tmp_path: Path) -> None:
    from devices.recording.layout import FILE_HEAD

    rec, box = _copy(recording, tmp_path)
    raw = box.read_bytes()
    _, _, json_len = FILE_HEAD.unpack_from(raw)
    box.write_bytes(raw[: FILE_HEAD.size + json_len + 10])  # header + a torn first chunk
    run = _stride("replay", str(rec), "--no-ui", "--speed", "max")
    _one_line_error(run, "is damaged: none of its 10 bytes after the header")


def test_replay_torn_stream_is_replayed_with_a_visible_warning(
    recording: Path, tmp_path: Path
) -> None:
    rec, box = _copy(recording, tmp_path)
    raw = box.read_bytes()
    box.write_bytes(raw[: len(raw) - 7])  # the process died mid-write of the last chunk
    run = _stride("replay", str(rec), "--no-ui", "--speed", "max")
    assert run.returncode == 0, run.stderr
    warnings = [ln for ln in run.stderr.splitlines() if ln.startswith("stride: warning:")]
    assert len(warnings) == 1 and "1 torn" in warnings[0]


@pytest.mark.parametrize("size", [3000, 30000])
def test_a_torn_replay_without_strides_ends_as_analyze_does(
    recording: Path, tmp_path: Path, size: int
) -> None:
    """Torn a moment in (a few frames, no stride; 3 steps at the edges for 30000 bytes):
    analyze exits 1 with one line saying the damage, replay exited 0 with an empty summary.
    Now the same line ends the replay, after what it said as it started."""
    rec, box = _copy(recording, tmp_path)
    os.truncate(box, size)
    analysed = _stride("analyze", str(rec))
    _one_line_error(analysed, "no usable strides", "1 torn")
    run = _stride("replay", str(rec), "--no-ui", "--speed", "max", "--json")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    lines = without_kernel_notice(run.stderr).strip().splitlines()
    assert lines[-1].replace("is replayed", "is analysed") == analysed.stderr.strip()
    assert all(ln.startswith("stride: warning: ") for ln in lines[:-1]), run.stderr
    assert all('"summary"' not in ln for ln in run.stdout.splitlines())  # no final document


def test_replay_of_a_stream_that_decodes_to_nothing_is_refused_as_analyze_refuses_it(
    recording: Path, tmp_path: Path
) -> None:
    from devices.recording.writer import StreamRecorder

    rec, box = _copy(recording, tmp_path)
    chunks = list(SessionReader(rec).chunks("box"))
    box.unlink()
    out = StreamRecorder(box, "box", "sensorbox-v1", sync_interval=60.0)
    for host_t, data in chunks:  # another device's text lines where the box's frames were
        out.append(b"T=21.5,H=40\n" * (len(data) // 12 + 1), host_t)
    out.close()
    assert _stride("analyze", str(rec)).returncode == 1
    run = _stride("replay", str(rec), "--no-ui", "--speed", "max")
    assert run.returncode == 1 and run.stdout == "", run.stderr
    assert run.stderr.strip().splitlines()[-1].startswith("stride: error: ")
    assert "decodes to no frame" in run.stderr and "nothing to replay" in run.stderr
    assert "cable" not in run.stderr and "--baud" not in run.stderr


def test_reader_names_a_missing_stream_file(recording: Path, tmp_path: Path) -> None:
    rec, box = _copy(recording, tmp_path)
    box.unlink()
    with pytest.raises(InputError, match="stream file of this recording is missing"):
        SessionReader(rec).read_stream("box")
    box.mkdir()
    with pytest.raises(InputError, match="is a directory"):
        SessionReader(rec).read_stream("box")


# -- report ------------------------------------------------------------------------------
def test_report_of_a_folder_that_is_no_recording_names_what_report_takes(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    out = tmp_path / "r.html"
    run = _stride("report", str(folder), "--out", str(out))
    _one_line_error(run, "not a session recording", "stride live", "stride analyze")
    assert ".hea" not in run.stderr and ".txt" not in run.stderr
    assert not out.exists()


def test_report_db_with_session_dir_is_a_usage_error(recording: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    run = _process("report", str(recording), "--db", str(tmp_path / "h.sqlite"), "--out", str(out))
    assert run.returncode == 2 and "--db is only used with --subject" in run.stderr
    assert not out.exists()


# -- ports, history ----------------------------------------------------------------------
def test_a_file_or_folder_given_as_port_is_named_so(tmp_path: Path) -> None:
    from devices.errors import DeviceError
    from devices.transport import open_serial

    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    for path, what in ((notes, "a regular file"), (tmp_path, "a directory")):
        with pytest.raises(DeviceError, match=f"is {what}, not a serial port"):
            open_serial(str(path), baudrate=115200, timeout=0.1)


def test_live_port_that_is_a_file_is_one_line(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    run = _stride(
        "live", "--port", str(notes), "--no-ui", "--duration", "1", "--no-record", "--no-history"
    )
    _one_line_error(run, "not a serial port")
    assert notes.read_text() == "x"


def test_live_blank_subject_is_refused() -> None:
    run = _stride(
        "live", "--port", "sim://box", "--subject", " ", "--no-ui", "--duration", "1",
        "--no-record", "--no-history",
    )  # fmt: skip
    _one_line_error(run, "--subject is blank")


def test_damaged_history_is_refused_before_the_session(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from stride.history import register_session
    from stride.session.checks import check_history_db

    db = tmp_path / "h.sqlite"
    register_session(
        db,
        subject="P1",
        started_at=datetime(2026, 1, 5, tzinfo=UTC),
        source="live",
        devices=[],
        target={},
        summary={"steps": 10},
        recording_path=None,
        meta={},
    )
    check_history_db(db)  # a healthy file passes
    raw = bytearray(db.read_bytes())
    raw[200:4000] = b"\xff" * 3800  # damaged pages behind an intact header
    db.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="damaged"):
        check_history_db(db)
    assert db.read_bytes() == bytes(raw)


# -- report of a session whose derived tables were edited or damaged ------------------------
def test_report_survives_wrong_types_in_summary_and_missing_columns(tmp_path: Path) -> None:
    session = tmp_path / "s"
    session.mkdir()
    (session / "session.json").write_text('{"format": "stride-session", "gaps": 5}')
    (session / "summary.json").write_text(
        '{"steps": 4, "L": 5, "R": [1], "symmetry": "bad", "target": {"step_length_m": "x"},'
        ' "variability": {"stride_time_cv": 3}, "belt_speed_mps": "fast"}'
    )
    # no fc_s/stance columns at all, and a nonsense side that must be left out
    (session / "steps.csv").write_text(
        "side,ic_s,step_length_m\nL,1,0.5\nR,2,inf\nL,3,0.6\nR,4,0.55\nX,5,0.5\n"
    )
    out = tmp_path / "r.html"
    run = _stride("report", str(session), "--out", str(out))
    assert run.returncode == 0, run.stderr
    html = out.read_text()
    assert "Session report: s" in html and "has no figure per side" in html
    # no stride times: no empty stride-time plot (the step lengths, symmetry and timeline)
    assert html.count('<img class="plot"') == 3 and "rolling CV" not in html


def test_report_steps_table_without_required_columns_is_one_line(tmp_path: Path) -> None:
    session = tmp_path / "s"
    session.mkdir()
    (session / "summary.json").write_text("{}")
    (session / "steps.csv").write_text("foo,bar\n1,2\n")
    out = tmp_path / "r.html"
    _one_line_error(_stride("report", str(session), "--out", str(out)), "not a steps table")
    assert not out.exists()


def test_report_existing_out_is_refused_before_any_analysis(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    out.write_text("earlier report")
    before = out.stat().st_mtime_ns
    # The session is not even readable: the --out problem is named first, without work.
    run = _stride("report", str(tmp_path / "no-such-session"), "--out", str(out))
    _one_line_error(run, "already exists", "--force")
    assert out.read_text() == "earlier report" and out.stat().st_mtime_ns == before


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--port", " "], ["--port is empty"]),
        (["--port", "sim://box?nonsense=1"], ["bad sim:// URL", "docs/simulation.md"]),
        (["--port", "sim://box", "--treadmill", "box:/dev/ttyUSB0"], ["takes no port"]),
        (["--port", "sim://box", "--treadmill", "box?stale_after=-1"], ["stale_after"]),
    ],
)
def test_live_port_and_treadmill_specs_are_checked(options: list[str], words: list[str]) -> None:
    run = _stride("live", *options, "--no-ui", "--duration", "1", "--no-record", "--no-history")
    _one_line_error(run, *words)
    assert "cable" not in run.stderr  # a typing mistake is not a hardware problem


@pytest.mark.parametrize(
    ("options", "words"),
    [
        (["--duration", "inf"], ["--duration inf"]),
        (["--duration", "-5"], ["--duration -5"]),
        (["--spacing", "0.3", "--lines-per-step", "1000"], ["300 m step"]),
        (["--speedup", "0"], ["--speedup 0", "stride sim serve --speedup 20"]),
        (["--speedup", "nan"], ["--speedup nan"]),
        (["--speedup", "5", "--port", "sim://box?speedup=10"], ["runs at 10", "leave --speedup"]),
    ],
)
def test_live_nonsense_numbers_are_refused(options: list[str], words: list[str]) -> None:
    run = _stride("live", "--port", "sim://box", *options, "--no-ui", "--no-record", "--no-history")
    _one_line_error(run, *words)


def test_demo_default_recording_under_a_file_named_sessions(tmp_path: Path) -> None:
    (tmp_path / "sessions").write_text("not a folder")
    run = _stride("demo", "--no-ui", "--duration", "1", "--no-history", cwd=tmp_path)
    _one_line_error(run, "is a file, not a folder")
    assert (tmp_path / "sessions").read_text() == "not a folder"


def test_writer_names_a_recording_path_it_cannot_create(tmp_path: Path) -> None:
    from devices.recording import SessionWriter

    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match="cannot create the recording directory"):
        SessionWriter(tmp_path / "f" / "s")


def test_history_under_a_file_is_one_line(tmp_path: Path) -> None:
    from stride.history.db import open_db

    (tmp_path / "f").write_text("x")
    db = tmp_path / "f" / "h.sqlite"
    with pytest.raises(InputError, match="cannot create the folder"), open_db(db):
        pass
    rec = tmp_path / "r"
    run = _stride("demo", "--no-ui", "--duration", "1", "--record", str(rec), "--db", str(db))
    _one_line_error(run, "is a file", "--no-history")
    assert not rec.exists() and (tmp_path / "f").read_text() == "x"


@pytest.mark.parametrize(
    ("meta", "words"),
    [
        ({"target": "bad"}, ["corrupt target"]),
        ({"target": {"step_length_m": "x"}}, ["corrupt target"]),
        ({"belt_source": "nonsense"}, ["corrupt belt source"]),
        ({"belt_source": "fixed", "fixed_speed_mps": -1}, ["corrupt belt source"]),
        ({"streams": {"box": {"protocol": "other", "file": "streams/box.rec"}}}, ["no sensor-box"]),
    ],
)
def test_replay_corrupt_session_json_values(
    meta: dict[str, object], words: list[str], recording: Path, tmp_path: Path
) -> None:
    import json

    rec, _ = _copy(recording, tmp_path)
    doc = json.loads((rec / "session.json").read_text())
    doc.update(meta)
    (rec / "session.json").write_text(json.dumps(doc))
    _one_line_error(_stride("replay", str(rec), "--no-ui", "--speed", "max"), *words)


def test_replay_keeps_a_recorded_zero_tolerance(recording: Path, tmp_path: Path) -> None:
    import json

    from stride.core.targets import Target

    rec, _ = _copy(recording, tmp_path)
    doc = json.loads((rec / "session.json").read_text())
    doc["target"] = {"step_length_m": 0.6, "tolerance_m": 0.0}
    (rec / "session.json").write_text(json.dumps(doc))
    target = Target.from_session(SessionReader(rec).meta)
    assert target is not None and target.tolerance_m == 0.0


@pytest.mark.parametrize(
    "damage",
    ["not json", "[" * 100_000 + "]" * 100_000],  # nested too deeply: a RecursionError once
    ids=["not-json", "nested-too-deeply"],
)
def test_history_skips_and_names_a_damaged_row(tmp_path: Path, damage: str) -> None:
    import sqlite3
    from datetime import UTC, datetime

    from stride.history import register_session

    db = tmp_path / "h.sqlite"
    for day in (5, 6):
        register_session(
            db,
            subject="P1",
            started_at=datetime(2026, 1, day, tzinfo=UTC),
            source="live",
            devices=[],
            target={},
            summary={"steps": 10},
            recording_path=None,
            meta={},
        )
    con = sqlite3.connect(db)
    con.execute("UPDATE sessions SET summary = ? WHERE id = 1", (damage,))
    con.commit()
    con.close()
    run = _stride("history", "--db", str(db), "--json")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "session 1 is damaged" in run.stderr
    import json

    assert [s["id"] for s in json.loads(run.stdout)["sessions"]] == [2]
