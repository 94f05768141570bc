"""CSAFE driver pinned to device-protocols.md: framing, stuffing, checksum, unit codes, refusals.

Answer frames below were worked out by hand from the rules in device-protocols.md (status byte,
then cmd/len/data, XOR checksum of the content, F3 stuffing), not produced by the code.
"""

from __future__ import annotations

import contextlib
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import DeviceError, InputError, ProtocolError
from devices.treadmill import csafe
from devices.treadmill.csafe_toggle import FrameToggle
from devices.treadmill.testing import ScriptedPort, expected_exchange
from devices.units import KMH, MPH

GETSPEED_REQ = bytes.fromhex("F1 A5 A5 F2")  # the documented example
# status 05 (InUse), A5 03 28 00 31 = 40 x 0.1 km/h; checksum BA.
SPEED_4KMH = bytes.fromhex("F1 05 A5 03 28 00 31 BA F2")


def test_documented_getspeed_request() -> None:
    assert csafe.encode_frame(b"\xa5") == GETSPEED_REQ


def test_read_speed_exchange() -> None:
    with expected_exchange([(GETSPEED_REQ, SPEED_4KMH)]) as port:
        t = csafe.CsafeTreadmill(port)
        assert t.read_speed().speeds_mps == pytest.approx((4.0 * KMH,))
    assert t.stats.states == {"InUse": 1}


def test_stuffed_content_byte() -> None:
    # value F2 (242 x 0.01 mph) must travel as F3 02; checksum 43.
    answer = bytes.fromhex("F1 05 A5 03 F3 02 00 12 43 F2")
    with expected_exchange([(GETSPEED_REQ, answer)]) as port:
        assert csafe.CsafeTreadmill(port).read_speed().speeds_mps == pytest.approx((2.42 * MPH,))


def test_stuffed_checksum_byte() -> None:
    # content 05 A5 03 40 00 12 has checksum F1, sent as F3 01.
    answer = bytes.fromhex("F1 05 A5 03 40 00 12 F3 01 F2")
    with expected_exchange([(GETSPEED_REQ, answer)]) as port:
        assert csafe.CsafeTreadmill(port).read_speed().speeds_mps == pytest.approx((0.64 * MPH,))


def test_extended_frame_answer() -> None:
    answer = bytes.fromhex("F0 00 01 05 A5 03 28 00 31 BA F2")
    assert csafe.decode_frame(answer) == csafe.Frame(bytes.fromhex("05 A5 03 28 00 31"), (0, 1))
    with expected_exchange([(GETSPEED_REQ, answer)]) as port:
        assert csafe.CsafeTreadmill(port).read_speed().speeds_mps == pytest.approx((4.0 * KMH,))


@pytest.mark.parametrize(
    ("unit", "value", "mps"),
    [
        (0x10, 3, 3 * MPH),
        (0x11, 35, 3.5 * MPH),
        (0x12, 350, 3.5 * MPH),
        (0x30, 5, 5 * KMH),
        (0x31, 50, 5 * KMH),
        (0x32, 500, 5 * KMH),
        (0x33, 90, 1.5),
    ],
)
def test_speed_units(unit: int, value: int, mps: float) -> None:
    assert csafe.speed_from_block(value.to_bytes(2, "little") + bytes([unit])) == pytest.approx(mps)


@pytest.mark.parametrize(
    ("unit", "value", "si", "kind"),
    [(0x21, 2, 2000.0, "distance"), (0x24, 300, 300.0, "distance"), (0x52, 60, 60.0, "rate")],
)
def test_other_units(unit: int, value: int, si: float, kind: str) -> None:
    assert csafe.value_in_si(value.to_bytes(2, "little") + bytes([unit])) == (si, kind)


def test_unknown_unit_is_counted_and_nan() -> None:
    answer = bytes.fromhex("F1 05 A5 03 28 00 99 12 F2")
    with expected_exchange([(GETSPEED_REQ, answer)]) as port:
        t = csafe.CsafeTreadmill(port)
        assert math.isnan(t.read_speed().speeds_mps[0])
    assert t.stats.unknown_units == 1


def test_status_low_nibble_only() -> None:
    with expected_exchange([(bytes.fromhex("F1 80 80 F2"), bytes.fromhex("F1 85 85 F2"))]) as port:
        resp = csafe.CsafeTreadmill(port).read_status()
    assert resp.state == "InUse" and resp.status == 0x85


def test_setspeed_refused_when_turned_off() -> None:
    with expected_exchange([]) as port:
        t = csafe.CsafeTreadmill(port, setspeed="off")
        assert not t.can_set_speed
        with pytest.raises(DeviceError, match=r"\?setspeed=off") as err:
            t.set_speed(1.0)
        assert "leave that out" in str(err.value)
        with pytest.raises(DeviceError, match="console"):
            t.stop()


@pytest.mark.parametrize("setspeed", [None, "on", "lsb-msb-unit", "ON", " Lsb-Msb-Unit "])
def test_setspeed_is_on_by_default_and_for_old_command_lines(setspeed: str | None) -> None:
    # 1.0 m/s = 36 x 0.1 km/h: 25 03 24 00 31, checksum 33.
    pairs = [(bytes.fromhex("F1 25 03 24 00 31 33 F2"), bytes.fromhex("F1 05 05 F2"))]
    with expected_exchange(pairs) as port:
        t = (
            csafe.CsafeTreadmill(port)
            if setspeed is None
            else csafe.CsafeTreadmill(port, setspeed=setspeed)
        )
        assert t.can_set_speed
        t.set_speed(1.0)


def test_setspeed_bad_options() -> None:
    with pytest.raises(InputError, match="setspeed=off"):
        csafe.CsafeTreadmill(ScriptedPort([]), setspeed="msb-first")
    with pytest.raises(InputError):
        csafe.CsafeTreadmill(ScriptedPort([]), setspeed_unit=0x21)


_WORDS = {"on": True, "off": False, "lsb-msb-unit": True}


@given(
    st.sampled_from(sorted(_WORDS)),
    st.lists(st.booleans(), min_size=12, max_size=12),
    st.sampled_from(["", " ", "\t"]),
)
def test_setspeed_values_in_any_case_and_spacing(word: str, upper: list[bool], pad: str) -> None:
    text = pad + "".join(c.upper() if u else c for c, u in zip(word, upper, strict=False)) + pad
    assert csafe.setspeed_on(text) is _WORDS[word]


@given(st.text(max_size=20))
def test_any_other_setspeed_value_is_refused_with_the_values_it_takes(text: str) -> None:
    if text.strip().lower() in _WORDS:
        assert csafe.setspeed_on(text) is _WORDS[text.strip().lower()]
        return
    with pytest.raises(InputError) as err:
        csafe.setspeed_on(text)
    assert "setspeed=off" in str(err.value) and "setspeed=on" in str(err.value)


def test_bad_checksum_is_protocol_error() -> None:
    answer = bytes.fromhex("F1 05 A5 03 28 00 31 BB F2")
    with expected_exchange([(GETSPEED_REQ, answer)]) as port:
        t = csafe.CsafeTreadmill(port)
        with pytest.raises(ProtocolError):
            t.read_speed()
    assert t.stats.bad_frames == 1


def test_frame_too_long_refused() -> None:
    with pytest.raises(InputError):
        csafe.encode_frame(bytes(95))


@given(st.binary(max_size=60))
def test_stuff_roundtrip_and_no_reserved_bytes(data: bytes) -> None:
    stuffed = csafe.stuff(data)
    assert not any(0xF0 <= b <= 0xF2 for b in stuffed)
    assert csafe.unstuff(stuffed) == data


@given(
    st.binary(min_size=1, max_size=40),
    st.none() | st.tuples(st.integers(0, 255), st.integers(0, 255)),
)
def test_frame_roundtrip(content: bytes, address: tuple[int, int] | None) -> None:
    assert csafe.decode_frame(csafe.encode_frame(content, address=address)) == csafe.Frame(
        content, address
    )


@given(st.lists(st.binary(max_size=20), max_size=20))
def test_replay_never_raises_on_random_bytes(chunks: list[bytes]) -> None:
    readings = csafe.replay([(float(i), "rx", c) for i, c in enumerate(chunks)])
    assert all(len(r.speeds_mps) == 1 for r in readings)


def test_replay_reads_recorded_answers() -> None:
    chunks = [(1.0, "tx", GETSPEED_REQ), (1.1, "rx", SPEED_4KMH[:4]), (1.2, "rx", SPEED_4KMH[4:])]
    (r,) = csafe.replay(chunks)
    assert r.host_t == 1.2 and r.speeds_mps == pytest.approx((4.0 * KMH,))


@given(st.binary(max_size=100))
def test_decoders_raise_only_protocol_errors(data: bytes) -> None:
    for decode in (csafe.parse_response, csafe.unstuff):
        with contextlib.suppress(ProtocolError):
            decode(data)
    try:
        frame = csafe.decode_frame(data)
    except ProtocolError:
        return
    # whatever decodes is a canonical frame: encoding it again gives the same bytes
    assert csafe.encode_frame(frame.content, address=frame.address) == data


@given(st.binary(min_size=1, max_size=30), st.integers(0, 200), st.integers(0, 255))
def test_corrupted_frames_are_caught_or_canonical(content: bytes, pos: int, value: int) -> None:
    frame = bytearray(csafe.encode_frame(content))
    frame[pos % len(frame)] = value
    try:
        decoded = csafe.decode_frame(bytes(frame))
    except ProtocolError:
        return
    assert csafe.encode_frame(decoded.content, address=decoded.address) == bytes(frame)


@given(st.lists(st.one_of(st.none(), st.integers(0, 255)), max_size=40), st.booleans())
def test_frame_toggle_counts_bit7_repeated_between_good_answers(
    answers: list[int | None], on: bool
) -> None:
    """Each exchange: a good answer's status byte, or None (no answer, a bad frame). A
    repeat is bit 7 equal to that of the good answer of the exchange just before."""
    toggle = FrameToggle("check" if on else "off")
    last: int | None = None
    want = 0
    for status in answers:
        toggle.sent()
        if status is None:
            last = None
            continue
        repeated = on and last == status >> 7
        assert toggle.answered(status) == repeated
        want += repeated
        last = status >> 7
    assert toggle.repeats == want


@pytest.mark.parametrize("value", ["on", "yes", "", "checks"])
def test_frame_toggle_refuses_other_values(value: str) -> None:
    with pytest.raises(InputError, match="toggle=check"):
        FrameToggle(value)
    assert FrameToggle(" Check ").on and not FrameToggle("OFF").on
