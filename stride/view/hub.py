"""The event-loop side of the view: the board every page is drawn from, and one bounded
outbox per viewer.

Everything here runs on the view's own event loop thread, never on the session's threads.
Each frame is encoded to JSON once and the same text goes to every viewer. A viewer's
outbox holds steps and state changes, which are never dropped, and at most one belt frame,
which a newer one replaces (drop the oldest). A viewer whose step backlog passes the bound,
or whose socket does not take a frame within :data:`SEND_TIMEOUT_S`, is dropped (it
reconnects and gets the whole board again); the session never waits for it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from stride.view.frames import (
    CoursePasses,
    LastMinute,
    ViewTarget,
    number,
    plain,
    step_error_m,
    verdict,
)

#: Steps and state frames a viewer may have waiting before it is dropped (a burst, such as
#: a replay at full speed, fits; a viewer that stopped reading hits the send timeout first).
MAX_BACKLOG = 4096
#: Longest a socket may take to accept one frame before its viewer is dropped.
SEND_TIMEOUT_S = 5.0
#: Steps the page gets on connecting (its footprints and the course's current pass).
RECENT_STEPS = 40


def now_ms() -> float:
    """Wall-clock milliseconds: the publication stamp the page compares its paint time to."""
    return time.time() * 1000.0


def encode(frame: Mapping[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), allow_nan=False)


def error_text(error_m: float | None) -> str:
    """The signed error in centimetres with one decimal, as the page shows it: ``+3.2``,
    ``-1.5``, ``0.0`` (no sign when it rounds to zero); an em dash when unmeasured."""
    if error_m is None:
        return "—"
    magnitude = f"{abs(error_m) * 100.0:.1f}"
    if magnitude == "0.0":
        return magnitude
    return ("+" if error_m > 0 else "-") + magnitude


class Viewer:
    """One connected page: its outbox and the task that empties it into the socket."""

    def __init__(
        self,
        send: Callable[[str], Awaitable[None]],
        close: Callable[[int, str], Awaitable[Any]],
        name: str = "",
    ) -> None:
        self.send = send
        self.close_socket = close
        self.name = name
        self.must: deque[str] = deque()
        self.belt: str | None = None
        self.wake = asyncio.Event()
        self.dropped_frames = 0
        self.closed = False
        self.reason = ""

    def offer(self, frame: str) -> bool:
        """Queue a frame that must arrive; False when the backlog is full (drop the viewer)."""
        if self.closed or len(self.must) >= MAX_BACKLOG:
            return False
        self.must.append(frame)
        self.wake.set()
        return True

    def offer_belt(self, frame: str) -> None:
        """Keep only the newest belt frame: the page extrapolates from the latest one."""
        if self.belt is not None:
            self.dropped_frames += 1
        self.belt = frame
        self.wake.set()

    async def pump(self) -> None:
        """Send queued frames until closed; a socket slower than the timeout ends it."""
        while not self.closed:
            await self.wake.wait()
            self.wake.clear()
            while self.must or self.belt is not None:
                if self.must:
                    frame = self.must.popleft()
                else:
                    frame, self.belt = self.belt or "", None
                try:
                    await asyncio.wait_for(self.send(frame), SEND_TIMEOUT_S)
                except (TimeoutError, ConnectionError, RuntimeError) as err:
                    await self.drop(f"socket would not take frames ({type(err).__name__})")
                    return

    async def drop(self, reason: str, code: int = 1011) -> None:
        if self.closed:
            return
        self.closed, self.reason = True, reason
        self.wake.set()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.close_socket(code, reason[:120]), 1.0)


class Board:
    """The view's state, kept by the loop thread: what a newly connected page is sent and
    what ``/state.json`` returns, plus the viewers frames are fanned out to."""

    def __init__(self) -> None:
        self.steps = 0
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_STEPS)
        self.minute = LastMinute()
        self.passes = CoursePasses()
        self.target = ViewTarget()
        self.belt: dict[str, Any] | None = None
        self.status = "running"
        self.summary: dict[str, Any] = {}
        self.cues = {"metronome": False, "tone": False}
        self.clock = {"rate": 1.0}
        self.viewers: set[Viewer] = set()
        self.dropped_viewers = 0
        self.bad_messages = 0
        self.frames_sent = 0

    # -- updates (each returns nothing; fans out to viewers) ---------------------------------
    def add_step(self, step: Mapping[str, Any], pub_ms: float) -> None:
        self.steps += 1
        judged = verdict(step, self.target)
        err = step_error_m(step, self.target)
        side = str(step.get("side", ""))
        self.minute.add(number(step.get("ic_s")), side, judged)
        if self.target.mode == "course":
            self.passes.add(step, self.target.pass_length_m)
        frame = {
            "t": "step",
            "n": self.steps,
            "side": side,
            "ic_s": number(step.get("ic_s")),
            "step_length_m": number(step.get("step_length_m")),
            "error_m": err,
            "error_text": error_text(err),
            "verdict": judged,
            "pub": pub_ms,
            "row": plain(step),
        }
        self.recent.append(frame)
        share, course = self.minute.share(), self.passes.as_dict()
        self._fan_out({**frame, "share": share, "course": course, "srv": now_ms()})

    def set_belt(
        self, t_s: float, speed_mps: float | None, distance_m: float, pub_ms: float
    ) -> None:
        self.belt = {"t": "belt", "t_s": t_s, "speed_mps": speed_mps, "distance_m": distance_m}
        text = encode({**self.belt, "pub": pub_ms, "server_ms": now_ms()})
        for viewer in list(self.viewers):
            viewer.offer_belt(text)

    def set_state(self, kind: str, value: Any) -> None:
        """``status``, ``summary``, ``target``, ``cues`` or ``clock``: kept and sent to
        every page."""
        if kind == "status":
            self.status = value
        elif kind == "summary":
            self.summary = value
        elif kind == "target":
            if value.mode == "course" and self.target.mode != "course":
                self.passes = CoursePasses()
            self.target = value
            value = value.as_dict()
        elif kind == "cues":
            self.cues = {**self.cues, **value}
            value = self.cues
        elif kind == "clock":
            self.clock = value
        self._fan_out({"t": kind, kind: value})

    # -- snapshots ---------------------------------------------------------------------------
    def hello(self) -> str:
        """Everything a page needs to draw at once, on (re)connecting."""
        return encode(
            {
                "t": "hello",
                "steps": self.steps,
                "recent": list(self.recent),
                "share": self.minute.share(),
                "course": self.passes.as_dict(),
                "belt": self.belt,
                "status": self.status,
                "summary": self.summary,
                "target": self.target.as_dict(),
                "cues": self.cues,
                "clock": self.clock,
                "server_ms": now_ms(),
            }
        )

    def state(self) -> dict[str, Any]:
        """``GET /state.json``: the documented keys first, then the view's own."""
        return {
            "steps": self.steps,
            "belt_speed_mps": None if self.belt is None else self.belt["speed_mps"],
            "summary": self.summary,
            "status": self.status,
            "mode": self.target.mode,
            "target": self.target.as_dict(),
            "cues": self.cues,
            "clock": self.clock,
            "viewers": len(self.viewers),
        }

    # -- viewers -----------------------------------------------------------------------------
    def _fan_out(self, frame: Mapping[str, Any]) -> None:
        text = encode(frame)
        for viewer in list(self.viewers):
            if not viewer.offer(text):
                self.viewers.discard(viewer)
                self.dropped_viewers += 1
                asyncio.get_running_loop().create_task(viewer.drop("too far behind", 1013))
