"""A command killed during its first run (SIGTERM, SIGHUP, SIGKILL: it cannot end its
helper then) no longer leaves the helper compiling for nobody, up to a minute of a core,
nor its claims folder in the temporary folder: the helper ends within a second."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stride.cli import first_run_share as share

#: A command: starts a "helper" that only watches it (as the real helper does first), says
#: the helper's pid, then waits to be killed.
COMMAND = f"""
import os, subprocess, sys
env = {{**os.environ, "{share.PARENT_ENV}": str(os.getpid()), "{share.CLAIMS_ENV}": sys.argv[1]}}
helper = subprocess.Popen(
    [sys.executable, "-c", "import time\\nfrom stride.cli.first_run_share import watch_parent"
     "\\nwatch_parent()\\ntime.sleep(60)"], env=env, start_new_session=True)
print(helper.pid, flush=True)
sys.stdin.readline()
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended (its new parent has not reaped it yet)


def test_the_helper_of_a_killed_command_ends_and_removes_its_claims(tmp_path: Path) -> None:
    claims = tmp_path / "claims"
    claims.mkdir()
    (claims / "kernel.claim").write_text("")
    command = subprocess.Popen(
        [sys.executable, "-c", COMMAND, str(claims)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert command.stdout is not None
    helper = int(command.stdout.readline())
    time.sleep(0.5)
    assert _alive(helper)  # watching, while its command runs
    command.send_signal(signal.SIGKILL)
    command.wait()
    deadline = time.monotonic() + 10
    while _alive(helper) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not _alive(helper), "the helper outlived its command"
        assert not claims.exists()
    finally:
        if _alive(helper):
            os.kill(helper, signal.SIGKILL)


def test_a_helper_run_by_hand_watches_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    monkeypatch.delenv(share.PARENT_ENV, raising=False)
    share.watch_parent()  # no command named: returns, starts nothing
    assert all(t.name != "stride-first-run-parent" for t in threading.enumerate())
