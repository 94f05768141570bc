"""Drives the dashboard on a terminal: full-screen refresh, keys, metronome bell."""

from __future__ import annotations

import math
import time

from rich.console import Console
from rich.live import Live

from stride.session.live import Session
from stride.session.screen.dashboard import beat_on, render, target_cadence
from stride.session.screen.keys import KeyReader, allowed
from stride.session.state import SessionState


class MetronomeBell:
    """The metronome's click: the terminal bell once on each beat while it is on."""

    def __init__(self) -> None:
        self.last_beat: int | None = None
        self.rung = 0

    @staticmethod
    def beat(state: SessionState) -> int | None:
        """The beat now (beats since the session began), None with the metronome off."""
        cad = target_cadence(state)
        if not state.metronome or not cad:
            return None
        return math.floor(state.elapsed_s * cad / 60.0)

    def until_next(self, state: SessionState) -> float | None:
        """Seconds to the next beat (the loop wakes then, so the click is on time)."""
        cad = target_cadence(state)
        if not state.metronome or not cad:
            return None
        period = 60.0 / cad
        return period - (state.elapsed_s % period)

    def tick(self, state: SessionState, console: Console) -> bool:
        """Ring once if a new beat began since the last tick."""
        beat = self.beat(state)
        if beat is None or beat == self.last_beat:
            self.last_beat = beat
            return False
        self.last_beat = beat
        self.rung += 1
        console.bell()
        return True


def signature(session: Session, width: int, height: int) -> tuple[object, ...]:
    """Everything the screen shows, cheaply: equal signatures draw equal screens."""
    st = session.state
    h = st.health
    return (
        width,
        height,
        int(st.elapsed_s),
        None if st.recording_s is None else int(st.recording_s),
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
    bell = MetronomeBell()
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
            bell.tick(state, console)
            wait = max(0.0, period - (time.monotonic() - t_frame))
            beat_in = bell.until_next(state)  # in the session clock's seconds
            if beat_in is not None:
                wait = min(wait, beat_in / session.clock.speedup + 0.001)
            if keys.active:
                typed = keys.poll(wait)
                for action in allowed(typed, replay=state.replay, view=bool(state.view_url)):
                    session.handle(action)
            else:
                time.sleep(wait)
