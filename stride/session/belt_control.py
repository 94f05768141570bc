"""Setting the belt's speed from a live session: ``--speed`` at the start, the ``+``/``-``
keys, the stop at the end. Where the driver cannot set the speed, the session says so once,
with the driver's advice (its console, or how to enable it: CSAFE's ``?setspeed=off`` left
out), and goes on; a speed command that fails (no answer, or the treadmill rejects it) is
said once and the session goes on reading the belt; every change made is kept for
session.json (a stop only where the driver stops the belt: a CSAFE belt runs on)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from devices.errors import StrideError
from stride.session.notices import read_only
from stride.session.protocols import KMH

if TYPE_CHECKING:
    from stride.session.live import Session


def change_speed(session: Session, delta_mps: float) -> None:
    """``+``/``-``: move the set point where the driver can set the speed."""
    belt = session.belt
    if belt is None or not belt.can_set_speed:
        session.notes.once(read_only(belt))
        return
    current = session.state.belt_set_mps
    if current is None:
        current = belt.speed_mps or 0.0
    new = min(max(0.0, current + delta_mps), 20.0 * KMH)
    try:
        if not session.belt_started and new > 0:
            belt.start(new)
            session.belt_started = True
        else:
            belt.set_speed(new)
    except StrideError as err:
        session.notes.once(f"speed change failed: {err}")
        return
    session.state.belt_set_mps = new
    session.speed_changes.append({"elapsed_s": round(session.state.elapsed_s, 3), "mps": new})


def start_belt(session: Session, speed: float) -> None:
    """``--speed``: start the belt at the session's start where the driver can."""
    belt = session.belt
    assert belt is not None
    if not belt.can_set_speed:
        session.notes.once(read_only(belt))
        return
    try:
        belt.start(speed)
    except StrideError as err:
        session.notes.once(f"speed change failed: {err}")
        return
    session.belt_started = True
    session.state.belt_set_mps = speed
    session.speed_changes.append({"elapsed_s": 0.0, "mps": speed})


def stop_belt(session: Session) -> None:
    """Stop a belt this session started; a failure is a warning (the session's data stand)."""
    belt = session.belt
    if belt is None or not session.belt_started or not getattr(belt, "can_start_stop", True):
        return
    try:
        belt.stop()
        at = round(session.clock.monotonic() - session._t0, 3)  # marked: no one's change
        session.speed_changes.append({"elapsed_s": at, "mps": 0.0, "session_end": True})
    except StrideError as err:
        print(f"stride: warning: could not stop the belt: {err}", file=sys.stderr)
