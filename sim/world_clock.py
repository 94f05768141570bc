"""A world's time as the session clock of a host in the same process.

:class:`WorldClock` is the ``Clock`` of :mod:`devices.timebase` that a ``sim://`` port hands
to the session reading it (``port.clock``): the host stamps what it receives, paces its
polls and times its windows in the simulated seconds its devices live in, whatever the
world's speedup, and can make the world wait for it (:meth:`World.hold`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sim.world import World

#: World seconds a late waiter on the world's clock lets the world run past its wake-up time.
HOLD_SLACK_S = 0.01


class WorldClock:
    """A world's time as a session clock (the ``Clock`` of :mod:`devices.timebase`): a host
    in this process stamps what it receives, paces its polls and times its windows in the
    simulated seconds its devices live in, whatever the world's speedup.

    A thread waiting on this clock (a treadmill poller between polls) holds the world at
    its wake-up time (+ :data:`HOLD_SLACK_S`): a host slowed down (a loaded machine, a
    speedup its processor cannot keep up with) makes the world wait rather than miss a poll,
    so the session polls at the same world times as a real-time run.
    """

    def __init__(self, world: World) -> None:
        self.world = world
        self.speedup = world.options.speedup

    def monotonic(self) -> float:
        return self.world.peek_now()

    def now(self) -> float:
        return self.world._epoch + self.world.peek_now()

    def wait(self, event: threading.Event, seconds: float) -> bool:
        world = self.world
        target = world.peek_now() + max(0.0, seconds)
        world.hold(target + HOLD_SLACK_S)
        try:
            while not event.is_set():
                remaining = target - world.peek_now()
                if remaining <= 0:
                    return False
                event.wait(remaining / self.speedup)
            return True
        finally:
            world.release()

    def hold(self, until: float) -> None:
        """Keep the world from passing ``until`` (this clock's seconds) for the calling
        thread, e.g. a session's analysis that fell behind; :meth:`release` ends it."""
        self.world.hold(until)

    def release(self) -> None:
        self.world.release()

    def describe(self) -> dict[str, Any]:
        return {"kind": "simulated", "speedup": self.speedup}
