"""A WebSocket viewer for tests (aiohttp's client), run on its own thread and loop."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

import aiohttp


class Viewer:
    """Connects to ``url`` and keeps every frame received, until closed."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        self.url = url
        self.headers = headers or {}
        self.frames: list[dict[str, Any]] = []
        self.close_code: int | None = None
        self.refused: int | None = None  # the HTTP status of a refused handshake
        self.connected = threading.Event()
        self.done = threading.Event()
        self._send: list[Any] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve)
        self._thread.daemon = True
        self._thread.start()

    def _serve(self) -> None:
        """The thread: the connection, then the loop closed. A loop left open is finalised
        by the garbage collector after its own sockets, in whatever test runs then, and
        warns there ("Invalid file descriptor: -1")."""
        try:
            self._loop.run_until_complete(self._run())
        finally:
            self._loop.close()

    async def _run(self) -> None:
        try:
            async with (
                aiohttp.ClientSession() as session,
                session.ws_connect(self.url, headers=self.headers) as ws,
            ):
                self._ws = ws
                self.connected.set()
                async for msg in ws:
                    if msg.type == aiohttp.WSMsgType.TEXT:
                        self.frames.append(json.loads(msg.data))
                self.close_code = ws.close_code
        except aiohttp.WSServerHandshakeError as err:
            self.refused = err.status
        finally:
            self.connected.set()
            self.done.set()

    def send(self, data: str | bytes) -> None:
        async def go() -> None:
            if isinstance(data, bytes):
                await self._ws.send_bytes(data)
            else:
                await self._ws.send_str(data)

        asyncio.run_coroutine_threadsafe(go(), self._loop).result(5)

    def steps(self) -> list[dict[str, Any]]:
        return [f for f in self.frames if f["t"] == "step"]

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if predicate(self):
                return True
            time.sleep(0.01)
        return bool(predicate(self))

    def close(self) -> None:
        if not self.done.is_set() and hasattr(self, "_ws"):
            asyncio.run_coroutine_threadsafe(self._ws.close(), self._loop).result(5)
        self._thread.join(5)


def make_steps(n: int, start: int = 0, pad: int = 0) -> list[dict[str, object]]:
    """``n`` alternating steps around a 0.60 m target (errors -6..+6 cm), ``pad`` extra bytes."""
    rows = []
    for i in range(start, start + n):
        row: dict[str, object] = {
            "side": "LR"[i % 2],
            "ic_s": 0.55 * i,
            "step_length_m": 0.60 + 0.02 * ((i % 7) - 3),
            "flags": [],
        }
        if pad:
            row["note"] = "x" * pad
        rows.append(row)
    return rows
