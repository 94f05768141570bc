"""The Bertec driver against an independent treadmill PC (indep_bertec.py, written from
../shared/docs/protocols.md "Bertec") over TCP: every command packet the driver sends
checked against the document's layout, feedback at the int16 edges (backwards belts, the
largest value, a decline), split feedback and several packets in one read, belts that
ramp, and a dropped connection."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from indep_bertec import BertecPC, feedback_packet

from devices.errors import DeviceError, InputError
from devices.registry import parse_treadmill_spec
from devices.treadmill.base import Treadmill


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[BertecPC, Treadmill]]:
    pc = BertecPC(**getattr(request, "param", {}))
    tm = parse_treadmill_spec(f"bertec:{pc.url}?timeout=2")
    try:
        yield pc, tm
    finally:
        tm.close()
        pc.close()


def _sent(pc: BertecPC, n: int) -> tuple:
    """The n-th command the PC took (1-based), once it has arrived (TCP is not instant)."""
    deadline = time.monotonic() + 10
    while len(pc.commands) < n and time.monotonic() < deadline:
        time.sleep(0.005)
    return pc.commands[n - 1]


def _settle(tm: Treadmill, expect: tuple[float, float], within: float = 10.0) -> tuple:
    deadline = time.monotonic() + within
    got: tuple = ()
    while time.monotonic() < deadline:
        got = tm.read_speed().speeds_mps
        if got == pytest.approx(expect, abs=1e-9):
            return got
        time.sleep(0.01)
    return got


VARIANTS = {
    "stream": {},
    "split": {"split": 5},
    "batched": {"batch": 4},
    "reply-only": {"feedback_hz": 0},
}


@pytest.mark.parametrize("pair", VARIANTS.values(), indirect=True, ids=VARIANTS.keys())
def test_commands_are_the_documented_packet_and_feedback_reads_left_right(pair) -> None:
    pc, tm = pair
    tm.set_speeds(0.8, 1.2)  # type: ignore[attr-defined]
    speeds, accels, incline = _sent(pc, 1)
    assert speeds == (1200, 800, 1200, 800)  # right, left, right-rear, left-rear
    assert all(a > 0 for a in accels) and incline == 0
    if pc.feedback_hz == 0:
        # feedback only in answer to commands: the answer to this one is already queued
        assert tm.read_speed().speeds_mps == pytest.approx((0.8, 1.2))
        return
    assert _settle(tm, (0.8, 1.2)) == pytest.approx((0.8, 1.2))
    tm.set_speed(0.0)
    assert _sent(pc, 2)[0] == (0, 0, 0, 0)
    assert _settle(tm, (0.0, 0.0)) == pytest.approx((0.0, 0.0))
    tm.set_speed(10.0)  # the driver's top
    assert _sent(pc, 3)[0] == (10000,) * 4
    assert pc.rejected == 0


@pytest.mark.parametrize("pair", [{}], indirect=True)
def test_feedback_at_the_int16_edges(pair) -> None:
    pc, tm = pair
    for r, l_ in ((-1500, 700), (32767, -32768), (0, 1)):
        with pc._lock:
            pc.speeds = [float(r), float(l_), 0.0, 0.0]
            pc.targets = [r, l_, 0, 0]
        assert _settle(tm, (l_ / 1000, r / 1000)) == pytest.approx((l_ / 1000, r / 1000))


@pytest.mark.parametrize("pair", [{}], indirect=True)
def test_a_decline_is_read_and_commands_are_refused_not_levelled(pair) -> None:
    pc, tm = pair
    tm.set_speed(1.0)
    sent = len([_sent(pc, 1)])
    with pc._lock:
        pc.incline = -150  # -1.5 deg: the feedback's incline is signed
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        tm.read_speed()
        fb = tm.last_feedback  # type: ignore[attr-defined]
        if fb is not None and fb.incline_deg < 0:
            break
    assert tm.last_feedback.incline_deg == pytest.approx(-1.5)  # type: ignore[attr-defined]
    with pytest.raises(DeviceError, match="decline") as err:
        tm.set_speed(0.5)
    assert "\n" not in str(err.value)
    assert len(pc.commands) == sent
    with pc._lock:
        pc.incline = 250
    deadline = time.monotonic() + 10
    while tm.last_feedback.incline_deg < 0 and time.monotonic() < deadline:  # type: ignore[attr-defined]
        tm.read_speed()
    tm.set_speed(0.5)  # the incline last reported is kept
    assert _sent(pc, 2)[2] == 250


@pytest.mark.parametrize("pair", [{"accel_limit": True}], indirect=True)
def test_ramping_belts_are_reported_as_they_move(pair) -> None:
    _, tm = pair
    tm.set_speeds(1.0, 0.5)  # type: ignore[attr-defined]
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen.append(tm.read_speed().speeds_mps)
        if seen[-1] == pytest.approx((1.0, 0.5)):
            break
    assert seen[-1] == pytest.approx((1.0, 0.5))
    assert any(0 < left < 1.0 for left, _ in seen)


@pytest.mark.parametrize("pair", [{"left_first": True}, {}], indirect=True, ids=["swap", "ok"])
def test_feedback_in_the_other_belt_order_is_said(pair, caplog: pytest.LogCaptureFixture) -> None:
    """The document gives no belt order for the feedback: a treadmill answering left first
    would swap the sides' step lengths, so the driver says so once it sees it."""
    pc, tm = pair
    tm.set_speeds(0.8, 1.2)  # type: ignore[attr-defined]
    _sent(pc, 1)
    with caplog.at_level("WARNING", logger="devices.treadmill.bertec"):
        got = _settle(tm, (1.2, 0.8) if pc.left_first else (0.8, 1.2))
        for _ in range(3):
            tm.read_speed()
    swapped = [r for r in caplog.records if "swapped" in r.getMessage()]
    assert got == pytest.approx((1.2, 0.8) if pc.left_first else (0.8, 1.2))
    assert len(swapped) == (1 if pc.left_first else 0)


def test_backwards_speeds_are_refused_in_one_line() -> None:
    pc = BertecPC()
    tm = parse_treadmill_spec(f"bertec:{pc.url}?timeout=2")
    try:
        with pytest.raises(InputError) as err:
            tm.set_speeds(-0.5, 1.0)  # type: ignore[attr-defined]
        assert "\n" not in str(err.value)
        assert pc.commands == []
    finally:
        tm.close()
        pc.close()


@pytest.mark.parametrize("pair", [{}], indirect=True)
def test_a_dropped_connection_is_reported_and_reconnected(pair) -> None:
    pc, tm = pair
    tm.set_speed(1.0)
    assert _settle(tm, (1.0, 1.0)) == pytest.approx((1.0, 1.0))
    pc.drop_connections()
    failures = 0
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            got = tm.read_speed().speeds_mps
        except DeviceError:
            failures += 1
            time.sleep(0.05)
            continue
        if failures and got == pytest.approx((1.0, 1.0)):
            break
    assert failures >= 1
    assert tm.reconnects == 1  # type: ignore[attr-defined]
    assert pc.connections == 2


def test_recorded_bytes_replay_to_the_readings() -> None:
    pc = BertecPC(split=7)
    tm = parse_treadmill_spec(f"bertec:{pc.url}?timeout=2")
    chunks: list = []
    tm.record_to(chunks.append)
    try:
        tm.set_speeds(0.9, 1.1)  # type: ignore[attr-defined]
        readings = [tm.read_speed().speeds_mps for _ in range(5)]
    finally:
        tm.close()
        pc.close()
    replayed = [r.speeds_mps for r in type(tm).parse_recording(chunks)]
    assert all(r in replayed for r in readings)
    assert feedback_packet((1, 2, 3, 4), -5)[9:11] == b"\xff\xfb"
