"""The simulated world's true step lengths, collected while a live session runs on it, and
each measured step's error against them: shared by ``benchmarks/ble_session.py`` and the
Bluetooth session tests (tests/devices/ble/test_ble_live_session.py), so that the benchmark
and the test measure the same thing the same way.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any


class TruthWatcher(threading.Thread):
    """Collects the true steps of world ``key`` while it runs (the live world forgets contacts
    older than 30 s, so they are taken every 2 s while the belt positions are exact):
    ``steps[(side, ic_s)] = step length``. ``stop.set()`` then ``join()`` takes them a last
    time."""

    def __init__(self, key: str) -> None:
        super().__init__(daemon=True)
        self.key = key
        self.steps: dict[tuple[str, float], float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(2.0):
            self.take()
        self.take()

    def take(self) -> None:
        from sim.truth import truth_steps
        from sim.world import worlds

        world = worlds().get(self.key)
        if world is None:
            return
        with world.lock:
            now = world.now()
            done = [c for c in world.walker.contacts if c.ic < now - 0.5]
            for s in truth_steps(done, belt=world.treadmill, end_s=now):
                if s.step_length_m is not None:
                    self.steps[(s.side, round(s.ic_s, 6))] = s.step_length_m


def matched_errors(
    steps: Sequence[dict[str, Any]], truth: dict[tuple[str, float], float], within_s: float = 0.08
) -> list[float]:
    """Measured minus true step length (m) of each step with a length and no flag whose IC
    is within ``within_s`` of a true IC of the same foot."""
    out = []
    for s in steps:
        length = s.get("step_length_m")
        if length is None or s.get("flags"):
            continue
        near = [
            (abs(ic - s["ic_s"]), true)
            for (side, ic), true in truth.items()
            if side == s["side"] and abs(ic - s["ic_s"]) <= within_s
        ]
        if near:
            out.append(float(length) - min(near)[1])
    return out
