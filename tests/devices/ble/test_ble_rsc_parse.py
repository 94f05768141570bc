"""RSC Measurement: golden values, bluetooth-sig cross-check over random flags, bad input."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.ble.errors import ExtraBytesError, TruncatedValueError, UnknownFlagsError
from devices.ble.rsc import encode_rsc_measurement, parse_rsc_feature, parse_rsc_measurement


@st.composite
def measurements(draw: st.DrawFn) -> bytes:
    flags = draw(st.integers(0, 7))
    out = struct.pack("<BHB", flags, draw(st.integers(0, 0xFFFF)), draw(st.integers(0, 255)))
    if flags & 1:
        out += struct.pack("<H", draw(st.integers(0, 0xFFFF)))
    if flags & 2:
        out += struct.pack("<I", draw(st.integers(0, 0xFFFFFFFF)))
    return out


def test_golden_from_protocols_md() -> None:
    m = parse_rsc_measurement(bytes.fromhex("00 80 02 B4"))
    assert (m.speed_mps, m.cadence_spm, m.stride_length_m, m.total_distance_m) == (
        2.5,
        180,
        None,
        None,
    )
    assert not m.running


def test_all_fields() -> None:
    m = parse_rsc_measurement(bytes.fromhex("07 80 01 70 8a 00 e8 03 00 00"))
    assert m.speed_mps == 1.5 and m.cadence_spm == 112
    assert m.stride_length_m == 1.38 and m.total_distance_m == 100.0 and m.running


@given(measurements())
def test_random_flags_match_bluetooth_sig(data: bytes) -> None:
    from bluetooth_sig.gatt.characteristics.rsc_measurement import RSCMeasurementCharacteristic

    ours = parse_rsc_measurement(data)
    theirs = RSCMeasurementCharacteristic().parse_value(bytearray(data))
    assert ours.speed_mps == pytest.approx(theirs.instantaneous_speed)
    assert ours.cadence_spm == theirs.instantaneous_cadence
    assert ours.running == theirs.is_running
    for a, b in (
        (ours.stride_length_m, theirs.instantaneous_stride_length),
        (ours.total_distance_m, theirs.total_distance),
    ):
        assert (a is None) == (b is None)
        if a is not None:
            assert a == pytest.approx(b)
    again = encode_rsc_measurement(
        ours.speed_mps,
        ours.cadence_spm,
        stride_length_m=ours.stride_length_m,
        total_distance_m=ours.total_distance_m,
        running=ours.running,
    )
    assert again == data


@given(measurements(), st.data())
def test_truncation_is_refused(data: bytes, draw: st.DataObject) -> None:
    cut = draw.draw(st.integers(0, len(data) - 1))
    with pytest.raises(TruncatedValueError):
        parse_rsc_measurement(data[:cut])


@pytest.mark.parametrize("bit", range(3, 8))
def test_reserved_bits_name_the_bit(bit: int) -> None:
    with pytest.raises(UnknownFlagsError, match=f"bit\\(s\\) {bit}"):
        parse_rsc_measurement(bytes([1 << bit, 0x80, 0x02, 0xB4]))


def test_extra_bytes() -> None:
    with pytest.raises(ExtraBytesError):
        parse_rsc_measurement(bytes.fromhex("00 80 02 B4 00"))


def test_feature() -> None:
    assert parse_rsc_feature(bytes.fromhex("0700")) == [
        "stride length measurement",
        "total distance measurement",
        "walking or running status",
    ]
