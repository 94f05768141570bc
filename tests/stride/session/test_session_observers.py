"""What a session publishes to observers: every step row, belt samples with the belt's
travel, status changes and the rolling summary; an observer that is slow, blocks or raises
never stalls the session nor changes what it computes."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import synthbox

from devices.recording import SessionReader, SessionWriter
from stride.core.targets import Target
from stride.ingest.recording import pipeline_for, recorded_chunks
from stride.session.live import Session
from stride.session.observers import (
    BeltSampled,
    ObserverHub,
    SessionEvent,
    SessionPublisher,
    Status,
    StatusChanged,
    StepEmitted,
    SummaryUpdated,
)
from stride.session.protocols import SessionOptions, SessionResult
from stride.session.sources import ReplaySource
from stride.session.state import SessionState


def wait_for(cond: Any, timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not cond():
        assert time.monotonic() < deadline, "condition not reached"
        time.sleep(0.005)


def test_publishing_never_waits_for_a_blocked_observer() -> None:
    hub = ObserverHub()
    release = threading.Event()
    seen: list[SessionEvent] = []
    blocked = hub.subscribe(lambda e: release.wait(), max_pending=3)
    quick = hub.subscribe(seen.append)
    t0 = time.monotonic()
    for i in range(100):
        hub.publish(StatusChanged(Status.RUNNING, float(i)))
    assert time.monotonic() - t0 < 5.0  # generous: the point is that it returned at all
    wait_for(lambda: len(seen) == 100)
    assert [e.elapsed_s for e in seen] == [float(i) for i in range(100)]  # type: ignore[union-attr]
    assert blocked.pending <= 3 and blocked.dropped >= 96  # oldest dropped, counted
    release.set()
    hub.close(drain_s=2.0)
    assert quick.delivered == 100 and quick.errors == 0


def test_a_raising_observer_is_counted_and_the_others_still_hear() -> None:
    hub = ObserverHub()
    seen: list[SessionEvent] = []

    def broken(event: SessionEvent) -> None:
        raise RuntimeError("observer bug")

    bad = hub.subscribe(broken)
    good = hub.subscribe(seen.append)
    for i in range(5):
        hub.publish(StatusChanged(Status.PAUSED, float(i)))
    hub.close(drain_s=5.0)
    assert bad.errors == 5 and bad.delivered == 0
    assert good.delivered == 5 and len(seen) == 5


def test_close_gives_up_on_an_observer_that_never_returns() -> None:
    hub = ObserverHub()
    never = threading.Event()
    stuck = hub.subscribe(lambda e: never.wait())
    hub.publish(StatusChanged(Status.RUNNING, 0.0))
    hub.publish(StatusChanged(Status.ENDED, 1.0))
    t0 = time.monotonic()
    hub.close(drain_s=0.2)
    assert time.monotonic() - t0 < 5.0
    assert stuck.dropped == 1  # the one it could not take
    never.set()


def test_status_changes_name_the_device(make_steps: Any) -> None:
    hub = ObserverHub()
    seen: list[SessionEvent] = []
    hub.subscribe(seen.append)
    pub = SessionPublisher(hub)
    state = SessionState(Target(step_length_m=0.6))
    state.add_steps(make_steps(6, left=0.6, right=0.6), host_t=0.0)
    pub.changes(state, "trackmaster")  # new steps: the rolling summary
    state.health.box_connected, state.health.box_message = False, "cable out"
    pub.changes(state, "trackmaster")
    state.health.box_connected = True
    state.health.treadmill_answering = False
    state.paused = True
    pub.changes(state, "trackmaster")
    pub.changes(state, "trackmaster")  # nothing new: nothing published
    hub.close(drain_s=5.0)
    status = [(e.status, e.device, e.detail) for e in seen if isinstance(e, StatusChanged)]
    assert status == [
        (Status.DEVICE_LOST, "box", "cable out"),
        (Status.PAUSED, None, ""),
        (Status.DEVICE_BACK, "box", ""),
        (Status.DEVICE_LOST, "trackmaster", ""),
    ]
    summaries = [e for e in seen if isinstance(e, SummaryUpdated)]
    assert len(summaries) == 1 and summaries[0].steps_total == 6
    assert summaries[0].rolling == state.rolling()


def make_recording(path: Path) -> None:
    data = synthbox.stream(12.0, step_s=0.55)
    with SessionWriter(path) as w:
        box = w.add_stream("box", "sensorbox-v1")
        for i in range(0, len(data), 950):
            box.append(data[i : i + 950], 1000.0 + i / 9500.0)
        w.write_meta({"target": {"step_length_m": 0.6, "tolerance_m": 0.05}})


def replay(path: Path, observers: tuple[Any, ...]) -> SessionResult:
    reader = SessionReader(path)
    pipeline, streams, target = pipeline_for(reader)
    options = SessionOptions(
        json_lines=False, diagnose_s=0.0, restamp=False, end_when_sources_done=True
    )
    source = ReplaySource(recorded_chunks(reader, streams), speed=0.0)
    session = Session(
        pipeline, [source], SessionState(target), options, out=io.StringIO(), observers=observers
    )
    return session.run()


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("observed") / "rec"
    make_recording(path)
    return path


def test_a_session_publishes_steps_belt_status_and_summary(recording: Path) -> None:
    seen: list[SessionEvent] = []
    result = replay(recording, (seen.append,))
    steps = [e.row for e in seen if isinstance(e, StepEmitted)]
    assert steps == result.analysis["steps"] and len(steps) > 15
    status = [e for e in seen if isinstance(e, StatusChanged)]
    assert status[0].status == Status.RUNNING and status[-1].status == Status.ENDED
    assert status[-1].detail == "end of recording" and seen[-1] is status[-1]
    summaries = [e for e in seen if isinstance(e, SummaryUpdated)]
    assert summaries and summaries[-1].steps_total == len(steps)
    belt = [e for e in seen if isinstance(e, BeltSampled)]
    t = np.array([b.t_s for b in belt])
    v = np.array([b.speed_mps for b in belt], dtype=float)
    d = np.array([b.distance_m for b in belt])
    assert belt and np.all(np.diff(t) > 0) and np.all(np.diff(d) >= 0)
    assert v == pytest.approx(1.0, abs=0.01)  # the synthetic box's belt
    # the travel is the speed integrated (trapezoids), as the step lengths are
    assert d[-1] == pytest.approx(float(np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(t))))
    assert d[-1] == pytest.approx(t[-1] - t[0], rel=0.01)


def test_a_blocked_and_a_broken_observer_change_nothing(recording: Path) -> None:
    plain = replay(recording, ())
    never = threading.Event()

    def broken(event: SessionEvent) -> None:
        raise ValueError("observer bug")

    observed = replay(recording, (lambda e: never.wait(), broken))
    never.set()
    assert observed.analysis == plain.analysis


def test_ctrl_c_while_the_session_is_saved_is_waited_out(
    recording: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A second Ctrl-C (a real SIGINT) arriving while the session ends: the session is
    still saved and returns its whole result, and the note says so (it used to raise
    KeyboardInterrupt out of the save, leaving the steps and summary unwritten)."""
    import signal

    def interrupt(event: SessionEvent) -> None:
        if isinstance(event, StatusChanged) and event.status == Status.ENDED:
            signal.raise_signal(signal.SIGINT)  # the main thread is draining the observers

    plain = replay(recording, ())
    observed = replay(recording, (interrupt,))
    assert observed.analysis == plain.analysis and observed.reason == "end of recording"
    assert "saving the session" in capsys.readouterr().err
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
