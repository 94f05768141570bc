"""Session clocks (devices.timebase): real time, time scaled for fast simulated devices, and a
treadmill driver that polls, stamps and times its "not answering" window on the clock it is
given."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from devices.timebase import WALL, ScaledClock, WallClock, holding
from devices.treadmill.base import BeltReading, PollerStatus, Treadmill, WireBytes


class StepClock:
    """A clock whose time moves only when someone waits on it (a discrete-event clock):
    a poller on it runs as fast as the processor allows, with exact session times."""

    speedup = 1.0

    def __init__(self) -> None:
        self.t = 100.0
        self.lock = threading.Lock()

    def monotonic(self) -> float:
        with self.lock:
            return self.t

    def now(self) -> float:
        return 1_000_000.0 + self.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        with self.lock:
            self.t += max(0.0, seconds)
        time.sleep(0)  # let other threads run, as a real wait would
        return event.is_set()

    def describe(self) -> dict[str, Any]:
        return {"kind": "test", "speedup": 1.0}


class Switchable(Treadmill):
    """A treadmill that answers while ``on``; every exchange is one tx and one rx byte."""

    name = "switchable"

    def __init__(self, clock: StepClock) -> None:
        super().__init__(timeout=0.05, clock=clock)
        self.on = True

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        self._emit("tx", b"?")
        if not self.on:
            raise TimeoutError
        self._emit("rx", b"!")
        return (1.25,)

    def _close(self) -> None:
        pass


def wait_for(cond: Any, limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while not cond() and time.monotonic() < end:
        time.sleep(0.001)
    assert cond()


def test_the_wall_clock_is_the_real_one() -> None:
    assert WALL.speedup == 1.0 and WALL.describe() == {"kind": "wall", "speedup": 1.0}
    assert abs(WallClock().now() - time.time()) < 5.0
    a = WALL.monotonic()
    assert WALL.monotonic() >= a
    event = threading.Event()
    event.set()
    assert WALL.wait(event, 10.0) is True  # returns at once when the event is set
    assert holding(WALL) is None


def test_a_scaled_clock_counts_speedup_seconds_per_real_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = [50.0]
    monkeypatch.setattr("devices.timebase.time.monotonic", lambda: real[0])
    monkeypatch.setattr("devices.timebase.time.time", lambda: 1_700_000_000.0)
    clock = ScaledClock(20.0)
    assert clock.monotonic() == 0.0 and clock.now() == 1_700_000_000.0
    real[0] = 52.5
    assert clock.monotonic() == pytest.approx(50.0)  # 2.5 real seconds at 20x
    assert clock.now() == pytest.approx(1_700_000_050.0)
    assert clock.describe() == {"kind": "scaled", "speedup": 20.0}
    assert holding(clock) is None


def test_a_scaled_clock_waits_a_speedup_times_shorter_real_time() -> None:
    waited: list[float] = []

    class Recorder(threading.Event):
        def wait(self, timeout: float | None = None) -> bool:
            waited.append(float(timeout or 0.0))
            return False

    assert ScaledClock(20.0).wait(Recorder(), 2.0) is False
    assert waited == [pytest.approx(0.1)]


@pytest.mark.parametrize("speedup", [0.0, -1.0, 1001.0, float("nan")])
def test_a_scaled_clock_refuses_a_nonsense_speedup(speedup: float) -> None:
    with pytest.raises(ValueError, match="speedup"):
        ScaledClock(speedup)


def test_a_poller_polls_stamps_and_times_outages_on_its_clock() -> None:
    clock = StepClock()
    t = Switchable(clock)
    readings: list[BeltReading] = []
    wire: list[WireBytes] = []
    statuses: list[PollerStatus] = []
    t.start_polling(10.0, readings.append, wire.append, statuses.append, not_answering_after=1.0)
    try:
        wait_for(lambda: len(readings) >= 20)
        t.on = False
        wait_for(lambda: len(statuses) >= 1)
        t.on = True
        wait_for(lambda: len(statuses) >= 2)
    finally:
        t.close()
    stamps = [r.host_t for r in readings[:20]]
    gaps = [b - a for a, b in itertools.pairwise(stamps)]
    assert gaps == pytest.approx([0.1] * 19)  # 10 Hz of the clock's seconds, exactly
    assert all(1_000_000.0 < w.host_t < 1_100_000.0 for w in wire)  # stamped by the clock
    down, up = statuses[:2]
    assert not down.answering and up.answering
    last_ok = max(r.host_t for r in readings if r.host_t < down.host_t)
    # "not answering" after 1.0 s of the clock without a reading (polls 0.1 s apart)
    assert 1.0 <= down.host_t - last_ok <= 1.1 + 1e-9
