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

from devices.errors import DeviceError, DeviceTimeoutError, ProtocolError
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
def test_the_documented_setspeed_example_on_the_wire_by_default(peer: CsafePeer) -> None:
    """5.0 km/h = F1 25 03 32 00 31 25 F2 (docs/device-protocols.md), sent without an
    option: the user asked for the speed, as with a Trackmaster."""
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        t.set_speed(5.0 * KMH)
        assert peer.line() == "9600 8N1"
    finally:
        t.close()
    assert peer.got == [bytes.fromhex("F1 25 03 32 00 31 25 F2")]
    assert t.stats.setspeed_not_taken == 0


@pytest.mark.parametrize("peer", [lambda f: b""], indirect=True)
def test_setspeed_off_sends_nothing_and_says_how_to_turn_it_on(peer: CsafePeer) -> None:
    t = csafe.CsafeTreadmill.open(peer.path, setspeed="off")
    try:
        with pytest.raises(DeviceError) as err:
            t.set_speed(1.0)
    finally:
        t.close()
    assert "?setspeed=off" in str(err.value) and "leave that out" in str(err.value)
    assert peer.got == []


def _answer(rejects: bytes) -> Callable[[bytes], bytes]:
    """SETSPEED answered with ``rejects``; GETSPEED with 4.0 km/h (checksum BA)."""
    return lambda f: rejects if f[1] == 0x25 else bytes.fromhex("F1 05 A5 03 28 00 31 BA F2")


#: status 15: bits 5-4 = 1 (rejected), state 5 (InUse); 25: bits 5-4 = 2 (bad); 35: bits
#: 5-4 = 3 (not ready).
@pytest.mark.parametrize(
    ("peer", "verdict"),
    [
        (_answer(bytes.fromhex("F1 15 15 F2")), "rejected"),
        (_answer(bytes.fromhex("F1 25 25 F2")), "bad"),
        (_answer(bytes.fromhex("F1 35 35 F2")), "not ready"),
    ],
    indirect=["peer"],
)
def test_a_setspeed_its_answer_rejects_fails_and_the_belt_is_still_read(
    peer: CsafePeer, verdict: str
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with pytest.raises(DeviceError) as err:
            t.set_speed(3.0 * KMH)
        speed = t.read_speed().speeds_mps[0]
    finally:
        t.close()
    assert f"SETSPEED's answer say {verdict}" in str(err.value)
    assert "?setspeed=off" in str(err.value) and "still read" in str(err.value)
    assert speed == pytest.approx(4.0 * KMH) and t.stats.setspeed_not_taken == 1
    # 3.0 km/h = 30 = 1E: 25 03 1E 00 31, checksum 09; then the poll
    assert peer.got == [bytes.fromhex("F1 25 03 1E 00 31 09 F2"), GETSPEED]


def _flags_next(f: bytes) -> bytes:
    """SETSPEED answered ok; each GETSPEED with bits 5-4 = 1 (status 15, checksum AA)."""
    if f[1] == 0x25:
        return bytes.fromhex("F1 05 05 F2")
    return bytes.fromhex("F1 15 A5 03 28 00 31 AA F2")


@pytest.mark.parametrize("peer", [_flags_next], indirect=True)
def test_a_setspeed_the_next_frame_rejects_is_said_once(
    peer: CsafePeer, caplog: pytest.LogCaptureFixture
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            for _ in range(2):
                t.set_speed(3.0 * KMH)
                speeds = [t.read_speed().speeds_mps[0] for _ in range(3)]
    finally:
        t.close()
    assert speeds == pytest.approx([4.0 * KMH] * 3)
    assert t.stats.setspeed_not_taken == 2  # only the frame right after each SETSPEED
    (said,) = _warnings(caplog)
    assert "frame after a SETSPEED say rejected" in said and "?setspeed=off" in said


def _flags_next_not_ready(f: bytes) -> bytes:
    """SETSPEED answered ok; each GETSPEED with bits 5-4 = 3 (status 35, checksum 8A)."""
    if f[1] == 0x25:
        return bytes.fromhex("F1 05 05 F2")
    return bytes.fromhex("F1 35 A5 03 28 00 31 8A F2")


@pytest.mark.parametrize("peer", [_flags_next_not_ready], indirect=True)
def test_a_setspeed_the_next_frame_says_not_ready_is_said_once(
    peer: CsafePeer, caplog: pytest.LogCaptureFixture
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            t.set_speed(3.0 * KMH)
            speed = t.read_speed().speeds_mps[0]
    finally:
        t.close()
    assert speed == pytest.approx(4.0 * KMH) and t.stats.setspeed_not_taken == 1
    (said,) = _warnings(caplog)
    assert "frame after a SETSPEED say not ready" in said


#: GETSPEED answered with a status byte alone: bits 5-4 = 3 (not ready), state 2 (Idle).
@pytest.mark.parametrize("peer", [lambda f: bytes.fromhex("F1 32 32 F2")], indirect=True)
def test_an_answer_without_speed_that_says_not_ready_is_no_reading_and_said_once(
    peer: CsafePeer, caplog: pytest.LogCaptureFixture
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            for _ in range(3):
                with pytest.raises(ProtocolError, match="bits 5-4 say not ready, state Idle"):
                    t.read_speed()
    finally:
        t.close()
    (said,) = _warnings(caplog)
    assert "without a speed" in said and "belt speed unknown" in said


#: 4.0 km/h answers with bit 7 set (status 85, checksum 3A) and clear (05, checksum BA).
SPEED_T1 = bytes.fromhex("F1 85 A5 03 28 00 31 3A F2")
SPEED_T0 = bytes.fromhex("F1 05 A5 03 28 00 31 BA F2")


def _toggling(bits: list[int]) -> Callable[[bytes], bytes]:
    """Answers each GETSPEED with bit 7 from ``bits`` in turn (then a bad checksum)."""
    it = iter(bits)
    return lambda f: {1: SPEED_T1, 0: SPEED_T0}.get(next(it, -1), BAD_CHECKSUM)


@pytest.mark.parametrize("check", [True, False])
def test_toggle_check_counts_a_repeated_frame_toggle_only_when_asked(
    check: bool, caplog: pytest.LogCaptureFixture
) -> None:
    from devices.registry import parse_treadmill_spec

    peer = CsafePeer(_toggling([0, 1, 0, 0, 1]))
    t = parse_treadmill_spec(f"csafe:{peer.path}" + ("?toggle=check" if check else ""))
    assert isinstance(t, csafe.CsafeTreadmill)
    try:
        with caplog.at_level(logging.WARNING, logger="devices.treadmill.csafe"):
            speeds = [t.read_speed().speeds_mps[0] for _ in range(5)]
    finally:
        t.close()
        peer.close()
    assert speeds == pytest.approx([4.0 * KMH] * 5)  # the speed is read either way
    assert t.toggle.repeats == (1 if check else 0)
    said = [w for w in _warnings(caplog) if "frame toggle" in w]
    assert len(said) == check and (not check or "?toggle=check" in said[0])


@pytest.mark.parametrize("peer", [_answer(b"")], indirect=True)
def test_a_setspeed_without_answer_times_out_and_the_belt_is_still_read(
    peer: CsafePeer,
) -> None:
    t = csafe.CsafeTreadmill.open(peer.path, timeout=0.2)
    try:
        with pytest.raises(DeviceTimeoutError, match="no answer to set speed"):
            t.set_speed(3.0 * KMH)
        speed = t.read_speed().speeds_mps[0]
    finally:
        t.close()
    assert speed == pytest.approx(4.0 * KMH) and t.stats.setspeed_not_taken == 0


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


class _NoPipeline:
    belt_listener = None

    def counters(self) -> dict[str, int]:
        return {}


@pytest.mark.parametrize(
    ("peer", "said"),
    [
        (_answer(bytes.fromhex("F1 15 15 F2")), "SETSPEED's answer say rejected"),
        (_answer(b""), "no answer to set speed"),
    ],
    indirect=["peer"],
)
def test_a_session_says_a_failed_setspeed_once_and_goes_on_reading_the_belt(
    peer: CsafePeer, said: str
) -> None:
    """``--speed`` and two ``+`` presses on a treadmill that rejects (or ignores) SETSPEED:
    one notice, no speed change recorded, and the belt is still read."""
    from stride.session.belt_control import start_belt
    from stride.session.live import Session
    from stride.session.protocols import SessionOptions
    from stride.session.state import SessionState
    from stride.session.treadmill import TreadmillBelt

    t = csafe.CsafeTreadmill.open(peer.path, timeout=0.2)
    state = SessionState(None)
    session = Session(
        _NoPipeline(),  # type: ignore[arg-type]
        [],
        state,
        SessionOptions(json_lines=False),
        belt=TreadmillBelt(t),
    )
    try:
        start_belt(session, 3.0 * KMH)
        session.handle("faster")
        session.handle("faster")
        speed = t.read_speed().speeds_mps[0]
    finally:
        t.close()
    notes = [e["event"] for e in state.events]
    assert (
        len(notes) == 1 and notes[0].startswith("speed change failed: csafe") and said in notes[0]
    )
    assert session.speed_changes == [] and not session.belt_started
    assert speed == pytest.approx(4.0 * KMH)
    assert [f[1] for f in peer.got] == [0x25, 0x25, 0x25, 0xA5]  # each key tried again
