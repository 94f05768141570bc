"""A second SIGTERM (a second ``kill``, a supervisor's stop) while a session is being saved
is said and waited out, as a second Ctrl-C is: it ended the process mid-save, leaving
session.json unfinished (``complete: false``), no final document and no history entry."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from cli_helpers import CMD, env, stride_in_process

HELD = """
import os, signal, sys, time
from stride.session.interrupts import saving
with saving():
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(0.05)
    print("saved", flush=True)
os.kill(os.getpid(), signal.SIGTERM)  # held only while saving: the default again
time.sleep(5)
print("not ended", flush=True)
"""


def test_sigterm_while_saving_is_waited_out_then_the_default_again() -> None:
    run = subprocess.run([sys.executable, "-c", HELD], capture_output=True, text=True, timeout=60)
    assert run.stdout == "saved\n", (run.stdout, run.stderr)
    assert run.returncode == -signal.SIGTERM
    assert run.stderr == "stride: note: saving the session; it ends by itself in a moment\n"


def test_two_sigterms_leave_a_complete_session_and_its_document(tmp_path: Path) -> None:
    rec = tmp_path / "rec"
    proc = subprocess.Popen(
        [*CMD, "demo", "--record", str(rec), "--duration", "600", "--no-ui", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env(), "STRIDE_HISTORY_DB": str(tmp_path / "history.sqlite")},
    )
    assert proc.stdout is not None
    try:
        for _ in range(8):  # eight steps out: the session runs and has recorded them
            assert json.loads(proc.stdout.readline())["side"] in ("L", "R")
        proc.send_signal(signal.SIGTERM)
        while proc.poll() is None:  # and again, whatever the session is doing, to its end
            time.sleep(0.01)
            proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # 0, or the default action of a SIGTERM that came after the command had done it all
    assert proc.returncode in (0, -signal.SIGTERM), err
    assert "Traceback" not in err and "stride: error" not in err, err
    doc = json.loads(out.splitlines()[-1])
    assert doc["session"]["ended_by"] == "SIGTERM"
    assert json.loads((rec / "session.json").read_text())["complete"] is True
    assert json.loads((rec / "summary.json").read_text()) == doc["summary"]
    listed = stride_in_process("history", "--db", str(tmp_path / "history.sqlite"), "--json")
    assert len(json.loads(listed.stdout)["sessions"]) == 1, listed.stderr  # stored too
