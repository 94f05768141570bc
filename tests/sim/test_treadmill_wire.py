"""The simulated treadmill's wire side: byte tables from device-protocols.md, then driver <->
responder end to end over a real pseudo-terminal (serial) and a real TCP socket (Bertec)."""

from __future__ import annotations

import contextlib
import os
import pty
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.treadmill import bertec, csafe, trackmaster
from devices.units import KMH, MPH
from sim.treadmill_wire import (
    Belt,
    BertecResponder,
    CsafeResponder,
    SplitBelt,
    TrackmasterResponder,
    decode_bertec_command,
    encode_bertec_feedback,
)


class ToyBelt:
    """A belt that reaches its set speed at once (the physics is tested elsewhere)."""

    def __init__(self) -> None:
        self.set_v = 0.0
        self.run = False
        self.comm_loss: bool | None = None
        self.incline = 0.0
        self.stopped_at: float | None = None

    def actual_speed_mps(self, now: float) -> float:
        return self.set_v if self.run else 0.0

    def set_speed_mps(self, v: float, now: float) -> None:
        if not 0 <= v <= 5.0:
            raise ValueError("out of range")
        self.set_v = v

    def start(self, now: float, comm_loss_stop: bool) -> None:
        self.run, self.comm_loss = True, comm_loss_stop

    def stop(self, now: float) -> None:
        self.run, self.stopped_at = False, now

    def running(self, now: float) -> bool:
        return self.run

    def incline_pct(self, now: float) -> float:
        return self.incline

    def set_incline_pct(self, p: float, now: float) -> None:
        self.incline = p


class SplitToyBelt(ToyBelt):
    def __init__(self) -> None:
        super().__init__()
        self.lr = (0.0, 0.0)

    def actual_speeds_mps(self, now: float) -> tuple[float, float]:
        return self.lr if self.run else (0.0, 0.0)

    def set_split_speeds(self, left: float, right: float, now: float) -> None:
        self.lr = (left, right)


def test_protocols() -> None:
    assert isinstance(ToyBelt(), Belt) and not isinstance(ToyBelt(), SplitBelt)
    assert isinstance(SplitToyBelt(), SplitBelt)


# -- Trackmaster bytes (device-protocols.md) -------------------------------------------------------

H = bytes.fromhex


@pytest.mark.parametrize(
    ("sent", "answer"),
    [
        (H("A1"), H("B1")),
        (H("A3 30 30 34 30"), H("B3")),  # 4.0 mph
        (H("C1"), H("D1 30 30 34 30")),  # actual 4.0 mph
        (H("C3"), H("D3 30 30 34 30")),
        (H("C0"), H("D0 33")),  # running, comm-loss off: ASCII '3'
        (H("A4 30 30 32 35"), H("B4")),
        (H("C2"), H("D2 30 30 32 35")),
        (H("A4 30 30 32 33"), H("BE")),  # incline's last digit must be 0 or 5
        (H("A3 39 39 39 39"), H("BE")),  # out of range
        (H("C6"), H("D6 30 30 30 30")),  # time/distance/... always zero
        (H("A7"), H("BF")),  # illegal
        (H("55"), H("BF")),
        (H("A2"), H("B2")),
        (H("C0"), H("D0 31")),  # stopped
    ],
)
def test_trackmaster_bytes(sent: bytes, answer: bytes, tm_session: TrackmasterResponder) -> None:
    assert tm_session.feed(sent, 1.0) == answer


@pytest.fixture(scope="module")
def tm_session() -> TrackmasterResponder:
    """One responder shared by the table above, so each row sees the previous rows' state."""
    return TrackmasterResponder(ToyBelt())


def test_trackmaster_split_writes_and_bad_digit() -> None:
    r = TrackmasterResponder(ToyBelt())
    assert r.feed(H("A3 30"), 0.0) == b"" and r.feed(H("30 34 30"), 0.01) == H("B3")
    assert r.feed(H("A3 30 C1"), 0.02) == H("BE D1 30 30 30 30")


def test_trackmaster_echo_toggle() -> None:
    r = TrackmasterResponder(ToyBelt())
    assert r.feed(H("AC"), 0.0) == H("BC")  # echo turns on after this command
    assert r.feed(H("A3 30 30 34 30"), 0.1) == H("B3 A3 30 30 34 30")
    assert r.feed(H("C1"), 0.2) == H("D1 30 30 30 30")  # status answers are not echoed
    assert r.feed(H("AC"), 0.3) == H("BC AC")
    assert r.feed(H("A1"), 0.4) == H("B1")


def test_trackmaster_comm_loss_stop() -> None:
    belt = ToyBelt()
    r = TrackmasterResponder(belt)
    assert r.feed(H("A0"), 10.0) == H("B0") and belt.comm_loss is True
    assert r.feed(H("C0"), 10.4) == H("D0 32")
    r.tick(10.89)
    assert belt.run
    r.tick(10.95)  # 0.55 s after the last byte
    assert not belt.run and belt.stopped_at == pytest.approx(10.9)
    assert r.comm_loss_stops == 1
    assert r.feed(H("C0"), 11.0) == H("D0 31")


def test_trackmaster_comm_loss_checked_on_feed_and_off_with_a1() -> None:
    belt = ToyBelt()
    r = TrackmasterResponder(belt)
    r.feed(H("A0"), 0.0)
    assert r.feed(H("C0"), 2.0) == H("D0 31") and belt.stopped_at == pytest.approx(0.5)
    r.feed(H("A1"), 3.0)
    r.tick(100.0)
    assert belt.run


# -- CSAFE bytes (device-protocols.md) -------------------------------------------------------------


def test_csafe_getspeed_and_status_bytes() -> None:
    belt = ToyBelt()
    belt.set_v, belt.run = 4.0 * KMH, True
    r = CsafeResponder(belt)
    # documented request F1 A5 A5 F2; answer: status 05 (InUse), A5 03 28 00 31, checksum BA
    assert r.feed(H("F1 A5 A5 F2"), 0.0) == H("F1 05 A5 03 28 00 31 BA F2")
    assert r.feed(H("F1 80 80 F2"), 0.1) == H("F1 05 05 F2")
    belt.run = False
    assert r.feed(H("F1 80 80 F2"), 0.2) == H("F1 01 01 F2")  # Ready


def test_csafe_stuffing_extended_and_bad_frames() -> None:
    belt = ToyBelt()
    belt.set_v, belt.run = 2.42 * MPH, True
    r = CsafeResponder(belt, speed_unit=0x12)
    # value F2 must be stuffed as F3 02 (checksum 05^A5^03^F2^00^12 = 43)
    assert r.feed(H("F1 A5 A5 F2"), 0.0) == H("F1 05 A5 03 F3 02 00 12 43 F2")
    # extended request to address 01 from 00 is answered from 01 to 00
    assert r.feed(H("F0 01 00 80 80 F2"), 0.1) == H("F0 00 01 05 05 F2")
    assert r.feed(H("F1 A5 A4 F2"), 0.2) == b"" and r.bad_frames == 1
    assert r.feed(H("99 F1 A5"), 0.3) == b""  # junk, then a frame still open


def test_csafe_setspeed_lsb_msb_unit() -> None:
    belt = ToyBelt()
    r = CsafeResponder(belt)
    assert r.feed(H("F1 25 03 24 00 31 33 F2"), 0.0) == H("F1 01 01 F2")
    assert belt.set_v == pytest.approx(1.0)


# -- Bertec packets ------------------------------------------------------------------------------


def test_bertec_codec() -> None:
    cmd = decode_bertec_command(bertec.command_packet(1.2, 0.8, incline_deg=2.0))
    assert cmd is not None and cmd.speeds_mps == (1.2, 0.8, 1.2, 0.8) and cmd.incline_deg == 2.0
    bad = bytearray(bertec.command_packet(1.0, 1.0))
    bad[20] ^= 1
    assert decode_bertec_command(bytes(bad)) is None
    fb = encode_bertec_feedback((1.2, 0.8, 1.2, 0.8), 2.0)
    assert fb == H("00 04B0 0320 04B0 0320 00C8") + bytes(21)


def test_bertec_responder_applies_split_speeds() -> None:
    belt = SplitToyBelt()
    r = BertecResponder(belt)
    packet = bertec.command_packet(1.2, 0.8)
    assert r.feed(packet[:30], 0.0) == b"" and r.feed(packet[30:], 0.0) == b""
    assert belt.run and belt.lr == (0.8, 1.2)
    assert bertec.parse_feedback(r.feedback(0.1)).left_right_mps == (0.8, 1.2)


# -- end to end over a pseudo-terminal -----------------------------------------------------------


class PtyServer:
    """Serve a responder on the master side of a pty; the driver opens the slave path."""

    def __init__(self, feed: Callable[[bytes, float], bytes], tick: Callable[[float], None]):
        self.master, self.slave = pty.openpty()
        self.path = os.ttyname(self.slave)
        self._feed, self._tick = feed, tick
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            if select.select([self.master], [], [], 0.01)[0]:
                try:
                    data = os.read(self.master, 256)
                except OSError:
                    return
                answer = self._feed(data, time.monotonic())
                if answer:
                    os.write(self.master, answer)
            self._tick(time.monotonic())

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def tm_pty() -> Iterator[tuple[ToyBelt, TrackmasterResponder, PtyServer]]:
    belt = ToyBelt()
    resp = TrackmasterResponder(belt)
    server = PtyServer(resp.feed, resp.tick)
    yield belt, resp, server
    server.close()


def test_trackmaster_driver_end_to_end(
    tm_pty: tuple[ToyBelt, TrackmasterResponder, PtyServer],
) -> None:
    belt, resp, server = tm_pty
    readings: list[float] = []
    t = trackmaster.TrackmasterTreadmill.open(server.path)
    try:
        t.set_speed(1.0)  # 2.237 mph -> 2.2 mph
        assert belt.set_v == pytest.approx(2.2 * MPH)
        t.start()  # A0 and keep-alive polling
        t.start_polling(20.0, on_reading=lambda r: readings.append(r.speeds_mps[0]))
        assert belt.run and belt.comm_loss is True
        assert t.read_status() == "running (comm-loss stop on)"
        end = time.monotonic() + 5.0
        while len(readings) < 5 and time.monotonic() < end:
            time.sleep(0.02)
        assert readings[-1] == pytest.approx(2.2 * MPH)
        t.stop_polling()
        last = resp._last_rx
        assert last is not None
        resp.tick(last + 0.6)  # the host fell silent: the treadmill stops the belt itself
        assert not belt.run and resp.comm_loss_stops == 1
        assert t.read_status() == "stopped"
    finally:
        t.close()


def test_trackmaster_replay_matches_live(
    tm_pty: tuple[ToyBelt, TrackmasterResponder, PtyServer],
) -> None:
    belt, _, server = tm_pty
    belt.set_v, belt.run = 1.5, True
    wire: list[trackmaster.WireBytes] = []
    t = trackmaster.TrackmasterTreadmill.open(server.path)
    t.on_bytes = wire.append
    try:
        live = [t.read_speed().speeds_mps for _ in range(5)]
    finally:
        t.close()
    assert [r.speeds_mps for r in trackmaster.replay(wire)] == live


def test_csafe_driver_end_to_end() -> None:
    belt = ToyBelt()
    resp = CsafeResponder(belt)
    server = PtyServer(resp.feed, lambda now: None)
    t = csafe.CsafeTreadmill.open(server.path, setspeed="lsb-msb-unit")
    try:
        t.set_speed(1.0)
        belt.run = True
        assert t.read_speed().speeds_mps == pytest.approx((1.0,))
        assert t.read_status().state == "InUse"
    finally:
        t.close()
        server.close()


def test_bertec_driver_end_to_end() -> None:
    belt = SplitToyBelt()
    resp = BertecResponder(belt)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(0.01)
        with conn:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    resp.feed(conn.recv(256), time.monotonic())
                conn.sendall(resp.feedback(time.monotonic()))

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    t = bertec.BertecTreadmill.open(f"tcp://127.0.0.1:{port}")
    try:
        t.set_speeds(0.8, 1.2)
        end = time.monotonic() + 5.0
        reading = t.read_speed()
        while reading.speeds_mps != (0.8, 1.2) and time.monotonic() < end:
            reading = t.read_speed()
        assert reading.speeds_mps == (0.8, 1.2)
    finally:
        stop.set()
        t.close()
        th.join()
        listener.close()


# -- random input never breaks a responder ------------------------------------------------------


@given(st.lists(st.binary(max_size=16), max_size=20))
def test_trackmaster_random_bytes(chunks: list[bytes]) -> None:
    r = TrackmasterResponder(ToyBelt())
    for i, c in enumerate(chunks):
        out = r.feed(c, i * 0.1)
        # every answer is an ack, an error, a status reply or an echo: never anything else
        assert all(b in range(0xA0, 0xE0) or 0x30 <= b <= 0x39 for b in out)


@given(st.lists(st.binary(max_size=16), max_size=20))
def test_csafe_random_bytes(chunks: list[bytes]) -> None:
    r = CsafeResponder(ToyBelt())
    for i, c in enumerate(chunks):
        out = r.feed(c, i * 0.1)
        for frame in csafe.FrameSplitter().feed(out):
            csafe.decode_frame(frame)  # every answer is a well-formed frame


@given(st.binary(max_size=200))
def test_bertec_random_bytes(data: bytes) -> None:
    r = BertecResponder(SplitToyBelt())
    assert r.feed(data, 0.0) == b""
    assert len(r.feedback(0.0)) == 32


# -- with the simulator's belt physics -----------------------------------------------------------


def test_trackmaster_with_simulated_physics() -> None:
    from sim.treadmill import Treadmill

    belt = Treadmill(0.0, running=False, accel_mps2=0.5)
    r = TrackmasterResponder(belt)
    assert r.feed(H("A3 30 30 34 30"), 0.0) == H("B3") and r.feed(H("A0"), 0.1) == H("B0")
    now, answer = 0.1, b""
    while now < 6.0:  # a host polling at 5 Hz keeps the belt alive while it ramps up
        now += 0.2
        answer = r.feed(H("C1"), now)
    assert answer == H("D1 30 30 34 30") and r.comm_loss_stops == 0
    r.tick(now + 0.6)  # then the host falls silent
    assert r.comm_loss_stops == 1 and r.feed(H("C0"), now + 0.7) == H("D0 31")
    assert r.feed(H("C1"), now + 10.0) == H("D1 30 30 30 30")  # ramped down to standstill


def test_csafe_and_bertec_with_simulated_split_belts() -> None:
    from sim.treadmill import Treadmill

    belt = Treadmill(1.0, split=True, accel_mps2=1.0)
    b = BertecResponder(belt)
    b.feed(bertec.command_packet(1.2, 0.8), 0.0)
    left, right = bertec.parse_feedback(b.feedback(5.0)).left_right_mps
    assert (left, right) == pytest.approx((0.8, 1.2), abs=0.001)
    c = CsafeResponder(belt)
    resp = csafe.parse_response(csafe.decode_frame(c.feed(H("F1 A5 A5 F2"), 5.0)).content)
    assert resp.state == "InUse"
    assert csafe.speed_from_block(resp.blocks[0xA5]) == pytest.approx(0.8, abs=0.03)
