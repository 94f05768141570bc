"""Helpers of the Bluetooth tests: waiting on conditions (the simulated world's true steps
during a live session: benchmarks/live_truth.py, shared with the benchmark)."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_for(cond: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> None:
    """Wait until ``cond()`` holds (conditions, not sleeps: robust under load)."""
    end = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
