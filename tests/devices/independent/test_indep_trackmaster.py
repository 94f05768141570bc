"""The Trackmaster driver against an independent console (indep_trackmaster.py, written from
../shared/docs/protocols.md "Trackmaster") on a pseudo-terminal: speeds at 0 and the
console's top, refusals, echo on (of commands, and of status requests too), answers split
byte by byte, a belt that ramps, and the comm-loss stop the driver must keep alive."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

import pytest
from indep_pty import PtyDevice
from indep_trackmaster import TrackmasterConsole

from devices.errors import DeviceError, InputError
from devices.registry import parse_treadmill_spec
from devices.treadmill.base import Treadmill

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")

MPH = 0.44704


def _open(console: TrackmasterConsole, spec: str = "", **kw: object):
    dev = PtyDevice(console, **kw)  # type: ignore[arg-type]
    tm = parse_treadmill_spec(f"trackmaster:{dev.path}{spec}")
    return dev, tm


@pytest.fixture
def pair(
    request: pytest.FixtureRequest,
) -> Iterator[tuple[TrackmasterConsole, PtyDevice, Treadmill]]:
    kw = getattr(request, "param", {})
    console = TrackmasterConsole(**kw.get("console", {}))
    # a generous exchange timeout: a loaded machine may be slow to run the console's thread
    dev, tm = _open(console, kw.get("spec", "?timeout=1"), **kw.get("pty", {}))
    try:
        yield console, dev, tm
    finally:
        tm.close()
        dev.close()


VARIANTS = [
    {},
    {"console": {"echo": True}},
    {"console": {"echo": True, "echo_status": True}},
    {"pty": {"split": 1}},
]


@pytest.mark.parametrize(
    "pair", VARIANTS, indirect=True, ids=["plain", "echo", "echo-all", "split"]
)
def test_speeds_at_the_edges_read_back_as_the_console_sent(pair) -> None:
    console, _, tm = pair
    tm.set_speed(0.0)
    assert console.set_tenths == 0
    tm.start()
    assert tm.read_speed().speeds_mps == (0.0,)
    for mph_tenths in (1, 22, 40, 120):
        tm.set_speed(mph_tenths * 0.1 * MPH)
        assert console.set_tenths == mph_tenths
        got = tm.read_speed().speeds_mps[0]
        assert got == pytest.approx(mph_tenths * 0.1 * MPH, abs=1e-9)
    assert tm.read_status() == "running (comm-loss stop on)"  # type: ignore[attr-defined]
    tm.stop()
    assert tm.read_status() == "stopped"  # type: ignore[attr-defined]
    assert tm.read_speed().speeds_mps == (0.0,)
    assert console.errors == []


@pytest.mark.parametrize(
    "pair", [{}, {"console": {"echo": True}}], indirect=True, ids=["plain", "echo"]
)
def test_out_of_range_is_one_line_naming_the_command(pair) -> None:
    console, _, tm = pair
    tm.start()
    tm.set_speed(1.0)
    with pytest.raises(DeviceError) as err:
        tm.set_speed(12.1 * MPH)  # above this console's 12.0 mph
    assert "BE" in str(err.value) and "a3 30 31 32 31" in str(err.value)
    assert "\n" not in str(err.value)
    assert console.set_tenths == 22  # the refused speed was not taken
    # the next exchange is clean: the refusal left nothing behind
    assert tm.read_speed().speeds_mps[0] == pytest.approx(2.2 * MPH)


def test_incline_in_half_percent_steps_and_no_decline(pair) -> None:
    console, _, tm = pair
    tm.set_incline(2.5)  # type: ignore[attr-defined]
    assert console.set_incline == 25
    tm.set_incline(3.3)  # type: ignore[attr-defined]  # rounded to 3.5: last digit 0 or 5
    assert console.set_incline == 35
    assert tm.read_incline() == 3.5  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="negative"):
        tm.set_incline(-1.0)  # type: ignore[attr-defined]  # 4 ASCII digits carry no sign
    assert console.errors == []


@pytest.mark.parametrize("pair", [{"console": {"accel_mph_s": 4.0}}], indirect=True)
def test_a_ramping_belt_is_reported_as_it_moves(pair) -> None:
    _, _, tm = pair
    tm.start()
    tm.set_speed(4.0 * MPH)
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        seen.append(tm.read_speed().speeds_mps[0])
        if seen[-1] == pytest.approx(4.0 * MPH):
            break
        time.sleep(0.02)
    assert seen[-1] == pytest.approx(4.0 * MPH)
    assert any(0 < s < 4.0 * MPH for s in seen)  # intermediate speeds, as the console had them
    assert seen == sorted(seen)


def test_a0_start_keeps_the_belt_alive_and_stopping_the_poller_stops_it(pair) -> None:
    console, _, tm = pair
    tm.set_speed(1.0)
    tm.start()  # A0: the driver starts polling so the console hears from it
    assert console.running and console.comm_loss
    deadline = time.monotonic() + 10  # polls keep coming (how often is the host's business)
    while console.commands.count(b"\xc1") < 5 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert console.commands.count(b"\xc1") >= 5
    tm.stop_polling()
    deadline = time.monotonic() + 10
    while console.running and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not console.running and console.comm_loss_stops == 1


@pytest.mark.parametrize("pair", [{"spec": "?start=a1&timeout=1"}], indirect=True)
def test_a1_start_is_said_by_the_console_status(pair) -> None:
    console, _, tm = pair
    tm.start()
    assert console.commands[-1] == b"\xa1"
    assert tm.read_status() == "running (comm-loss off)"  # type: ignore[attr-defined]


def test_recorded_bytes_replay_to_the_readings(pair) -> None:
    console, _, tm = pair
    chunks = []
    tm.record_to(chunks.append)
    console.echo = True
    console.echo_status = True
    tm.start()
    readings = []
    for tenths in (0, 5, 33, 120):
        tm.set_speed(tenths * 0.1 * MPH)
        readings.append(tm.read_speed().speeds_mps[0])
    tm.read_status()  # type: ignore[attr-defined]
    tm.stop_polling()
    replayed = [r.speeds_mps[0] for r in type(tm).parse_recording(chunks)]
    # the poller's readings come too; the explicit ones are among them, in order
    it = iter(replayed)
    assert all(any(x == r for x in it) for r in readings)
