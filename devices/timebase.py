"""The clock a session runs on: the real one, or the time of devices simulated faster.

A live session takes every time it decides by from one :class:`Clock`, chosen once per
session: the host times stamped on received bytes and treadmill readings (which the
recording keeps), a treadmill's poll period and its "not answering" window, how long the
box may be silent, and the session's ``--duration``. On real devices that is
:class:`WallClock`. Simulated devices may run faster than real time (``stride sim serve
--speedup 20``); the session then runs on :class:`ScaledClock`, whose seconds are that
many times shorter, so a poll every 0.1 s is a poll every 0.1 s of the simulated walk and
a belt reading lands where it would in a real-time run. A simulator in the same process
may hand out its own clock (a ``sim://`` port's ``clock``).

What stays on the real clock: how long to wait for a port to answer (I/O deadlines, a
reconnect's back-off), the host's processing latency, and a dashboard's refresh: they are
about the host, not about the walk.
"""

from __future__ import annotations

import threading
import time
from typing import Any, Protocol


class Clock(Protocol):
    """Session time (see the module docstring)."""

    #: Session seconds per real second (1 for the real clock).
    speedup: float

    def now(self) -> float:
        """Host time to stamp a chunk or a reading with, seconds (``time.time()``-like)."""
        ...

    def monotonic(self) -> float:
        """Session seconds from an arbitrary origin, never decreasing (for intervals)."""
        ...

    def wait(self, event: threading.Event, seconds: float) -> bool:
        """Wait ``seconds`` of session time or until ``event`` is set; whether it was."""
        ...

    def describe(self) -> dict[str, Any]:
        """What the recording stores about this clock (session.json ``clock``)."""
        ...


class HoldingClock(Clock, Protocol):
    """A clock of simulated devices that can wait for the host: :meth:`hold` keeps their
    time from passing ``until`` (this clock's :meth:`monotonic` seconds) for the calling
    thread until it calls :meth:`release` (or ends). A session holds it while its analysis
    is behind, so a host slower than the simulation makes the simulation wait rather than
    see a different walk."""

    def hold(self, until: float) -> None: ...

    def release(self) -> None: ...


def holding(clock: object) -> HoldingClock | None:
    """``clock`` if it can wait for the host (:class:`HoldingClock`), else None."""
    if callable(getattr(clock, "hold", None)) and callable(getattr(clock, "release", None)):
        return clock  # type: ignore[return-value]
    return None


class WallClock:
    """The real clock: ``time.time()`` stamps, ``time.monotonic()`` intervals."""

    speedup = 1.0

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds))

    def describe(self) -> dict[str, Any]:
        return {"kind": "wall", "speedup": 1.0}


class ScaledClock:
    """Session time running ``speedup`` times faster than the real clock, from now.

    Stamps start at the real time of creation (so a recording's times still read as dates)
    and advance ``speedup`` session seconds per real second. Devices simulated at the same
    speedup keep time with it up to a constant offset, which the analysis takes out as it
    does for real devices.
    """

    def __init__(self, speedup: float) -> None:
        if not (0.01 <= speedup <= 1000.0):
            raise ValueError(f"speedup {speedup!r} is outside 0.01..1000")
        self.speedup = float(speedup)
        self._epoch = time.time()
        self._mono0 = time.monotonic()

    def monotonic(self) -> float:
        return (time.monotonic() - self._mono0) * self.speedup

    def now(self) -> float:
        return self._epoch + self.monotonic()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        return event.wait(max(0.0, seconds) / self.speedup)

    def describe(self) -> dict[str, Any]:
        return {"kind": "scaled", "speedup": self.speedup}


#: The real clock, shared (it holds no state).
WALL = WallClock()
