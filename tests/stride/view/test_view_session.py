"""``--view`` on real sessions (in this process, the simulator's devices): ``/state.json``
matches what the session printed, pause, a lost device and the dashboard's ``m`` key reach
the page's state, a replay runs in recording time, and an overground session is a course."""

from __future__ import annotations

import io
import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from sim.cli_support import build_spec
from sim.session import simulate_session
from stride.core.targets import Target
from stride.session.demo import DemoArgs, run_demo
from stride.session.live import Session
from stride.session.replay import ReplayArgs, run_replay
from stride.session.run import LiveArgs, run_live
from stride.view import ViewAddress
from stride.view.attach import SessionView

pytestmark = pytest.mark.slow


@pytest.fixture
def view() -> Iterator[SessionView]:
    sv = SessionView.start(ViewAddress("127.0.0.1", 0), json_lines=True, out=io.StringIO())
    yield sv
    sv.stop()


def state(view: SessionView) -> dict[str, Any]:
    with urllib.request.urlopen(view.url + "state.json", timeout=10) as r:
        got: dict[str, Any] = json.load(r)
    return got


def printed(out: str) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    lines = [json.loads(x) for x in out.splitlines() if x.strip()]
    return lines[:-1], lines[-1]


def test_state_json_matches_the_session_it_showed(view: SessionView) -> None:
    out = io.StringIO()
    args = DemoArgs(
        duration_s=30.0, speedup=6.0, no_record=True, no_ui=True, json_doc=True, history=False
    )
    args.view = view
    with redirect_stdout(out):
        assert run_demo(args) == 0
    steps, doc = printed(out.getvalue())
    st = state(view)
    assert len(steps) >= 30 and st["steps"] == len(steps) == len(doc["steps"])
    assert st["status"] == "ended" and st["mode"] == "treadmill"
    assert st["summary"] == doc["summary"]  # every figure, as the final document has it
    assert st["target"]["spacing_m"] == 0.30 and st["target"]["goal_m"] == pytest.approx(0.60)
    assert st["belt_speed_mps"] == pytest.approx(1.0, abs=0.05)  # the demo's 3.6 km/h


def test_pause_a_lost_box_and_the_m_key_reach_the_page(view: SessionView) -> None:
    seen: list[str] = []
    stop = threading.Event()

    def watch() -> None:  # what a page would show, polled as a program would
        while not stop.is_set():
            s = state(view)["status"]
            if not seen or seen[-1] != s:
                seen.append(s)
            time.sleep(0.02)

    def keys(session: Session) -> None:  # the dashboard's loop: keys pressed in turn
        plan = [
            ("pause", lambda st: st["status"] == "paused"),
            ("pause", lambda st: st["status"] == "running"),
            ("metronome", lambda st: st["cues"]["metronome"]),
        ]
        pending: Any = None
        for period in session.ticks():  # each tick publishes the session's changes
            st = state(view)
            if pending is not None and pending(st):
                pending = None
            if pending is None and plan and st["steps"] >= 4:
                action, pending = plan.pop(0)
                session.handle(action)
            if not plan and pending is None and back_after_loss():
                session.request_stop("seen enough")
            time.sleep(period)
        assert not plan and pending is None, "a key's effect never reached the view"

    def back_after_loss() -> bool:
        return "device-lost" in seen and "running" in seen[seen.index("device-lost") :]

    world = f"view-unplug-{os.getpid()}-{time.monotonic_ns()}"
    args = LiveArgs(
        port=f"sim://box?world={world}&speedup=8&unplug_at=24&unplug_s=6&seed=2",
        target=Target.from_options(spacing_m=0.30),
        no_ui=True,
        no_record=True,
        history=False,
        duration_s=60.0,  # a bound: the keys end it once all was seen
        ui_hook=keys,
        view=view,
    )
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        with redirect_stdout(io.StringIO()):
            assert run_live(args) == 0
        end = time.monotonic() + 10.0
        while seen[-1] != "ended" and time.monotonic() < end:
            time.sleep(0.02)
    finally:
        stop.set()
        watcher.join(10)
    assert seen[0] == "running" and seen[-1] == "ended"
    assert "paused" in seen and back_after_loss()  # the box came back


@pytest.fixture(scope="module")
def recordings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A treadmill and an overground session of the simulator (20 s each)."""
    base = tmp_path_factory.mktemp("view-recordings")
    made = {}
    for name, overground in (("treadmill", False), ("overground", True)):
        spec = build_spec(
            minutes=1 / 3,
            speed="3.6kmh",
            profile="healthy",
            seed=4,
            rate=500,
            overground=overground,
            target=0.6,
        )
        simulate_session(base / name, spec)
        made[name] = base / name
    return made


@pytest.mark.parametrize("kind", ["treadmill", "overground"])
def test_a_replay_feeds_the_view_in_recording_time(
    view: SessionView, recordings: dict[str, Path], kind: str
) -> None:
    out = io.StringIO()
    args = ReplayArgs(recordings[kind], "8x", no_ui=True, json_doc=True, view=view)
    with redirect_stdout(out):
        assert run_replay(args) == 0
    steps, doc = printed(out.getvalue())
    st = state(view)
    assert st["steps"] == len(steps) == len(doc["steps"]) > 20
    assert st["summary"] == doc["summary"]
    assert st["clock"] == {"rate": 8.0}  # the page moves the lines at the replay's pace
    assert st["mode"] == ("course" if kind == "overground" else "treadmill")
    frames = view.server.board.recent  # steps on the recording's clock, as printed
    assert [f["ic_s"] for f in frames] == [s["ic_s"] for s in steps[-len(frames) :]]
