"""`stride demo` in a real terminal (tmux): the full-screen dashboard, raw keys (space pauses,
m starts the metronome, q ends the session) and the summary after the screen closes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def pane(tmp_path: Path) -> Iterator[str]:
    name = f"stride-{os.getpid()}-{time.monotonic_ns()}"
    cmd = (
        f"cd {tmp_path} && STRIDE_HISTORY_DB={tmp_path / 'h.sqlite'} {sys.executable} -m "
        "stride.cli.app demo --speedup 5 --duration 3600; echo EXIT=$?; sleep 60"
    )
    tmux("new-session", "-d", "-s", name, "-x", "100", "-y", "32", cmd)
    yield name
    subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def wait_for(name: str, ok: Callable[[str], bool], timeout: float = 40.0) -> str:
    end = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < end:
        screen = tmux("capture-pane", "-p", "-t", name)
        if ok(screen):
            return screen
        time.sleep(0.2)
    raise AssertionError(f"screen never matched:\n{screen}")


@pytest.mark.slow
def test_demo_dashboard_and_keys_in_a_terminal(pane: str) -> None:
    screen = wait_for(pane, lambda s: "demo: parallel lines" in s and "R -15 cm" in s)
    assert "target 60 cm ±5 (2 lines × 30 cm)" in screen
    assert "box connected" in screen and "treadmill trackmaster answering" in screen
    landed = re.compile(r"[+-]\d+\.\d cm")  # a foot's landing error against its line
    wait_for(pane, lambda s: len(landed.findall(s.split("R -15 cm")[-1])) >= 3)
    tmux("send-keys", "-t", pane, "space")
    wait_for(pane, lambda s: "PAUSED" in s and "Scoring paused" in s)
    tmux("send-keys", "-t", pane, "m")
    wait_for(pane, lambda s: "♪" in s)
    tmux("send-keys", "-t", pane, "q")
    screen = wait_for(pane, lambda s: "EXIT=" in s)
    assert "EXIT=0" in screen
    assert "session summary" in screen and "on target" in screen
    assert re.search(r"steps\s+\d+", screen)
