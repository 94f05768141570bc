"""``--view`` on ``stride live``, ``demo`` and ``replay``: the server started before the
session's devices, its URL announced, and the observer that feeds it.

The order matters to the user: a port in use or an address that cannot be bound is one line
and exit 1 before any device is opened or anything recorded; the URL is the first thing
printed (with JSON lines on stdout, as the first line, ``{"view": URL}``), so a script or a
person can open the page before the first step.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

from stride.view.address import ViewAddress
from stride.view.publisher import ViewServer

if TYPE_CHECKING:
    from stride.core.targets import Target
    from stride.session.live import Session
    from stride.session.protocols import Pipeline
    from stride.view.bridge import ViewBridge
    from stride.view.summary import ChannelNames

MetronomeHook = Callable[[bool, float | None], None]


class SessionView:
    """The walker's view of one session command (see the module docstring)."""

    def __init__(self, server: ViewServer) -> None:
        self.server = server
        self.bridge: ViewBridge | None = None

    @classmethod
    def start(
        cls, address: ViewAddress, *, json_lines: bool, out: TextIO | None = None
    ) -> SessionView:
        """Bind ``address`` and announce the URL on ``out`` (stdout): a JSON line when the
        session prints JSON lines, else a sentence. Binding problems raise InputError."""
        server = ViewServer(address.host, address.port)
        url = server.start()
        stream = out if out is not None else sys.stdout
        if json_lines:
            stream.write(json.dumps({"view": url}) + "\n")
        else:
            stream.write(f"walker's view: {url}\n")
        stream.flush()
        return cls(server)

    @property
    def url(self) -> str:
        return self.server.url or ""

    def observer(
        self,
        target: Target | None,
        *,
        belt_source: str,
        channels: ChannelNames | None = None,
        clock_rate: float = 1.0,
        origin: Callable[[], float | None] | None = None,
    ) -> ViewBridge:
        """The session observer showing a session (one per view); ``origin``: the
        session's start on the monotonic clock (``SessionState.started_host_t``)."""
        from stride.view.bridge import ViewBridge

        self.bridge = ViewBridge(
            self.server,
            target,
            belt_source=belt_source,
            channels=channels,
            clock_rate=clock_rate,
            origin=origin,
        )
        return self.bridge

    def show(
        self,
        session: Session,
        target: Target | None,
        *,
        belt_source: str,
        pipeline: Pipeline,
        clock_rate: float = 1.0,
    ) -> ViewBridge:
        """Subscribe this view's observer to ``session`` (before it runs), with a queue
        long enough that a replay at full speed loses no step
        (:data:`stride.view.bridge.MAX_PENDING`)."""
        from stride.view.bridge import MAX_PENDING

        state = session.state
        bridge = self.observer(
            target,
            belt_source=belt_source,
            channels=lambda: pipeline.describe().get("channels"),
            clock_rate=clock_rate,
            origin=lambda: state.started_host_t,
        )
        session.subscribe(bridge, max_pending=MAX_PENDING)
        return bridge

    def metronome_hook(self, then: MetronomeHook | None = None) -> MetronomeHook:
        """The session's ``on_metronome`` hook: the pages' metronome follows the dashboard's
        ``m`` key, and ``then`` (the demo's simulated walker hears it) is still told."""

        def hook(on: bool, cadence: float | None) -> None:
            self.server.set_metronome(on)
            if then is not None:
                then(on, cadence)

        return hook

    def stop(self) -> None:
        """Send what is waiting and close the pages' sockets (they show the last state)."""
        self.server.stop()
