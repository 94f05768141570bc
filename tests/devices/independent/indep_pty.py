"""A pseudo-terminal that a device emulator answers on, as a real serial device would.

Follows ../shared/docs/protocols.md, "Testing drivers without hardware": a pty pair carries
binary bytes both ways and looks like a real serial port to any program. Nothing here
imports stride, devices/ or sim/.

``PtyDevice(handler)`` opens a pty (raw mode), and a thread feeds every byte the host
writes to ``handler.feed(data) -> bytes`` and writes the answer back. The answer can be
cut into pieces written with a pause between them (``split``), so the host sees an answer
split across reads; ``handler.tick(now)`` runs every few milliseconds so a device can act
on time (a comm-loss stop) or stream on its own (``tick`` returns bytes to send too).

``until_open=True``: what the device sends before the host has opened the port (set its
line speed) is lost, as a real port's driver drops what arrives while nobody has it open;
the device runs all the same (a box streaming from power-up), so the host joins mid-stream.
``power_on_open=True``: the device's clock starts (``tick`` is first called) when the host
opens the port, as a box powered by the port's USB cable, so its first frame is the host's.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import termios
import threading
import time
import tty
from collections.abc import Callable
from typing import Protocol


class Handler(Protocol):
    def feed(self, data: bytes, now: float) -> bytes: ...

    def tick(self, now: float) -> bytes: ...


class PtyDevice:
    """Serve ``handler`` on a fresh pty; ``path`` is the port a host opens."""

    def __init__(
        self,
        handler: Handler,
        *,
        split: int = 0,
        split_pause_s: float = 0.002,
        tick_s: float = 0.005,
        until_open: bool = False,
        power_on_open: bool = False,
    ) -> None:
        self.handler = handler
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.split = split
        self.split_pause_s = split_pause_s
        self.tick_s = tick_s
        wait = until_open or power_on_open
        self._closed_speed = termios.tcgetattr(self.slave)[5] if wait else None
        self._powered = not power_on_open
        self.lost_before_open = 0
        self.received = bytearray()
        self.sent = bytearray()
        self.errors: list[BaseException] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="pty-device", daemon=True)
        self._thread.start()

    def _host_has_it_open(self) -> bool:
        if self._closed_speed is None:
            return True
        if termios.tcgetattr(self.slave)[5] == self._closed_speed:
            return False
        self._closed_speed = None
        return True

    def _write(self, data: bytes) -> None:
        if not self._host_has_it_open():
            self.lost_before_open += len(data)
            return
        step = self.split or len(data)
        for i in range(0, len(data), step):
            part = data[i : i + step]
            view = memoryview(part)
            while view:
                _, ready, _ = select.select([], [self.master], [], 0.2)
                if self._stop.is_set():
                    return
                if ready:
                    n = os.write(self.master, view)
                    self.sent += view[:n]
                    view = view[n:]
            if self.split and i + step < len(data):
                time.sleep(self.split_pause_s)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([self.master], [], [], self.tick_s)
                now = time.monotonic()
                if ready:
                    try:
                        data = os.read(self.master, 4096)
                    except OSError:  # the host closed the port: wait for it to reopen
                        time.sleep(self.tick_s)
                        continue
                    self.received += data
                    with self._lock:
                        out = self.handler.feed(data, now)
                    if out:
                        self._write(out)
                if not self._powered:
                    self._powered = self._host_has_it_open()
                    if not self._powered:
                        continue
                with self._lock:
                    out = self.handler.tick(time.monotonic())
                if out:
                    self._write(out)
        except BaseException as err:  # surfaced by close(): a test never hides it
            self.errors.append(err)

    def locked(self, fn: Callable[[], object]) -> object:
        """Run ``fn`` while the device thread is not touching the handler."""
        with self._lock:
            return fn()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.errors:
            raise self.errors[0]

    def __enter__(self) -> PtyDevice:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
