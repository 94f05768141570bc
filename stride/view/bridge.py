"""A session observer that shows the session on the walker's view.

:class:`ViewBridge` is subscribed to a live, demo or replay session
(:mod:`stride.session.observers`) and maps its events onto a :class:`ViewServer`:

- :class:`StepEmitted` -> ``publish_step`` (and the summary's rows);
- :class:`BeltSampled` -> ``publish_belt`` (times on the analysis clock, the steps' ``ic_s``
  clock: a replay's belt and steps are in recording time);
- :class:`StatusChanged` -> ``set_status``: ``ended`` over a lost device over ``paused``
  over ``running``; a device back clears only its own loss;
- :class:`SummaryUpdated` -> nothing to send: ``/state.json`` computes the summary of every
  step so far when asked (:class:`stride.view.summary.LiveSummary`), in the JSON contract's
  shape.

Each step is stamped with the time the analysis emitted it (the session's start, ``origin``,
plus the event's session time), so the latency a page measures starts there, not at this
observer.

The mode: course (overground) for a session without a belt. The belt source says so for
``none``; a sensor box with no belt encoder is known only from its stream, so with the
box as the belt source the view turns to course mode when the first step comes before any
belt sample (the analysis feeds a chunk's belt samples before the steps they measure).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from stride.session.observers import (
    BeltSampled,
    SessionEvent,
    Status,
    StatusChanged,
    StepEmitted,
)
from stride.view.frames import ViewTarget
from stride.view.summary import ChannelNames, LiveSummary

if TYPE_CHECKING:
    from stride.core.targets import Target
    from stride.view.publisher import ViewServer

#: Events the view's subscription holds before dropping its oldest: a replay at full speed
#: of an hour's recording (some 180 000 belt samples) fits while the view catches up.
MAX_PENDING = 1 << 18
#: Belt sources (:mod:`stride.ingest.belt_source`) after which a first step without a belt
#: sample means overground; ``none`` is overground from the start.
MAYBE_OVERGROUND = ("box", "none")


def view_target(target: Target | None, *, course: bool = False) -> ViewTarget:
    """What the page draws and judges against, from the session's target."""
    mode = "course" if course else "treadmill"
    if target is None:
        return ViewTarget(mode=mode)
    return ViewTarget(
        mode=mode,
        step_length_m=target.step_length_m,
        tolerance_m=target.tolerance_m,
        spacing_m=target.spacing_m,
        lines_per_step=target.lines_per_step,
        cadence_spm=target.cadence_spm,
    )


class ViewBridge:
    """The observer (a callable taking one session event); see the module docstring."""

    def __init__(
        self,
        server: ViewServer,
        target: Target | None,
        *,
        belt_source: str = "box",
        channels: ChannelNames | None = None,
        clock_rate: float = 1.0,
        origin: Callable[[], float | None] | None = None,
    ) -> None:
        self.server = server
        self.origin = origin
        self.target = target
        self.summary = LiveSummary(target, channels)
        self.course = belt_source == "none"
        self._undecided = belt_source in MAYBE_OVERGROUND and not self.course
        self._paused = False
        self._lost: set[str] = set()
        self._ended = False
        server.set_summary_source(self.summary.summary)
        server.set_clock_rate(clock_rate)
        server.set_target(view_target(target, course=self.course))

    def __call__(self, event: SessionEvent) -> None:
        if isinstance(event, BeltSampled):
            self._undecided = False  # a belt: treadmill mode
            self.summary.add_belt(event.speed_mps)
            self.server.publish_belt(event.t_s, event.speed_mps, event.distance_m)
        elif isinstance(event, StepEmitted):
            if self._undecided:
                self._undecided = False
                self.course = True
                self.server.set_target(view_target(self.target, course=True))
            self.summary.add_row(event.row)
            self.server.publish_step(event.row, self._emitted_ms(event.elapsed_s))
        elif isinstance(event, StatusChanged):
            self._status(event)

    def _emitted_ms(self, elapsed_s: float) -> float | None:
        """When the step was emitted, on the wall clock the page compares with: the
        session's start (``origin``, monotonic) plus the event's session time."""
        start = self.origin() if self.origin is not None else None
        if start is None:
            return None
        ago_s = time.monotonic() - (start + elapsed_s)
        return time.time() * 1000.0 - max(0.0, ago_s) * 1000.0

    def _status(self, event: StatusChanged) -> None:
        s = event.status
        if s in (Status.RUNNING, Status.PAUSED):
            self._paused = s == Status.PAUSED
        elif s == Status.DEVICE_LOST:
            self._lost.add(event.device or "device")
        elif s == Status.DEVICE_BACK:
            self._lost.discard(event.device or "device")
        elif s == Status.ENDED:
            self._ended = True
            self.summary.end()
        self.server.set_status(self.status)

    @property
    def status(self) -> str:
        """The page's state: what the room most needs to know first."""
        if self._ended:
            return "ended"
        if self._lost:
            return "device-lost"
        return "paused" if self._paused else "running"
