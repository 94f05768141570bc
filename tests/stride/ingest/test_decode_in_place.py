"""A whole decoded box stream turned into times and forces in place (one numba pass over
the decoder's own arrays, ``feed_decoded(box, consume=True)``) gives exactly what the numpy
path and the event-by-event path give: kept channels, calibrated float32 newtons, samples
out of order dropped and counted, the state carried from samples fed before."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.sensorbox import encode_hello, encode_samples
from devices.sensorbox.fast import decode_stream
from devices.sensorbox.frames import ChannelSpec, Hello
from stride.core.clock import SampleClock
from stride.core.signals import GaitSignals
from stride.ingest.assembler import BlockAssembler

ROLES = [("L", "heel"), ("L", "toe"), ("R", "heel"), ("R", "toe"), ("L", "foot"), ("R", "foot")]


def _hello(roles: list[int], no_side: int, scale: float, offset: int) -> Hello:
    """Channels of ``roles``, and with ``no_side >= 0`` a side-less one there (left out)."""
    specs = [ChannelSpec.of(*ROLES[r], offset=offset, scale=scale) for r in roles]
    if no_side >= 0:
        specs.insert(no_side % (len(specs) + 1), ChannelSpec(0x3F, offset, scale))
    return Hello(tuple(specs), sample_rate_hz=100, belt_counts_per_m=0.0)


def _wire(hello: Hello, blocks: list[tuple[int, int, int]], seed: int, seq0: int = 0) -> bytes:
    """HELLO then SAMPLES blocks (time step to the block, samples, period): blocks may
    overlap in time, so some samples come out of order."""
    rng = np.random.default_rng(seed)
    c = len(hello.channels)
    wire = encode_hello(seq0, 1_000, hello)
    t = 1_000_000
    for k, (step, n, period) in enumerate(blocks):
        t += step
        values = rng.integers(-32768, 32768, (n, c)).astype(np.int16)
        wire += encode_samples(seq0 + k + 1, t, period, values)
    return wire


def _result(sig: GaitSignals | None, asm: BlockAssembler) -> tuple[Any, ...]:
    if sig is None:
        return (None, vars(asm.counts), asm._last_t_us)
    forces = np.asarray(sig.forces)
    return (
        sig.times().tolist(),
        str(forces.dtype),
        forces.shape,
        forces.tobytes(),
        sig.units,
        vars(asm.counts),
        asm._last_t_us,
    )


BLOCKS = st.lists(
    st.tuples(st.integers(-40_000, 200_000), st.integers(1, 12), st.integers(1, 20_000)),
    min_size=1,
    max_size=25,
)


@settings(max_examples=80, deadline=None)
@given(
    roles=st.lists(st.integers(0, 5), min_size=1, max_size=7).filter(
        lambda r: {ROLES[i][0] for i in r} == {"L", "R"}
    ),
    no_side=st.integers(-1, 8),
    scale=st.sampled_from([0.0, 0.5, 0.0123, 3.7]),
    offset=st.integers(-500, 500),
    before=BLOCKS,
    blocks=BLOCKS,
    seed=st.integers(0, 1000),
)
def test_in_place_equals_the_numpy_and_event_paths(
    roles: list[int],
    no_side: int,
    scale: float,
    offset: int,
    before: list[tuple[int, int, int]],
    blocks: list[tuple[int, int, int]],
    seed: int,
) -> None:
    hello = _hello(roles, no_side, scale, offset)
    first = _wire(hello, before, seed)
    second = _wire(hello, blocks, seed + 1, seq0=len(before) + 1)
    outcomes = []
    for how in ("in place", "two parts", "no room", "numpy", "events", "clock", "clock, no room"):
        asm = BlockAssembler()
        asm.feed(decode_stream(first).events())  # state carried in: t0, last time, counts
        box = decode_stream(second)
        if how.startswith("clock"):  # the times as runs where every sample came in order
            room = np.zeros(0, np.uint8) if "room" in how else box.values_room
            sig = asm.feed_decoded(dataclasses.replace(box, values_room=room), True, clock=True)
        elif how == "in place":
            sig = asm.feed_decoded(box, consume=True)
        elif how == "two parts":  # the times and the newtons at once, on two threads
            with two_parts():
                sig = asm.feed_decoded(box, consume=True)
        elif how == "no room":  # a box whose values sit in no widenable buffer
            sig = asm.feed_decoded(
                dataclasses.replace(box, values_room=np.zeros(0, np.uint8)), True
            )
        elif how == "numpy":
            sig = asm.feed_decoded(box)
        else:
            sig = asm.feed(box.events())
        outcomes.append(_result(sig, asm))
    assert all(got == outcomes[0] for got in outcomes)


@contextlib.contextmanager
def two_parts(on: bool = True) -> Iterator[None]:
    """Reading with two threads, samples assembled in two parts at once however few."""
    from devices.cores import read_threads, set_read_threads
    from devices.sensorbox import _fast_samples

    if not on:
        yield
        return
    old = read_threads(), _fast_samples.MIN_SPLIT_SAMPLES
    set_read_threads(2)
    _fast_samples.MIN_SPLIT_SAMPLES = 0
    try:
        yield
    finally:
        set_read_threads(old[0])
        _fast_samples.MIN_SPLIT_SAMPLES = old[1]


def test_out_of_order_samples_are_dropped_and_counted_in_place() -> None:
    """Two blocks overlapping by two samples: the two late ones go, counted; calibrated."""
    hello = _hello([0, 2], 0, 0.5, 10)
    wire = _wire(hello, [(0, 4, 10_000), (20_000, 4, 10_000)], seed=3)
    asm = BlockAssembler()
    reference = decode_stream(wire).values
    sig = asm.feed_decoded(decode_stream(wire), consume=True)
    assert sig is not None and asm.counts.samples_out_of_order == 2
    assert sig.t.tolist() == [0.0, 0.01, 0.02, 0.03, 0.04, 0.05]
    kept = np.r_[reference[:4], reference[6:]][:, 1:]  # the side-less channel 0 is left out
    want = (kept.astype(np.float32) - np.float32(10)) * np.float32(0.5)
    assert sig.forces.dtype == np.float32 and np.array_equal(sig.forces, want)


@pytest.mark.parametrize("no_side", [-1, 0])
@pytest.mark.parametrize("roles", [[0, 2], [0, 1, 2, 3, 4], [0, 1, 2, 3, 4, 5, 0]])
@pytest.mark.parametrize("late", [None, 3, 40])
def test_long_streams_in_place_equal_the_numpy_path(
    no_side: int, roles: list[int], late: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streams of thousands of values (widened a block at a time from the end, blocks
    that channel counts do not divide) with every channel kept or one left out, and a
    block going back in time early, late or never: the same as the numpy path."""
    monkeypatch.setattr(BlockAssembler, "clock_min_samples", 0)  # a clock at any length
    hello = _hello(roles, no_side, 0.0123, -7)
    blocks = [(640_000, 64, 10_000)] * 60
    if late is not None:  # starts before the block before it ends (not a restart, which
        blocks[late] = (300_000, 64, 10_000)  # the decoder times after the last sample)
    outcomes = []
    clocks = []
    for how in ("in place", "two parts", "numpy", "events", "clock"):
        asm = BlockAssembler()
        box = decode_stream(_wire(hello, blocks, 5))
        with two_parts(how == "two parts"):
            if how == "events":
                sig = asm.feed(box.events())
            else:
                sig = asm.feed_decoded(box, how != "numpy", clock=how == "clock")
        outcomes.append(_result(sig, asm))
        clocks.append(sig is not None and isinstance(sig.t, SampleClock))
    assert all(got == outcomes[0] for got in outcomes)
    # a clock where every channel is kept and every sample came in order (one run)
    assert clocks == [False] * 4 + [no_side < 0 and late is None]
    if clocks[-1]:
        assert sig is not None and isinstance(sig.t, SampleClock) and sig.t.ticks.size == 1
    assert (asm.counts.samples_out_of_order > 0) == (late is not None)
    assert outcomes[0][2][1] == len(roles) and outcomes[0][2][0] > 3000


@pytest.mark.parametrize("below", [True, False])
def test_a_clock_only_from_clock_min_samples_on(
    monkeypatch: pytest.MonkeyPatch, below: bool
) -> None:
    """A stream of fewer samples than ``clock_min_samples`` gives its times as an array
    even when a clock is asked for (an array is small there and each foot's scan reads it
    as it is); from that many on, a clock; the same times either way."""
    hello = _hello([0, 1, 2, 3], -1, 0.0123, -7)
    blocks = [(640_000, 64, 10_000)] * 20
    plain = BlockAssembler().feed_decoded(decode_stream(_wire(hello, blocks, 5)), True)
    assert plain is not None and not isinstance(plain.t, SampleClock)
    monkeypatch.setattr(BlockAssembler, "clock_min_samples", plain.n + 1 if below else plain.n)
    asm = BlockAssembler()
    sig = asm.feed_decoded(decode_stream(_wire(hello, blocks, 5)), True, clock=True)
    assert sig is not None and isinstance(sig.t, SampleClock) != below
    assert np.asarray(sig.t).tobytes() == np.asarray(plain.t).tobytes()
    assert sig.forces.tobytes() == plain.forces.tobytes()
