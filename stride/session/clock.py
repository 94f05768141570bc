"""Which clock a live session runs on, decided once (:mod:`devices.timebase`).

Real devices: the wall clock. Devices simulated faster than real time: their time, so a
session at ``--speedup 20`` polls, stamps and times its windows as a real-time session of
the same walk does and finds the same steps. A simulator in this process offers its own
clock through the box's port (``sim://``); a simulator in another process (``stride sim
serve --speedup S``) cannot, so ``stride live --speedup S`` says how fast it runs.

The choice is stored in session.json (``clock``): the recorded host times are that clock's
seconds, so ``stride analyze`` and ``stride replay`` work in the same seconds as the live
session did, and the reader of a recording knows which seconds they are.
"""

from __future__ import annotations

import math
from typing import Any

from devices.errors import InputError
from devices.timebase import WALL, Clock, ScaledClock

#: Speedups a session accepts (as the simulator does).
MIN_SPEEDUP, MAX_SPEEDUP = 0.01, 1000.0


def check_speedup(speedup: float | None) -> float | None:
    """``--speedup`` as given (None: not given), or InputError naming the range."""
    if speedup is None:
        return None
    if not (math.isfinite(speedup) and MIN_SPEEDUP <= speedup <= MAX_SPEEDUP):
        raise InputError(
            f"--speedup {speedup:g} is outside {MIN_SPEEDUP:g}..{MAX_SPEEDUP:g}",
            fix="give the speedup of the simulated devices, e.g. --speedup 20 for "
            "`stride sim serve --speedup 20`",
        )
    return speedup


def session_clock(speedup: float | None, device_clock: Clock | None = None) -> Clock:
    """The session's clock: the box's own (a simulator in this process), else one running
    ``speedup`` times faster than real time, else the wall clock. A ``speedup`` that
    contradicts the device's own is refused."""
    if device_clock is not None:
        if speedup is not None and not math.isclose(speedup, device_clock.speedup):
            raise InputError(
                f"--speedup {speedup:g} but the simulated box runs at {device_clock.speedup:g}",
                fix="leave --speedup out: a sim:// box brings its own clock",
            )
        return device_clock
    if speedup is None or speedup == 1.0:
        return WALL
    return ScaledClock(speedup)


def clock_meta(clock: Clock) -> dict[str, Any]:
    """session.json's ``clock``: ``{"kind": "wall"|"scaled"|"simulated", "speedup": S}``."""
    return dict(clock.describe())
