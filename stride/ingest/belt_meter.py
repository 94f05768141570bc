"""The belt speed a live session shows: the box encoder's distance over its last second."""

from __future__ import annotations

from collections import deque

#: Device time the shown speed spans: two heel strikes' dips at a slow walk, short enough
#: that a speed change shows within about a second, as on a treadmill's own console.
WINDOW_US = 1_000_000


class BeltSpeedMeter:
    """Encoder blocks in (20 ms each on the reference box), their mean speed out.

    One block's speed follows every heel strike's dip of the belt (1-3 % for 0.1-0.3 s on
    lab treadmills, and in ``sim.treadmill``), so the last block shown as "the belt" read
    3.53 km/h on a belt set to 3.6, and moved the cadence target with it. The analysis
    integrates every block; the screen shows distance over time across the last second.
    """

    def __init__(self, window_us: int = WINDOW_US) -> None:
        if window_us <= 0:
            raise ValueError(f"window {window_us} us must be positive")
        self.window_us = window_us
        self._blocks: deque[tuple[int, float]] = deque()  # (interval in us, metres)
        self._us = 0
        self._m = 0.0

    def add(self, interval_us: int, speed_mps: float) -> None:
        """One block: ``interval_us`` of device time at ``speed_mps``; blocks with no time
        (a box's first, or one after a restart) carry no distance to average and are skipped."""
        if interval_us <= 0:
            return
        metres = speed_mps * interval_us / 1e6
        self._blocks.append((interval_us, metres))
        self._us += interval_us
        self._m += metres
        while self._us - self._blocks[0][0] >= self.window_us:
            us, m = self._blocks.popleft()
            self._us -= us
            self._m -= m

    @property
    def mps(self) -> float | None:
        """The mean speed of the blocks in the window, None before the first."""
        if not self._blocks:
            return None
        return self._m / self._us * 1e6
