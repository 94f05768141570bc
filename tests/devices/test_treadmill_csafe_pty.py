"""The CSAFE driver against a CSAFE treadmill on a pseudo-terminal: the frames below are
written by hand from docs/device-protocols.md (status byte, cmd/len/data, XOR checksum,
F3 stuffing), and the driver opens the port as it opens a real one (9600 8N1)."""

from __future__ import annotations

import logging
import math
import os
import sys
import termios
import threading
from collections.abc import Callable, Iterator

import pytest

from devices.errors import DeviceError, ProtocolError
from devices.treadmill import csafe
from devices.units import KMH

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")

GETSPEED = bytes.fromhex("F1 A5 A5 F2")
#: status 05 (InUse), A5 03 32 00 53: 50 strides/min, a unit that is not a speed; checksum C2.
SPEED_IN_STRIDES = bytes.fromhex("F1 05 A5 03 32 00 53 C2 F2")
#: the 4.0 km/h answer with its checksum off by one (BA is right).
BAD_CHECKSUM = bytes.fromhex("F1 05 A5 03 28 00 31 BB F2")


class CsafePeer:
    """Answers each whole frame it receives with ``answer(frame)``; keeps what it got."""

    def __init__(self, answer: Callable[[bytes], bytes]) -> None:
        import pty
        import tty

        self.master, self.slave = pty.openpty()
        tty.setraw(self.master)
        self.path = os.ttyname(self.slave)
        self.answer = answer
        self.got: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        import select

        buf = bytearray()
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.02)[0]:
                continue
            try:
                buf += os.read(self.master, 256)
            except OSError:
                return
            while 0xF2 in buf:
                end = buf.index(0xF2)
                frame, buf = bytes(buf[: end + 1]), buf[end + 1 :]
                self.got.append(frame)
                os.write(self.master, self.answer(frame))

    def line(self) -> str:
        """Baud rate and framing the driver set on the port."""
        cflag, speed = termios.tcgetattr(self.slave)[2], termios.tcgetattr(self.slave)[5]
        bits = {termios.CS7: 7, termios.CS8: 8}.get(cflag & termios.CSIZE)
        parity = "N" if not cflag & termios.PARENB else "P"
        stop = 2 if cflag & termios.CSTOPB else 1
        return f"{speed == termios.B9600 and 9600} {bits}{parity}{stop}"

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def peer(request: pytest.FixtureRequest) -> Iterator[CsafePeer]:
    p = CsafePeer(request.param)
    try:
        yield p
    finally:
        p.close()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "devices.treadmill.csafe"]


@pytest.mark.parametrize("peer", [lambda f: bytes.fromhex("F1 05 05 F2")], indirect=True)
def test_the_documented_setspeed_example_on_the_wire(peer: CsafePeer) -> None:
    """5.0 km/h = F1 25 03 32 00 31 25 F2 (docs/device-protocols.md), once turned on."""
    t = csafe.CsafeTreadmill.open(peer.path, setspeed="lsb-msb-unit")
    try:
        t.set_speed(5.0 * KMH)
        assert peer.line() == "9600 8N1"
    finally:
        t.close()
    assert peer.got == [bytes.fromhex("F1 25 03 32 00 31 25 F2")]


@pytest.mark.parametrize("peer", [lambda f: b""], indirect=True)
def test_setting_speed_is_off_by_default_for_what_it_does_not_for_doubt(peer: CsafePeer) -> None:
    """The SETSPEED layout is confirmed (docs/device-protocols.md): the refusal says why it
    is off by default and how to turn it on, not that the layout is in doubt."""
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with pytest.raises(DeviceError) as err:
            t.set_speed(1.0)
    finally:
        t.close()
    assert "unverified" not in str(err.value)
    assert "setspeed=lsb-msb-unit" in str(err.value) and "walking person" in str(err.value)
    assert peer.got == []


@pytest.mark.parametrize("peer", [lambda f: SPEED_IN_STRIDES], indirect=True)
def test_a_speed_in_a_unit_that_is_no_speed_is_said_once(
    peer: CsafePeer, caplog: pytest.LogCaptureFixture
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            speeds = [t.read_speed().speeds_mps[0] for _ in range(3)]
    finally:
        t.close()
    assert all(math.isnan(v) for v in speeds) and t.stats.unknown_units == 3
    (said,) = _warnings(caplog)
    assert "0x53 (strides/min)" in said and "not a speed unit" in said


@pytest.mark.parametrize("peer", [lambda f: BAD_CHECKSUM], indirect=True)
def test_an_answer_with_a_bad_checksum_is_counted_and_said_once(
    peer: CsafePeer, caplog: pytest.LogCaptureFixture
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            for _ in range(3):
                with pytest.raises(ProtocolError, match="checksum"):
                    t.read_speed()
    finally:
        t.close()
    assert t.stats.bad_frames == 3 and peer.got == [GETSPEED] * 3
    (said,) = _warnings(caplog)
    assert "not a good frame" in said and "checksum" in said
