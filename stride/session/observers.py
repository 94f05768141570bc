"""What happens in a live session, published to observers that cannot stall it.

A session (``stride live``, ``demo``, ``replay``) publishes four kinds of event:

- :class:`StepEmitted`: each step row as it is emitted (the JSON line's content);
- :class:`BeltSampled`: each belt sample the analysis is fed: time on the analysis clock
  (the steps' ``ic_s`` clock), speed (None while unknown) and the belt's cumulative travel,
  integrated as the step lengths are;
- :class:`StatusChanged`: running, paused, a device lost or back, ended;
- :class:`SummaryUpdated`: the rolling figures over the last 20 strides, when they change.

An observer is any callable taking one event (:data:`SessionObserver`). Subscribe it with
``Session.subscribe(observer)``, or hand it to the commands (``LiveArgs.observers``,
``DemoArgs.observers``, ``ReplayArgs.observers``). Each subscription has its own bounded
queue and delivery thread: publishing never waits, a slow observer loses its oldest
events (counted in ``dropped``), one that raises has the error counted (``errors``) and
logged once, and neither delays the analysis, the recording or the other observers. When
the session ends, each subscription gets ``ENDED`` and up to ``drain_s`` to take what is
queued; ``Subscription.close()`` ends one early.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stride.core.rows import StepRow
from stride.session.state import Rolling, SessionState

log = logging.getLogger(__name__)

#: Events a subscription holds before it drops its oldest.
MAX_PENDING = 4096


class Status(StrEnum):
    """The session's state as an observer sees it."""

    RUNNING = "running"
    PAUSED = "paused"
    DEVICE_LOST = "device-lost"
    DEVICE_BACK = "device-back"
    ENDED = "ended"


@dataclass(frozen=True)
class StepEmitted:
    """A step row, final, as the session emitted it (``elapsed_s``: session time)."""

    row: StepRow
    elapsed_s: float


@dataclass(frozen=True)
class BeltSampled:
    """A belt sample: ``t_s`` on the analysis clock, ``speed_mps`` (None: unknown, e.g.
    the treadmill not answering), ``distance_m`` the belt's travel since the first sample."""

    t_s: float
    speed_mps: float | None
    distance_m: float


@dataclass(frozen=True)
class StatusChanged:
    """``device`` names the device for DEVICE_LOST/DEVICE_BACK (``box`` or the treadmill
    driver); ``detail`` says why (e.g. the stop reason for ENDED)."""

    status: Status
    elapsed_s: float
    device: str | None = None
    detail: str = ""


@dataclass(frozen=True)
class SummaryUpdated:
    """The rolling figures, steps so far and each foot's share of steps on target."""

    rolling: Rolling
    steps_total: int
    within: dict[str, float | None]
    elapsed_s: float


SessionEvent = StepEmitted | BeltSampled | StatusChanged | SummaryUpdated
#: Anything that takes an event; its return value is ignored.
SessionObserver = Callable[[SessionEvent], object]


class Subscription:
    """One observer's queue and delivery thread (see the module docstring)."""

    def __init__(self, observer: SessionObserver, max_pending: int = MAX_PENDING) -> None:
        self.observer = observer
        self.delivered = 0
        self.dropped = 0
        self.errors = 0
        self._queue: deque[SessionEvent] = deque()
        self._max = max(1, max_pending)
        self._cond = threading.Condition()
        self._closing = False
        self._busy = False
        name = getattr(observer, "__name__", type(observer).__name__)
        self._thread = threading.Thread(target=self._run, name=f"observer-{name}", daemon=True)
        self._thread.start()

    def put(self, event: SessionEvent) -> None:
        """Queue an event without waiting; the oldest goes when the queue is full."""
        with self._cond:
            if self._closing:
                return
            if len(self._queue) >= self._max:
                self._queue.popleft()
                self.dropped += 1
            self._queue.append(event)
            self._cond.notify()

    def close(self, drain_s: float = 0.0) -> None:
        """Stop delivering; give the observer up to ``drain_s`` to take what is queued."""
        with self._cond:
            if drain_s > 0:
                self._cond.wait_for(lambda: not self._queue and not self._busy, drain_s)
            self._closing = True
            self.dropped += len(self._queue)
            self._queue.clear()
            self._cond.notify_all()

    @property
    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._queue or self._closing)
                if self._closing:
                    return
                event = self._queue.popleft()
                self._busy = True
            try:
                self.observer(event)
                self.delivered += 1
            except Exception:  # an observer's bug must never reach the session
                self.errors += 1
                if self.errors == 1:
                    log.exception("a session observer failed (further failures are counted)")
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()


class ObserverHub:
    """The session's subscriptions; :meth:`publish` never blocks."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(
        self, observer: SessionObserver, *, max_pending: int = MAX_PENDING
    ) -> Subscription:
        sub = Subscription(observer, max_pending)
        with self._lock:
            self._subs = [*self._subs, sub]
        return sub

    @property
    def active(self) -> bool:
        """Whether anyone listens (events are not even built otherwise)."""
        return bool(self._subs)

    def publish(self, event: SessionEvent) -> None:
        for sub in self._subs:
            sub.put(event)

    def close(self, drain_s: float = 1.0) -> None:
        """Let every observer take its queued events (``drain_s`` in all), then stop."""
        with self._lock:
            subs, self._subs = self._subs, []
        deadline = time.monotonic() + drain_s
        for sub in subs:
            sub.close(max(0.0, deadline - time.monotonic()))


class SessionPublisher:
    """What the loop publishes, built only while someone listens."""

    def __init__(self, hub: ObserverHub) -> None:
        self.hub = hub
        self._seen = {"paused": False, "box": True, "treadmill": True}
        self._summary_steps = -1

    def steps(self, rows: list[StepRow], elapsed_s: float) -> None:
        if self.hub.active:
            for row in rows:
                self.hub.publish(StepEmitted(row, elapsed_s))

    def belt(self, t: Any, speed: Any, travelled: Any) -> None:
        """Belt samples the analysis was fed (arrays; called from the analysis thread)."""
        if not self.hub.active:
            return
        for ti, vi, di in zip(t.tolist(), speed.tolist(), travelled.tolist(), strict=True):
            self.hub.publish(BeltSampled(ti, vi if math.isfinite(vi) else None, di))

    def changes(self, state: SessionState, treadmill: str | None) -> None:
        """Status changes since the last call, and the rolling figures after new steps."""
        if not self.hub.active:
            return
        h = state.health
        elapsed = state.elapsed_s
        now = {"paused": state.paused, "box": h.box_connected, "treadmill": h.treadmill_answering}
        for key, value in now.items():
            if value == self._seen[key]:
                continue
            self._seen[key] = value
            if key == "paused":
                self.hub.publish(StatusChanged(Status.PAUSED if value else Status.RUNNING, elapsed))
                continue
            device = "box" if key == "box" else (treadmill or key)
            status = Status.DEVICE_BACK if value else Status.DEVICE_LOST
            detail = h.box_message if key == "box" and not value else ""
            self.hub.publish(StatusChanged(status, elapsed, device, detail))
        if state.steps_total != self._summary_steps:
            self._summary_steps = state.steps_total
            rolling = state.rolling()
            self.hub.publish(
                SummaryUpdated(rolling, state.steps_total, state.within_share(), elapsed)
            )
