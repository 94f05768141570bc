"""One asyncio event loop in a background thread for all Bluetooth work of the process.

bleak and Bumble are asyncio libraries; the treadmill drivers are thread-based (the session
calls them from its own threads). Every GATT call is a coroutine submitted here, and every
notification callback runs on this loop's thread. The in-process virtual radio of
:mod:`devices.ble.bumble_backend` needs its simulated peripherals on the same loop as the
clients, which one shared loop gives for free.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

from devices.errors import DeviceTimeoutError

T = TypeVar("T")

_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
_thread: threading.Thread | None = None


def get_loop() -> asyncio.AbstractEventLoop:
    """The shared loop, started on first use (a daemon thread named ``stride-ble``)."""
    global _loop, _thread
    with _lock:
        if _loop is None or _thread is None or not _thread.is_alive():
            if _loop is not None and not _loop.is_running() and not _loop.is_closed():
                _loop.close()  # its thread died: close it now, not in a later collection
            loop = asyncio.new_event_loop()
            ready = threading.Event()

            def run() -> None:
                asyncio.set_event_loop(loop)
                loop.call_soon(ready.set)
                loop.run_forever()

            _thread = threading.Thread(target=run, name="stride-ble", daemon=True)
            _thread.start()
            ready.wait()
            _loop = loop
        return _loop


def in_loop_thread() -> bool:
    """True when called from the loop's own thread (where blocking on it would deadlock)."""
    return _thread is not None and threading.current_thread() is _thread


def submit(coro: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
    """Schedule ``coro`` on the shared loop; the future is resolved from its thread."""
    return asyncio.run_coroutine_threadsafe(coro, get_loop())


def run(coro: Coroutine[Any, Any, T], timeout: float, what: str) -> T:
    """Run ``coro`` on the shared loop and wait for it at most ``timeout`` seconds.

    Raises :class:`DeviceTimeoutError` naming ``what`` when it takes longer (the coroutine
    is cancelled), and whatever the coroutine raised otherwise.
    """
    if in_loop_thread():
        coro.close()
        raise RuntimeError(f"{what}: blocking call from the Bluetooth loop's own thread")
    future = submit(coro)
    try:
        return future.result(timeout)
    except concurrent.futures.TimeoutError:
        if future.done():  # the coroutine's own TimeoutError (the same class since 3.11)
            raise
        future.cancel()
        raise DeviceTimeoutError(
            f"Bluetooth: {what} took more than {timeout:g} s",
            fix="check the device is on, in range and not connected to another app",
        ) from None
