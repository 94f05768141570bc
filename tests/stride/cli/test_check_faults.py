"""``stride check`` against a box that fails during the check: its port closes (unplugged),
it stops sending, it never sends a HELLO, it sends ERROR frames. What was read is still
shown, and why the check is short is one ``stride: error:`` line with exit 1; the box's own
ERROR messages are shown, not dropped. The reading loop runs on a scripted port and clock;
the unplugged box is also a real pseudo-terminal closed under the command."""

from __future__ import annotations

import fcntl
import json
import os
import sys
import termios
import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest
from cli_helpers import one_line_error, stride_in_process  # type: ignore[import-not-found]

from devices.sensorbox import ChannelSpec, Hello, encode_hello, encode_samples
from devices.sensorbox.frames import encode_error
from stride.boxcheck import run_check

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")
HELLO = Hello(
    tuple(ChannelSpec.of(s, p) for s in "LR" for p in ("heel", "toe")),
    sample_rate_hz=1000,
    adc_bits=12,
)


def box_frames(seconds: float, *, hello: bool = True, error_every: int = 0) -> list[bytes]:
    """One chunk of wire bytes per 10 ms frame: a HELLO every second (unless not
    ``hello``), an ERROR frame every ``error_every`` frames, loaded half of each second."""
    out, seq = [], 0
    for k in range(int(seconds * 100)):
        chunk, t_us = b"", k * 10_000
        if hello and k % 100 == 0:
            chunk += encode_hello(seq, t_us, HELLO)
            seq += 1
        if error_every and k % error_every == 0:
            chunk += encode_error(seq, t_us, 1, "L-heel open\x07")
            seq += 1
        row = [3000] * 4 if (k // 50) % 2 else [100] * 4
        chunk += encode_samples(seq, t_us, 1000, np.tile(np.array(row, np.int16), (10, 1)))
        out.append(chunk)
        seq += 1
    return out


class ScriptedPort:
    """A port that gives one chunk per read, then nothing (or raises, as a port that
    closed does); the clock advances 10 ms a read, as a box streaming in real time."""

    def __init__(self, chunks: list[bytes], closes: bool = False) -> None:
        self.chunks, self.closes, self.now = list(chunks), closes, 0.0

    @property
    def in_waiting(self) -> int:
        return len(self.chunks[0]) if self.chunks else 0

    def read(self, size: int = 1) -> bytes:
        self.now += 0.01
        if self.chunks:
            return self.chunks.pop(0)
        if self.closes:
            raise OSError("device reports readiness to read but returned no data")
        return b""

    def clock(self) -> float:
        return self.now

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


def test_a_box_that_streams_the_whole_check_has_no_fault() -> None:
    port = ScriptedPort(box_frames(4.0))
    check = run_check(port, 3.0, clock=port.clock)
    assert check.fault is None and check.report()["fault"] is None
    assert check.report()["box_errors"] == []


def test_a_port_that_closes_keeps_what_was_read_and_says_so() -> None:
    port = ScriptedPort(box_frames(2.0), closes=True)
    check = run_check(port, 10.0, clock=port.clock)
    assert check.seconds_of_samples == pytest.approx(2.0)
    assert check.fault is not None and "port closed after" in str(check.fault)
    assert "2.0 s of samples" in str(check.fault) and "plug the box in" in str(check.fault)
    report = check.report()
    assert report["fault"] == check.fault.problem
    assert [c["verdict"] for c in report["channels"]] == ["ok"] * 4  # the levels read


def test_a_box_that_stops_sending_is_said_after_the_silence_not_the_whole_length() -> None:
    port = ScriptedPort(box_frames(2.0))
    check = run_check(port, 600.0, clock=port.clock, no_data_s=5.0)
    assert check.waited_s < 8.0  # not 600 s: the silence ends it
    assert check.fault is not None
    assert "stopped sending after 2.0 s of samples (600 s asked)" in str(check.fault)


def test_a_box_without_hello_gets_no_verdict_on_an_assumed_adc_range() -> None:
    """The ADC's range is the HELLO's: assumed 10-bit, a 12-bit box's 3000 counts read
    'saturates when loaded'."""
    port = ScriptedPort(box_frames(4.0, hello=False))
    check = run_check(port, 2.0, clock=port.clock, no_data_s=1.0)
    assert check.fault is not None and "no HELLO" in str(check.fault)
    verdicts = {c["verdict"] for c in check.report()["channels"]}  # type: ignore[index]
    assert verdicts == {"unknown: no HELLO gave the ADC range"}


def test_the_box_error_frames_are_kept_once_each_and_printable() -> None:
    port = ScriptedPort(box_frames(3.0, error_every=50))
    check = run_check(port, 2.5, clock=port.clock)
    assert check.report()["box_errors"] == ["code 1 (sensor open circuit): L-heel open?"]


@pytest.fixture
def closing_box() -> Iterator[str]:
    """A pseudo-terminal whose box sends 20 s of frames as fast as the port takes them (the
    command's opening of the port drops what waited in its buffer), and is unplugged (the
    pty's other end closed) once the command has read them."""
    import pty
    import tty

    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    data = b"".join(box_frames(20.0))

    def feed() -> None:
        pos = 0
        while pos < len(data):
            try:
                pos += os.write(master, data[pos : pos + 4096])
            except BlockingIOError:
                time.sleep(0.01)
        waiting = bytearray(4)
        while True:  # until the command has read every byte, then unplug
            fcntl.ioctl(slave, termios.FIONREAD, waiting)
            if int.from_bytes(waiting, sys.byteorder) == 0:
                break
            time.sleep(0.01)
        time.sleep(0.3)
        os.close(master)

    thread = threading.Thread(target=feed, daemon=True)
    thread.start()
    try:
        yield os.ttyname(slave)
    finally:
        thread.join(timeout=30)
        os.close(slave)


@posix_only
def test_check_of_a_box_unplugged_mid_check_shows_what_it_read(closing_box: str) -> None:
    run = stride_in_process("check", "--port", closing_box, "--seconds", "30", "--json")
    one_line_error(run, "port closed after", "s of samples", "plug the box in again")
    doc = json.loads(run.stdout)  # the JSON document is whole, with the levels read
    assert 0 < doc["seconds"] <= 20.0 and "port closed" in doc["fault"]
    assert [c["channel"] for c in doc["channels"]] == ["L-heel", "L-toe", "R-heel", "R-toe"]


@pytest.mark.parametrize("baud", ["0", "-5"])
def test_check_refuses_a_baud_rate_that_is_none(baud: str) -> None:
    run = stride_in_process("check", "--port", "sim://box?seed=1", "--baud", baud)
    one_line_error(run, f"--baud {baud} is not a baud rate")
