"""The Trackmaster driver against a treadmill on a pseudo-terminal answering by hand-written
bytes (docs/device-protocols.md): the port is set as a real one (4800 8N1), and a refusal
(``BF`` illegal command, ``BE`` out of range) is the error of the command it answers, and
said once where it answers a poll, whose errors the poller only counts."""

from __future__ import annotations

import logging
import os
import re
import sys
import termios
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devices.errors import DeviceError
from devices.treadmill import trackmaster as tm

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")


class RefusingTrackmaster:
    """Answers every status request (``C_``) with ``BF`` and every ``A3`` + 4 digits with
    ``BE``; keeps the bytes it received."""

    def __init__(self) -> None:
        import pty
        import tty

        self.master, self.slave = pty.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.got = bytearray()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        pending = bytearray()
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.02)[0]:
                continue
            try:
                data = os.read(self.master, 64)
            except OSError:
                return
            self.got += data
            pending += data
            while pending:
                if pending[0] == 0xA3:
                    if len(pending) < 5:
                        break
                    del pending[:5]
                    os.write(self.master, b"\xbe")
                elif 0xC0 <= pending[0] <= 0xCF:
                    del pending[:1]
                    os.write(self.master, b"\xbf")
                else:
                    del pending[:1]

    def line(self) -> tuple[int, int, int]:
        """(output speed, character size, parity and stop flags) the driver set."""
        attrs = termios.tcgetattr(self.slave)
        cflag = attrs[2]
        return attrs[5], cflag & termios.CSIZE, cflag & (termios.PARENB | termios.CSTOPB)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def treadmill() -> Iterator[RefusingTrackmaster]:
    peer = RefusingTrackmaster()
    try:
        yield peer
    finally:
        peer.close()


def _said(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "devices.treadmill.trackmaster"]


def test_a_refused_poll_is_said_once_a_refused_command_is_its_error(
    treadmill: RefusingTrackmaster, caplog: pytest.LogCaptureFixture
) -> None:
    t = tm.TrackmasterTreadmill.open(treadmill.path)
    try:
        assert treadmill.line() == (termios.B4800, termios.CS8, 0)
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.trackmaster"):
            for _ in range(3):
                with pytest.raises(DeviceError, match=r"refused c1: illegal command \(BF\)"):
                    t.read_speed()
            with pytest.raises(DeviceError, match=r"refused a3 30 30 34 30: data out of range"):
                t.set_speed(4.0 * 0.44704)
    finally:
        t.close()
    assert bytes(treadmill.got) == bytes.fromhex("C1 C1 C1 A3 30 30 34 30")
    assert t.stats.illegal == 3 and t.stats.out_of_range == 1
    (said,) = _said(caplog)
    assert "illegal command (BF)" in said and "counted" in said


def test_a_session_whose_treadmill_refuses_every_poll_says_so_not_silence(
    treadmill: RefusingTrackmaster, tmp_path: Path
) -> None:
    """A treadmill that answers every poll with BF gives no belt speed: the session's
    error used to say it never answered; it says what it did answer."""
    from stride.session.run import LiveArgs, run_live

    args = LiveArgs(
        port="sim://box?seed=1",
        treadmill=f"trackmaster:{treadmill.path}",
        no_ui=True,
        history=False,
        duration_s=600.0,
        record=tmp_path / "rec",
    )
    with pytest.raises(DeviceError) as err:
        run_live(args)
    said = str(err.value)
    assert re.search(r"the trackmaster treadmill sent \d+ bytes in 3 s but no belt speed", said)
    assert "illegal command (BF)" in said and "never answered" not in said
    assert (tmp_path / "rec" / "streams" / "box.rec").is_file()  # what came is kept
