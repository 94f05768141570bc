"""A sensor box whose frames disagree with docs/protocol.md or with its own HELLO (another
protocol version, SAMPLES with another channel count or period than the HELLO announces) is
said in words, once: by the decoder (a warning a live session shows) and by ``stride check``,
over a pseudo-terminal carrying the box's bytes."""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from cli_helpers import one_line_error, stride_in_process  # type: ignore[import-not-found]

from devices.sensorbox import ChannelSpec, Hello, StreamDecoder, encode_hello, encode_samples

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")
ROLES = (("L", "heel"), ("L", "toe"), ("R", "heel"), ("R", "toe"))


def box_bytes(
    seconds: float, *, channels: int = 4, period_us: int = 1000, version: int = 1
) -> bytes:
    """A box announcing 4 channels at 1000 Hz in protocol ``version``, whose SAMPLES carry
    ``channels`` channels, 10 samples ``period_us`` apart; a HELLO first and every second."""
    hello = Hello(
        tuple(ChannelSpec.of(s, p) for s, p in ROLES),
        sample_rate_hz=1000,
        adc_bits=12,
        protocol_version=version,
    )
    out = bytearray()
    seq = 0
    frame_us = 10 * period_us
    for k in range(int(seconds * 1e6 / frame_us)):
        t_us = k * frame_us
        if k % max(1, 1_000_000 // frame_us) == 0:
            out += encode_hello(seq, t_us, hello)
            seq += 1
        loaded = (k // 50) % 2 == 1
        row = np.array([3000 if loaded else 100] * channels, np.int16)
        out += encode_samples(seq, t_us, period_us, np.tile(row, (10, 1)))
        seq += 1
    return bytes(out)


def _notes(data: bytes, caplog: pytest.LogCaptureFixture) -> list[str]:
    dec = StreamDecoder()
    with caplog.at_level(logging.WARNING, logger="devices.sensorbox.decoder"):
        for i in range(0, len(data), 333):  # any chunking
            dec.feed(data[i : i + 333], 0.0)
    logged = [r.getMessage() for r in caplog.records if r.name == "devices.sensorbox.decoder"]
    assert logged == dec.notes  # each said once, logged as it is noted
    return dec.notes


def test_a_box_that_agrees_with_itself_says_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert _notes(box_bytes(3.0), caplog) == []


def test_samples_with_another_channel_count_than_the_hello(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (note,) = _notes(box_bytes(3.0, channels=2), caplog)
    assert "carry 2 channels" in note and "announces 4" in note and "dropped" in note


def test_samples_with_another_period_than_the_hello_rate(
    caplog: pytest.LogCaptureFixture,
) -> None:
    (note,) = _notes(box_bytes(3.0, period_us=2000), caplog)
    assert "2000 us apart (500 Hz)" in note and "HELLO says 1000 Hz" in note


def test_a_box_of_another_protocol_version(caplog: pytest.LogCaptureFixture) -> None:
    (note,) = _notes(box_bytes(3.0, version=2), caplog)
    assert "protocol version 2" in note and "reads version 1" in note


@pytest.fixture
def pty_port(request: pytest.FixtureRequest) -> Iterator[str]:
    """A pseudo-terminal whose other end streams ``request.param``'s box bytes."""
    import pty
    import tty

    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    stop = threading.Event()
    data = box_bytes(30.0, **request.param)

    def feed() -> None:
        pos = 0
        while not stop.is_set() and pos < len(data):
            try:
                pos += os.write(master, data[pos : pos + 4096])
            except BlockingIOError:
                stop.wait(0.01)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        stop.set()
        thread.join(timeout=5)
        os.close(master)
        os.close(slave)


@posix_only
@pytest.mark.parametrize("pty_port", [{"channels": 2}], indirect=True)
def test_check_names_a_channel_count_mismatch(pty_port: str) -> None:
    """Every SAMPLES frame is dropped: the check says why, not "wrong port"."""
    run = stride_in_process("check", "--port", pty_port, "--seconds", "2")
    one_line_error(run, "carry 2 channels", "announces 4")


@posix_only
@pytest.mark.parametrize("pty_port", [{"version": 2}], indirect=True)
def test_check_names_another_protocol_version(pty_port: str) -> None:
    run = stride_in_process("check", "--port", pty_port, "--seconds", "2", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert len(doc["notes"]) == 1 and "protocol version 2" in doc["notes"][0]
    shown = stride_in_process("check", "--port", pty_port, "--seconds", "1")
    assert shown.returncode == 0, shown.stderr
    assert "note: sensor box speaks protocol version 2" in shown.stdout
