"""The shared driver behaviour: polling, "not answering" and recovery, byte reporting, errors."""

from __future__ import annotations

import os
import pty
import select
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import serial

from devices.errors import DeviceError, InputError
from devices.treadmill.base import BeltReading, PollerStatus, Treadmill, WireBytes
from devices.treadmill.trackmaster import TrackmasterTreadmill


class Flaky(Treadmill):
    """A driver whose treadmill can be switched off and on; raises like a real port would."""

    name = "flaky"

    def __init__(self) -> None:
        super().__init__(timeout=0.02)
        self.on = True
        self.calls = 0
        self.raise_serial = False

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        self.calls += 1
        self._emit("tx", b"?")
        if self.raise_serial:
            raise serial.SerialException("read failed: device disconnected")
        if not self.on:
            raise TimeoutError
        self._emit("rx", b"!")
        return (1.0,)

    def _close(self) -> None:
        pass


def wait_for(cond: Callable[[], bool], limit: float = 5.0) -> None:
    end = time.monotonic() + limit
    while not cond() and time.monotonic() < end:
        time.sleep(0.005)
    assert cond()


def test_poller_reports_outage_once_and_recovery() -> None:
    t = Flaky()
    statuses: list[PollerStatus] = []
    readings: list[BeltReading] = []
    wire: list[WireBytes] = []
    poller = t.start_polling(
        100.0, readings.append, wire.append, statuses.append, not_answering_after=0.05
    )
    try:
        wait_for(lambda: len(readings) >= 3)
        t.on = False
        wait_for(lambda: len(statuses) == 1)
        n = poller.stats.timeouts
        wait_for(lambda: poller.stats.timeouts > n + 3)  # keeps polling while down
        assert len(statuses) == 1 and not statuses[0].answering
        assert "not answering" in statuses[0].message
        t.on = True
        wait_for(lambda: len(statuses) == 2)
        assert statuses[1].answering and poller.stats.outages == 1
    finally:
        t.close()
    assert not poller.alive
    assert {w.direction for w in wire} == {"tx", "rx"}


def test_poller_survives_serial_errors_and_callback_bugs() -> None:
    t = Flaky()

    def bad_callback(r: BeltReading) -> None:
        raise RuntimeError("dashboard bug")

    poller = t.start_polling(100.0, bad_callback)
    try:
        wait_for(lambda: poller.stats.callback_errors >= 2)
        t.raise_serial = True
        wait_for(lambda: poller.stats.errors >= 2)
        assert poller.alive
    finally:
        t.close()


def test_read_speed_translates_errors() -> None:
    t = Flaky()
    t.raise_serial = True
    with pytest.raises(DeviceError, match="disconnected") as info:
        t.read_speed()
    assert isinstance(info.value.__cause__, serial.SerialException)
    t.close()
    with pytest.raises(DeviceError, match="after close"):
        t.read_speed()


def test_start_polling_validates_and_updates() -> None:
    t = Flaky()
    with pytest.raises(InputError):
        t.start_polling(2.0)
    p1 = t.start_polling(50.0)
    p2 = t.start_polling(80.0)
    assert p1 is p2 and p1.period == pytest.approx(1 / 80)
    t.close()


def test_unplugged_treadmill_recovers(tmp_path: Path) -> None:
    """A Trackmaster whose USB cable is pulled and replugged: not answering, then back."""
    link = tmp_path / "ttyTM"
    state: dict[str, int] = {}
    stop = threading.Event()

    def plug() -> None:
        state["m"], state["s"] = pty.openpty()
        os.symlink(os.ttyname(state["s"]), link)

    def serve() -> None:  # a minimal treadmill: answers C1 with 4.0 mph
        while not stop.is_set():
            m = state.get("m", -1)
            if m < 0:
                time.sleep(0.01)
                continue
            try:
                if select.select([m], [], [], 0.01)[0] and os.read(m, 64):
                    os.write(m, bytes.fromhex("D1 30 30 34 30"))
            except OSError:
                time.sleep(0.01)

    plug()
    th = threading.Thread(target=serve, daemon=True)
    th.start()
    statuses: list[PollerStatus] = []
    t = TrackmasterTreadmill.open(str(link), start="a1", backoff_start=0.01, backoff_max=0.05)
    poller = t.start_polling(20.0, on_status=statuses.append, not_answering_after=0.1)
    try:
        wait_for(lambda: poller.stats.readings >= 2)
        m, s = state.pop("m"), state.pop("s")
        os.unlink(link)
        os.close(m)
        os.close(s)
        wait_for(lambda: len(statuses) == 1)
        plug()
        wait_for(lambda: len(statuses) == 2)
        assert [st.answering for st in statuses] == [False, True]
        port = t._link.port
        assert port.stats.reconnects == 1  # type: ignore[attr-defined]
    finally:
        stop.set()
        t.close()
        th.join()
        for fd in state.values():
            os.close(fd)


@pytest.mark.parametrize("heard", [True, False])
def test_an_outage_is_said_once_in_a_session_and_logged_where_nobody_hears_it(
    heard: bool,
) -> None:
    """A live session hears the poller's status and also routes the devices' warnings to
    its notices: one outage was two identical notices ("trackmaster not answering" twice).
    Without a status listener the warning is still logged."""
    from stride.session.notices import device_logs_to
    from stride.session.state import SessionState

    state = SessionState(None)
    t = Flaky()
    statuses: list[PollerStatus] = []
    on_status = (lambda s: (statuses.append(s), state.note(s.message))) if heard else None
    with device_logs_to(state):
        t.start_polling(100.0, None, None, on_status, not_answering_after=0.05)
        try:
            time.sleep(0.1)
            t.on = False
            wait_for(lambda: any("not answering" in n for n in state.notices))
            time.sleep(0.2)
        finally:
            t.close()
    said = [n for n in state.notices if "not answering" in n]
    assert len(said) == 1, state.notices
    assert len(statuses) == (1 if heard else 0)
