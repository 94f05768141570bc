"""Helpers of the Bluetooth tests: waiting on conditions, and the simulated world's true
steps collected while a live session runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any


def wait_for(cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``cond()`` holds (conditions, not sleeps: robust under load)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class TruthWatcher(threading.Thread):
    """Collects the world's true steps while it runs (the live world forgets contacts
    older than 30 s, so they are taken every 2 s while the belt positions are exact):
    ``steps[(side, ic_s)] = step length``."""

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
