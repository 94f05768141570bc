"""sim:// ports: open like serial ports, share a world, pace in real time, survive unplugging."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest
import serial

from devices.errors import InputError
from devices.sensorbox import SampleBlock, StreamDecoder
from sim.urlhandler.protocol_sim import parse_sim_url
from sim.world import drop_world, worlds

if "sim.urlhandler" not in serial.protocol_handler_packages:
    serial.protocol_handler_packages.append("sim.urlhandler")


@pytest.fixture
def world_key(request: pytest.FixtureRequest) -> Iterator[str]:
    key = f"test-{request.node.name}"
    yield key
    drop_world(key)


def read_for(port: serial.SerialBase, seconds: float) -> tuple[StreamDecoder, list[object]]:
    dec = StreamDecoder()
    events: list[object] = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        events += dec.feed(port.read(4096), time.monotonic())
    return dec, events


def until(condition: Callable[[], bool], deadline_s: float = 30.0) -> bool:
    """Whether ``condition`` holds within ``deadline_s`` (asked every 20 ms): a wait for
    what the test needs, however busy the machine, not a sleep it hopes is long enough."""
    end = time.monotonic() + deadline_s
    while not condition():
        if time.monotonic() > end:
            return False
        time.sleep(0.02)
    return True


def opens(url: str) -> bool:
    """Whether the port at ``url`` opens (closed again at once)."""
    try:
        serial.serial_for_url(url, timeout=0.02).close()
    except serial.SerialException:
        return False
    return True


def test_box_streams_decodable_frames_paced_by_the_clock(world_key: str) -> None:
    start = time.monotonic()
    port = serial.serial_for_url(f"sim://box?world={world_key}&seed=2&speedup=20", timeout=0.05)
    try:
        dec, events = read_for(port, 0.5)
        # A reader that fell behind (a loaded machine) catches up on what was made for it.
        world_now = worlds()[world_key].now()
        events += dec.feed(port.read(1 << 22), time.monotonic())
    finally:
        port.close()
    elapsed = time.monotonic() - start
    assert dec.stats.crc_errors == 0 and dec.stats.restarts == 0
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    world_seconds = blocks[-1].t_us[-1] * 1e-6
    # Paced by the wall clock at 20x: 0.5 s of reading is at least 10 world seconds, the
    # bytes are never ahead of the wall clock, and none made by then is held back.
    assert world_now >= 20 * 0.5
    assert world_now - 1.0 < world_seconds <= 20 * elapsed + 0.1


def test_treadmill_and_box_share_the_world(world_key: str) -> None:
    box = serial.serial_for_url(f"sim://box?world={world_key}&speedup=20&speed=1mps", timeout=0.05)
    belt = serial.serial_for_url(f"sim://trackmaster?world={world_key}", timeout=0.5)
    try:
        belt.write(b"\xc1")
        assert int(belt.read(5)[1:]) in (21, 22)  # 1 m/s = 2.2 mph, less during a dip
        belt.write(b"\xa3\x30\x30\x34\x30")  # 4.0 mph
        assert belt.read(1) == b"\xb3"
        # the ramp ends (a tenth of a second at 20x), however busy the machine: the motor
        # reaches the set speed, 4.0 mph
        world = worlds()[world_key]
        mps = 4.0 * 0.44704
        assert until(lambda: world.treadmill.motor_speed_mps(world.now()) == pytest.approx(mps))
        belt.write(b"\xc1")
        answer = belt.read(5)
        assert answer[:1] == b"\xd1"
        assert int(answer[1:]) in (39, 40)  # actual speed: heel strikes dip it by up to 2 %
        box.read(100)
    finally:
        box.close()
        belt.close()


def test_csafe_is_detected_from_the_first_byte(world_key: str) -> None:
    belt = serial.serial_for_url(f"sim://treadmill?world={world_key}&speedup=5", timeout=0.5)
    try:
        belt.write(b"\xf1\x80\x80\xf2")  # GETSTATUS
        answer = belt.read(64)
    finally:
        belt.close()
    assert answer[:1] == b"\xf1" and answer[-1:] == b"\xf2"


def test_unplug_fails_reads_then_the_port_reopens(world_key: str) -> None:
    url = f"sim://box?world={world_key}&speedup=10&unplug_at=2&unplug_s=2"
    port = serial.serial_for_url(url, timeout=0.02)
    with pytest.raises(serial.SerialException):
        end = time.monotonic() + 2.0
        while time.monotonic() < end:
            port.read(4096)
    port.close()
    with pytest.raises(serial.SerialException, match="No such file"):
        serial.serial_for_url(f"sim://box?world={world_key}", timeout=0.02)
    # past the unplug (2 world seconds, 0.2 s at 10x) the port opens again
    assert until(lambda: opens(f"sim://box?world={world_key}"))
    port = serial.serial_for_url(f"sim://box?world={world_key}", timeout=0.02)
    try:
        dec, _ = read_for(port, 0.3)
    finally:
        port.close()
    assert dec.stats.frames > 10
    assert worlds()[world_key].power_ups == 2  # the box powered up again


def test_line_faults_on_one_port(world_key: str) -> None:
    port = serial.serial_for_url(f"sim://box?world={world_key}&speedup=20&flip=0.001", timeout=0.05)
    try:
        dec, _ = read_for(port, 0.4)
    finally:
        port.close()
    assert dec.stats.crc_errors + dec.stats.cobs_errors > 0


def test_feedback_reaches_the_walker(world_key: str) -> None:
    port = serial.serial_for_url(
        f"sim://box?world={world_key}&target=0.7&tau=10&residual=0.1&speedup=50", timeout=0.05
    )
    try:
        read_for(port, 0.2)
        walker = worlds()[world_key].walker
        assert walker.feedback.step_length_m == 0.7
        assert walker.state.feedback_since == 0
    finally:
        port.close()


def test_url_parsing_and_world_conflicts(world_key: str) -> None:
    device, key, opts, given, port = parse_sim_url(
        "sim://box?world=w&profile=parkinsonian:0.5&seed=3&rate=500&speed=3.6kmh&flip=0.01"
    )
    assert (device, key, opts.seed, opts.rate_hz, opts.profile) == (
        "box",
        "w",
        3,
        500,
        "parkinsonian:0.5",
    )
    assert opts.speed_mps == pytest.approx(1.0)
    assert given == {"profile", "seed", "rate_hz", "speed_mps"}
    assert port == {"flip": 0.01}
    for bad in (
        "sim://fridge",
        "sim://box?colour=red",
        "sim://box?seed=x",
        "sim://box?belt=up",
        "sim://box?profile=limping",
        "sim://box?rate=5",
        "sim://box?noise=loud",
        "sim://box?unplug_s=-1",
    ):
        with pytest.raises(InputError):
            parse_sim_url(bad)
    with pytest.raises(serial.SerialException, match="bad sim:// URL"):
        serial.serial_for_url("sim://box?seed=abc")
    a = serial.serial_for_url(f"sim://box?world={world_key}&seed=1", timeout=0.01)
    try:
        with pytest.raises(InputError, match="already runs with seed"):
            serial.serial_for_url(f"sim://box?world={world_key}&seed=2", timeout=0.01)
        b = serial.serial_for_url(f"sim://box?world={world_key}", timeout=0.01)
        b.close()
    finally:
        a.close()
