"""The diagnosis of bytes that never decode names the likely cause."""

from __future__ import annotations

import random

import synthbox
from hypothesis import given
from hypothesis import strategies as st

from stride.session.diagnose import diagnose


def why(sample: bytes, baud: int = 115200) -> str:
    return str(diagnose("/dev/ttyX", sample, total_bytes=len(sample), seconds=3, baudrate=baud))


def test_silent_port() -> None:
    assert "no bytes" in why(b"") and "wrong port" in why(b"")


def test_text_lines_are_a_wrong_protocol() -> None:
    msg = why(b"1234,512,498,20,31\r\n" * 50)
    assert "text lines" in msg and "wrong protocol" in msg and "1234,512" in msg
    assert "CSV lines" in msg and "--csv-map" in msg  # a DIY CSV board: its column map


def test_box_read_at_the_wrong_baud() -> None:
    data = synthbox.stream(1.0)
    slow = synthbox.misread_at_baud(data, 115200 / 9600)  # port at 9600
    assert "baud-rate mismatch" in why(slow)
    fast = synthbox.misread_at_baud(data, 0.5)  # port at 230400
    assert "baud-rate mismatch" in why(fast)
    assert "wrong baud rate likely" in why(slow, baud=9600) and "--baud 115200" in why(slow, 9600)


def test_other_binary_names_device_protocol_and_baud() -> None:
    rng = random.Random(3)
    other = bytes(rng.randrange(1, 200) for _ in range(2000))  # no delimiters, no pattern
    msg = why(other)
    assert "different device or protocol" in msg and "baud" in msg


def test_misread_model_is_identity_at_the_right_baud() -> None:
    data = synthbox.stream(0.2)
    assert synthbox.misread_at_baud(data, 1.0) == data


@given(st.binary(max_size=3000), st.sampled_from([9600, 115200]))
def test_any_bytes_get_a_one_line_diagnosis(sample: bytes, baud: int) -> None:
    err = diagnose("/dev/ttyX", sample, total_bytes=len(sample), seconds=3, baudrate=baud)
    text = str(err)
    assert "\n" not in text and "/dev/ttyX" in text and err.fix
