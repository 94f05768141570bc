"""Bertec TCP packets exactly as device-protocols.md lays them out, over a real socket pair."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DeviceError, DeviceTimeoutError, InputError
from devices.treadmill import bertec
from devices.treadmill.base import WireBytes

# 1.0 m/s on every belt, accelerations 500 mm/s^2, incline 0, written out by hand.
ONE_MPS = bytes.fromhex(
    "0003E8 03E8 03E8 03E801F4 01F4 01F4 01F40000FC17 FC17 FC17 FC17FE0B FE0B FE0B FE0BFFFF"
) + bytes(27)
# right 1.2 m/s, left 0.8 m/s, incline 2.00 deg.
SPLIT_FEEDBACK = bytes.fromhex("0004B0 0320 04B0 032000C8") + bytes(21)


@pytest.fixture
def pair() -> Iterator[tuple[bertec.BertecTreadmill, socket.socket]]:
    ours, theirs = socket.socketpair()
    t = bertec.BertecTreadmill(ours, timeout=0.2)
    theirs.settimeout(1.0)
    yield t, theirs
    t.close()
    theirs.close()


def test_command_packet_layout() -> None:
    assert len(ONE_MPS) == 64
    assert bertec.command_packet(1.0, 1.0) == ONE_MPS


def test_split_packet_and_rear_belts() -> None:
    p = bertec.command_packet(1.2, 0.8, incline_deg=1.5)
    assert p[1:9] == bytes.fromhex("04B0 0320 04B0 0320")
    assert p[17:19] == (150).to_bytes(2, "big")
    assert p[19:37] == bytes(b ^ 0xFF for b in p[1:19]) and p[37:] == bytes(27)


@pytest.mark.parametrize("bad", [{"accel_mm_s2": 0}, {"incline_deg": -1.0}])
def test_command_refuses_what_cannot_be_sent(bad: dict[str, float]) -> None:
    with pytest.raises(InputError):
        bertec.command_packet(1.0, 1.0, **bad)  # type: ignore[arg-type]


def test_feedback_split_belts() -> None:
    fb = bertec.parse_feedback(SPLIT_FEEDBACK)
    assert fb.left_right_mps == (0.8, 1.2) and fb.incline_deg == 2.0


def test_set_speed_and_read_over_socket(pair: tuple[bertec.BertecTreadmill, socket.socket]) -> None:
    t, other = pair
    t.set_speed(1.0)
    assert other.recv(64, socket.MSG_WAITALL) == ONE_MPS
    other.sendall(bytes(32) + SPLIT_FEEDBACK)  # two packets queued: the newest wins
    r = t.read_speed()
    assert r.split and (r.left_mps, r.right_mps) == (0.8, 1.2)


def test_split_speeds_keep_reported_incline(
    pair: tuple[bertec.BertecTreadmill, socket.socket],
) -> None:
    t, other = pair
    other.sendall(SPLIT_FEEDBACK)
    t.read_speed()
    t.set_speeds(0.5, 0.7)
    packet = other.recv(64, socket.MSG_WAITALL)
    assert packet[1:5] == bytes.fromhex("02BC 01F4") and packet[17:19] == bytes.fromhex("00C8")
    t.stop()
    assert other.recv(64, socket.MSG_WAITALL)[1:9] == bytes(8)


def test_a_reported_decline_is_never_levelled_by_a_speed_command(
    pair: tuple[bertec.BertecTreadmill, socket.socket],
) -> None:
    """Feedback's incline is an int16, the command's a uint16: a treadmill at -2.00 deg gets
    no command (sending incline 0 would tilt it under the walker); the refusal says so."""
    t, other = pair
    other.sendall(bytes.fromhex("0004B0 0320 04B0 0320FF38") + bytes(21))  # incline -2.00 deg
    assert t.read_speed().speeds_mps == (0.8, 1.2)
    for command in (lambda: t.set_speed(1.0), lambda: t.set_speeds(0.5, 0.7), t.start):
        with pytest.raises(DeviceError, match=r"decline of 2\.00 deg"):
            command()
    other.setblocking(False)
    with pytest.raises(BlockingIOError):
        other.recv(64)  # nothing was sent


def test_timeout_and_closed_connection(pair: tuple[bertec.BertecTreadmill, socket.socket]) -> None:
    t, other = pair
    with pytest.raises(DeviceTimeoutError):
        t.read_speed()
    other.close()
    with pytest.raises(DeviceError, match="closed"):
        t.read_speed()


def test_bytes_recorded_and_replayed(pair: tuple[bertec.BertecTreadmill, socket.socket]) -> None:
    t, other = pair
    seen: list[WireBytes] = []
    t.on_bytes = seen.append
    other.sendall(SPLIT_FEEDBACK[:10])
    other.sendall(SPLIT_FEEDBACK[10:])
    live = t.read_speed()
    assert [r.speeds_mps for r in bertec.replay(seen)] == [live.speeds_mps]


def test_bad_urls() -> None:
    assert bertec.parse_tcp_url("tcp://lab-pc") == ("lab-pc", 4000)
    for bad in ("udp://x:4000", "tcp://:4000", "tcp://x:port"):
        with pytest.raises(InputError):
            bertec.parse_tcp_url(bad)


@given(st.lists(st.binary(max_size=40), max_size=10))
def test_replay_never_raises(chunks: list[bytes]) -> None:
    n = sum(map(len, chunks)) // 32
    assert len(bertec.replay([(0.0, "rx", c) for c in chunks])) == n


def test_reconnects_after_the_connection_drops() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    listener.settimeout(5.0)
    accepted: list[socket.socket] = []

    def serve() -> None:
        for _ in range(2):
            conn, _ = listener.accept()
            conn.sendall(SPLIT_FEEDBACK)
            accepted.append(conn)

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    t = bertec.BertecTreadmill.open(f"tcp://127.0.0.1:{port}", timeout=0.2)
    try:
        assert t.read_speed().speeds_mps == (0.8, 1.2)
        end = time.monotonic() + 5.0
        while not accepted and time.monotonic() < end:
            time.sleep(0.01)
        accepted[0].close()  # the treadmill PC drops the connection
        with pytest.raises(DeviceError, match="closed"):
            t.read_speed()
        reading = None
        while reading is None and time.monotonic() < end:
            try:
                reading = t.read_speed()
            except DeviceError:
                time.sleep(0.02)
        assert reading is not None and reading.speeds_mps == (0.8, 1.2)
        assert t.reconnects == 1
    finally:
        t.close()
        th.join()
        for c in accepted:
            c.close()
        listener.close()
