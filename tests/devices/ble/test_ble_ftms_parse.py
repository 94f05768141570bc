"""FTMS Treadmill Data: golden values, an independent implementation over random flags,
and bad input (truncated, extra bytes, reserved bits)."""

from __future__ import annotations

import struct
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.ble.errors import ExtraBytesError, TruncatedValueError, UnknownFlagsError
from devices.ble.ftms import encode_treadmill_data, parse_treadmill_data
from devices.errors import ProtocolError

# Wire layout written out independently of devices.ble.ftms.FIELDS (struct codes; "T" is
# uint24): bit -> [(name, code, divisor)].
LAYOUT = {
    0: [("instantaneous_speed_kmh", "H", 100)],
    1: [("average_speed_kmh", "H", 100)],
    2: [("total_distance_m", "T", 1)],
    3: [("inclination_pct", "h", 10), ("ramp_angle_deg", "h", 10)],
    4: [("positive_elevation_gain_m", "H", 10), ("negative_elevation_gain_m", "H", 10)],
    5: [("instantaneous_pace", "H", 1)],
    6: [("average_pace", "H", 1)],
    7: [
        ("total_energy_kcal", "H", 1),
        ("energy_per_hour_kcal", "H", 1),
        ("energy_per_minute_kcal", "B", 1),
    ],
    8: [("heart_rate_bpm", "B", 1)],
    9: [("metabolic_equivalent", "B", 10)],
    10: [("elapsed_time_s", "H", 1)],
    11: [("remaining_time_s", "H", 1)],
    12: [("force_on_belt_n", "h", 1), ("power_output_w", "h", 1)],
    13: [("step_count", "T", 1)],
}
RANGES = {"H": (0, 0xFFFF), "h": (-0x8000, 0x7FFF), "B": (0, 0xFF), "T": (0, 0xFFFFFF)}
#: The 2017 XML's pace (pyftms, qdomyos-zwift): uint8 in 0.1 km/min, read with pace="uint8".
LAYOUT_PACE8 = {
    **LAYOUT,
    5: [("instantaneous_pace_km_per_min", "B", 10)],
    6: [("average_pace_km_per_min", "B", 10)],
}


def pack(code: str, raw: int) -> bytes:
    if code == "T":
        return struct.pack("<I", raw)[:3]
    return struct.pack("<" + code, raw)


@st.composite
def notifications(
    draw: st.DrawFn, bits: range = range(14), layout: dict[int, Any] = LAYOUT
) -> tuple[bytes, dict[str, float]]:
    """A Treadmill Data value with random flags and field values, and what it carries."""
    present = draw(st.sets(st.sampled_from(list(bits))))
    flags = sum(1 << b for b in present if b) | (0 if 0 in present else 1)
    body = b""
    expect: dict[str, float] = {}
    for bit in sorted(present):
        for name, code, div in layout[bit]:
            raw = draw(st.integers(*RANGES[code]))
            body += pack(code, raw)
            expect[name] = raw / div
    return struct.pack("<H", flags) + body, expect


def test_golden_speed_from_protocols_md() -> None:
    got = parse_treadmill_data(bytes.fromhex("00 00 E8 03"))
    assert got.instantaneous_speed_kmh == 10.0
    assert got.speed_mps == pytest.approx(10 / 3.6)
    assert got.present() == {"instantaneous_speed_kmh": 10.0}


def test_golden_fitshow_step_count_under_bit_13() -> None:
    # Flags 0x2484 as a FitShow controller sends them (speed, distance, energy, elapsed
    # time, steps as uint24 under reserved bit 13).
    data = bytes.fromhex("8424 6801 d20400 0c00 ffff ff 5a00 393000")
    got = parse_treadmill_data(data)
    assert got.instantaneous_speed_kmh == 3.6
    assert got.total_distance_m == 1234
    assert (got.total_energy_kcal, got.energy_per_hour_kcal, got.energy_per_minute_kcal) == (
        12,
        0xFFFF,
        0xFF,
    )
    assert got.elapsed_time_s == 90
    assert got.step_count == 12345


def test_golden_flags_0x259c_inverted_bit0_means_speed_present() -> None:
    # 0x259C: speed (bit 0 clear), distance, incline+ramp, elevation, energy, heart rate,
    # elapsed time, step count.
    data = bytes.fromhex("9c25 2c01 640000 1900 0000 0a00 0000 0500 0000 00 7d 3c00 e80300")
    got = parse_treadmill_data(data)
    assert got.instantaneous_speed_kmh == 3.0
    assert got.total_distance_m == 100
    assert got.inclination_pct == 2.5 and got.ramp_angle_deg == 0.0
    assert got.positive_elevation_gain_m == 1.0
    assert got.heart_rate_bpm == 125
    assert got.elapsed_time_s == 60
    assert got.step_count == 1000
    assert got.average_speed_kmh is None and got.instantaneous_pace is None


def test_more_data_bit_set_means_no_speed() -> None:
    got = parse_treadmill_data(bytes.fromhex("0104 3c00"))
    assert got.instantaneous_speed_kmh is None and got.speed_mps is None
    assert got.elapsed_time_s == 60


def test_pace_is_uint16_seconds_per_500m_as_the_current_gss() -> None:
    # speed 12 km/h, instantaneous pace 150 s / 500 m (= 12 km/h), average pace 160 s
    got = parse_treadmill_data(bytes.fromhex("6000 b004 9600 a000"))
    assert got.instantaneous_pace == 150 and got.average_pace == 160


@given(notifications())
def test_random_flags_match_the_layout_table(case: tuple[bytes, dict[str, float]]) -> None:
    data, expect = case
    got = parse_treadmill_data(data)
    assert got.present() == pytest.approx(expect)
    assert parse_treadmill_data(encode_treadmill_data(**got.present())) == got


@given(notifications(range(13)))
def test_random_flags_match_bluetooth_sig(case: tuple[bytes, dict[str, float]]) -> None:
    """bluetooth-sig-python, an independent implementation of the current GSS."""
    from bluetooth_sig.gatt.characteristics.treadmill_data import TreadmillDataCharacteristic

    data, _ = case
    ours = parse_treadmill_data(data)
    theirs = TreadmillDataCharacteristic().parse_value(bytearray(data))
    pairs = {
        "instantaneous_speed_kmh": "instantaneous_speed",
        "average_speed_kmh": "average_speed",
        "total_distance_m": "total_distance",
        "inclination_pct": "inclination",
        "ramp_angle_deg": "ramp_angle_setting",
        "positive_elevation_gain_m": "positive_elevation_gain",
        "negative_elevation_gain_m": "negative_elevation_gain",
        "instantaneous_pace": "instantaneous_pace",
        "average_pace": "average_pace",
        "total_energy_kcal": "total_energy",
        "energy_per_hour_kcal": "energy_per_hour",
        "energy_per_minute_kcal": "energy_per_minute",
        "heart_rate_bpm": "heart_rate",
        "metabolic_equivalent": "metabolic_equivalent",
        "elapsed_time_s": "elapsed_time",
        "remaining_time_s": "remaining_time",
        "force_on_belt_n": "force_on_belt",
        "power_output_w": "power_output",
    }
    for mine, their in pairs.items():
        a, b = getattr(ours, mine), getattr(theirs, their)
        assert (a is None) == (b is None), mine
        if a is not None:
            assert a == pytest.approx(b), mine


@given(notifications(), st.data())
def test_any_truncation_is_refused(
    case: tuple[bytes, dict[str, float]], data: st.DataObject
) -> None:
    raw, _ = case
    cut = data.draw(st.integers(0, len(raw) - 1))
    with pytest.raises(TruncatedValueError):
        parse_treadmill_data(raw[:cut])


def test_extra_bytes_are_refused_not_ignored() -> None:
    with pytest.raises(ExtraBytesError, match="1 byte"):
        parse_treadmill_data(bytes.fromhex("0000 e803 00"))


def test_old_one_byte_pace_is_a_reported_length_mismatch() -> None:
    # An old-XML treadmill: speed + one-byte pace (bit 5) + heart rate (bit 8).
    with pytest.raises(ProtocolError):
        parse_treadmill_data(bytes.fromhex("2001 6801 32 78"))


@pytest.mark.parametrize(
    "value",
    [
        "2001 6801 32 78",  # speed, one-byte pace (bit 5), heart rate (bit 8)
        "6000 6801 32 33",  # speed, one-byte instantaneous and average pace (bits 5, 6)
        "2004 6801 32 5802",  # speed, one-byte pace, elapsed time (bit 10)
    ],
)
def test_one_byte_pace_is_refused_naming_the_pace_width(value: str) -> None:
    """The pace width is unverified (docs/device-protocols.md): a value one byte short per
    pace field is said to be one-byte pace, not a cut-off notification or a short heart
    rate field."""
    with pytest.raises(TruncatedValueError, match="pace as uint8") as info:
        parse_treadmill_data(bytes.fromhex(value))
    assert "unverified" in str(info.value) and info.value.fix


def test_one_byte_pace_names_the_option_that_reads_it() -> None:
    with pytest.raises(TruncatedValueError) as info:
        parse_treadmill_data(bytes.fromhex("2001 6801 32 78"))
    assert info.value.fix is not None and "ftms:NAME?pace=uint8" in info.value.fix


def test_pace_uint8_reads_the_2017_layout() -> None:
    # speed 3.60 km/h, instantaneous pace 0x32 = 5.0 km/min (0.1 km/min), heart rate 0x78
    got = parse_treadmill_data(bytes.fromhex("2001 6801 32 78"), pace="uint8")
    assert got.instantaneous_speed_kmh == 3.6 and got.heart_rate_bpm == 120
    assert got.instantaneous_pace_km_per_min == 5.0 and got.instantaneous_pace is None
    got = parse_treadmill_data(bytes.fromhex("6004 6801 32 33 5802"), pace="uint8")
    assert (got.instantaneous_pace_km_per_min, got.average_pace_km_per_min) == (5.0, 5.1)
    assert got.elapsed_time_s == 600


@pytest.mark.parametrize("value", ["6000 b004 9600 a000", "2001 6801 9600 78"])
def test_pace_uint8_refuses_two_byte_pace_naming_the_option_to_leave_out(value: str) -> None:
    with pytest.raises(ExtraBytesError, match="one byte long per pace field") as info:
        parse_treadmill_data(bytes.fromhex(value), pace="uint8")
    assert info.value.fix == "leave ?pace=uint8 out of ftms:NAME"


@given(notifications(layout=LAYOUT_PACE8))
def test_random_flags_match_the_layout_table_with_one_byte_pace(
    case: tuple[bytes, dict[str, float]],
) -> None:
    data, expect = case
    got = parse_treadmill_data(data, pace="uint8")
    assert got.present() == pytest.approx(expect)
    again = encode_treadmill_data(pace="uint8", **got.present())
    assert parse_treadmill_data(again, pace="uint8") == got


@pytest.mark.parametrize("bit", [14, 15])
def test_reserved_bits_are_an_error_naming_the_bit(bit: int) -> None:
    with pytest.raises(UnknownFlagsError, match=f"reserved bit\\(s\\) {bit}"):
        parse_treadmill_data(struct.pack("<H", 1 << bit) + b"\x68\x01")


def test_errors_are_one_line_with_a_fix() -> None:
    with pytest.raises(TruncatedValueError) as info:
        parse_treadmill_data(b"\x00")
    assert "\n" not in str(info.value) and info.value.fix
