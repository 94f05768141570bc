"""A live session whose belt stops mid-walk (stopped at the treadmill's console) and starts
again: the walker stands on the stopped belt with both feet loaded, and the analysis
reports that as standing, not as strides. End to end: ``stride live`` in this process on
the ``stride_sim`` fixture's simulated box and Trackmaster, the truth from the same world.
"""

from __future__ import annotations

import itertools
import threading
import time

import pytest

from sim.harness import SimDevices
from stride.testing import live_session

#: World seconds from the session's start: the console's stop and start, the session's end.
STOP_AT, START_AT, END_AT = 20.0, 34.0, 55.0


def console(sim: SimDevices, t0: float, done: threading.Event) -> None:
    """Press stop, then start, at the treadmill's console (the belt ramps down and up)."""
    world = sim.world
    for at, press in ((STOP_AT, world.treadmill.stop), (START_AT, world.treadmill.start)):
        deadline = time.monotonic() + 120.0
        while world.now() < t0 + at and time.monotonic() < deadline and not done.is_set():
            time.sleep(0.01)
        with world.lock:
            press(world.now())


@pytest.mark.slow
@pytest.mark.stride_sim(seed=5, speed="3.6kmh", speedup=5.0)
def test_a_belt_stopped_mid_walk_is_standing_not_strides(
    stride_sim: SimDevices, capsys: pytest.CaptureFixture[str]
) -> None:
    # the world waits for the session (opening it can take seconds on a busy machine): the
    # console's times count from the session's start
    stride_sim.hold_until_opened()
    done = threading.Event()
    thread = threading.Thread(
        target=console, args=(stride_sim, stride_sim.world.now(), done), daemon=True
    )
    thread.start()
    try:
        doc = live_session(stride_sim, END_AT)
    finally:
        done.set()
        thread.join(10.0)
    steps, summary = doc["steps"], doc["summary"]
    true_rows = stride_sim.truth_steps()
    # the stand in the truth's time: from the last landing before it to the first after
    ics = [t["ic_s"] for t in true_rows]
    stands = [(a, b) for a, b in itertools.pairwise(ics) if b - a > 3.0]
    assert len(stands) == 1, stands  # the walker stood once, on the stopped belt
    stood_from, stood_to = stands[0]
    assert stood_to - stood_from > 8.0
    # no phantom strides: every row that ends a step or stride is a true step (none made of
    # the weight shifts of a walker standing on both feet); a session that opens mid-walk
    # starts with contacts whose IC it did not see (``edge``: no step, no stride)
    truth = stride_sim.truth_for(steps)
    pairs = [(s, t) for s, t in zip(steps, truth, strict=True) if t is not None]
    phantoms = [s for s, t in zip(steps, truth, strict=True) if t is None]
    assert len(pairs) > 60 and all("edge" in s["flags"] for s in phantoms), phantoms
    # both feet stood through it, each contact flagged standing (``stop``), not a stance
    standing = [(s, t) for s, t in pairs if t["ic_s"] <= stood_from < stood_to - 3.0 < t["fc_s"]]
    assert sorted(s["side"] for s, _ in standing) == ["L", "R"], standing
    for s, t in standing:
        assert "stop" in s["flags"] and s["stance_s"] == pytest.approx(t["stance_s"], abs=0.01)
    # each foot's first stride after it holds the stand: no stride either
    after = [(s, t) for s, t in pairs if t["ic_s"] >= stood_to]
    across = [next(s for s, t in after if t["side"] == side) for side in "LR"]
    assert all("stop" in s["flags"] for s in across), across
    # the summary is the walking's: no stance or stride of the stand in it
    used = [s for s in steps if not s["flags"]]
    assert summary["flags"]["stop"] >= 4
    for key, longest in (("stance_s", 1.1), ("stride_time_s", 1.5)):
        assert max(s[key] for s in used if s[key] is not None) < longest
    for side in "LR":
        assert summary[side]["stance_s"]["mean"] < 0.8
        assert summary["variability"]["stride_time_cv"][side] < 5.0
    # stderr (no dashboard) named the stopped belt, and cleared it once the belt moved: the
    # walker, who walked again within a second or two of the start, was never asked about
    # (it was, with the seconds of the stop: "no steps for 12 s - is the walker on the belt?")
    said = [line for line in capsys.readouterr().err.splitlines() if "no steps" in line]
    assert said[0].startswith("stride: note: no steps for 5 s - the treadmill's belt is stopped")
    assert said[1].startswith("stride: note: cleared: no steps for ")
    assert "belt is stopped" in said[1] and not any("walker" in line for line in said), said
