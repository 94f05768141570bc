"""Faults asked of a running world (sim.faults): exact on the bytes, visible to a decoder,
and without effect on the gait."""

from __future__ import annotations

import numpy as np
import pytest

from devices.errors import InputError
from devices.sensorbox import StreamDecoder
from sim.faults import WorldFaults
from sim.world import World, WorldOptions


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def flipped_positions_reference(chunks: list[int], every: int) -> list[int]:
    """Stream offsets of the flipped bytes: every ``every``-th byte, counted across chunks."""
    total = sum(chunks)
    return list(range(every - 1, total, every))


@pytest.mark.parametrize("every", [1, 7, 100])
def test_flip_bits_flips_one_bit_in_every_nth_byte_across_chunks(every: int) -> None:
    faults = WorldFaults(seed=3)
    faults.flip_bits(every)
    rng = np.random.default_rng(5)
    sizes = [int(n) for n in rng.integers(0, 40, 50)]
    sent = [rng.integers(0, 256, n, dtype=np.uint8).tobytes() for n in sizes]
    got = b"".join(faults.box_bytes(chunk) for chunk in sent)
    diff = np.frombuffer(got, np.uint8) ^ np.frombuffer(b"".join(sent), np.uint8)
    changed = np.flatnonzero(diff).tolist()
    assert changed == flipped_positions_reference(sizes, every)
    assert all(bin(int(d)).count("1") == 1 for d in diff[changed])  # one bit per byte
    assert faults.injected["flipped_bits"] == len(changed)
    faults.flip_bits(0)  # stops
    assert faults.box_bytes(b"\x01" * 50) == b"\x01" * 50


def test_garbage_goes_before_the_next_frames_once() -> None:
    faults = WorldFaults(seed=1)
    faults.garbage(10)
    faults.garbage(5)
    assert faults.pending_garbage
    out = faults.box_bytes(b"frames")
    assert len(out) == 21 and out.endswith(b"frames")
    assert faults.box_bytes(b"next") == b"next" and faults.injected["garbage_bytes"] == 15


def test_silence_loses_answers_until_its_end() -> None:
    faults = WorldFaults(seed=1)
    assert faults.silence_treadmill(10.0, 2.0) == 12.0
    assert faults.lose_answer(b"\xd1", 11.9) == b""
    assert faults.lose_answer(b"\xd1", 12.0) == b"\xd1"
    assert faults.injected["answers_lost"] == 1


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda f: f.unplug(0.0, -1.0), "outside"),
        (lambda f: f.unplug(0.0, float("nan")), "outside"),
        (lambda f: f.garbage(0), "outside 1"),
        (lambda f: f.garbage(2.5), "whole number"),
        (lambda f: f.flip_bits(-1), "outside 0"),
        (lambda f: f.flip_bits(True), "whole number"),
        (lambda f: f.silence_treadmill(0.0, 1e9), "outside"),
    ],
)
def test_bad_fault_requests_are_refused(call: object, match: str) -> None:
    with pytest.raises(InputError, match=match):
        call(WorldFaults(seed=0))  # type: ignore[operator]


def run_world(world: World, clock: FakeClock, seconds: float, dec: StreamDecoder) -> None:
    for _ in range(int(seconds / 0.05)):
        clock.t += 0.05
        world.advance()
    dec.feed(b"", clock.t)


def decoded_world(**faults: object) -> tuple[World, StreamDecoder]:
    clock = FakeClock()
    world = World(WorldOptions(seed=4, rate_hz=200), clock=clock)
    dec = StreamDecoder()
    world.box_listeners.append(lambda data, now: dec.feed(data, now))
    run_world(world, clock, 3.0, dec)
    assert dec.stats.crc_errors == 0 and dec.stats.bytes_discarded == 0
    if "garbage" in faults:
        world.garbage(int(faults["garbage"]))  # type: ignore[call-overload]
    if "flip" in faults:
        world.flip_bits(int(faults["flip"]))  # type: ignore[call-overload]
    if "unplug" in faults:
        world.unplug(float(faults["unplug"]))  # type: ignore[arg-type]
    run_world(world, clock, 3.0, dec)
    return world, dec


def test_garbage_and_bit_flips_reach_the_decoder_as_errors() -> None:
    _, dec = decoded_world(garbage=300)
    assert dec.stats.bytes_discarded >= 250 and dec.stats.frames > 100
    world, dec = decoded_world(flip=2000)
    assert dec.stats.crc_errors > 0
    assert dec.stats.crc_errors <= world.faults.injected["flipped_bits"]


def test_unplug_asked_for_powers_the_box_up_again() -> None:
    world, dec = decoded_world(unplug=1.0)
    assert world.unplug_spans() == [pytest.approx((3.0, 4.0))]
    assert world.power_ups == 2 and dec.stats.restarts == 1
    assert not world.plugged(3.5) and world.plugged(4.0)


def test_unplug_nobody_looked_at_still_powers_the_box_up_again() -> None:
    """A host that backs off between reopen attempts may not touch the world while the cable
    is out: the box restarts all the same, at the replug, and no byte of the outage arrives."""
    clock = FakeClock()
    world = World(WorldOptions(seed=4, rate_hz=200), clock=clock)
    dec = StreamDecoder()
    arrivals: list[float] = []
    world.box_listeners.append(lambda data, now: (arrivals.append(now), dec.feed(data, now)))
    run_world(world, clock, 3.0, dec)
    world.unplug(1.0)  # out from 3.0 to 4.0 s of world time
    clock.t += 1.5  # the next look at the world is after the replug
    world.advance()
    run_world(world, clock, 2.0, dec)
    assert world.power_ups == 2 and dec.stats.restarts == 1
    assert world.box.t_power_on == pytest.approx(4.0)
    assert not [t for t in arrivals if 3.0 < t < 4.0]


def test_faults_leave_the_gait_unchanged() -> None:
    clean, _ = decoded_world()
    faulty, _ = decoded_world(garbage=100, flip=500)
    assert [c.ic for c in clean.walker.contacts] == [c.ic for c in faulty.walker.contacts]
