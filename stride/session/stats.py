"""Session health figures kept in constant memory: latency percentiles, rates, CPU share.

A two-hour session must not grow: latencies go into a fixed histogram (0.1 ms bins up to
2 s, one overflow bin), rates into a short sliding window.
"""

from __future__ import annotations

import os
import resource
import time
from collections import deque
from dataclasses import dataclass

_BIN_MS = 0.1
_N_BINS = 20_000  # 0.1 ms bins up to 2 s; slower steps land in the overflow bin


class LatencyHistogram:
    """Percentiles of latencies (milliseconds) with 0.1 ms resolution and flat memory."""

    def __init__(self) -> None:
        self._bins = [0] * (_N_BINS + 1)
        self.count = 0
        self.max_ms = 0.0

    def add(self, latency_ms: float) -> None:
        """Count one latency; negative values (clock steps) count as zero."""
        ms = max(0.0, latency_ms)
        i = min(int(ms / _BIN_MS), _N_BINS)
        self._bins[i] += 1
        self.count += 1
        self.max_ms = max(self.max_ms, ms)

    def percentile(self, q: float) -> float | None:
        """The q-th percentile (0-100), as the upper edge of its bin; None before any value."""
        if self.count == 0:
            return None
        rank = max(1, int(-(-q * self.count // 100)))  # ceil(q * n / 100), at least 1
        seen = 0
        for i, c in enumerate(self._bins):
            seen += c
            if seen >= rank:
                if i == _N_BINS:
                    return round(self.max_ms, 2)
                return round(min((i + 1) * _BIN_MS, self.max_ms), 2)
        return round(self.max_ms, 2)  # pragma: no cover - unreachable: ranks <= count

    def summary(self) -> dict[str, float | None]:
        """``{"p50", "p99"}`` in ms, the session JSON's ``latency_ms``."""
        return {"p50": self.percentile(50), "p99": self.percentile(99)}


class RateMeter:
    """Events per second over the last ``window_s`` seconds, from a running total."""

    def __init__(self, window_s: float = 2.0) -> None:
        self.window_s = window_s
        self._marks: deque[tuple[float, int]] = deque()
        #: How much the total grew over the window, as of the last ``update``, since when.
        self.recent = 0
        self.since = 0.0

    def update(self, now: float, total: int) -> float:
        """Record the running total at ``now`` and return the rate over the window."""
        self._marks.append((now, total))
        while len(self._marks) > 2 and now - self._marks[0][0] > self.window_s:
            self._marks.popleft()
        t0, n0 = self._marks[0]
        self.since = t0
        self.recent = total - n0
        return (total - n0) / (now - t0) if now > t0 else 0.0


#: Real seconds of box bytes without a frame decoded before the dashboard says so; and
#: the bytes they must hold (more than any frame's or line's part waiting for its end).
STALL_S = 3.0
STALL_BYTES = 1024


class StallWatch:
    """Whether bytes keep coming but no frame has decoded for ``STALL_S`` (real) seconds:
    a box switched to another baud rate or protocol mid-session. Before the first frame
    the session stops with a diagnosis instead (``diagnose_s``)."""

    def __init__(self) -> None:
        self._seen = (-1, 0, 0.0)  # the frame count, the bytes and the time it changed
        #: When the frame count last changed (where a stall started), as of ``update``.
        self.since = 0.0

    def update(self, now: float, frames: int, n_bytes: int, pending: int) -> bool:
        """``pending``: chunks not yet analysed (more than one: the analysis is behind)."""
        seen, at_bytes, at = self._seen
        self.since = at
        if frames != seen:
            self._seen = (frames, n_bytes, now)
            self.since = now
            return False
        return pending <= 1 and now - at >= STALL_S and n_bytes - at_bytes >= STALL_BYTES


@dataclass
class CpuMeter:
    """Share of one core this process used since it was started (or since ``reset``)."""

    wall0: float = 0.0
    cpu0: float = 0.0

    def reset(self) -> None:
        self.wall0 = time.monotonic()
        self.cpu0 = time.process_time()

    def percent(self) -> float:
        wall = time.monotonic() - self.wall0
        return 100.0 * (time.process_time() - self.cpu0) / wall if wall > 0 else 0.0


def rss_mb() -> float:
    """Resident memory of this process now (MB), from /proc where available, else peak."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 1e6
    except (OSError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3
