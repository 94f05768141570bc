"""`stride live` and `stride replay` end to end on a pseudo-terminal box (the stride_sim
fixture's; a hand-made one where it must send what no box sends): output, recording,
signals, and the one-line diagnosis of a wrong port, protocol or baud rate."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import synthbox
from cli_helpers import stride_in_process, without_kernel_notice

from devices.recording import SessionReader
from sim.harness import SimDevices

STRIDE = [sys.executable, "-m", "stride.cli.app"]


@pytest.fixture
def box() -> Iterator[synthbox.PtyBox]:
    b = synthbox.PtyBox()
    yield b
    b.close()


def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["STRIDE_HISTORY_DB"] = str(tmp_path / "history.sqlite")
    return e


def _live_args(port: str, tmp_path: Path, *extra: str, duration: float) -> list[str]:
    args = ["live", "--port", port, "--spacing", "0.30", "--no-ui", "--json"]
    return [*args, "--duration", str(duration), "--record", str(tmp_path / "rec"), *extra]


def live(
    port: str, tmp_path: Path, *extra: str, duration: float = 3.0
) -> subprocess.CompletedProcess[str]:
    """``stride live`` in a process of its own, its history in ``tmp_path``."""
    cmd = [*STRIDE, *_live_args(port, tmp_path, *extra, duration=duration)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, env=env(tmp_path))


def live_in_process(
    port: str, tmp_path: Path, *extra: str, duration: float = 3.0
) -> subprocess.CompletedProcess[str]:
    """``stride live`` in this process (the refusals and diagnoses: command logic)."""
    return stride_in_process(*_live_args(port, tmp_path, *extra, duration=duration))


def lines(stdout: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows = [json.loads(line) for line in stdout.splitlines() if line.strip()]
    return rows[:-1], rows[-1]


@pytest.mark.slow
@pytest.mark.stride_sim(seed=5, speedup=10)
def test_live_json_lines_recording_replay_and_history(
    stride_sim: SimDevices, tmp_path: Path
) -> None:
    # 30 s of walking on the simulated box, 3 s of real time
    out = live(stride_sim.box, tmp_path, "--subject", "p01", "--speedup", "10", duration=30.0)
    assert out.returncode == 0, out.stderr
    steps, doc = lines(out.stdout)
    assert set(doc) >= {"summary", "steps", "session"}
    assert steps == doc["steps"]  # one JSON line per step, the same steps as the document
    assert len(steps) >= 40
    assert {"side", "ic_s", "fc_s", "step_length_m", "flags", "target_error_m"} <= set(steps[5])
    s = doc["session"]
    assert s["frames"] > 2000 and s["crc_errors"] == 0 and s["gaps"] == 0
    assert s["latency_ms"]["p99"] is not None and s["latency_ms"]["p50"] <= s["latency_ms"]["p99"]
    rec = tmp_path / "rec"
    assert s["recording"] == str(rec)
    for name in ("steps.csv", "summary.json", "session.json"):
        assert (rec / name).is_file()
    meta = json.loads((rec / "session.json").read_text())
    assert meta["subject"] == "p01" and meta["target"]["step_length_m"] == pytest.approx(0.6)
    assert meta["box"]["sample_rate_hz"] == 1000
    assert meta["box"]["channels"] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert meta["software"]["name"] == "stride" and meta["started_utc"]
    assert json.loads((rec / "summary.json").read_text()) == doc["summary"]
    assert len((rec / "steps.csv").read_text().splitlines()) == len(steps) + 1
    # the summary went to stderr in human form
    assert "session summary" in out.stderr
    # replay reproduces the live steps exactly (read-backs: command logic, in this process)
    rep = stride_in_process("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert rep.returncode == 0, rep.stderr
    rsteps, rdoc = lines(rep.stdout)
    assert rdoc["steps"] == doc["steps"] and rsteps == steps
    assert rdoc["summary"] == doc["summary"]
    # `stride analyze` of the recording gives the same steps and summary as the live session
    an = stride_in_process(
        "analyze", str(rec), "--spacing", "0.30", "--lines-per-step", "2", "--json"
    )
    assert an.returncode == 0, an.stderr
    adoc = json.loads(an.stdout)
    assert adoc["steps"] == doc["steps"]
    assert adoc["summary"] == doc["summary"]
    # registered in the history database
    from stride.history import list_sessions

    stored = list_sessions(tmp_path / "history.sqlite")
    assert len(stored) == 1 and stored[0].subject == "p01"


def test_existing_recording_is_refused(box: synthbox.PtyBox, tmp_path: Path) -> None:
    (tmp_path / "rec").mkdir()
    (tmp_path / "rec" / "keep.txt").write_text("precious")
    out = live_in_process(box.path, tmp_path)
    assert out.returncode == 1
    assert "already exists" in out.stderr and "--force" in out.stderr
    assert "Traceback" not in out.stderr
    assert (tmp_path / "rec" / "keep.txt").read_text() == "precious"


def test_wrong_port_is_one_line(tmp_path: Path) -> None:
    out = stride_in_process(
        "live", "--port", str(tmp_path / "ttyNOPE"), "--no-ui", "--duration", "1", cwd=tmp_path
    )
    assert out.returncode == 1
    err = without_kernel_notice(out.stderr).strip().splitlines()
    assert len(err) == 1 and "does not exist" in err[0], out.stderr
    assert not (tmp_path / "sessions").exists()  # nothing recorded in the working folder


@pytest.mark.parametrize(
    ("payload", "expect"),
    [
        (b"", "no bytes"),
        (b"1234,512,498,20,31\r\n" * 400, "text lines"),
        ("baud", "baud"),
    ],
    ids=["silent", "csv-text", "wrong-baud"],
)
def test_bytes_that_never_decode_get_a_diagnosis_within_3_s(
    box: synthbox.PtyBox, tmp_path: Path, payload: Any, expect: str
) -> None:
    if payload == "baud":  # the box at 115200 read by a port set to 9600
        payload = synthbox.misread_at_baud(synthbox.stream(2.0), 115200 / 9600)
    if payload:
        box.play(payload, seconds=3.0, chunk=256, repeat=True)
    out = live_in_process(box.path, tmp_path, duration=20.0)
    assert out.returncode == 1
    err = without_kernel_notice(out.stderr).strip().splitlines()
    assert len(err) == 1 and expect in err[0], out.stderr
    assert "Traceback" not in out.stderr
    # nothing received: no folder left to refuse the same --record once the port is right
    # (it was left with an empty stream and a summary of 0 steps); bytes that came are kept
    assert (tmp_path / "rec").exists() == bool(payload)


@pytest.mark.slow
@pytest.mark.parametrize(
    "sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL], ids=["SIGTERM", "Ctrl-C", "SIGKILL"]
)
@pytest.mark.stride_sim(seed=6, speedup=10)
def test_signals_leave_a_readable_recording(
    stride_sim: SimDevices, tmp_path: Path, sig: signal.Signals
) -> None:
    rec = tmp_path / "rec"
    cmd = [*STRIDE, "live", "--port", stride_sim.box, "--no-ui", "--json", "--record", str(rec)]
    cmd += ["--speedup", "10"]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(tmp_path)
    )
    assert proc.stdout is not None
    try:
        for _ in range(12):  # twelve steps out: the session is running and has recorded them
            assert json.loads(proc.stdout.readline())["side"] in ("L", "R")
        proc.send_signal(sig)
        stdout, stderr = proc.communicate(timeout=30)
    finally:  # a session that did not end is not left running after the test
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader = SessionReader(rec)
    chunks = list(reader.chunks("box"))
    assert sum(len(d) for _, d in chunks) > 20_000
    if sig != signal.SIGKILL:
        assert proc.returncode == 0, stderr
        doc = json.loads(stdout.splitlines()[-1])
        assert doc["session"]["ended_by"] == ("SIGTERM" if sig == signal.SIGTERM else "Ctrl-C")
        assert json.loads((rec / "summary.json").read_text()) == doc["summary"]
    else:
        assert proc.returncode == -signal.SIGKILL
        assert not (rec / "summary.json").exists()
    # what was recorded replays through the same pipeline into steps (in this process)
    rep = stride_in_process("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert rep.returncode == 0, rep.stderr
    assert len(json.loads(rep.stdout.splitlines()[-1])["steps"]) >= 10
