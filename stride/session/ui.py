"""Drives the dashboard on a terminal: full-screen refresh, keys, metronome bell."""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.live import Live

from stride.session.dashboard import render, target_cadence
from stride.session.keys import KeyReader
from stride.session.live import Session


def run_dashboard(session: Session, console: Console, *, title: str = "live") -> None:
    """Refresh the screen at the session's rate until the session is asked to stop."""
    state = session.state
    last_beat = -1
    with (
        KeyReader() as keys,
        Live(
            console=console,
            screen=True,
            auto_refresh=False,
            redirect_stdout=False,
            redirect_stderr=False,
        ) as live,
    ):
        for period in session.ticks():
            t_frame = time.monotonic()
            w, h = console.size
            live.update(render(state, t_frame, title=title, width=w, height=h), refresh=True)
            cad = target_cadence(state)
            if state.metronome and cad:
                beat = math.floor(state.elapsed_s * cad / 60.0)
                if beat != last_beat:
                    last_beat = beat
                    console.bell()
            wait = max(0.0, period - (time.monotonic() - t_frame))
            if keys.active:
                for action in keys.poll(wait):
                    session.handle(action)
            else:
                time.sleep(wait)
