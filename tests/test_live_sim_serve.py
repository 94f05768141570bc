"""`stride live` on the pseudo-terminals of `stride sim serve`, as any program would open
them: the box and a Trackmaster; the server stopped and restarted mid-session (the cable
pulled and plugged back) -> the session resumes on the same paths."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from devices.recording import SessionReader

STRIDE = [sys.executable, "-m", "stride.cli.app"]


def serve(d: Path, seed: int) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [*STRIDE, "sim", "serve", "--dir", str(d), "--speedup", "5", "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    for _ in range(300):
        if (d / "box").exists() and (d / "treadmill").exists():
            return proc
        time.sleep(0.05)
    proc.kill()
    raise AssertionError(f"stride sim serve did not start: {proc.communicate()}")


def recorded(stream: Path, live: subprocess.Popen[str], timeout_s: float = 60.0) -> None:
    """Wait until the session has recorded bytes of ``stream`` (it opened the port and
    reads it), however long a loaded machine takes to start it."""
    deadline = time.monotonic() + timeout_s
    while not (stream.is_file() and stream.stat().st_size > 4096):
        if live.poll() is not None:
            raise AssertionError(f"stride live ended early: {live.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"stride live recorded nothing in {timeout_s} s")
        time.sleep(0.05)


@pytest.mark.slow
def test_live_on_sim_serve_ptys_survives_a_restart(tmp_path: Path) -> None:
    d = tmp_path / "dev"
    server = serve(d, seed=5)
    env = dict(os.environ, STRIDE_HISTORY_DB=str(tmp_path / "h.sqlite"))
    cmd = [*STRIDE, "live", "--port", str(d / "box"), "--treadmill"]
    cmd += [f"trackmaster:{d / 'treadmill'}", "--spacing", "0.30", "--no-ui", "--json"]
    cmd += ["--duration", "9", "--record", str(tmp_path / "rec")]
    live = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        recorded(tmp_path / "rec" / "streams" / "box.rec", live)  # the session is running
        time.sleep(3.0)
        server.send_signal(signal.SIGTERM)  # both cables out
        server.wait(timeout=20)
        time.sleep(1.0)
        server = serve(d, seed=6)  # and back in, on the same paths
        out, err = live.communicate(timeout=60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        if live.poll() is None:
            live.kill()
    assert live.returncode == 0, err
    doc = json.loads(out.splitlines()[-1])
    s = doc["session"]
    assert s["reconnects"] >= 1
    events = " ".join(e["event"] for e in s["events"])
    assert "unplugged" in events and "back after" in events
    assert "not answering" in events
    steps = doc["steps"]
    assert len([st for st in steps if not st["flags"]]) >= 10
    assert any(st["step_length_m"] is not None for st in steps)  # belt from the Trackmaster
    assert any("gap" in st["flags"] for st in steps)  # steps across the outage are flagged
    reader = SessionReader(tmp_path / "rec")
    assert sum(len(x) for _, x in reader.chunks("box")) == s["bytes"]["box"]
    assert reader.streams["treadmill.rx"] == "trackmaster"
    # replaying box and treadmill streams, merged by host time, gives the live steps exactly
    rep = subprocess.run(
        [*STRIDE, "replay", str(tmp_path / "rec"), "--speed", "max", "--no-ui", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert rep.returncode == 0, rep.stderr
    assert json.loads(rep.stdout.splitlines()[-1])["steps"] == steps
