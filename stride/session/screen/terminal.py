"""Drives the dashboard on a terminal: full-screen refresh, keys, metronome bell."""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.live import Live

from stride.session.live import Session
from stride.session.screen.dashboard import beat_on, render, target_cadence
from stride.session.screen.keys import KeyReader


def signature(session: Session, width: int, height: int) -> tuple[object, ...]:
    """Everything the screen shows, cheaply: equal signatures draw equal screens."""
    st = session.state
    h = st.health
    return (
        width,
        height,
        int(st.elapsed_s),
        st.steps_total,
        st.notes_total,
        st.paused,
        st.metronome,
        beat_on(st),
        st.belt_mps,
        st.belt_set_mps,
        h.frames_per_s,
        h.crc_errors,
        h.gaps,
        h.reconnects,
        h.box_connected,
        h.box_message,
        h.treadmill_answering,
        h.cpu_percent,
        h.latency_p99_ms,
        len(h.box_errors),
    )


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
        last_sig: tuple[object, ...] = ()
        for period in session.ticks():
            t_frame = time.monotonic()
            w, h = console.size
            sig = signature(session, w, h)
            if sig != last_sig:  # checked 12 times a second, redrawn when anything changed
                last_sig = sig
                screen = render(state, state.now(), title=title, width=w, height=h)
                live.update(screen, refresh=True)
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
