"""The session observer that feeds the walker's view: statuses the room understands, the
mode from the belt, the target from the session's, and the summary in the contract's shape."""

from __future__ import annotations

import time

import pytest

from stride.core.targets import Target
from stride.session.observers import BeltSampled, Status, StatusChanged, StepEmitted
from stride.view import ViewServer
from stride.view.attach import SessionView
from stride.view.bridge import ViewBridge, view_target

LINES = Target.from_options(spacing_m=0.30, tolerance_m=0.04, cadence_spm=104.0)


def _row(side: str, ic: float, length: float | None) -> dict[str, object]:
    err = None if length is None else length - 0.60
    return {
        "side": side,
        "ic_s": ic,
        "step_time_s": 0.55,
        "stride_time_s": 1.1,
        "step_length_m": length,
        "flags": [],
        "target_error_m": err,
        "on_target": None if err is None else abs(err) <= 0.04,
    }


def _board(server: ViewServer) -> dict[str, object]:
    server.apply_pending()  # what the loop thread does when it wakes (not started here)
    return server.board.state()


def test_the_session_target_becomes_the_pages_target() -> None:
    vt = view_target(LINES)
    assert (vt.mode, vt.spacing_m, vt.lines_per_step) == ("treadmill", 0.30, 2)
    assert (vt.goal_m, vt.tolerance_m, vt.cadence_spm) == (pytest.approx(0.60), 0.04, 104.0)
    assert view_target(None, course=True).mode == "course"
    assert view_target(None).goal_m is None


@pytest.mark.parametrize(
    ("events", "expected"),
    [
        ([Status.RUNNING], "running"),
        ([Status.PAUSED], "paused"),
        ([Status.PAUSED, Status.RUNNING], "running"),
        ([(Status.DEVICE_LOST, "box")], "device-lost"),
        ([(Status.DEVICE_LOST, "box"), Status.PAUSED], "device-lost"),
        ([(Status.DEVICE_LOST, "box"), Status.PAUSED, (Status.DEVICE_BACK, "box")], "paused"),
        (
            [
                (Status.DEVICE_LOST, "box"),
                (Status.DEVICE_LOST, "csafe"),
                (Status.DEVICE_BACK, "box"),
            ],
            "device-lost",
        ),
        ([(Status.DEVICE_LOST, "box"), Status.ENDED], "ended"),
    ],
)
def test_status_lost_devices_first_then_pause(events: list[object], expected: str) -> None:
    server = ViewServer("127.0.0.1", 0)
    bridge = ViewBridge(server, LINES)
    for e in events:
        status, device = e if isinstance(e, tuple) else (e, None)
        bridge(StatusChanged(status, 1.0, device))
    assert bridge.status == expected and _board(server)["status"] == expected


@pytest.mark.parametrize(
    ("belt_source", "belt_first", "mode"),
    [
        ("box", True, "treadmill"),
        ("box", False, "course"),  # a box without a belt encoder: overground
        ("none", False, "course"),
        ("treadmill", False, "treadmill"),  # its readings may come late: never guessed
        ("fixed", False, "treadmill"),
    ],
)
def test_course_mode_for_a_session_without_a_belt(
    belt_source: str, belt_first: bool, mode: str
) -> None:
    server = ViewServer("127.0.0.1", 0)
    bridge = ViewBridge(server, LINES, belt_source=belt_source)
    if belt_first:
        bridge(BeltSampled(0.5, 1.0, 0.5))
    bridge(StepEmitted(_row("L", 1.0, 0.61), 1.0))  # type: ignore[arg-type]
    bridge(BeltSampled(1.1, None, 1.0))
    state = _board(server)
    assert state["mode"] == mode and state["steps"] == 1
    assert state["target"]["goal_m"] == pytest.approx(0.60)  # type: ignore[index]


def test_the_summary_is_the_contract_summary_of_the_steps_so_far() -> None:
    server = ViewServer("127.0.0.1", 0)
    bridge = ViewBridge(server, LINES)
    assert server.summary_source is not None
    for i, length in enumerate([0.58, 0.62, 0.70, None, 0.60, 0.50]):
        bridge(BeltSampled(0.55 * i, 1.0 + 0.01 * i, 0.55 * i))
        bridge(StepEmitted(_row("LR"[i % 2], 0.55 * (i + 1), length), 0.0))  # type: ignore[arg-type]
    s = dict(server.summary_source())
    assert s["steps"] == 6 and s["steps_used"] == 6
    left, right = s["L"]["step_length_m"], s["R"]["step_length_m"]  # type: ignore[index]
    assert left["n"] == 3 and left["mean"] == pytest.approx((0.58 + 0.70 + 0.60) / 3)
    assert right["n"] == 2 and right["mean"] == pytest.approx((0.62 + 0.50) / 2)
    within = s["target"]["within"]  # type: ignore[index]
    assert within == {"L": pytest.approx(2 / 3), "R": pytest.approx(1 / 2)}
    assert s["belt_speed_mps"]["mean"] == pytest.approx(1.025)  # type: ignore[index]
    assert s["cadence_spm"] == pytest.approx(60 / 0.55)
    assert "heel_first_share" not in s["L"]  # type: ignore[operator]  # one sensor per foot
    assert server.summary_source() is server.summary_source()  # not recomputed without a step


def test_the_metronome_hook_switches_the_pages_and_tells_the_next() -> None:
    told: list[tuple[bool, float | None]] = []
    view = SessionView(ViewServer("127.0.0.1", 0))
    hook = view.metronome_hook(lambda on, cadence: told.append((on, cadence)))
    hook(True, 108.0)
    assert _board(view.server)["cues"] == {"metronome": True, "tone": False}
    hook(False, None)
    assert _board(view.server)["cues"] == {"metronome": False, "tone": False}
    assert told == [(True, 108.0), (False, None)]


def test_steps_are_stamped_with_the_time_the_analysis_emitted_them() -> None:
    server = ViewServer("127.0.0.1", 0)
    start = time.monotonic() - 10.0
    bridge = ViewBridge(server, LINES, origin=lambda: start)
    bridge(StepEmitted(_row("L", 1.0, 0.6), 9.5))  # type: ignore[arg-type]  # 0.5 s ago
    unstamped = ViewBridge(server, LINES)  # no origin known: stamped on arrival
    unstamped(StepEmitted(_row("R", 1.5, 0.6), 9.9))  # type: ignore[arg-type]
    server.apply_pending()
    now = time.time() * 1000.0
    first, second = list(server.board.recent)
    assert now - first["pub"] == pytest.approx(500.0, abs=100.0)
    assert now - second["pub"] == pytest.approx(0.0, abs=100.0)
