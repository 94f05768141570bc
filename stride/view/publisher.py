"""The session's handle on the walker's view: :class:`ViewServer`.

Every publishing call takes a lock for a few assignments, and wakes the view's event loop
only when nothing is already waiting for it (belt samples at most every
:data:`BELT_INTERVAL_S`): constant time for the session's threads, whatever the number of
viewers, and no I/O on them. The web library (aiohttp) is imported by :meth:`start`, so
creating a server and publishing to one that is not started costs nothing either.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import math
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from stride.errors import InputError
from stride.view.address import DEFAULT_HOST, DEFAULT_PORT, is_loopback, url_host
from stride.view.frames import STATUSES, ViewTarget
from stride.view.hub import Board, now_ms

#: Shortest interval between two belt frames sent to the pages (50 per second): the page
#: moves the lines every frame from the newest sample and the speed, so more gain nothing.
BELT_INTERVAL_S = 0.02
_START_TIMEOUT_S = 15.0
_TARGET_FIELDS = frozenset(ViewTarget.__dataclass_fields__)


class ViewServer:
    """The walker's view served from the session process, on its own thread and loop.

    ``token``: required from every request when given; generated when the address is not
    loopback and none is given (the printed URL carries it). See :mod:`stride.view`."""

    def __init__(
        self, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, token: str | None = None
    ) -> None:
        if token is None and not is_loopback(host):
            token = secrets.token_urlsafe(18)
        if token is not None and (len(token) < 8 or not token.isprintable() or " " in token):
            raise InputError("the view token must be at least 8 printable characters, no spaces")
        self.host, self.port, self.token = host, port, token
        self.board = Board()  # touched only on the loop thread once started
        self._lock = threading.Lock()
        self._steps: list[tuple[dict[str, Any], float]] = []
        self._state: dict[str, Any] = {}
        self._belt: tuple[float, float | None, float, float] | None = None
        self._belt_armed = False
        self._wake_armed = False
        self._belt_sent_at = -math.inf
        self._target = ViewTarget()
        self._cues: dict[str, bool] = {}
        self.summary_source: Callable[[], Mapping[str, Any]] | None = None
        self._stopped = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._site: Any = None
        self.url: str | None = None

    # -- life cycle ----------------------------------------------------------------------------
    def start(self) -> str:
        """Bind and serve; returns the URL to open (with the token, if any). A port in use,
        an address not on this machine or aiohttp missing raise :class:`InputError`."""
        if self._thread is not None:
            raise RuntimeError("the view server is already started")
        try:
            site = importlib.import_module("stride.view.site")
        except ImportError as err:
            raise InputError(
                f"--view needs the web server library aiohttp ({err.name or err} is missing)",
                fix='install the view extra from the stride checkout: pip install ".[view]"',
            ) from None
        loop = asyncio.new_event_loop()
        ready: concurrent.futures.Future[int] = concurrent.futures.Future()
        self._site = site.ViewSite(self, loop)
        thread = threading.Thread(target=self._run, args=(loop, ready), name="stride-view")
        thread.daemon = True
        thread.start()
        try:
            port = ready.result(_START_TIMEOUT_S)
        except BaseException:
            thread.join(_START_TIMEOUT_S)
            raise
        self._loop, self._thread, self.port = loop, thread, port
        query = f"?token={self.token}" if self.token else ""
        self.url = f"http://{url_host(self.host)}:{port}/{query}"
        self._wake()  # anything published before the start
        return self.url

    def _run(self, loop: asyncio.AbstractEventLoop, ready: concurrent.futures.Future[int]) -> None:
        asyncio.set_event_loop(loop)
        try:
            port = loop.run_until_complete(self._site.bind(self.host, self.port))
        except BaseException as err:
            ready.set_exception(err)
            loop.close()
            return
        ready.set_result(port)
        try:
            loop.run_forever()
        finally:
            loop.close()

    def stop(self) -> None:
        """Send what is still waiting, tell every page the server is going away, and stop
        serving (idempotent; later publishing calls do nothing)."""
        self._stopped = True
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        self._loop = None
        closing = asyncio.run_coroutine_threadsafe(self._close(), loop)
        with contextlib.suppress(concurrent.futures.TimeoutError, RuntimeError):
            closing.result(_START_TIMEOUT_S)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(_START_TIMEOUT_S)
        self._thread = None

    async def _close(self) -> None:
        self.apply_pending()  # the last steps and the final status reach the pages first
        await self._site.close()

    def __enter__(self) -> ViewServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- publishing (any thread; constant time; never blocks on a viewer) ----------------------
    def publish_step(self, step: Mapping[str, Any], emitted_ms: float | None = None) -> None:
        """A step as emitted (a step row of docs/formats.md): counted, judged, drawn by every page.
        ``emitted_ms``: when the analysis emitted it (ms since the epoch; default now), the
        start of the latency the page measures."""
        if self._stopped:
            return
        item = (dict(step), now_ms() if emitted_ms is None else float(emitted_ms))
        with self._lock:
            self._steps.append(item)
            wake = not self._wake_armed
            self._wake_armed = True
        if wake:
            self._wake()

    def publish_belt(self, t_s: float, speed_mps: float | None, distance_m: float) -> None:
        """The belt at session time ``t_s``: speed (None or NaN: unknown, the lines stand
        still) and distance travelled since the start. Samples without a finite time and
        distance are ignored."""
        speed = None if speed_mps is None or not math.isfinite(speed_mps) else float(speed_mps)
        sample = (float(t_s), speed, float(distance_m), now_ms())
        if not (math.isfinite(sample[0]) and math.isfinite(sample[2])):
            return
        with self._lock:
            self._belt = sample
            wake = not self._belt_armed
            self._belt_armed = True
        if wake:
            self._call(self._belt_due)

    def set_status(self, status: str) -> None:
        """``"running"``, ``"paused"``, ``"device-lost"`` or ``"ended"``."""
        if status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
        self._set("status", status)

    def set_summary(self, summary: Mapping[str, Any]) -> None:
        """The rolling summary (docs/formats.md), returned by ``/state.json``."""
        from stride.view.frames import plain

        self._set("summary", plain(summary))

    def set_summary_source(self, source: Callable[[], Mapping[str, Any]] | None) -> None:
        """Where ``/state.json`` gets its summary: ``source()`` is called, off the view's
        loop, for each request (instead of the last :meth:`set_summary`), so a summary
        costs nothing until someone asks for it."""
        self.summary_source = source

    def set_clock_rate(self, rate: float) -> None:
        """Session seconds per wall-clock second: 1 live, the speed of a replay (``0``:
        as fast as it goes). The page moves the lines between belt samples at this rate
        (not at all for 0), so a replay's belt runs at the recording's pace."""
        if not (math.isfinite(rate) and rate >= 0):
            raise ValueError(f"the clock rate must be a number >= 0, got {rate!r}")
        self._set("clock", {"rate": float(rate)})

    def set_target(self, target: ViewTarget | None = None, **fields: Any) -> None:
        """The mode and what is aimed at: a :class:`ViewTarget`, or its fields by name
        (``mode``, ``step_length_m``, ``tolerance_m``, ``spacing_m``, ``lines_per_step``,
        ``cadence_spm``, ``pass_length_m``), which change only those of the current one."""
        unknown = set(fields) - _TARGET_FIELDS
        if unknown:
            raise TypeError(f"unknown target fields: {', '.join(sorted(unknown))}")
        with self._lock:
            base = target or self._target
            self._target = replace(base, **fields) if fields else base
            new = self._target
        self._set("target", new)

    def set_metronome(self, on: bool) -> None:
        """Switch the pages' metronome click (the dashboard's ``m`` key)."""
        self.set_cues(metronome=on)

    def set_cues(self, *, metronome: bool | None = None, tone: bool | None = None) -> None:
        """Switch the metronome and the soft tone for each step on target on every page."""
        cues = {k: bool(v) for k, v in (("metronome", metronome), ("tone", tone)) if v is not None}
        with self._lock:
            self._cues = {**self._cues, **cues}
            cues = dict(self._cues)
        self._set("cues", cues)

    def stats(self) -> dict[str, int]:
        """Viewers now, viewers dropped, belt frames dropped, malformed messages refused."""
        b = self.board
        viewers = list(b.viewers)  # one atomic copy: the loop thread changes the set
        return {
            "viewers": len(viewers),
            "dropped_viewers": b.dropped_viewers,
            "dropped_belt_frames": sum(v.dropped_frames for v in viewers),
            "bad_messages": b.bad_messages,
        }

    # -- the loop side -------------------------------------------------------------------------
    def _set(self, kind: str, value: Any) -> None:
        if self._stopped:
            return
        with self._lock:
            self._state[kind] = value
            wake = not self._wake_armed
            self._wake_armed = True
        if wake:
            self._wake()

    def _wake(self) -> None:
        self._call(self.apply_pending)

    def _call(self, fn: Any) -> None:
        loop = self._loop
        if loop is not None:
            # RuntimeError: the loop closed between the check and the call
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(fn)

    def apply_pending(self) -> None:
        """Apply everything published since the last flush (loop thread, or after stop)."""
        with self._lock:
            steps, self._steps = self._steps, []
            state, self._state = self._state, {}
            self._wake_armed = False
        for kind in ("target", "clock", "status", "cues", "summary"):
            if kind in state:
                self.board.set_state(kind, state[kind])
        for step, pub in steps:
            self.board.add_step(step, pub)

    def _belt_due(self) -> None:
        loop = asyncio.get_running_loop()
        wait = self._belt_sent_at + BELT_INTERVAL_S - time.monotonic()
        if wait > 0:
            loop.call_later(wait, self._flush_belt)
        else:
            self._flush_belt()

    def _flush_belt(self) -> None:
        with self._lock:
            sample, self._belt = self._belt, None
            self._belt_armed = False
        self._belt_sent_at = time.monotonic()
        if sample is not None:
            self.apply_pending()  # steps published before this sample go first
            self.board.set_belt(*sample)
