"""The web side of the view (aiohttp): the page and its assets, ``/state.json`` and the
WebSocket, behind the checks that keep the view read-only and private.

Imported only by :meth:`stride.view.ViewServer.start`. Every route is a GET; none changes
the session. Checks on every request: the token when the server has one (403 without it);
on a loopback server, a ``Host`` naming this machine (a web page elsewhere cannot reach it
through DNS rebinding); on the WebSocket, an ``Origin`` equal to the server's own (another
site open in the same browser cannot read the session).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hmac
import json
import socket
from collections.abc import Awaitable, Callable
from importlib import resources
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web

from stride.errors import InputError
from stride.view.address import is_loopback
from stride.view.frames import plain
from stride.view.hub import Viewer, encode, now_ms

if TYPE_CHECKING:
    from stride.view.publisher import ViewServer

#: A page sends at most small pings; anything larger is not from the page.
MAX_CLIENT_MESSAGE = 1024
HEARTBEAT_S = 10.0
_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".svg": "image/svg+xml",
}
_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def load_assets() -> dict[str, tuple[bytes, str]]:
    """The page's files, shipped in the package (nothing from the network): name -> body, type."""
    folder = resources.files("stride.view") / "static"
    assets = {}
    for item in folder.iterdir():
        suffix = "." + item.name.rpartition(".")[2]
        if item.is_file() and suffix in _TYPES:
            assets[item.name] = (item.read_bytes(), _TYPES[suffix])
    return assets


class ViewSite:
    """The aiohttp application of one :class:`ViewServer`, run on its loop."""

    def __init__(self, server: ViewServer, loop: asyncio.AbstractEventLoop) -> None:
        self.server = server
        self.loop = loop
        self.assets = load_assets()
        self.runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._guard])
        app.router.add_get("/", self._index)
        app.router.add_get("/state.json", self._state)
        app.router.add_get("/ws", self._socket)
        app.router.add_get("/static/{name}", self._asset)
        return app

    async def bind(self, host: str, port: int) -> int:
        """Listen; the port actually bound (``port`` 0 picks a free one)."""
        self.runner = web.AppRunner(self.app(), handle_signals=False, access_log=None)
        await self.runner.setup()
        try:
            await web.TCPSite(self.runner, host, port, reuse_address=True).start()
        except (OSError, socket.gaierror) as err:
            await self.runner.cleanup()
            raise bind_error(host, port, err) from None
        return int(self.runner.addresses[0][1])

    async def close(self) -> None:
        """Close every page's socket (they reconnect to the next server) and stop serving."""
        board = self.server.board
        viewers = list(board.viewers)
        board.viewers.clear()
        for viewer in viewers:  # what is queued goes out first, briefly
            for _ in range(20):
                if not viewer.must or viewer.closed:
                    break
                await asyncio.sleep(0.01)
        await asyncio.gather(*(v.drop("server stopping", 1001) for v in viewers))
        if self.runner is not None:
            await self.runner.cleanup()

    # -- checks ------------------------------------------------------------------------------
    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        problem = self.refusal(request)
        if problem:
            return web.Response(status=403, text=f"403 forbidden: {problem}\n", headers=_HEADERS)
        response = await handler(request)
        if not isinstance(response, web.WebSocketResponse):
            response.headers.update(_HEADERS)
        return response

    def refusal(self, request: web.Request) -> str | None:
        """Why a request is refused, or None."""
        token = self.server.token
        if token is not None:
            given = request.query.get("token", "")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return "this view needs the token of the URL printed at the session's start"
        if is_loopback(self.server.host) and not is_loopback(_hostname(request.host)):
            return "this view serves this machine only (Host is not a loopback name)"
        origin = request.headers.get("Origin")
        if request.path == "/ws" and origin is not None:
            parts = urlsplit(origin)
            if parts.netloc.lower() != request.host.lower():
                return "the page asking is from another site"
        return None

    # -- routes ------------------------------------------------------------------------------
    async def _index(self, request: web.Request) -> web.Response:
        body, kind = self.assets["index.html"]
        query = f"?token={quote(self.server.token, safe='')}" if self.server.token else ""
        return web.Response(body=body.replace(b"%QUERY%", query.encode()), content_type=kind)

    async def _asset(self, request: web.Request) -> web.Response:
        found = self.assets.get(request.match_info["name"])
        if found is None or found[1] == "text/html":
            raise web.HTTPNotFound()
        return web.Response(body=found[0], content_type=found[1])

    async def _state(self, request: web.Request) -> web.Response:
        self.server.apply_pending()  # what was published before this request is in the answer
        board, source = self.server.board, self.server.summary_source
        if source is not None:  # computed on a worker thread: the pages' frames go on
            summary = await asyncio.get_running_loop().run_in_executor(None, source)
            board.summary = plain(summary)
        return web.json_response(board.state(), dumps=encode)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(
            heartbeat=HEARTBEAT_S, max_msg_size=MAX_CLIENT_MESSAGE, compress=False
        )
        await ws.prepare(request)
        board = self.server.board
        viewer = Viewer(ws.send_str, lambda code, why: ws.close(code=code, message=why.encode()))
        self.server.apply_pending()
        viewer.offer(board.hello())
        board.viewers.add(viewer)
        pump = asyncio.get_running_loop().create_task(viewer.pump())
        try:
            async for msg in ws:
                reply = answer(msg.type, msg.data)
                if reply is None:
                    board.bad_messages += 1
                    await viewer.drop("the view is read-only: unexpected message", 1008)
                    break
                viewer.offer(reply)
        finally:
            board.viewers.discard(viewer)
            viewer.closed = True
            viewer.wake.set()
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await pump
        return ws


def answer(kind: WSMsgType, data: Any) -> str | None:
    """The reply to a page's message: a ping gets a pong with the server's clock (the page
    measures its clock offset with it); anything else is malformed (None)."""
    if kind != WSMsgType.TEXT or not isinstance(data, str):
        return None
    try:
        msg = json.loads(data)
    except ValueError:
        return None
    if not isinstance(msg, dict) or msg.get("t") != "ping" or set(msg) - {"t", "id"}:
        return None
    ident = msg.get("id")
    if isinstance(ident, bool) or not isinstance(ident, int | float | None):
        return None
    return encode({"t": "pong", "id": ident, "server_ms": now_ms()})


def _hostname(host_header: str) -> str:
    """The host of a ``Host`` header (``[::1]:8765`` -> ``::1``)."""
    return urlsplit(f"//{host_header}").hostname or ""


def bind_error(host: str, port: int, err: OSError) -> InputError:
    """One line naming why the view cannot listen there, and what to do instead."""
    fix = "choose another with --view HOST:PORT (e.g. --view 8766)"
    if isinstance(err, socket.gaierror):
        return InputError(f"--view: cannot resolve the host {host!r} ({err.strerror})", fix=fix)
    if err.errno == errno.EADDRINUSE:
        return InputError(f"--view: port {port} on {host} is already in use", fix=fix)
    if err.errno == errno.EADDRNOTAVAIL:
        return InputError(f"--view: {host} is not an address of this machine", fix=fix)
    if err.errno == errno.EACCES:
        return InputError(
            f"--view: not allowed to listen on port {port}", fix="use a port from 1024 up"
        )
    return InputError(f"--view: cannot listen on {host}:{port} ({err.strerror or err})", fix=fix)
