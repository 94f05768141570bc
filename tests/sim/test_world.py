"""Live worlds on a fake clock: deterministic, decodable, flat memory over hours."""

from __future__ import annotations

import pytest

from devices.errors import InputError
from devices.sensorbox import SampleBlock, StreamDecoder
from sim.params import Feedback
from sim.world import World, WorldOptions


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


@pytest.mark.slow
def test_two_hours_of_world_keep_memory_flat_and_stream_cleanly() -> None:
    clock = FakeClock()
    world = World(WorldOptions(seed=3, rate_hz=100), clock=clock)
    dec = StreamDecoder()  # decodes the last 10 minutes (decoding is the slow part)
    received = bytearray()
    world.box_listeners.append(lambda data, now: received.extend(data))
    samples = 0
    sizes = []
    for step in range(720):  # 2 hours in 10 s steps
        clock.t += 10.0
        world.advance()
        if step >= 660:
            blocks = [e for e in dec.feed(bytes(received), clock.t) if isinstance(e, SampleBlock)]
            samples += sum(b.values.shape[0] for b in blocks)
        received.clear()
        sizes.append((len(world.walker.contacts), len(world.treadmill._belts[0].dip_t)))
    assert dec.stats.crc_errors == dec.stats.restarts == dec.stats.gaps == 0
    assert samples == pytest.approx(600 * 100, abs=100)
    assert max(c for c, _ in sizes[10:]) < 200  # contacts and dips are forgotten
    assert max(d for _, d in sizes[10:]) < 200


def test_same_seed_same_world() -> None:
    def run() -> bytes:
        clock = FakeClock()
        world = World(WorldOptions(seed=8, rate_hz=200), clock=clock)
        out = bytearray()
        world.box_listeners.append(lambda data, now: out.extend(data))
        for _ in range(30):
            clock.t += 0.37
            world.advance()
        return bytes(out)

    assert run() == run()


def test_speedup_scales_world_time() -> None:
    clock = FakeClock()
    world = World(WorldOptions(speedup=25.0), clock=clock)
    clock.t = 2.0
    assert world.now() == pytest.approx(50.0)
    clock.t = 1.0  # a clock that steps back never moves the world back
    assert world.now() == pytest.approx(50.0)


def test_feedback_changes_the_running_walker() -> None:
    clock = FakeClock()
    world = World(WorldOptions(seed=1), clock=clock)
    clock.t = 20.0
    world.advance()
    world.set_feedback(Feedback(cadence_spm=120.0, tau_strides=2.0, residual=0.0))
    n = len(world.walker.contacts)
    clock.t = 80.0
    world.advance()
    ics = [c.ic for c in world.walker.contacts[n:]]
    steps = [b - a for a, b in zip(ics[-20:], ics[-19:], strict=False)]
    assert sum(steps) / len(steps) == pytest.approx(0.5, abs=0.02)


def test_bad_world_options_are_refused() -> None:
    with pytest.raises(InputError):
        WorldOptions(speedup=0.0)
    with pytest.raises(InputError):
        WorldOptions(profile="nope")


@pytest.mark.parametrize("speedup", [1.0, 50.0])
def test_comm_loss_stop_counts_host_silence_on_the_host_clock(speedup: float) -> None:
    """A host polling every 0.2 s of its own clock keeps an A0-started belt running at any
    speedup; 0.6 s of host silence stops it (the timeout is 0.5 s of host time)."""
    clock = FakeClock()
    world = World(WorldOptions(seed=1, rate_hz=100, belt_running=False, speedup=speedup), clock)
    console = world.responder("trackmaster")
    console.feed(b"\xa0", world.advance())  # start with comm-loss stop
    for _ in range(10):
        clock.t += 0.2
        console.feed(b"\xc1", world.advance())  # speed poll
    assert world.treadmill.running(world.now()) and console.comm_loss_stops == 0
    clock.t += 0.6
    world.advance()
    assert not world.treadmill.running(world.now()) and console.comm_loss_stops == 1
