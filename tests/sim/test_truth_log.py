"""The truth of a live world (TruthLog), kept while the world forgets, equals the truth
computed from everything at once; match_steps aligns another program's clock to it."""

from __future__ import annotations

import numpy as np
import pytest

from sim.truth import TruthStep, match_steps, truth_steps
from sim.walker import Contact
from sim.world import World, WorldOptions


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def rows_close(a: list[TruthStep], b: list[TruthStep]) -> None:
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        dx, dy = x.as_dict(), y.as_dict()
        for key, value in dx.items():
            if isinstance(value, float):
                assert dy[key] == pytest.approx(value, abs=1e-9), key
            else:
                assert dy[key] == value, key


@pytest.mark.slow
def test_live_truth_equals_the_truth_of_everything_kept() -> None:
    """Two worlds on the same seed and clock: one forgets as live worlds do, the other keeps
    every contact and belt dip (the reference); 4 minutes in uneven strides of time, with
    an unplug and a change of profile on the way."""
    clocks = FakeClock(), FakeClock()
    live = World(WorldOptions(seed=6, rate_hz=100, profile="antalgic-left:0.4"), clock=clocks[0])
    ref = World(WorldOptions(seed=6, rate_hz=100, profile="antalgic-left:0.4"), clock=clocks[1])
    ref.treadmill.forget_before = lambda t: None  # type: ignore[method-assign]
    kept: list[Contact] = []
    ref.walker.on_event(lambda kind, c: kept.append(c) if kind == "ic" else None)
    rng = np.random.default_rng(1)
    while clocks[0].t < 240.0:
        dt = float(rng.choice([0.003, 0.2, 1.7, 9.0]))
        for clock in clocks:
            clock.t += dt
        for world in (live, ref):
            world.advance()
            if 100.0 <= clocks[0].t < 100.0 + dt:
                world.unplug(2.0)
                world.set_profile("hemiparetic-right:0.5")
    assert len(live.walker.contacts) < len(kept) / 3  # the live world did forget
    got = live.truth_steps()
    now = ref.now()
    want = truth_steps(
        kept,
        belt=ref.treadmill,
        end_s=now,
        clock_scale=ref.box_config.clock_scale,
        gaps=ref.unplug_spans(),
    )
    rows_close(got, want)
    assert got[-1].fc_s is None or got[-1].fc_s < now * ref.box_config.clock_scale
    assert any("gap" in r.flags for r in got)
    assert len(got) > 350


def test_truth_rows_are_bounded() -> None:
    clock = FakeClock()
    world = World(WorldOptions(seed=2, rate_hz=100), clock=clock)
    world.truth.max_rows = 50
    for _ in range(60):
        clock.t += 5.0
        world.advance()
    rows = world.truth_steps()
    assert len(rows) <= 50 + 60 and world.truth.dropped > 300
    ics = [r.ic_s for r in rows]
    assert ics == sorted(ics)


def steps_of(truth: list[dict[str, object]], offset: float, jitter: float, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [
        {"side": t["side"], "ic_s": float(t["ic_s"]) - offset + float(rng.normal(0, jitter))}  # type: ignore[arg-type]
        for t in truth
    ]


def test_match_steps_finds_the_offset_and_the_misses() -> None:
    clock = FakeClock()
    world = World(WorldOptions(seed=9, rate_hz=100), clock=clock)
    clock.t = 60.0
    truth = [r.as_dict() for r in world.truth_steps()]
    part = truth[20:70]
    steps = steps_of(part, offset=17.3, jitter=0.003, seed=1)
    steps.insert(10, {"side": "L", "ic_s": steps[9]["ic_s"] + 0.2})  # an extra step
    got = match_steps(steps, truth)
    assert got[10] is None
    assert [g for i, g in enumerate(got) if i != 10] == part
    assert match_steps([], truth) == []
    assert match_steps(steps[:3], []) == [None, None, None]
