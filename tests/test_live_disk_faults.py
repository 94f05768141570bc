"""A live session outlives its disk, and a recording cut short says so.

The disk fills (a real 2 MB tmpfs, or ``os.write`` failing after a number of bytes) while
the walker walks: the session says so at once, goes on reading the box and giving feedback,
prints every step, the summary and the final JSON, writes nothing half, and exits 1 naming
what was not written. A session killed with SIGKILL leaves a recording that ``stride
analyze`` calls incomplete, in JSON and in words.
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import CMD, stride, stride_in_process
from fs_helpers import fill, small_disk, tree
from rich.console import Console

from devices.errors import FileSystemError
from devices.recording import SessionReader, StreamRecorder
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render


def _steps_and_final(stdout: str) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    steps = [r for r in rows if "side" in r]
    final = next((r for r in rows if "summary" in r), None)
    return steps, final


def _fast_box(speedup: int) -> list[str]:
    """The simulated box ``speedup`` times faster than real time: the session runs (and
    counts its seconds) on the box's clock."""
    return ["--port", f"sim://box?speedup={speedup}&seed=1", "--speedup", str(speedup)]


def _walk_20_s(*args: str) -> subprocess.CompletedProcess[str]:
    """20 s of walking in 10 s (twice real time: a reader held up by a busy machine still
    reads the box well before the 12 s the disk-full warning must come by)."""
    return stride(
        "live", *_fast_box(2), "--duration", "20", "--no-ui", "--json", "--no-history", *args
    )


@pytest.mark.slow
def test_the_disk_filling_at_5_s_of_20_s_keeps_the_session_going(tmp_path: Path) -> None:
    normal = _walk_20_s("--record", str(tmp_path / "normal"))
    assert normal.returncode == 0, normal.stderr
    normal_steps, _ = _steps_and_final(normal.stdout)
    box_per_s = (tmp_path / "normal" / "streams" / "box.rec").stat().st_size / 20.0
    with small_disk(tmp_path / "disk") as disk:
        fill(disk, leave=int(5 * box_per_s) + 12_000)  # the box stream fills it near 5 s
        before = tree(disk)
        run = _walk_20_s("--record", str(disk / "rec"))
        steps, final = _steps_and_final(run.stdout)
        assert run.returncode == 1 and "Traceback" not in run.stderr
        assert len(steps) >= 0.9 * len(normal_steps), (len(steps), len(normal_steps))
        assert final is not None and final["summary"]["steps"] == len(steps)
        lines = run.stderr.strip().splitlines()
        warning = next(i for i, ln in enumerate(lines) if ln.startswith("stride: warning:"))
        assert (
            "recording stopped after" in lines[warning] and "the session goes on" in lines[warning]
        )
        seconds = float(lines[warning].split("recording stopped after ")[1].split(" s")[0])
        assert 2.0 < seconds < 12.0, seconds  # said at once, long before the end
        assert lines[-1].startswith("stride: error: recording stopped after")
        assert "steps.csv" in lines[-1] and "disk is full" in lines[-1]
        after = tree(disk)
        assert not [p for p in after if p.endswith(".tmp") or "/." in p]  # no temporary file
        assert {p for p in before} <= set(after)  # nothing there before was removed
        reader = SessionReader(disk / "rec")
        assert not reader.complete
        assert reader.read_stream("box").offsets.size > 0  # what reached the disk is readable


def _ui(frames: list[tuple[float, str]]) -> Any:
    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if i % 3 == 0:
                console = Console(file=io.StringIO(), record=True, width=100, height=32)
                console.print(render(session.state, time.monotonic(), width=100, height=32))
                frames.append((session.state.elapsed_s, console.export_text()))
            time.sleep(period)

    return ui


def test_injected_full_disk_is_an_alert_then_exit_1_with_every_step(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = StreamRecorder._write
    written = [0]

    def write(self: StreamRecorder, record: bytes) -> None:
        if self.name == "box" and written[0] > 30_000:  # about 2 s of the box
            self.failed = True
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))
        written[0] += len(record)
        real(self, record)

    monkeypatch.setattr(StreamRecorder, "_write", write)
    frames: list[tuple[float, str]] = []
    port = f"sim://box?world=disk-{os.getpid()}-{time.monotonic_ns()}&speedup=10&seed=4"
    args = LiveArgs(
        port=port, no_ui=True, json_doc=True, history=False, record=tmp_path / "rec",
        ui_hook=_ui(frames), duration_s=40.0,  # seconds of the simulated clock: 4 s of wall
    )  # fmt: skip
    with pytest.raises(FileSystemError, match="recording stopped after") as info:
        run_live(args)
    assert "steps.csv" not in str(info.value)  # the disk was only made to fail for the box
    out = capsys.readouterr().out
    steps, final = _steps_and_final(out)
    assert final is not None and final["session"]["recording_problem"].startswith("recording")
    alerted = [
        t for t, text in frames if "Recording stopped" in text or "recording stopped" in text
    ]
    assert alerted, "the dashboard never showed the recording stopped"
    assert any(s["ic_s"] > 0 for s in steps) and len(steps) == final["summary"]["steps"]
    late = [t for t, text in frames if t > min(alerted) + 1.0]
    assert late, "the session did not go on after the recording stopped"
    assert not SessionReader(tmp_path / "rec").complete


@pytest.mark.slow
def test_a_killed_session_is_called_incomplete(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    proc = subprocess.Popen(
        [*CMD, "live", *_fast_box(5), "--no-ui", "--no-history", "--record", str(rec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for _ in range(4):  # wait for steps, not for a time
            assert proc.stdout.readline(), "the session printed no step"
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    # the recording read back (command logic: in this process)
    run = stride_in_process("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["recording"]["complete"] is False and doc["recording"]["recorded_s"] > 0
    assert "incomplete: the session was cut short" in run.stderr
    table = stride_in_process("analyze", str(rec))
    assert table.returncode == 0, table.stderr
    assert "Note: the recording" in table.stdout and "cut short" in table.stdout
    done = stride_in_process("sim", "session", "--out", str(tmp_path / "done"), "--minutes", "0.5")
    assert done.returncode == 0, done.stderr
    finished = json.loads(stride_in_process("analyze", str(tmp_path / "done"), "--json").stdout)
    assert finished["recording"]["complete"] is True


def test_the_writer_marks_a_recording_complete_only_when_it_closed_cleanly(
    tmp_path: Path,
) -> None:
    from devices.recording import SessionWriter

    with SessionWriter(tmp_path / "a") as w:
        w.add_stream("box", "x").append(b"abc", 1.0)
        assert SessionReader(tmp_path / "a").complete is False  # while it runs
    assert SessionReader(tmp_path / "a").complete is True
    with pytest.raises(RuntimeError), SessionWriter(tmp_path / "b") as w:
        w.add_stream("box", "x").append(b"abc", 1.0)
        raise RuntimeError("the program failed mid-way")
    assert SessionReader(tmp_path / "b").complete is False


def test_a_failed_history_offers_stride_history_add(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stride.errors import InputError
    from stride.session import run as run_module
    from stride.session.protocols import SessionResult

    def refuse(*_: object, **__: object) -> int:
        raise InputError("history database 'h' stayed locked", fix="close the other program")

    monkeypatch.setattr(run_module, "register_session", refuse)
    result = SessionResult(
        {"summary": {"steps": 10}}, {}, tmp_path / "my rec", recording_failure=None
    )
    run_module.register(LiveArgs(port="x"), result, {}, __import__("datetime").datetime.now())
    err = capsys.readouterr().err
    assert "session not stored in the history" in err
    assert f"store it later with: stride history add '{tmp_path / 'my rec'}'" in err


def test_a_session_without_steps_says_it_is_not_stored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No steps (a stopped belt, sensors not on the feet): nothing is stored, and that is
    said (it was silent: the session was simply missing from the history). A Ctrl-C while
    the history waits for a locked database is said with the stride history add line."""
    from datetime import datetime

    from stride.session import run as run_module
    from stride.session.protocols import SessionResult

    stored: list[object] = []
    monkeypatch.setattr(run_module, "register_session", lambda *a, **k: stored.append(k))
    empty = SessionResult({"summary": {"steps": 0}}, {}, tmp_path / "rec", recording_failure=None)
    run_module.register(LiveArgs(port="x"), empty, {}, datetime.now())
    assert not stored and "no steps were detected" in capsys.readouterr().err

    def interrupted(*_: object, **__: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(run_module, "register_session", interrupted)
    done = SessionResult({"summary": {"steps": 9}}, {}, tmp_path / "rec", recording_failure=None)
    with pytest.raises(KeyboardInterrupt):
        run_module.register(LiveArgs(port="x"), done, {}, datetime.now())
    err = capsys.readouterr().err
    assert "not stored in the history: interrupted (Ctrl-C)" in err
    assert f"stride history add {tmp_path / 'rec'}" in err
