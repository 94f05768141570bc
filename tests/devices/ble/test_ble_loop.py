"""The shared Bluetooth loop: started once, and replaced (the old one closed) when its
thread has died, so no open loop is left for the garbage collector to finalise later."""

from __future__ import annotations

import asyncio
import threading

import pytest

from devices.ble import loop


def test_the_loop_of_a_dead_thread_is_closed_when_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    dead = threading.Thread(target=lambda: None)
    dead.start()
    dead.join()
    stale = asyncio.new_event_loop()
    monkeypatch.setattr(loop, "_loop", stale)
    monkeypatch.setattr(loop, "_thread", dead)
    fresh = loop.get_loop()
    try:
        assert fresh is not stale and fresh.is_running()
        assert stale.is_closed()
        assert loop.get_loop() is fresh  # started once
        assert loop.run(asyncio.sleep(0, "ok"), 5, "a no-op") == "ok"
    finally:
        fresh.call_soon_threadsafe(fresh.stop)
        assert loop._thread is not None
        loop._thread.join(5)
        fresh.close()
