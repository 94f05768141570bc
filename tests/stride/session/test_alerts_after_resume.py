""" "No steps for N s" after the belt started again, or the box came back: counted from then,
not from the last step before the stop. A live session whose belt was stopped at the
console for 12 s said "no steps for 12 s - is the walker on the belt?" the moment the belt
moved again (and the same after the box was plugged back in): the walker was blamed for the
stop's seconds before the belt had even reached walking speed. The walker now gets the
seconds the start of a session gives; the dashboard and stderr say the same."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

from stride.session.health import HealthWatch
from stride.session.screen.alerts import current_alerts
from stride.session.state import SessionState
from stride.session.stderr_alerts import StderrAlerts


class FakeSession:
    """What :class:`HealthWatch` reads of a live session: the box's port state and the
    belt's speed as the box's encoder measures it, changed by the test."""

    def __init__(self) -> None:
        self.state = SessionState(None)
        self.state.started_host_t = 0.0
        self.connected = True
        self.pipeline = SimpleNamespace(
            counters=lambda: {"frames": 1000},
            box_errors=lambda: [],
            belt_mps=1.0,
            belt=SimpleNamespace(kind="box"),
        )
        self.recorder = self.belt = None
        self.cpu = SimpleNamespace(percent=lambda: 0.0)
        self.latency = SimpleNamespace(percentile=lambda q: None)
        self.box_bytes, self.pending, self.peak_rss_mb = 1000, 0, 0.0

    def reconnects(self) -> int:
        return 0

    def box_connected(self) -> tuple[bool, str]:
        return self.connected, "" if self.connected else "cable out"


def no_steps(state: SessionState, now: float) -> str:
    return " | ".join(a.text for a in current_alerts(state, now) if a.kind == "no-steps")


def run(s: FakeSession, watch: HealthWatch, echo: StderrAlerts, t0: float, t1: float) -> None:
    """Refreshes every 0.25 s of the session's clock from ``t0`` to ``t1``."""
    t = t0
    while t <= t1 + 1e-9:
        watch.update(t)
        echo.update(s.state, t)
        t += 0.25


def test_a_belt_started_again_gives_the_walker_time_to_walk(make_steps: Any) -> None:
    s = FakeSession()
    st, watch, echo = s.state, HealthWatch(s), StderrAlerts(io.StringIO())  # type: ignore[arg-type]
    st.add_steps(make_steps(2, left=0.6, right=0.6), host_t=10.0)
    run(s, watch, echo, 0.0, 10.0)
    s.pipeline.belt_mps = 0.0  # stopped at the console: the walker stands
    run(s, watch, echo, 10.25, 22.0)
    assert no_steps(st, 22.0).startswith("No steps for 12 s - the belt is stopped (0 km/h)")
    s.pipeline.belt_mps = 0.2  # started again, ramping up: the walker gets 5 s to walk
    run(s, watch, echo, 22.25, 27.0)
    assert no_steps(st, 27.0) == ""
    run(s, watch, echo, 27.25, 27.5)  # ... and no more: now the walker is asked about
    assert (
        no_steps(st, 27.5) == "No steps for 5 s since the belt started - is the walker on the belt?"
    )
    st.add_steps(make_steps(1, left=0.6, right=0.6), host_t=28.0)  # walking again
    run(s, watch, echo, 28.0, 40.0)
    assert (
        no_steps(st, 32.9) == ""
        and no_steps(st, 33.0) == "No steps for 5 s - is the walker on the belt?"
    )
    out = echo.out
    assert isinstance(out, io.StringIO)
    assert out.getvalue().splitlines() == [
        "stride: note: no steps for 5 s - the belt is stopped (0 km/h): start it at the "
        "treadmill's console",
        "stride: note: cleared: no steps for 12 s - the belt is stopped (0 km/h): start it at "
        "the treadmill's console",
        "stride: note: no steps for 5 s since the belt started - is the walker on the belt?",
        "stride: note: cleared: no steps for 5 s since the belt started - is the walker on "
        "the belt?",
        "stride: note: no steps for 5 s - is the walker on the belt?",
    ]


def test_a_box_plugged_back_in_gives_the_walker_time_to_walk(make_steps: Any) -> None:
    s = FakeSession()
    st, watch, echo = s.state, HealthWatch(s), StderrAlerts(io.StringIO())  # type: ignore[arg-type]
    st.add_steps(make_steps(2, left=0.6, right=0.6), host_t=10.0)
    run(s, watch, echo, 0.0, 10.0)
    s.connected = False  # unplugged for 15 s
    run(s, watch, echo, 10.25, 25.0)
    assert no_steps(st, 25.0) == "No steps for 15 s - the sensor box is unplugged"
    s.connected = True
    run(s, watch, echo, 25.25, 30.0)
    assert no_steps(st, 30.0) == ""  # the stride across the outage is still to come
    st.add_steps(make_steps(1, left=0.6, right=0.6), host_t=30.25)
    run(s, watch, echo, 30.25, 34.0)
    out = echo.out
    assert isinstance(out, io.StringIO)
    assert out.getvalue().splitlines() == [
        "stride: note: no steps for 5 s - the sensor box is unplugged",
        "stride: note: cleared: no steps for 15 s - the sensor box is unplugged",
    ]
    s.connected = False  # and once more, this time with no walker when it comes back
    run(s, watch, echo, 34.25, 40.0)
    s.connected = True
    run(s, watch, echo, 40.25, 45.25)
    assert no_steps(st, 45.25) == (
        "No steps for 5 s since the sensor box came back - is the walker on the belt?"
    )


def test_a_speed_unknown_for_a_while_is_no_start(make_steps: Any) -> None:
    """A belt moving, then of unknown speed (a treadmill not answering), then moving again
    never stopped: the walker's seconds without a step count on."""
    s = FakeSession()
    st, watch, echo = s.state, HealthWatch(s), StderrAlerts(io.StringIO())  # type: ignore[arg-type]
    st.add_steps(make_steps(2, left=0.6, right=0.6), host_t=1.0)
    run(s, watch, echo, 0.0, 3.0)
    s.pipeline.belt_mps = None
    run(s, watch, echo, 3.25, 4.0)
    s.pipeline.belt_mps = 1.0
    run(s, watch, echo, 4.25, 6.0)
    assert no_steps(st, 6.0) == "No steps for 5 s - is the walker on the belt?"


def test_a_replay_counts_from_the_belts_start_in_the_recording() -> None:
    """A replay's "no steps" says the recording's stretch, from when its belt started."""
    st = SessionState(None)
    st.recording_s = 30.0
    st.resume("the belt started", 1234.0)  # the session's clock: not what a replay counts
    st.recording_s = 36.0
    st.health.stalled_since = 35.9  # frames decoded up to then: the box was there
    assert no_steps(st, 9999.0) == (
        "No steps in the recording from 00:30 (the belt started) to 00:36 - no walking recorded"
    )


def test_a_replay_names_the_boxs_silence_before_it_reaches_the_reopened_port() -> None:
    """A replay learns of the box's time away (the reopened port's mark) at its end; until
    then, no frame for seconds of the recording is the box's silence, not "no walking"."""
    st = SessionState(None)
    st.recording_s = 25.0
    st.add_steps([{"side": "L", "ic_s": 24.0}], host_t=0.0)
    st.health.stalled_since = 25.5  # the last frame decoded
    st.recording_s = 27.0
    assert no_steps(st, 0.0) == ""
    st.recording_s = 31.0
    assert no_steps(st, 0.0) == (
        "No steps in the recording from 00:25 to 00:31 - the sensor box was unplugged or not "
        "answering then"
    )
    st.health.stalled_since = 30.0  # frames again: the walker is not walking
    assert no_steps(st, 0.0).endswith("- no walking recorded")


def test_bytes_decoding_again_give_the_walker_time_to_walk(make_steps: Any) -> None:
    """The box's bytes stopped decoding (another baud rate for a while), then decode again:
    the walker was asked about at once, with the seconds of the stall."""
    s = FakeSession()
    st, watch, echo = s.state, HealthWatch(s), StderrAlerts(io.StringIO())  # type: ignore[arg-type]
    st.add_steps(make_steps(2, left=0.6, right=0.6), host_t=10.0)
    run(s, watch, echo, 0.0, 10.0)
    watch.stall.update = lambda *a: True  # type: ignore[method-assign]
    run(s, watch, echo, 10.25, 20.0)
    assert no_steps(st, 20.0) == "No steps for 10 s - the box's bytes do not decode"
    watch.stall.update = lambda *a: False  # type: ignore[method-assign]
    run(s, watch, echo, 20.25, 22.0)  # not stalled, but no frame yet (the analysis lagging)
    s.pipeline.counters = lambda: {"frames": 1200}  # frames again
    run(s, watch, echo, 22.25, 27.0)
    assert no_steps(st, 27.0) == ""
    assert no_steps(st, 27.25) == (
        "No steps for 5 s since the box's frames decoded again - is the walker on the belt?"
    )
