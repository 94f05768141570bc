"""Frame layout, CRC/COBS vectors and channel roles of protocol v1 (docs/protocol.md)."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from cobs import cobs
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.sensorbox import (
    PLACES,
    T_BELT,
    T_ERROR,
    T_HELLO,
    T_STATUS,
    ChannelSpec,
    Hello,
    crc16,
    encode_belt,
    encode_error,
    encode_hello,
    encode_samples,
    encode_status,
    role_byte,
    role_place,
    role_side,
)


def unwire(frame: bytes) -> bytes:
    """Strip the delimiter, undo COBS, check and strip the CRC: the frame body."""
    assert frame.endswith(b"\x00") and frame.count(0) == 1
    raw = cobs.decode(frame[:-1])
    assert crc16(raw[:-2]) == struct.unpack("<H", raw[-2:])[0]
    return raw[:-2]


def test_crc_check_values() -> None:
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"") == 0xFFFF


def test_cobs_vectors_from_protocols_md() -> None:
    assert cobs.encode(b"") == b"\x01"
    assert cobs.encode(b"\x00") == b"\x01\x01"
    assert cobs.encode(bytes.fromhex("31323334350036373839")) == bytes.fromhex(
        "06313233343505363738 39".replace(" ", "")
    )


def test_spec_example_samples_frame() -> None:
    body = bytes.fromhex("020100E80300000201E8036400FEFF")
    crc = struct.pack("<H", crc16(body))
    want = cobs.encode(body + crc) + b"\x00"
    got = encode_samples(1, 1000, 1000, np.array([[100, -2]], dtype=np.int16))
    assert got == want
    assert unwire(got) == body


@pytest.mark.parametrize(
    ("side", "place", "byte"),
    [
        ("L", "heel", 0x10),
        ("L", "toe", 0x11),
        ("R", "heel", 0x20),
        ("R", "toe", 0x21),
        ("L", "mid", 0x12),
        ("R", "lateral", 0x23),
        ("R", "medial", 0x24),
        ("L", "foot", 0x1F),
    ],
)
def test_role_bytes(side: str, place: str, byte: int) -> None:
    assert role_byte(side, place) == byte
    assert role_side(byte) == side
    assert role_place(byte) == place
    assert ChannelSpec.of(side, place).name == f"{side}-{place}"


def test_unknown_roles() -> None:
    with pytest.raises(ValueError, match="side"):
        role_byte("X", "heel")
    assert role_side(0x35) is None and role_place(0x35) is None
    assert ChannelSpec(0x35).name == "side3-place5"


def hello4() -> Hello:
    return Hello(
        (
            ChannelSpec.of("L", "heel", 12, 0.5),
            ChannelSpec.of("L", "toe", -3, 0.25),
            ChannelSpec.of("R", "heel"),
            ChannelSpec.of("R", "toe"),
        ),
        sample_rate_hz=1000,
        adc_bits=12,
        belt_counts_per_m=2048.0,
        device_id=b"ABCDEFGH",
        firmware=(2, 7),
    )


def test_hello_layout_and_round_trip() -> None:
    h = hello4()
    body = unwire(encode_hello(5, 123456, h))
    assert body[:7] == bytes([T_HELLO]) + struct.pack("<HI", 5, 123456)
    p = body[7:]
    assert len(p) == 19 + 7 * 4
    assert p[0] == 1 and p[1:3] == bytes([2, 7]) and p[3:11] == b"ABCDEFGH"
    assert struct.unpack_from("<HBfB", p, 11) == (1000, 12, 2048.0, 4)
    assert struct.unpack_from("<Bhf", p, 19) == (0x10, 12, 0.5)
    assert Hello.parse(p) == h
    assert Hello.parse(p[:-1]) is None
    assert Hello.parse(p[:18]) is None


def test_hello_validation() -> None:
    with pytest.raises(ValueError, match="channels"):
        Hello(())
    with pytest.raises(ValueError, match="8 bytes"):
        Hello((ChannelSpec(0x10),), device_id=b"short")


def test_belt_status_error_layouts() -> None:
    b = unwire(encode_belt(65535, 2**32 + 5, -42, 10000))
    assert b == bytes([T_BELT]) + struct.pack("<HIiI", 65535, 5, -42, 10000)
    s = unwire(encode_status(7, 9, 0b101, 123, 4950))
    assert s == bytes([T_STATUS]) + struct.pack("<HIHIH", 7, 9, 0b101, 123, 4950)
    e = unwire(encode_error(8, 10, 1, "L-heel open"))
    assert e == bytes([T_ERROR]) + struct.pack("<HI", 8, 10) + b"\x01L-heel open"


def test_samples_sample_major_layout() -> None:
    v = np.array([[1, 2, 3], [4, 5, 6]], dtype=np.int16)
    body = unwire(encode_samples(3, 77, 500, v))
    assert body[7:11] == bytes([3, 2]) + struct.pack("<H", 500)
    assert struct.unpack("<6h", body[11:]) == (1, 2, 3, 4, 5, 6)


@pytest.mark.parametrize(
    "values",
    [np.zeros((0, 4)), np.zeros((65, 4)), np.zeros((1, 17)), np.zeros(4), np.zeros((2, 2))],
)
def test_samples_rejects_bad_shapes_and_dtypes(values: np.ndarray) -> None:
    with pytest.raises(ValueError):
        encode_samples(0, 0, 1000, values)


def test_samples_rejects_overflow_and_bad_period() -> None:
    with pytest.raises(ValueError, match="int16"):
        encode_samples(0, 0, 1000, np.array([[40000]]))
    with pytest.raises(ValueError, match="period"):
        encode_samples(0, 0, 0, np.array([[1]]))
    assert unwire(encode_samples(0, 0, 1000, np.array([[-32768, 32767]])))[11:] == bytes.fromhex(
        "0080ff7f"
    )


@settings(max_examples=300)
@given(st.binary(max_size=160))
def test_hello_parse_fuzzed(payload: bytes) -> None:
    """Any bytes: None, or a HELLO whose payload is exactly these bytes again."""
    h = Hello.parse(payload)
    if h is not None:
        assert (
            h.payload() == payload
            or any(
                c.scale != c.scale
                for c in h.channels  # NaN scales compare unequal
            )
            or h.belt_counts_per_m != h.belt_counts_per_m
        )


@settings(max_examples=200)
@given(
    st.lists(
        st.tuples(st.sampled_from(["L", "R"]), st.sampled_from(sorted(PLACES))),
        min_size=1,
        max_size=16,
    ),
    st.floats(width=32, allow_nan=False),
    st.binary(min_size=8, max_size=8),
)
def test_hello_round_trip_fuzzed(roles: list, cpm: float, dev: bytes) -> None:
    h = Hello(
        tuple(ChannelSpec.of(s, p, 7, 0.5) for s, p in roles), belt_counts_per_m=cpm, device_id=dev
    )
    assert Hello.parse(h.payload()) == h
