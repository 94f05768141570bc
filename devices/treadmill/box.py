"""Belt speed measured by the sensor box's encoder (``box``): BELT frames, not a treadmill port.

The live session decodes the box's BELT frames and hands each speed to :meth:`update`;
this driver then serves them through the common interface, so the rest of the program
treats an encoder-equipped box like any treadmill. It cannot set the speed or start/stop.
"""

from __future__ import annotations

import math
import threading
import time
from typing import Any

from devices.errors import DeviceTimeoutError, InputError
from devices.treadmill.base import Treadmill


class BoxBelt(Treadmill):
    """Speed from the sensor box; "not answering" when no BELT frame came for ``stale_after``."""

    name = "box"

    def __init__(self, *, stale_after: float = 1.0) -> None:
        super().__init__(timeout=stale_after)
        self.stale_after = stale_after
        self._latest: tuple[float, float] | None = None  # (clock.monotonic(), m/s)
        self._cond = threading.Condition()

    @classmethod
    def open(cls, target: str = "", **options: Any) -> BoxBelt:
        """``box`` takes no port: the sensor box is opened by the session."""
        if target:
            raise InputError(
                f"the box driver takes no port ({target!r})",
                fix="write just `box`; the sensor box port is given with --port",
            )
        return cls(stale_after=float(options.get("stale_after", 1.0)))

    def update(self, speed_mps: float) -> None:
        """Feed one belt speed decoded from a BELT frame (called by the session)."""
        if not math.isfinite(speed_mps):
            return
        with self._cond:
            self._latest = (self.clock.monotonic(), speed_mps)
            self._cond.notify_all()

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        with self._cond:
            while True:
                latest = self._latest  # stale after ``stale_after`` session seconds
                if latest is not None and self.clock.monotonic() - latest[0] <= self.stale_after:
                    return (latest[1],)
                now = time.monotonic()  # the deadline is real time
                if now >= deadline:
                    raise DeviceTimeoutError(
                        "no BELT frames from the sensor box",
                        fix="check that the box has a belt encoder connected",
                    )
                self._cond.wait(deadline - now)

    def _close(self) -> None:
        """Nothing to release."""
