"""A world's clock for a host in the same process: holds make the world wait for a late
host (the time it stood still is not made up), a waiter on the world's clock holds it at its
wake-up time, and sim:// ports hand the clock to the session."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest
import serial

from devices.timebase import holding
from sim.world import World, WorldOptions, drop_world
from sim.world_clock import HOLD_SLACK_S, WorldClock


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def in_thread(fn: Callable[[], None]) -> threading.Thread:
    thread = threading.Thread(target=fn, daemon=True)
    thread.start()
    return thread


def wait_for(cond: Callable[[], bool], limit: float = 10.0) -> None:
    end = time.monotonic() + limit
    while not cond() and time.monotonic() < end:
        time.sleep(0.001)
    assert cond()


def test_a_hold_makes_the_world_wait_and_the_wait_is_not_made_up() -> None:
    clock = FakeClock()
    world = World(WorldOptions(speedup=10.0), clock=clock)
    held, go = threading.Event(), threading.Event()

    def holder() -> None:
        world.hold(2.0)
        held.set()
        go.wait(10.0)
        world.release()

    thread = in_thread(holder)
    held.wait(10.0)
    clock.t = 1.0  # 10 s of world time if nothing held it
    assert world.now() == pytest.approx(2.0)
    assert world.peek_now() == pytest.approx(2.0)
    go.set()
    thread.join(10.0)
    assert world.now() == pytest.approx(2.0)  # goes on from where it waited
    clock.t = 1.5
    assert world.now() == pytest.approx(7.0)


def test_a_hold_of_a_thread_that_ended_is_dropped() -> None:
    clock = FakeClock()
    world = World(WorldOptions(), clock=clock)
    in_thread(lambda: world.hold(1.0)).join(10.0)  # ended without releasing
    clock.t = 3.0
    assert world.now() == pytest.approx(3.0)


def test_a_waiter_on_the_world_clock_holds_the_world_at_its_wake_up_time() -> None:
    clock = FakeClock()
    world = World(WorldOptions(speedup=1000.0), clock=clock)
    wc = world.host_clock()
    assert wc is world.host_clock() and isinstance(wc, WorldClock)
    assert wc.describe() == {"kind": "simulated", "speedup": 1000.0}
    assert holding(wc) is wc
    done = threading.Event()
    stop = threading.Event()
    in_thread(lambda: (wc.wait(stop, 1.0), done.set()))
    wait_for(lambda: world._cap < float("inf"))  # the waiter holds the world
    clock.t = 5.0  # 5000 world seconds if nothing held it
    assert world.now() == pytest.approx(1.0 + HOLD_SLACK_S)
    wait_for(done.is_set)
    assert world.now() == pytest.approx(1.0 + HOLD_SLACK_S)
    clock.t = 5.001
    assert world.now() == pytest.approx(2.0 + HOLD_SLACK_S)
    assert wc.monotonic() == world.now() and wc.now() - wc.monotonic() == world._epoch


def test_a_waiter_set_free_returns_at_once_and_lets_the_world_go() -> None:
    world = World(WorldOptions(speedup=1.0), clock=FakeClock())
    wc = world.host_clock()
    stop = threading.Event()
    stop.set()
    assert wc.wait(stop, 3600.0) is True
    assert world._cap == float("inf")


def test_a_sim_port_brings_its_worlds_clock() -> None:
    if "sim.urlhandler" not in serial.protocol_handler_packages:
        serial.protocol_handler_packages.append("sim.urlhandler")
    key = f"clock-{time.monotonic_ns()}"
    port = serial.serial_for_url(f"sim://box?world={key}&speedup=7", timeout=0.1)
    try:
        from sim.world import worlds

        assert port.clock is worlds()[key].host_clock()
        assert port.clock.speedup == 7.0
    finally:
        port.close()
        drop_world(key)
