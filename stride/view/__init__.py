"""The walker's view: moving parallel lines and per-step feedback in a browser.

A live session serves a full-screen page for the person walking (a TV, monitor, tablet or
projector in the room): the lines drawn in perspective as if painted on the belt and moving
at the measured belt speed, a footprint at each initial contact at the measured step
length, in/short/long with the signed error in large digits, per side the share of steps on
target in the last minute, the overground course and its passes, a metronome and a soft
tone on target, and a "paused" / "sensors lost" state anyone in the room understands.

Publisher API (what a session calls; every call is thread-safe, non-blocking and constant
time for the caller, whatever the number of viewers)::

    from stride.view import ViewServer, ViewTarget

    view = ViewServer(host="127.0.0.1", port=8765, token=None)
    url = view.start()            # binds; InputError on a port in use or a bad address
    view.set_target(mode="treadmill", spacing_m=0.30, lines_per_step=2, tolerance_m=0.05,
                    cadence_spm=None)          # or ViewTarget(...); mode="course" with
                                               # pass_length_m for overground passes
    view.publish_belt(t_s, speed_mps, distance_m)   # belt samples (any rate; <= 50 sent/s;
                                                    # speed None: unknown, lines stand still)
    view.publish_step(step)       # each step row as emitted (docs/formats.md step dict)
    view.set_status("paused")     # "running" | "paused" | "device-lost" | "ended"
    view.set_summary(summary)     # the rolling summary (returned by /state.json)
    view.set_metronome(True)      # the dashboard's m key; set_cues(metronome=, tone=)
    view.stop()                   # sends what is waiting, closes the pages' sockets

These four kinds of event (step rows, belt samples, state changes, the rolling summary) are
those of the live session's observers. ``set_target`` and the cues are set once at the
start and on the dashboard's keys.

The server (aiohttp, the ``view`` extra) runs in the session's process on its own thread
and event loop, imported only by :meth:`ViewServer.start`. Routes, all GET, none changing
the session: ``/`` the page, ``/static/*`` its files (shipped here, nothing from the
network), ``/state.json`` ``{"steps", "belt_speed_mps", "summary", ...}``, ``/ws`` the
WebSocket: a ``hello`` frame with the whole board, then ``step``, ``belt``, ``status``,
``target``, ``cues`` and ``summary`` frames; the page may send only
``{"t": "ping", "id": N}`` (answered with ``pong``); anything else drops that viewer.

Security: loopback by default. Bound to another address, the server makes a token (or takes
the one given) that the printed URL carries; a request without it gets 403. A loopback
server refuses a ``Host`` that is not a loopback name, and the WebSocket refuses an
``Origin`` other than its own.

Slow viewers: each viewer has its own outbox; steps and state frames are never dropped,
belt frames keep only the newest; a viewer more than :data:`stride.view.hub.MAX_BACKLOG`
frames behind, or whose socket takes no frame for 5 s, is disconnected (its page
reconnects and gets the whole board again). The session never waits for a viewer.
"""

from __future__ import annotations

from stride.view.address import DEFAULT_HOST, DEFAULT_PORT, ViewAddress, parse_view_address
from stride.view.frames import ViewTarget
from stride.view.publisher import ViewServer

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "ViewAddress",
    "ViewServer",
    "ViewTarget",
    "parse_view_address",
]
