"""The CSAFE driver against an independent console (indep_csafe.py, written from
../shared/docs/protocols.md "CSAFE") on a pseudo-terminal: every speed unit of the document,
speeds whose bytes need stuffing, a status byte that needs stuffing, extended answers, noise
between frames, answers split byte by byte, bad checksums, "not ready", a SETSPEED refused
in its own answer or in the next one, and a speed in a unit that is not a speed."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator

import pytest
from indep_csafe import SPEED_UNITS_MPS, CsafeConsole, frame
from indep_pty import PtyDevice

from devices.errors import DeviceError, ProtocolError
from devices.registry import parse_treadmill_spec
from devices.treadmill.base import Treadmill

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")


@pytest.fixture
def pair(request: pytest.FixtureRequest) -> Iterator[tuple[CsafeConsole, Treadmill]]:
    kw = getattr(request, "param", {})
    console = CsafeConsole(**kw.get("console", {}))
    dev = PtyDevice(console, **kw.get("pty", {}))
    # a generous exchange timeout: a loaded machine may be slow to run the console's thread
    tm = parse_treadmill_spec(f"csafe:{dev.path}?timeout=2{kw.get('spec', '')}")
    try:
        yield console, tm
    finally:
        tm.close()
        dev.close()


def test_the_documented_example_frames() -> None:
    assert frame(b"\xa5") == bytes.fromhex("f1 a5 a5 f2")
    assert frame(bytes.fromhex("25 03 32 00 31")) == bytes.fromhex("f1 25 03 32 00 31 25 f2")


@pytest.mark.parametrize("unit", sorted(SPEED_UNITS_MPS))
def test_every_speed_unit_reads_as_the_console_meant(unit: int) -> None:
    console = CsafeConsole(speed_unit=unit)
    with PtyDevice(console) as dev:
        tm = parse_treadmill_spec(f"csafe:{dev.path}?timeout=2")
        try:
            for mps in (0.0, 0.5, 1.25, 4.0):
                console.speed_mps = mps
                expect = console.speed_value() * SPEED_UNITS_MPS[unit]
                assert tm.read_speed().speeds_mps[0] == pytest.approx(expect, rel=1e-9, abs=1e-12)
        finally:
            tm.close()


VARIANTS = {
    "plain": {},
    "extended": {"console": {"extended": True}},
    "noise": {"console": {"noise": b"\x00\x55\xf2\x13"}},
    "split": {"pty": {"split": 1}},
    "toggle-check": {"spec": "&toggle=check"},
}


@pytest.mark.parametrize("pair", VARIANTS.values(), indirect=True, ids=VARIANTS.keys())
def test_set_and_read_speeds_whose_bytes_need_stuffing(pair) -> None:
    console, tm = pair
    # 0.1 km/h: 24.0 .. 24.3 km/h put F0..F3 in the value's low byte; 0 and 10 m/s the ends
    for kmh in (0.0, 5.0, 24.0, 24.1, 24.2, 24.3, 36.0):
        tm.set_speed(kmh / 3.6)
        assert console.set_speeds[-1] == (round(kmh * 10), 0x31)
        assert tm.read_speed().speeds_mps[0] == pytest.approx(kmh / 3.6)
    assert tm.stats.bad_frames == 0  # type: ignore[attr-defined]
    toggle = getattr(tm, "toggle", None)
    assert toggle is None or toggle.repeats == 0
    assert console.bad_in == 0


@pytest.mark.parametrize("pair", [{"console": {"not_ready": True}}], indirect=True)
def test_not_ready_with_its_status_byte_stuffed(pair) -> None:
    console, tm = pair
    # toggle 1, bits 5-4 = 3 (not ready), state 0..3: the status byte itself is F0..F3
    for state in (0, 1, 2, 3):
        console.state = state
        console.toggle = 0  # flipped to 1 by the frame it answers
        with pytest.raises(ProtocolError, match="not ready"):
            tm.read_speed()
    assert tm.stats.bad_frames == 0  # type: ignore[attr-defined]
    console.not_ready = False
    console.speed_mps = 1.0
    assert tm.read_speed().speeds_mps[0] == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("pair", [{}], indirect=True)
def test_a_bad_checksum_is_counted_and_the_next_poll_reads(pair) -> None:
    console, tm = pair
    console.speed_mps = 1.0
    console.corrupt = 2
    for _ in range(2):
        with pytest.raises(ProtocolError, match="checksum"):
            tm.read_speed()
    assert tm.stats.bad_frames == 2  # type: ignore[attr-defined]
    assert tm.read_speed().speeds_mps[0] == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize(
    "pair",
    [{"console": {"bits54_in": "same"}}, {"console": {"bits54_in": "next"}}],
    indirect=True,
    ids=["same-frame", "next-frame"],
)
def test_a_setspeed_the_console_rejects_is_never_silent(pair) -> None:
    console, tm = pair
    tm.set_speed(1.0)
    tm.read_speed()
    # the driver's unit (0.1 km/h) is taken; now the console refuses every SETSPEED
    taken = len(console.set_speeds)
    original = console._command

    def refuse(cmd: int, args: bytes):
        if cmd == 0x25:
            return b"", 1
        return original(cmd, args)

    console._command = refuse  # type: ignore[method-assign]
    if console.bits54_in == "same":
        with pytest.raises(DeviceError, match="rejected"):
            tm.set_speed(2.0)
    else:
        tm.set_speed(2.0)  # its own answer says ok (bits describe the frame before)
        tm.read_speed()  # the next answer says rejected: counted, said once
    assert tm.stats.setspeed_not_taken == 1  # type: ignore[attr-defined]
    assert len(console.set_speeds) == taken
    assert tm.read_speed().speeds_mps[0] == pytest.approx(1.0, abs=0.03)


@pytest.mark.parametrize("unit", [0x24, 0x53, 0x99])
def test_a_speed_in_a_unit_that_is_not_a_speed_is_unknown(unit: int) -> None:
    console = CsafeConsole()
    with PtyDevice(console) as dev:
        tm = parse_treadmill_spec(f"csafe:{dev.path}?timeout=2")
        try:
            console.speed_mps = 1.0
            console.speed_unit = 0x31
            assert tm.read_speed().speeds_mps[0] == pytest.approx(1.0, abs=0.03)
            SPEED_UNITS_MPS[unit] = 1.0
            try:
                console.speed_unit = unit
                assert math.isnan(tm.read_speed().speeds_mps[0])
            finally:
                del SPEED_UNITS_MPS[unit]
            assert tm.stats.unknown_units == 1  # type: ignore[attr-defined]
        finally:
            tm.close()


@pytest.mark.parametrize("pair", [{"spec": "&setspeed=off"}], indirect=True)
def test_speed_setting_off_sends_nothing(pair) -> None:
    console, tm = pair
    with pytest.raises(Exception, match="setspeed=off"):
        tm.set_speed(1.0)
    assert console.set_speeds == []
    assert all(f[0] != 0x25 for f in console.frames_in)


def test_recorded_bytes_replay_to_the_readings() -> None:
    console = CsafeConsole(extended=True, noise=b"\x13\x37")
    with PtyDevice(console, split=3) as dev:
        tm = parse_treadmill_spec(f"csafe:{dev.path}?timeout=2")
        chunks: list = []
        tm.record_to(chunks.append)
        try:
            readings = []
            for kmh in (0.0, 24.1, 3.6):
                console.speed_mps = kmh / 3.6
                readings.append(tm.read_speed().speeds_mps[0])
        finally:
            tm.close()
    assert [r.speeds_mps[0] for r in type(tm).parse_recording(chunks)] == readings
