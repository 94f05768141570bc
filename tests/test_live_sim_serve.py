"""`stride live` on the pseudo-terminals of `stride sim serve`, as any program would open
them: the box and a Trackmaster; the server stopped and restarted mid-session (both cables
pulled and plugged back) -> the session resumes on the same paths. Every step waits for
what it needs to see (the recording growing, the session letting go of the old port), never
for a fixed time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import stride_in_process

from devices.recording import SessionReader

STRIDE = [sys.executable, "-m", "stride.cli.app"]
SPEEDUP = "5"


def wait_for(
    what: str, cond: Callable[[], bool], live: subprocess.Popen[str], limit: float = 60.0
) -> None:
    """Wait until ``cond()``, however long a loaded machine takes (up to ``limit`` s)."""
    deadline = time.monotonic() + limit
    while not cond():
        if live.poll() is not None:
            raise AssertionError(f"stride live ended early: {live.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit} s")
        time.sleep(0.02)


def serve(d: Path, seed: int) -> subprocess.Popen[str]:
    """`stride sim serve`, once its ports exist (its signal handlers are in place by then)."""
    proc = subprocess.Popen(
        [*STRIDE, "sim", "serve", "--dir", str(d), "--speedup", SPEEDUP, "--seed", str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60.0
    while not ((d / "box").exists() and (d / "treadmill").exists()):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise AssertionError(f"stride sim serve did not start: {proc.communicate()}")
        time.sleep(0.02)
    return proc


def size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else 0


def holds(pid: int, tty: str) -> bool:
    """Whether process ``pid`` has the terminal ``tty`` open."""
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.is_dir() else []:
        try:
            if os.readlink(fd) == tty:
                return True
        except OSError:
            continue
    return False


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_live_on_sim_serve_ptys_survives_a_restart(tmp_path: Path) -> None:
    d = tmp_path / "dev"
    server = serve(d, seed=5)
    old_box = os.readlink(d / "box")
    rec = tmp_path / "rec"
    box_rec, rx_rec = rec / "streams" / "box.rec", rec / "streams" / "treadmill.rx.rec"
    cmd = [*STRIDE, "live", "--port", str(d / "box"), "--treadmill"]
    cmd += [f"trackmaster:{d / 'treadmill'}", "--spacing", "0.30", "--no-ui", "--json"]
    cmd += ["--speedup", SPEEDUP, "--duration", "3600", "--record", str(rec)]
    live = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        # walking, with the Trackmaster answering: a few seconds of both recorded
        wait_for("box bytes recorded", lambda: size(box_rec) > 60_000, live)
        wait_for("treadmill answers recorded", lambda: size(rx_rec) > 200, live)
        server.send_signal(signal.SIGTERM)  # both cables out
        server.wait(timeout=20)
        wait_for("the session lets go of the old box", lambda: not holds(live.pid, old_box), live)
        box_before, rx_before = size(box_rec), size(rx_rec)
        server = serve(d, seed=6)  # and back in, on the same paths
        # enough walking after the restart for ten unflagged steps whatever the load (the
        # first stride of each foot after the outage is flagged)
        wait_for("box bytes after the restart", lambda: size(box_rec) > box_before + 150_000, live)
        wait_for("treadmill answers after the restart", lambda: size(rx_rec) > rx_before, live)
        live.send_signal(signal.SIGTERM)
        out, err = live.communicate(timeout=60)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=20)
        if live.poll() is None:
            live.kill()
    assert live.returncode == 0, err
    doc = json.loads(out.splitlines()[-1])
    s = doc["session"]
    assert s["ended_by"] == "SIGTERM" and s["reconnects"] >= 1
    assert s["clock"] == {"kind": "scaled", "speedup": 5.0}
    events = " ".join(e["event"] for e in s["events"])
    assert "unplugged" in events and "back after" in events
    assert "not answering" in events
    steps = doc["steps"]
    assert len([st for st in steps if not st["flags"]]) >= 10
    assert any(st["step_length_m"] is not None for st in steps)  # belt from the Trackmaster
    assert any("gap" in st["flags"] for st in steps)  # steps across the outage are flagged
    reader = SessionReader(rec)
    assert sum(len(x) for _, x in reader.chunks("box")) == s["bytes"]["box"]
    assert reader.streams["treadmill.rx"] == "trackmaster"
    # replaying box and treadmill streams, merged by host time, gives the live steps exactly
    # (the replay's logic, through the entry point in this process)
    rep = stride_in_process("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert rep.returncode == 0, rep.stderr
    assert json.loads(rep.stdout.splitlines()[-1])["steps"] == steps
