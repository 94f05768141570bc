"""A session on a treadmill whose belt is stopped (a Trackmaster stops its belt when the
session that started it ends; the next one without ``--speed`` leaves it so) says why no
steps come and how to start it: on the dashboard (``+``, the console, ``--speed``) and,
without one, once on stderr (the console or ``--speed``)."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render


def stopped_session(tmp_path: Path, driver: str) -> tuple[list[str], str]:
    """A session on a stopped belt, ``driver``'s simulated treadmill as the belt, ended 8 s
    in once the dashboard names the stopped belt: the dashboards drawn and stderr."""
    key = f"stopped-{os.getpid()}-{time.monotonic_ns()}"
    frames: list[str] = []

    def ui(session: Session) -> None:
        st = session.state
        for period in session.ticks():
            c = Console(file=io.StringIO(), record=True, width=120, height=30, color_system=None)
            c.print(render(st, st.now(), width=120, height=30))
            frames.append(c.export_text())
            if "belt is stopped" in frames[-1] and st.elapsed_s >= 8.0:
                session.request_stop("test done")
            time.sleep(period)

    args = LiveArgs(
        port=f"sim://box?world={key}&speedup=5&seed=8&belt=stopped",
        treadmill=f"{driver}:sim://{driver}?world={key}",
        duration_s=30.0,
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
        ui_hook=ui,
    )
    err = io.StringIO()
    saved = sys.stderr, sys.stdout
    try:
        sys.stderr, sys.stdout = err, io.StringIO()
        assert run_live(args) == 0
    finally:
        sys.stderr, sys.stdout = saved
    return frames, err.getvalue()


@pytest.mark.slow
def test_stopped_belt_is_named_with_how_to_start_it(tmp_path: Path) -> None:
    frames, stderr = stopped_session(tmp_path, "trackmaster")
    shown = [f for f in frames if "No steps for" in f]
    assert shown and all("walker on the belt" not in f for f in shown)
    alert = " ".join(shown[-1].split())  # the alert wraps at the panel's width
    assert (
        "the treadmill's belt is stopped (0 km/h): press + or start it at its console, or " in alert
    )
    assert "--speed (e.g. --speed 3.0kmh)" in alert
    said = [line for line in stderr.splitlines() if "belt is stopped" in line]
    assert said == [
        "stride: note: no steps for 5 s - the treadmill's belt is stopped (0 km/h): start it "
        "at its console, or start the session with --speed (e.g. --speed 3.0kmh) to have "
        "stride start it"
    ]


@pytest.mark.slow
def test_a_belt_stride_cannot_start_is_sent_to_the_console(tmp_path: Path) -> None:
    """A CSAFE treadmill takes SETSPEED but is started at its console: only that is said."""
    frames, stderr = stopped_session(tmp_path, "csafe")
    shown = [" ".join(f.split()) for f in frames if "No steps for" in f]
    assert (
        shown and "the belt is stopped (0 km/h): start it at the treadmill's console" in shown[-1]
    )
    said = [line for line in stderr.splitlines() if "belt is stopped" in line]
    assert said == [
        "stride: note: no steps for 5 s - the belt is stopped (0 km/h): start it at the "
        "treadmill's console"
    ]
