"""Trackmaster driver pinned to the bytes of device-protocols.md (TMX428 service manual)."""

from __future__ import annotations

import math
import threading
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DeviceError, DeviceTimeoutError, InputError, ProtocolError
from devices.treadmill import trackmaster as tm
from devices.treadmill.base import WireBytes
from devices.treadmill.testing import ScriptedPort, expected_exchange
from devices.units import MPH

FOUR_MPH = 4.0 * MPH


def test_documented_set_speed_bytes() -> None:
    # device-protocols.md: 4.0 mph = A3 30 30 34 30, answered B3.
    with expected_exchange([(bytes.fromhex("A3 30 30 34 30"), b"\xb3")]) as port:
        tm.TrackmasterTreadmill(port).set_speed(FOUR_MPH)


def test_documented_actual_speed_bytes() -> None:
    # device-protocols.md: C1 -> D1 30 30 34 30 = 4.0 mph.
    with expected_exchange([(b"\xc1", bytes.fromhex("D1 30 30 34 30"))]) as port:
        reading = tm.TrackmasterTreadmill(port).read_speed()
    assert reading.speeds_mps == pytest.approx((FOUR_MPH,))


@pytest.mark.parametrize(("start", "byte"), [("A0", 0xA0), ("A1", 0xA1)])
def test_start_stop_bytes(start: tm.StartCommand, byte: int) -> None:
    pairs = [(bytes([byte]), bytes([byte + 0x10])), (b"\xa2", b"\xb2")]
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port, start_command=start)
        t._start(time.monotonic() + 0.2)  # the bytes only; start() would also begin polling
        t.stop()


def test_start_a0_starts_keepalive_polling() -> None:
    port = ScriptedPort([(b"\xa0", b"\xb0")] + [(b"\xc1", b"\xd10040")] * 200)
    t = tm.TrackmasterTreadmill(port, start_command="A0")
    t.start()
    try:
        deadline = time.monotonic() + 2.0
        while port.used < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert t.poller is not None and t.poller.alive
        assert port.used >= 3  # A0 then at least two C1 polls
    finally:
        t.close()


def test_start_a1_does_not_poll() -> None:
    with expected_exchange([(b"\xa1", b"\xb1")]) as port:
        t = tm.TrackmasterTreadmill(port, start_command="A1")
        t.start()
        assert t.poller is None


@pytest.mark.parametrize(
    ("status", "text"),
    [(0x31, "stopped"), (0x32, "running (comm-loss stop on)"), (0x33, "running (comm-loss off)")],
)
def test_status_ascii_digit(status: int, text: str) -> None:
    with expected_exchange([(b"\xc0", bytes([0xD0, status]))]) as port:
        assert tm.TrackmasterTreadmill(port).read_status() == text


def test_out_of_range_and_illegal_errors() -> None:
    pairs = [(bytes.fromhex("A3 30 32 30 30"), b"\xbe"), (b"\xc1", b"\xbf")]
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port)
        with pytest.raises(DeviceError, match="out of range"):
            t.set_speed(20.0 * MPH)
        with pytest.raises(DeviceError, match="illegal"):
            t.read_speed()
    assert t.stats.out_of_range == 1 and t.stats.illegal == 1


def test_echo_on_is_skipped() -> None:
    # With echo toggled on (AC), the command follows the ack; the next answer still parses.
    pairs = [
        (b"\xac", b"\xbc"),
        (bytes.fromhex("A3 30 30 34 30"), bytes.fromhex("B3 A3 30 30 34 30")),
        (b"\xc1", bytes.fromhex("D1 30 30 34 30 C1")),
        (b"\xc1", bytes.fromhex("D1 30 30 35 30 C1")),
    ]
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port)
        t._command(b"\xac", time.monotonic() + 0.2)
        t.set_speed(FOUR_MPH)
        assert t.read_speed().speeds_mps == pytest.approx((FOUR_MPH,))
        assert t.read_speed().speeds_mps == pytest.approx((5.0 * MPH,))
    assert t.stats.skipped_bytes == 6  # A3 30 30 34 30 and the first C1 echo


def test_incline_rounding_and_read() -> None:
    pairs = [(bytes.fromhex("A4 30 30 32 35"), b"\xb4"), (b"\xc2", bytes.fromhex("D2 30 30 32 35"))]
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port)
        t.set_incline(2.4)  # -> 2.5 %, last digit 5
        assert t.read_incline() == 2.5


def test_no_answer_times_out_and_bad_digits_are_protocol_errors() -> None:
    with expected_exchange([(b"\xc1", b""), (b"\xc1", b"\xd1\x30\x30\x3a\x30")]) as port:
        t = tm.TrackmasterTreadmill(port, timeout=0.05)
        with pytest.raises(DeviceTimeoutError):
            t.read_speed()
        with pytest.raises(ProtocolError):
            t.read_speed()


@pytest.mark.parametrize(
    ("mps", "tenths"), [(0.0, 0), (FOUR_MPH, 40), (0.5 * MPH * 0.1 + MPH, 11), (1.0, 22)]
)
def test_speed_rounds_to_tenth_mph(mps: float, tenths: int) -> None:
    assert tm.mps_to_tenths_mph(mps) == tenths


def test_refuses_bad_speed_before_sending() -> None:
    with expected_exchange([]) as port:
        t = tm.TrackmasterTreadmill(port)
        for bad in (-0.1, math.nan, 11.0):
            with pytest.raises(InputError):
                t.set_speed(bad)


def test_bytes_reported_and_replayed() -> None:
    seen: list[WireBytes] = []
    pairs = [(b"\xc1", bytes.fromhex("D1 30 30 34 30"))] * 2
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port)
        t.on_bytes = seen.append
        live = [t.read_speed().speeds_mps for _ in range(2)]
    assert b"".join(w.data for w in seen if w.direction == "tx") == b"\xc1\xc1"
    assert [r.speeds_mps for r in tm.replay(seen)] == live


@given(st.lists(st.tuples(st.sampled_from(["rx", "tx"]), st.binary(max_size=12)), max_size=30))
def test_replay_never_raises_and_yields_valid_speeds(chunks: list[tuple[str, bytes]]) -> None:
    readings = tm.replay([(float(i), d, b) for i, (d, b) in enumerate(chunks)])
    assert all(0.0 <= r.speeds_mps[0] <= 9999 * MPH / 10 for r in readings)


def test_replay_split_across_chunks() -> None:
    chunks = [(1.0, "rx", b"\xd1\x30"), (2.0, "tx", b"\xc1"), (3.0, "rx", b"\x30\x34\x30")]
    (r,) = tm.replay(chunks)
    assert r.host_t == 3.0 and r.speeds_mps == pytest.approx((FOUR_MPH,))


def test_invalid_start_command() -> None:
    with pytest.raises(InputError):
        tm.TrackmasterTreadmill(ScriptedPort([]), start_command="A5")  # type: ignore[arg-type]


def test_thread_safety_of_concurrent_calls() -> None:
    pairs = [(b"\xc1", b"\xd10040")] * 40
    with expected_exchange(pairs) as port:
        t = tm.TrackmasterTreadmill(port)
        threads = [
            threading.Thread(target=lambda: [t.read_speed() for _ in range(10)]) for _ in range(4)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join()


class Babbler:
    """A port that never stops sending junk (a wrong device, or the wrong baud rate)."""

    in_waiting = 8

    def read(self, size: int = 1) -> bytes:
        return b"\x55" * size

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


def test_endless_junk_times_out_instead_of_hanging() -> None:
    t = tm.TrackmasterTreadmill(Babbler(), timeout=0.05)
    with pytest.raises(DeviceTimeoutError):
        t.read_speed()
    assert t.stats.skipped_bytes > 0
