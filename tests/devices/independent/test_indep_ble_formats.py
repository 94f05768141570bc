"""FTMS Treadmill Data and RSC Measurement parsers against bytes built independently
(indep_ble.py, from ../shared/docs/protocols.md "Bluetooth fitness formats"): every field
at the ends of its range, the flags of pyftms's fixture (0x259C), the step count under
reserved bit 13, both pace widths (unverified: one is read only when asked, the other
refused in words, never misread), and "more data" without a speed."""

from __future__ import annotations

import pytest
from indep_ble import ftms_data, rsc_measurement

from devices.ble.ftms import parse_treadmill_data
from devices.ble.rsc import parse_rsc_measurement
from devices.errors import ProtocolError

EDGES = [
    {"speed_001kmh": 0},
    {"speed_001kmh": 0xFFFF, "avg_001kmh": 0xFFFF, "distance_m": 0xFFFFFF},
    {"speed_001kmh": 350, "incline_01pct": -32768, "ramp_01deg": 32767},
    {"speed_001kmh": 350, "incline_01pct": -15, "ramp_01deg": -9, "elevation": (0xFFFF, 0)},
    {"speed_001kmh": 1, "energy": (0xFFFF, 0xFFFF, 0xFF), "heart_rate": 255, "met_01": 255},
    {"speed_001kmh": 1, "elapsed_s": 0xFFFF, "remaining_s": 0, "force_power": (-32768, -1)},
    {"speed_001kmh": 420, "steps": 0xFFFFFF},
    {"avg_001kmh": 300, "heart_rate": 90},  # "more data": no instantaneous speed
]


@pytest.mark.parametrize("fields", EDGES)
def test_treadmill_data_fields_at_their_edges(fields: dict) -> None:
    got = parse_treadmill_data(ftms_data(**fields))
    names = {
        "speed_001kmh": ("instantaneous_speed_kmh", 100),
        "avg_001kmh": ("average_speed_kmh", 100),
        "distance_m": ("total_distance_m", 1),
        "incline_01pct": ("inclination_pct", 10),
        "ramp_01deg": ("ramp_angle_deg", 10),
        "heart_rate": ("heart_rate_bpm", 1),
        "met_01": ("metabolic_equivalent", 10),
        "elapsed_s": ("elapsed_time_s", 1),
        "remaining_s": ("remaining_time_s", 1),
        "steps": ("step_count", 1),
    }
    for key, value in fields.items():
        if key in names:
            name, div = names[key]
            assert getattr(got, name) == pytest.approx(value / div), name
    if "elevation" in fields:
        assert got.positive_elevation_gain_m == pytest.approx(fields["elevation"][0] / 10)
        assert got.negative_elevation_gain_m == pytest.approx(fields["elevation"][1] / 10)
    if "energy" in fields:
        e = fields["energy"]
        assert (got.total_energy_kcal, got.energy_per_hour_kcal, got.energy_per_minute_kcal) == e
    if "force_power" in fields:
        assert (got.force_on_belt_n, got.power_output_w) == fields["force_power"]
    if "speed_001kmh" not in fields:
        assert got.instantaneous_speed_kmh is None


def test_the_documented_examples() -> None:
    assert parse_treadmill_data(bytes.fromhex("0000e803")).instantaneous_speed_kmh == 10.0
    rsc = parse_rsc_measurement(bytes.fromhex("008002b4"))
    assert (rsc.speed_mps, rsc.cadence_spm) == (2.5, 180)


def test_pyftms_fixture_flags_0x259c() -> None:
    # bits 2, 3, 4, 7, 8, 10, 13 set; bit 0 clear: speed present
    data = ftms_data(
        speed_001kmh=512,
        distance_m=1234,
        incline_01pct=-20,
        ramp_01deg=-11,
        elevation=(5, 7),
        energy=(100, 600, 10),
        heart_rate=120,
        elapsed_s=300,
        steps=4321,
    )
    assert int.from_bytes(data[:2], "little") == 0x259C
    got = parse_treadmill_data(data)
    assert got.instantaneous_speed_kmh == 5.12 and got.step_count == 4321
    assert got.inclination_pct == -2.0 and got.elapsed_time_s == 300


@pytest.mark.parametrize("width", [1, 2])
def test_pace_of_either_width_is_read_when_asked_and_never_misread(width: int) -> None:
    data = ftms_data(speed_001kmh=360, pace=(12, 13), pace_width=width, heart_rate=99)
    asked = "uint8" if width == 1 else "uint16"
    got = parse_treadmill_data(data, pace=asked)
    assert got.heart_rate_bpm == 99 and got.instantaneous_speed_kmh == 3.6
    other = "uint16" if width == 1 else "uint8"
    with pytest.raises(ProtocolError) as err:
        parse_treadmill_data(data, pace=other)
    assert "pace" in str(err.value) and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("speed", "cadence", "extra"),
    [
        (0, 0, {}),
        (0xFFFF, 255, {"stride_001m": 0xFFFF, "distance_01m": 0xFFFFFFFF, "running": True}),
        (300, 110, {"stride_001m": 65}),
        (300, 110, {"distance_01m": 12345}),
    ],
)
def test_rsc_measurement_at_its_edges(speed: int, cadence: int, extra: dict) -> None:
    got = parse_rsc_measurement(rsc_measurement(speed, cadence, **extra))
    assert got.speed_mps == speed / 256 and got.cadence_spm == cadence
    if "stride_001m" in extra:
        assert got.stride_length_m == pytest.approx(extra["stride_001m"] / 100)
    if "distance_01m" in extra:
        assert got.total_distance_m == pytest.approx(extra["distance_01m"] / 10)
    assert got.running is bool(extra.get("running"))


def test_truncated_values_are_refused_in_one_line() -> None:
    cases = [
        (parse_treadmill_data, ftms_data(speed_001kmh=1, steps=5)[:-1]),
        (parse_rsc_measurement, rsc_measurement(1, 2, stride_001m=3)[:-1]),
    ]
    for parse, data in cases:
        with pytest.raises(ProtocolError) as err:
            parse(data)
        assert "\n" not in str(err.value)
