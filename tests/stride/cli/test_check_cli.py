"""``stride check --port URL``: raw counts per channel, unloaded and loaded, with a verdict;
against the simulator (sim://) and a fake box on a pseudo-terminal with known counts (through
the entry point in this process; the silent port's refusal runs as a process of its own)."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import (  # type: ignore[import-not-found]
    one_line_error,
    stride,
    stride_in_process,
)

from devices.sensorbox import ChannelSpec, Hello, encode_hello, encode_samples
from stride.boxcheck import ChannelLevels, verdict

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")


def test_verdicts_golden() -> None:
    top = 4095
    assert verdict(100, 3000, top) == "ok"
    assert verdict(50, 50 + 0.09 * top, top).startswith("no change")
    assert verdict(100, 4090, top).startswith("saturates")
    assert verdict(1500, 3500, top).startswith("high when unloaded")
    levels = ChannelLevels("L-heel")
    levels.add(np.array([100] * 50 + [3000] * 50, np.int16))
    s = levels.summary(top)
    assert (s["unloaded"], s["loaded"], s["contrast"], s["now"]) == (100.0, 3000.0, 2900.0, 3000)
    assert ChannelLevels("x").summary(top) == {
        "channel": "x",
        "samples": 0,
        "verdict": "no samples",
    }


@pytest.mark.slow
def test_check_on_the_simulated_box() -> None:
    run = stride_in_process(
        "check", "--port", "sim://box?seed=1&speedup=10", "--seconds", "3", "--json"
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert [c["channel"] for c in doc["channels"]] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert doc["adc_bits"] == 12 and doc["seconds"] >= 3.0 and doc["crc_errors"] == 0
    for ch in doc["channels"]:
        assert ch["verdict"] == "ok", ch
        assert ch["unloaded"] < 400 < 2000 < ch["loaded"]  # walking: off and on each sensor
    assert doc["belt_speed_mps"] == pytest.approx(1.0, abs=0.05)  # 3.6 km/h


def _box_bytes(seconds: float, first: int = 0) -> bytes:
    """A box whose four channels each show one fault (or none): known counts. ``first``:
    the index of the first 10 ms frame (the stream goes on from there)."""
    hello = Hello(
        tuple(ChannelSpec.of(s, p) for s, p in (("L", "heel"), ("L", "toe"), ("R", "heel"),
                                                  ("R", "toe"))),
        sample_rate_hz=1000, adc_bits=12,
    )  # fmt: skip
    out = bytearray()
    for k in range(first, first + int(seconds * 100)):
        seq = (k + k // 100 + 1) & 0xFFFF  # a HELLO before every 100th SAMPLES frame
        t_us = (k * 10_000) & 0xFFFFFFFF
        if k % 100 == 0:
            out += encode_hello(seq - 1, t_us, hello)
        loaded = (k // 50) % 2 == 1  # half a second off, half a second on
        row = [3000, 50, 4095, 3500] if loaded else [100, 50, 100, 1500]
        out += encode_samples(seq, t_us, 1000, np.tile(np.array(row, np.int16), (10, 1)))
    return bytes(out)


@pytest.fixture
def pty_box() -> Iterator[str]:
    """A pseudo-terminal whose other end streams the fake box until the test ends, as a box
    does, 20 times faster than real time (a check that stops getting samples says so)."""
    import pty
    import time
    import tty

    master, slave = pty.openpty()
    tty.setraw(slave)
    os.set_blocking(master, False)
    stop = threading.Event()

    def feed() -> None:
        first, start = 0, time.monotonic()
        while not stop.is_set():
            data, pos = _box_bytes(0.5, first), 0
            first += 50
            while not stop.is_set() and pos < len(data):
                try:
                    pos += os.write(master, data[pos : pos + 4096])
                except BlockingIOError:  # nobody reading yet: wait for room
                    stop.wait(0.01)
            stop.wait(max(0.0, start + first / 100 / 20 - time.monotonic()))

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
def test_check_on_a_pty_names_each_fault(pty_box: str) -> None:
    run = stride_in_process("check", "--port", pty_box, "--seconds", "4", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    got = {c["channel"]: c for c in doc["channels"]}
    assert got["L-heel"]["verdict"] == "ok"
    assert (got["L-heel"]["unloaded"], got["L-heel"]["loaded"]) == (100.0, 3000.0)
    assert got["L-toe"]["verdict"].startswith("no change")
    assert got["R-heel"]["verdict"].startswith("saturates")
    assert got["R-toe"]["verdict"].startswith("high when unloaded")
    assert doc["crc_errors"] == 0 and doc["gaps"] == 0
    # the person's view: a table naming each fault
    shown = stride_in_process("check", "--port", pty_box, "--seconds", "2")
    assert shown.returncode == 0, shown.stderr
    for words in ("L-heel", "raw counts 0-4095", "saturates", "no change", "frames"):
        assert words in shown.stdout


@posix_only
def test_check_on_a_silent_port_says_why() -> None:
    import pty

    master, slave = pty.openpty()
    try:
        run = stride("check", "--port", os.ttyname(slave), "--seconds", "1")
    finally:
        os.close(master)
        os.close(slave)
    one_line_error(run, "no bytes from", "stride ports")


@posix_only
def test_ctrl_c_ends_a_check_early_with_what_it_read(pty_box: str, tmp_path: Path) -> None:
    """A long check stopped with Ctrl-C (SIGINT to a real process) shows the levels it read
    until then, exit 0, instead of ending with nothing; the JSON says it was interrupted."""
    import signal
    import subprocess
    import time

    from cli_helpers import CMD, env

    out = tmp_path / "out.json"
    with out.open("w") as stdout:
        proc = subprocess.Popen(
            [*CMD, "check", "--port", pty_box, "--seconds", "600", "--json"],
            stdout=stdout, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True,
            env=env(),
        )  # fmt: skip
        try:
            time.sleep(6.0)  # start-up, then a few seconds of the fake box's samples
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    doc = json.loads(out.read_text())
    assert doc["interrupted"] is True
    assert 0 < doc["seconds"] < 600
    got = {c["channel"]: c for c in doc["channels"]}
    assert got["R-heel"]["verdict"].startswith("saturates")


@pytest.mark.parametrize("seconds", ["inf", "nan", "0", "-1"])
def test_a_check_length_that_is_not_a_length_is_a_usage_error(seconds: str) -> None:
    run = stride_in_process("check", "--port", "sim://box?seed=1", "--seconds", seconds)
    assert run.returncode == 2 and "--seconds" in run.stderr, run.stderr
    assert "Traceback" not in run.stderr


def test_a_port_that_does_not_exist_prints_no_guide(tmp_path: Path) -> None:
    """The guide ("Lift each foot, ...") is for a box that answers: a wrong port is the
    one error line alone, with nothing on standard output."""
    run = stride_in_process("check", "--port", str(tmp_path / "ttyNOPE"), "--seconds", "1")
    one_line_error(run, "does not exist")
    assert run.stdout == ""
