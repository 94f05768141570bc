"""The FTMS and RSC drivers against the simulated peripherals, over the virtual radio."""

from __future__ import annotations

import sys
import threading

import pytest
from ble_helpers import wait_for

from devices.ble import loop
from devices.ble.errors import BluetoothUnavailableError, NotThatDeviceError
from devices.errors import DeviceError, InputError
from devices.registry import parse_spec, parse_treadmill_spec
from devices.treadmill.base import BeltReading, PollerStatus, WireBytes
from devices.treadmill.ftms import FtmsTreadmill, replay, replay_data
from sim.ble.serve import ensure_peripheral
from sim.world import get_world


class Listener:
    """Collects what a driver hands the session."""

    def __init__(self) -> None:
        self.readings: list[BeltReading] = []
        self.wire: list[WireBytes] = []
        self.status: list[PollerStatus] = []
        self.lock = threading.Lock()

    def start(self, driver: FtmsTreadmill, **kw: float) -> None:
        driver.start_polling(
            10,
            on_reading=self.readings.append,
            on_bytes=self.wire.append,
            on_status=self.status.append,
            **kw,
        )

    def messages(self, word: str) -> list[str]:
        return [s.message for s in self.status if word in s.message]


def open_ftms(world: str, extra: str = "") -> FtmsTreadmill:
    tm = parse_treadmill_spec(f"ftms:sim?world={world}&speed=3.6kmh&notify_hz=10{extra}")
    assert isinstance(tm, FtmsTreadmill)
    return tm


def test_reads_speed_incline_distance_and_heart_rate(world: str) -> None:
    tm = open_ftms(world)
    seen = Listener()
    seen.start(tm)
    try:
        wait_for(lambda: len(seen.readings) >= 8, what="8 readings")
        speeds = [r.left_mps for r in seen.readings]
        assert all(0.9 < v <= 1.0 + 1e-9 for v in speeds)  # 1 m/s less heel-strike dips
        state = tm.read_status()
        assert state.inclination_pct == 0.0 and state.heart_rate_bpm == 85
        assert state.distance_m is not None and state.elapsed_time_s is not None
        assert tm.read_speed().left_mps == pytest.approx(speeds[-1], abs=0.1)
        assert tm.can_set_speed and tm.speed_range is not None
        assert tm.speed_range.max_kmh == 20.0
    finally:
        tm.close()


def test_set_speed_requests_control_first_and_reaches_the_belt(world: str) -> None:
    tm = open_ftms(world)
    try:
        tm.set_speed(1.25)
        dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz=10").peripheral
        assert dev.requests[0] == b"\x00"
        assert dev.requests[-1] == b"\x02\xc2\x01"  # 4.5 km/h
        assert get_world(world, dev.world.options, frozenset()).treadmill.set_speed_mps_of(0) == (
            pytest.approx(1.25)
        )
        wait_for(lambda: any(s.op == 0x05 for s in tm.statuses), what="machine status")
        tm.stop()
        assert dev.requests[-1] == b"\x08\x01"
        tm.start()
        assert dev.requests[-1] == b"\x07"
    finally:
        tm.close()


def test_speed_outside_the_range_is_clamped_and_said(world: str) -> None:
    tm = open_ftms(world)
    seen = Listener()
    seen.start(tm)
    try:
        tm.set_speed(9.0)  # 32.4 km/h > 20 km/h
        dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz=10").peripheral
        assert dev.requests[-1] == b"\x02\xd0\x07"
        wait_for(lambda: bool(seen.messages("outside")), what="the clamp message")
        assert "sent 20" in seen.messages("outside")[0]
    finally:
        tm.close()


def test_refused_control_makes_it_read_only_said_once(world: str) -> None:
    tm = open_ftms(world, "&control=refuse")
    seen = Listener()
    try:
        assert not tm.can_set_speed and not tm.can_start_stop
        assert tm.read_only_reason is not None and "refused control" in tm.read_only_reason
        seen.start(tm)
        for _ in range(3):
            with pytest.raises(DeviceError) as info:
                tm.set_speed(1.2)
            assert "console" in (info.value.fix or "")
        wait_for(lambda: bool(seen.messages("read-only")), what="the read-only message")
        assert len(seen.messages("read-only")) == 1
        wait_for(lambda: len(seen.readings) >= 2, what="readings while read-only")
    finally:
        tm.close()


def test_reconnects_after_a_drop_and_counts_it(world: str) -> None:
    tm = open_ftms(world)
    seen = Listener()
    seen.start(tm, not_answering_after=0.5)
    dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz=10").peripheral
    try:
        wait_for(lambda: len(seen.readings) >= 3, what="readings")
        loop.run(dev.drop(1.0), 5, "drop")
        wait_for(lambda: tm.reconnects == 1, timeout=15, what="a reconnect")
        assert tm.drops == 1 and tm.last_outage_s is not None and tm.last_outage_s < 5.0
        n = len(seen.readings)
        wait_for(lambda: len(seen.readings) >= n + 3, what="readings after the reconnect")
        assert seen.messages("not answering") and seen.messages("reconnected")
        assert tm.can_set_speed  # control requested again
        tm.set_speed(1.1)
    finally:
        tm.close()


def test_scheduled_faults_from_the_query(world: str) -> None:
    tm = open_ftms(world, "&disconnect_at=1&disconnect_s=0.5&silent_at=0.2&silent_s=0.6")
    seen = Listener()
    seen.start(tm, not_answering_after=0.4)
    try:
        wait_for(lambda: tm.reconnects >= 1, timeout=15, what="the scheduled drop")
        wait_for(lambda: bool(seen.messages("answering again")), what="silence then data")
        assert seen.messages("not answering")
    finally:
        tm.close()


def test_recorded_stream_replays_to_the_same_readings(world: str) -> None:
    tm = open_ftms(world)
    seen = Listener()
    seen.start(tm)
    try:
        tm.set_speed(1.1)
        wait_for(lambda: len(seen.readings) >= 6, what="readings")
    finally:
        tm.close()
    chunks = [(w.host_t, w.direction, w.data) for w in seen.wire]
    again = replay(chunks)
    assert again[: len(seen.readings)] == seen.readings[: len(again)]
    assert len(again) >= len(seen.readings)
    tx = [d for _, direction, d in chunks if direction == "tx"]
    assert tx[0] == b"\xd9\x2a\x01\x00\x00"  # request control, recorded as sent
    data = replay_data(chunks)
    assert all(d.heart_rate_bpm is not None for _, d in data)


def test_an_rsc_pod_is_not_an_ftms_treadmill(world: str) -> None:
    from devices.ble.bumble_backend import BumbleBackend

    pod = ensure_peripheral("rsc", f"world={world}")
    tm = FtmsTreadmill(BumbleBackend(air=pod.air), pod.address, connect_timeout=2.0)
    with pytest.raises(NotThatDeviceError, match="offers no 1826"):
        tm.connect()
    tm.close()


def test_rsc_pod_speed_cadence_and_stride(world: str) -> None:
    pod = parse_treadmill_spec(f"rsc:sim?world={world}&speed=3.6kmh&notify_hz=10")
    halves = parse_treadmill_spec(f"rsc:sim?world={world}-s&speed=3.6kmh&pod_counts=strides")
    try:
        assert not pod.can_set_speed
        wait_for(lambda: pod.read_status().measurement is not None, what="a measurement")
        wait_for(lambda: pod.read_status().measurement.cadence_spm > 0, what="a cadence")
        wait_for(lambda: halves.read_status().measurement is not None, what="a measurement")
        wait_for(lambda: halves.read_status().measurement.cadence_spm > 0, what="a cadence")
        m = pod.read_status().measurement
        assert m.speed_mps == pytest.approx(1.0, abs=0.01) and not m.running
        assert 80 < m.cadence_spm < 125  # steps per minute at 1 m/s
        assert m.stride_length_m == pytest.approx(120 / m.cadence_spm, rel=0.05)
        assert 40 < halves.read_status().measurement.cadence_spm < 63
        with pytest.raises(DeviceError, match="cannot set the speed"):
            pod.set_speed(1.0)
    finally:
        pod.close()
        halves.close()
        from sim.world import drop_world

        drop_world(f"{world}-s")


def test_specs() -> None:
    assert parse_spec("ftms:sim?seed=1&profile=healthy").target == "sim?seed=1&profile=healthy"
    spec = parse_spec("ftms:AA:BB:CC:DD:EE:FF?timeout=3")
    assert (spec.target, spec.options) == ("AA:BB:CC:DD:EE:FF", {"timeout": 3.0})
    with pytest.raises(InputError, match="unknown option"):
        parse_spec("ftms:Treadmill?seed=1")
    with pytest.raises(InputError, match="needs a port or value"):
        parse_spec("ftms:")


def test_pace_option_picks_the_one_byte_pace_driver_and_stream() -> None:
    """``?pace=uint8`` reads the pace fields as one byte: a driver of its own, whose name
    is the recorded stream's protocol, so a recording is read back the same way."""
    from devices.ble.record import encode_record
    from devices.registry import reading_parser
    from devices.treadmill.ftms import FtmsPace8Treadmill

    spec = parse_spec("ftms:Treadmill?pace=uint8&timeout=3")
    assert (spec.driver, spec.target, spec.options) == ("ftms-pace8", "Treadmill", {"timeout": 3.0})
    assert parse_spec("ftms:Treadmill?pace=uint16").driver == "ftms"
    assert parse_spec("ftms:sim?seed=1&pace=uint8") == parse_spec("ftms-pace8:sim?seed=1")
    with pytest.raises(InputError, match="unknown pace value 'u8'") as err:
        parse_spec("ftms:Treadmill?pace=u8")
    assert err.value.fix is not None and "pace=uint16 or uint8" in err.value.fix
    # speed 3.60 km/h, one-byte pace 5.0 km/min, heart rate 120
    chunks = [(1.0, "rx", encode_record(0x2ACD, bytes.fromhex("2001 6801 32 78")))]
    assert reading_parser("ftms")(chunks) == []  # refused: the width is unverified
    (got,) = reading_parser("ftms-pace8")(chunks)
    assert got.speeds_mps == (pytest.approx(1.0),) and got.heart_rate_bpm == 120
    assert FtmsPace8Treadmill.silence_s == 3.0 and FtmsPace8Treadmill.device_kind == "ftms"


def test_one_byte_pace_is_said_once_naming_the_option_then_read_with_it(world: str) -> None:
    """A one-byte-pace notification through the driver's notification handler: said once
    (with ``?pace=uint8``) and counted; the pace8 driver on the simulated treadmill reads
    its notifications and this one."""
    value = bytes.fromhex("2001 6801 32 78")
    tm = open_ftms(world)
    seen = Listener()
    seen.start(tm)
    try:
        wait_for(lambda: len(seen.readings) >= 2, what="readings")
        for _ in range(3):
            tm._make_handler(0x2ACD)(value, 1.0)
        wait_for(lambda: bool(seen.messages("does not parse")), what="the notice")
    finally:
        tm.close()
    (said,) = seen.messages("does not parse")
    assert "pace as uint8" in said and "ftms:NAME?pace=uint8" in said
    assert tm.bad_notifications == 3

    tm8 = parse_treadmill_spec(f"ftms:sim?world={world}&speed=3.6kmh&notify_hz=10&pace=uint8")
    seen8 = Listener()
    seen8.start(tm8)  # type: ignore[arg-type]
    try:
        wait_for(lambda: len(seen8.readings) >= 2, what="readings")
        tm8._make_handler(0x2ACD)(value, 1.0)  # type: ignore[attr-defined]
        read = lambda: any(r.heart_rate_bpm == 120 for r in seen8.readings)  # noqa: E731
        wait_for(read, what="the one-byte pace notification read")
    finally:
        tm8.close()
    assert tm8.name == "ftms-pace8" and tm8.bad_notifications == 0  # type: ignore[attr-defined]


def test_bad_sim_options_are_one_line() -> None:
    from sim.ble.options import parse_ble_sim

    with pytest.raises(InputError, match="notify_hz"):
        parse_ble_sim("ftms", "notify_hz=0")
    with pytest.raises(InputError, match="serial-port fault"):
        parse_ble_sim("ftms", "flip=0.01")
    with pytest.raises(InputError, match="control is one of"):
        parse_ble_sim("ftms", "control=maybe")
    with pytest.raises(InputError, match="unknown option"):
        parse_ble_sim("rsc", "colour=red")


def test_bleak_not_installed_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from devices.ble.gatt import load_backend

    monkeypatch.setitem(sys.modules, "bleak", None)
    with pytest.raises(BluetoothUnavailableError) as info:
        load_backend("bleak")
    assert '".[ble]"' in (info.value.fix or "") and "\n" not in str(info.value)


def test_bleak_errors_become_one_line_with_the_fix() -> None:
    from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

    from devices.ble.bleak_backend import translate

    off = translate(
        BleakBluetoothNotAvailableError(
            "No Bluetooth adapters found.", BleakBluetoothNotAvailableReason.NO_BLUETOOTH
        ),
        "scanning",
    )
    assert isinstance(off, BluetoothUnavailableError)
    assert "off or there is no adapter" in str(off) and off.fix
    no_bus = translate(FileNotFoundError(2, "No such file or directory"), "scanning")
    assert "service cannot be reached" in str(no_bus) and "bluetooth" in (no_bus.fix or "")
    for err in (off, no_bus):
        assert "\n" not in str(err)


def test_bleak_scan_on_this_machine_lists_or_says_why() -> None:
    """A real bleak scan: a list where an adapter is on, else one line naming the fix."""
    from devices.ble.bleak_backend import BleakBackend

    try:
        found = loop.run(BleakBackend().scan(0.5), 20, "scanning")
    except DeviceError as err:
        assert "\n" not in str(err) and err.fix
    else:
        assert isinstance(found, list)


def test_replay_carries_the_heart_rate_of_a_more_data_part_to_the_next_speed() -> None:
    from devices.ble.record import encode_record

    hr_only = encode_record(0x2ACD, b"\x01\x01\x5a")  # more data (no speed), heart rate 90
    speed = encode_record(0x2ACD, b"\x00\x00\x68\x01")  # speed 3.60 km/h
    with_hr = encode_record(0x2ACD, b"\x00\x01\x68\x01\x5c")  # 3.60 km/h, heart rate 92
    got = FtmsTreadmill.parse_recording(
        [(1.0, "rx", speed), (2.0, "rx", hr_only), (3.0, "rx", speed), (4.0, "rx", with_hr)]
    )
    assert [(r.host_t, r.heart_rate_bpm) for r in got] == [(1.0, None), (3.0, 90), (4.0, 92)]
    assert all(r.speeds_mps == (pytest.approx(1.0),) for r in got)
    assert FtmsTreadmill.silence_s == 3.0  # about one notification a second: three missed
