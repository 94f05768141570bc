"""FTMS control point, machine status, ranges and features: golden bytes, bluetooth-sig
cross-checks, and one clear error per failure."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.ble import errors as E
from devices.ble.ftms import (
    control_point,
    parse_control_response,
    parse_feature,
    parse_inclination_range,
    parse_machine_status,
    parse_speed_range,
)
from devices.errors import InputError, ProtocolError


@pytest.mark.parametrize(
    ("op", "value", "wire"),
    [
        ("request_control", None, "00"),
        ("reset", None, "01"),
        ("set_target_speed", 3.6, "02 68 01"),
        ("set_target_speed", 10.0, "02 e8 03"),
        ("set_target_inclination", 2.5, "03 19 00"),
        ("set_target_inclination", -1.5, "03 f1 ff"),
        ("start", None, "07"),
        ("stop", None, "08 01"),
        ("pause", None, "08 02"),
    ],
)
def test_control_point_bytes(op: str, value: float | None, wire: str) -> None:
    assert control_point(op, value) == bytes.fromhex(wire)


@given(st.integers(0, 0xFFFF))
def test_set_speed_matches_bluetooth_sig(raw: int) -> None:
    from bluetooth_sig.gatt.characteristics.fitness_machine_control_point import (
        FitnessMachineControlPointCharacteristic,
    )

    data = control_point("set_target_speed", raw / 100)
    theirs = FitnessMachineControlPointCharacteristic().parse_value(bytearray(data))
    assert theirs.op_code == 0x02
    assert struct.unpack("<H", theirs.parameter)[0] == raw


@pytest.mark.parametrize(
    ("op", "value", "match"),
    [
        ("warp", None, "unknown FTMS control request"),
        ("set_target_speed", None, "needs a finite value"),
        ("set_target_speed", float("nan"), "needs a finite value"),
        ("set_target_speed", -0.5, "outside"),
        ("set_target_speed", 700.0, "outside"),
        ("set_target_inclination", 4000.0, "outside"),
        ("stop", 1.0, "takes no value"),
    ],
)
def test_bad_requests_are_input_errors(op: str, value: float | None, match: str) -> None:
    with pytest.raises(InputError, match=match):
        control_point(op, value)


def test_success_response() -> None:
    r = parse_control_response(bytes.fromhex("80 02 01"))
    assert r.ok and r.request_op == 0x02 and r.result_name == "success"


@pytest.mark.parametrize(
    ("result", "cls"),
    [
        (0x02, E.OpCodeNotSupportedError),
        (0x03, E.InvalidParameterError),
        (0x04, E.OperationFailedError),
        (0x05, E.ControlNotPermittedError),
    ],
)
def test_each_failure_result_is_its_own_error(result: int, cls: type[Exception]) -> None:
    with pytest.raises(cls) as info:
        parse_control_response(bytes([0x80, 0x02, result]))
    assert isinstance(info.value, E.ControlPointError) and info.value.result == result
    assert "set target speed" in str(info.value) and "\n" not in str(info.value)
    assert not parse_control_response(bytes([0x80, 0x02, result]), check=False).ok


@pytest.mark.parametrize(
    ("data", "cls"),
    [
        ("80 00", E.TruncatedValueError),
        ("80 00 01 00", E.ExtraBytesError),
        ("02 00 01", ProtocolError),
        ("80 00 09", E.ValueOutOfRangeError),
    ],
)
def test_bad_responses(data: str, cls: type[Exception]) -> None:
    with pytest.raises(cls):
        parse_control_response(bytes.fromhex(data))


@given(st.sampled_from([0, 1, 2, 3, 7, 8]), st.integers(1, 5))
def test_responses_match_bluetooth_sig(op: int, result: int) -> None:
    from bluetooth_sig.gatt.characteristics.fitness_machine_control_point import (
        FitnessMachineControlPointCharacteristic,
    )

    data = bytes([0x80, op, result])
    theirs = FitnessMachineControlPointCharacteristic().parse_value(bytearray(data))
    ours = parse_control_response(data, check=False)
    assert (ours.request_op, ours.result) == (theirs.response_op_code, theirs.result_code)


def test_machine_status_golden_from_protocols_md() -> None:
    s = parse_machine_status(bytes.fromhex("05 69 00"))
    assert (s.op, s.name, s.value) == (0x05, "target speed changed", 1.05)


@pytest.mark.parametrize(
    ("data", "name", "value"),
    [
        ("01", "reset", None),
        ("02 01", "stopped or paused by the user", 1),
        ("04", "started or resumed by the user", None),
        ("06 e7 ff", "target inclination changed", -2.5),
        ("ff", "control permission lost", None),
    ],
)
def test_machine_status(data: str, name: str, value: float | None) -> None:
    s = parse_machine_status(bytes.fromhex(data))
    assert (s.name, s.value) == (name, value)


def test_machine_status_bad_input() -> None:
    with pytest.raises(E.TruncatedValueError):
        parse_machine_status(bytes.fromhex("05 69"))
    with pytest.raises(E.ValueOutOfRangeError, match="0x80"):
        parse_machine_status(bytes.fromhex("80"))
    with pytest.raises(E.ExtraBytesError):
        parse_machine_status(bytes.fromhex("04 00"))


@given(st.integers(0, 0xFFFF), st.integers(0, 0xFFFF), st.integers(1, 0xFFFF))
def test_speed_range_matches_bluetooth_sig(lo: int, hi: int, inc: int) -> None:
    from bluetooth_sig.gatt.characteristics.supported_speed_range import (
        SupportedSpeedRangeCharacteristic,
    )

    data = struct.pack("<HHH", lo, hi, inc)
    if lo > hi:
        with pytest.raises(E.ValueOutOfRangeError):
            parse_speed_range(data)
        return
    ours = parse_speed_range(data)
    theirs = SupportedSpeedRangeCharacteristic().parse_value(bytearray(data))
    assert (ours.min_kmh, ours.max_kmh, ours.increment_kmh) == pytest.approx(
        (theirs.minimum, theirs.maximum, theirs.minimum_increment)
    )


def test_speed_clamped_to_range_and_said() -> None:
    rng = parse_speed_range(bytes.fromhex("3200 d007 0a00"))  # 0.5..20 km/h step 0.1
    assert rng.clamp(3.6) == (3.6, None)
    v, why = rng.clamp(25.0)
    assert v == 20.0 and why is not None and "outside" in why
    v, why = rng.clamp(0.1)
    assert v == 0.5 and why is not None
    assert rng.clamp(3.64) == (3.6, None)  # put on the 0.1 km/h grid, silently


def test_empty_ranges_are_refused() -> None:
    with pytest.raises(E.ValueOutOfRangeError):
        parse_speed_range(struct.pack("<HHH", 100, 50, 10))
    with pytest.raises(E.ValueOutOfRangeError):
        parse_speed_range(struct.pack("<HHH", 50, 100, 0))
    with pytest.raises(E.TruncatedValueError):
        parse_speed_range(b"\x32\x00\xd0")


def test_inclination_range() -> None:
    r = parse_inclination_range(struct.pack("<hhH", -30, 150, 5))
    assert (r.min_pct, r.max_pct, r.increment_pct) == (-3.0, 15.0, 0.5)
    assert r.clamp(20.0)[0] == 15.0


@given(st.integers(0, 0xFFFFFFFF), st.integers(0, 0xFFFFFFFF))
def test_feature_matches_bluetooth_sig(machine: int, target: int) -> None:
    from bluetooth_sig.gatt.characteristics.fitness_machine_feature import (
        FitnessMachineFeatureCharacteristic,
    )

    data = struct.pack("<II", machine, target)
    ours = parse_feature(data)
    theirs = FitnessMachineFeatureCharacteristic().parse_value(bytearray(data))
    assert ours.machine == int(theirs.fitness_machine_features)
    assert ours.target == int(theirs.target_setting_features)


def test_feature_names() -> None:
    f = parse_feature(bytes.fromhex("0c000000 03000000"))
    assert f.machine_features() == ["total distance", "inclination"]
    assert f.speed_target and f.inclination_target
    assert f.target_features() == ["speed target", "inclination target"]
