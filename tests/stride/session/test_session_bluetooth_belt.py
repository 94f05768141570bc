"""What a Bluetooth treadmill adds to the session: its own reconnects in the session's count,
heart rate and read-only on the dashboard, "cannot be set" said once, and notices printed
on stderr when there is no dashboard."""

from __future__ import annotations

import io

from rich.console import Console

from devices.treadmill.base import BeltReading, PollerStatus, Treadmill
from stride.session.live import Session
from stride.session.notices import NoticePrinter
from stride.session.protocols import SessionOptions
from stride.session.screen.dashboard import render
from stride.session.state import SessionState
from stride.session.treadmill import TreadmillBelt


class FakeBle(Treadmill):
    """A driver whose control and link come and go, as a Bluetooth treadmill's do."""

    name = "ftms"
    silence_s = 3.0

    def __init__(self) -> None:
        super().__init__(timeout=0.5)
        self.can_set_speed = True
        self.set_to: list[float] = []

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        return (1.0,)

    def _set_speed(self, mps: float, deadline: float) -> None:
        self.set_to.append(mps)

    def _close(self) -> None:
        pass


def test_the_belt_follows_the_driver_control_reconnects_and_heart_rate() -> None:
    drv = FakeBle()
    belt = TreadmillBelt(drv)
    assert belt.can_set_speed and belt.reconnects == 0 and belt.heart_rate_bpm is None
    belt._on_reading(BeltReading(1.0, (1.0,), 92.0))
    assert belt.heart_rate_bpm == 92.0 and belt.speed_mps == 1.0
    drv.reconnects = 2
    drv.can_set_speed = False  # control taken back at the console
    assert belt.reconnects == 2 and not belt.can_set_speed
    belt._on_status(PollerStatus(2.0, False, "ftms not answering"))
    assert belt.heart_rate_bpm is None and belt.speed_mps is None


class _NoPipeline:
    belt_listener = None

    def counters(self) -> dict[str, int]:
        return {}


def test_speed_keys_on_a_read_only_belt_are_said_once() -> None:
    drv = FakeBle()
    drv.can_set_speed = False
    state = SessionState(None)
    session = Session(
        _NoPipeline(),  # type: ignore[arg-type]
        [],
        state,
        SessionOptions(json_lines=False),
        belt=TreadmillBelt(drv),
    )
    for action in ("faster", "faster", "slower"):
        session.handle(action)
    said = [e["event"] for e in state.events]
    assert said == ["ftms treadmill's speed cannot be set from here: set it at its console"]
    assert drv.set_to == [] and session.speed_changes == []
    drv.can_set_speed = True  # control granted after a reconnect: the keys work again
    session.handle("faster")
    assert len(drv.set_to) == 1 and len(session.speed_changes) == 1


def test_notices_are_printed_once_each_without_a_dashboard() -> None:
    state = SessionState(None)
    out = io.StringIO()
    notes = NoticePrinter(state, out)
    state.note("ftms: Bluetooth link lost; reconnecting")
    notes.once("read-only")
    notes.once("read-only")
    notes.flush()
    notes.flush()
    state.note("ftms reconnected after 1.7 s")
    notes.flush()
    assert out.getvalue().splitlines() == [
        "stride: note: ftms: Bluetooth link lost; reconnecting",
        "stride: note: read-only",
        "stride: note: ftms reconnected after 1.7 s",
    ]
    quiet = NoticePrinter(state, None)  # with a dashboard: shown there, not printed
    quiet.flush()


def test_dashboard_shows_heart_rate_and_read_only() -> None:
    s = SessionState(None)
    s.belt_mps = 1.0
    s.heart_rate_bpm = 87.4
    s.health.treadmill = "ftms"
    s.health.treadmill_read_only = True
    console = Console(file=io.StringIO(), record=True, width=140, height=40, color_system=None)
    console.print(render(s, 1.0, width=140, height=40))
    text = console.export_text()
    assert "3.6 km/h  HR 87 bpm" in text
    assert "treadmill ftms answering  read-only" in text
