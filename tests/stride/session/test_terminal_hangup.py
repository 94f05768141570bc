"""The terminal goes away mid-session (an SSH connection dropped, the window closed): the
terminal hangs up and SIGHUP comes. Its default action ended the process at once (the
recording cut short, no summary, nothing stored); with the dashboard, restoring the hung-up
terminal's settings was a traceback. Now the session ends as with SIGTERM: saved, its
document written where stdout was redirected, stored in the history, exit 0."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import time
from pathlib import Path

import pytest
from cli_helpers import CMD, env, stride_in_process


def _hang_up(tmp_path: Path, dashboard: bool) -> tuple[subprocess.Popen[bytes], bytes]:
    """``stride demo`` on a terminal (a pseudo-terminal: its stdin and stderr, and stdout
    too with the dashboard, else a pipe), hung up once it has recorded a few seconds."""
    rec = tmp_path / "rec"
    master, slave = pty.openpty()
    args = [*CMD, "demo", "--record", str(rec), "--duration", "600"]
    args += [] if dashboard else ["--no-ui", "--json"]
    proc = subprocess.Popen(
        args,
        stdin=slave,
        stdout=slave if dashboard else subprocess.PIPE,
        stderr=slave,
        env={**env(), "STRIDE_HISTORY_DB": str(tmp_path / "h.sqlite"), "TERM": "xterm"},
        start_new_session=True,
    )
    os.close(slave)
    try:
        box = rec / "streams" / "box.rec"
        deadline = time.monotonic() + 120
        while not (box.exists() and box.stat().st_size > 40_000):  # a few seconds recorded
            assert proc.poll() is None and time.monotonic() < deadline
            if select.select([master], [], [], 0.2)[0]:
                os.read(master, 65536)  # the terminal shows what it is sent
        os.close(master)  # the terminal goes away ...
        proc.send_signal(signal.SIGHUP)  # ... and says so
        out = proc.communicate(timeout=60)[0] or b""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc, out


@pytest.mark.parametrize("dashboard", [False, True], ids=["no-ui", "dashboard"])
def test_a_terminal_that_hangs_up_leaves_the_session_saved_and_stored(
    tmp_path: Path, dashboard: bool
) -> None:
    proc, out = _hang_up(tmp_path, dashboard)
    assert proc.returncode == 0
    assert json.loads((tmp_path / "rec" / "session.json").read_text())["complete"] is True
    assert (tmp_path / "rec" / "summary.json").is_file()
    if not dashboard:  # stdout was a pipe: the document is there
        assert json.loads(out.decode().splitlines()[-1])["session"]["ended_by"] == "SIGHUP"
    db = str(tmp_path / "h.sqlite")
    listed = stride_in_process("history", "--db", db, "--json")
    assert len(json.loads(listed.stdout)["sessions"]) == 1, listed.stderr


def test_a_session_under_nohup_outlives_its_terminal(tmp_path: Path) -> None:
    """``nohup stride live ...``: SIGHUP ignored from the start stays ignored (a session
    run that way is meant to outlive its terminal), not taken for a stop."""
    proc = subprocess.Popen(
        [*CMD, "demo", "--no-record", "--no-history", "--duration", "4", "--no-ui", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env(),
        preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN),  # as nohup does
    )
    assert proc.stdout is not None
    try:
        assert json.loads(proc.stdout.readline())["side"] in ("L", "R")
        proc.send_signal(signal.SIGHUP)
        out = proc.communicate(timeout=60)[0]
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0
    assert json.loads(out.decode().splitlines()[-1])["session"]["ended_by"] == "duration reached"
