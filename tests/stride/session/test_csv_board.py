"""A DIY board that prints CSV lines (``time_ms,frame,ch0..ch3`` at 100 Hz) on a real
pseudo-terminal, read by ``stride live --csv-map`` and ``stride check --csv-map``: the live
steps equal what ``stride analyze`` and ``stride replay`` read back from the recording;
lines that do not parse are counted as the box's CRC errors; bytes that make no line are
counted, said and summed up as the box's; a board that restarts goes on; a map that does
not fit the lines, and lines without a map, get one line naming the fix."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import synthbox
from cli_helpers import stride_in_process, without_kernel_notice

from devices.recording import SessionReader
from sim.csvboard import COLUMN_MAP, board_lines

STRIDE = [sys.executable, "-m", "stride.cli.app"]
GARBAGE = [b"#!x7,,\r\n", b"12,ab,3,4,5,6\r\n", b"\xff\xfe\r\n", b"1,2,3\r\n", b"nan,1,2,3,4,5\r\n"]


@pytest.fixture
def box() -> Iterator[synthbox.PtyBox]:
    b = synthbox.PtyBox()
    yield b
    b.close()


def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e["STRIDE_HISTORY_DB"] = str(tmp_path / "history.sqlite")
    return e


def holds(pid: int, tty: str) -> bool:
    """Whether process ``pid`` has the terminal ``tty`` open."""
    fds = Path(f"/proc/{pid}/fd")
    for fd in fds.iterdir() if fds.is_dir() else []:
        try:
            if os.readlink(fd) == tty:
                return True
        except OSError:
            continue
    return False


def live_on(
    box: synthbox.PtyBox,
    text: bytes,
    seconds: float,
    tmp_path: Path,
    treadmill: list[str] = ["--treadmill", "fixed:3.6kmh"],  # noqa: B006 (never changed)
) -> tuple[dict[str, Any], str]:
    """``stride live --csv-map`` on ``box`` in its own process; the board starts printing
    ``text`` (over ``seconds``) once the session holds the port (the first bytes may never
    reach it: :func:`cut_line`). Returns the final document and stderr (the summary)."""
    cmd = [*STRIDE, "live", "--port", box.path, "--csv-map", COLUMN_MAP, "--no-ui", "--json"]
    cmd += [*treadmill, "--spacing", "0.30", "--record", str(tmp_path / "rec")]
    cmd += ["--duration", str(seconds - 1.0)]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env(tmp_path)
    )
    try:
        deadline = time.monotonic() + 90.0
        while not holds(proc.pid, box.path):  # kernels load before the port opens
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
            time.sleep(0.02)
        box.play(text, seconds=seconds, chunk=300)
        stdout, stderr = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    doc: dict[str, Any] = json.loads(stdout.splitlines()[-1])
    return doc, stderr


def cut_line(rec: Path, sent: bytes) -> int:
    """The bytes of the first line the session read: the line it joined, cut or whole.

    The board starts once ``stride live`` holds the port, but opening a serial port ends
    by flushing what came in meanwhile (pyserial's ``open``: ``tcflush`` after setting the
    line up), so on a busy machine what the board printed first may never reach the
    session. The recording holds every byte the session read: one unbroken stretch of
    ``sent``, beginning anywhere in a line (at the start of ``sent`` on a quiet machine)."""
    got = b"".join(data for _, data in SessionReader(rec).chunks("box"))
    at = sent.find(got)
    assert got and at >= 0, "the recording is no unbroken stretch of what the board sent"
    return sent.index(b"\n", at) + 1 - at


def last_cut(rec: Path) -> int:
    """The bytes of the line the session's end cut (after its last newline; none where the
    board had finished): discarded and counted at the end, as the box's unfinished frame."""
    got = b"".join(data for _, data in SessionReader(rec).chunks("box"))
    return len(got) - (got.rfind(b"\n") + 1)


def analyze(rec: Path) -> dict[str, Any]:
    out = stride_in_process("analyze", str(rec), "--spacing", "0.30", "--json")
    assert out.returncode == 0, out.stderr
    doc: dict[str, Any] = json.loads(out.stdout)
    return doc


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_live_csv_board_recording_gives_the_same_steps(
    box: synthbox.PtyBox, tmp_path: Path
) -> None:
    board = board_lines(14.0, seed=3)
    sent = board.text[5:]  # the port opened mid-line
    doc, stderr = live_on(box, sent, 14.0, tmp_path)
    steps = doc["steps"]
    assert len(steps) >= 14 and {s["side"] for s in steps} == {"L", "R"}
    measured = [s for s in steps if "edge" not in s["flags"]]  # the fixed belt's lengths
    assert len(measured) >= 10 and all(s["step_length_m"] is not None for s in measured)
    s = doc["session"]
    assert s["frames"] > 1000 and s["crc_errors"] == 0 and s["gaps"] == 0
    # the cut first line is dropped and its bytes counted, not alarmed
    cut = cut_line(tmp_path / "rec", sent)  # len(board.lines()[0]) - 5 unless lost at opening
    cut += last_cut(tmp_path / "rec")  # and the line the session's end cut
    assert s["discarded_bytes"] == cut and f"bytes skipped {cut}," in " ".join(stderr.split())
    assert "decode to nothing" not in stderr
    rec = tmp_path / "rec"
    meta = json.loads((rec / "session.json").read_text())
    assert SessionReader(rec).streams == {"box": "csvlines"}
    assert meta["csvlines"]["box"]["seq_column"] == 1 and meta["csvlines"]["box"]["rate_hz"] == 100
    assert meta["box"]["channels"] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert meta["box"]["sample_rate_hz"] == 100
    assert meta["devices"][0]["protocol"] == "csvlines"
    an = analyze(rec)
    assert an["steps"] == steps and an["summary"] == doc["summary"]
    rep = stride_in_process("replay", str(rec), "--speed", "max", "--no-ui", "--json")
    assert rep.returncode == 0, rep.stderr
    assert json.loads(rep.stdout.splitlines()[-1])["steps"] == steps


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_garbage_lines_are_counted_and_a_board_restart_goes_on(
    box: synthbox.PtyBox, tmp_path: Path
) -> None:
    first, second = board_lines(8.0, seed=4).lines(), board_lines(8.0, seed=5).lines()
    for i, bad in enumerate(GARBAGE):  # damaged lines among good ones, after the header
        first.insert(200 + 97 * i, bad)
    text = b"".join(first) + b"".join(second)  # powered up again: time and frame from 0
    doc, stderr = live_on(box, text, 16.0, tmp_path)
    s = doc["session"]
    assert s["crc_errors"] == len(GARBAGE)  # a line that does not parse: as a CRC error
    assert s["bad_lines"] == len(GARBAGE) and s["lines"] == s["frames"] > 1000
    said = " ".join(stderr.split())  # the summary names lines, as `stride check` does
    # their bytes as skipped (the board's first line, dropped, and its second header too)
    cut = cut_line(tmp_path / "rec", text)  # the header, unless lost at the opening
    skipped = cut + sum(map(len, GARBAGE[1:])) + len(second[0])  # GARBAGE[0]: a comment
    skipped += last_cut(tmp_path / "rec")  # the line the session's end cut
    assert s["discarded_bytes"] == skipped
    assert f"lines {s['lines']}, bad lines {len(GARBAGE)}, bytes skipped {skipped}, gaps" in said
    assert "CRC errors" not in said and "frames" not in said
    steps = doc["steps"]
    ics = [x["ic_s"] for x in steps]
    assert min(ics) < 6.0 and max(ics) > 10.0  # steps before and after the restart
    assert len(steps) >= 16
    assert analyze(tmp_path / "rec")["steps"] == steps
    # the restart is said once, with the count; the fixed belt gives the step lengths
    assert s["restarts"] == 1 and "box restarts 1" in said
    assert stderr.count("stride: note: sensor box restarted (once this session)") == 1
    assert "no belt speed" not in stderr.lower()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_noise_without_newlines_is_counted_and_said_as_the_boxs(
    box: synthbox.PtyBox, tmp_path: Path
) -> None:
    """20 KB of noise without a newline (the board at another baud rate for a moment, a
    loose plug) made one over-long line: counted nowhere, said only by the 3-second "no
    lines decode" alert. Its bytes are now skipped bytes, as the box's: in the session's
    JSON, said at once on stderr (the dashboard's alert) and in the summary."""
    noise = bytes(b for b in np.random.default_rng(8).bytes(21_000) if b != 10)[:20_000]
    first, second = board_lines(6.0, seed=4), board_lines(6.0, seed=5, header=False)
    sent = first.text + noise + b"\n" + second.text
    doc, stderr = live_on(box, sent, 14.0, tmp_path)
    s = doc["session"]
    # the header (or the line the port joined, the first bytes lost at its opening), dropped,
    # and the noise
    skipped = cut_line(tmp_path / "rec", sent) + len(noise) + 1 + last_cut(tmp_path / "rec")
    assert s["discarded_bytes"] == skipped and s["bad_lines"] == 0, s
    said = [line for line in stderr.splitlines() if "decode to nothing" in line]
    assert said[0].startswith("stride: warning: sensor box bytes decode to nothing: "), said
    assert len([line for line in said if "warning" in line]) == 1, said
    assert f"bad lines 0, bytes skipped {skipped}," in " ".join(stderr.split())
    ics = [x["ic_s"] for x in doc["steps"]]
    assert min(ics) < 4.0 and max(ics) > 9.0  # steps before and after the noise


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux /proc")
def test_a_board_under_the_default_treadmill_box_says_step_lengths_need_a_speed(
    box: synthbox.PtyBox, tmp_path: Path
) -> None:
    """A CSV board has no belt encoder: with the default ``--treadmill box`` every step
    length is empty. That is said once at the start, naming the option that gives the
    speed, and again below the summary."""
    doc, stderr = live_on(box, board_lines(8.0, seed=6).text, 8.0, tmp_path, treadmill=[])
    assert doc["steps"] and all(s["step_length_m"] is None for s in doc["steps"])
    said = [line for line in stderr.splitlines() if "no belt speed" in line]
    assert said == [
        "stride: note: no belt speed, so step lengths stay empty: a board that prints CSV "
        "lines has no belt encoder; give the belt's speed with --treadmill fixed:SPEED (the "
        "speed set at its console, e.g. --treadmill fixed:3.5kmh) or --treadmill "
        "DRIVER:PORT (a treadmill with a port, e.g. trackmaster:/dev/ttyUSB0)"
    ], stderr
    assert doc["session"]["no_belt_speed"] in said[0]
    summary = " ".join(stderr.split())
    assert "No belt speed, so step lengths stay empty: a board that prints CSV lines" in summary


@pytest.mark.slow
def test_check_shows_raw_counts_of_a_csv_board(box: synthbox.PtyBox) -> None:
    lines = board_lines(30.0, seed=6).lines()
    for i, bad in enumerate(GARBAGE):
        lines.insert(150 + 13 * i, bad)
    box.play(b"".join(lines), seconds=30.0, chunk=300)
    out = stride_in_process(
        "check", "--port", box.path, "--seconds", "4", "--json", "--csv-map", COLUMN_MAP
    )
    assert out.returncode == 0, out.stderr
    rep = json.loads(out.stdout)
    assert rep["protocol"] == "csvlines" and rep["sample_rate_hz"] == 100 and rep["adc_bits"] == 12
    assert [c["channel"] for c in rep["channels"]] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert all(c["verdict"] == "ok" and c["samples"] >= 390 for c in rep["channels"])
    assert rep["lines"] == rep["frames"] >= 390
    assert 1 <= rep["bad_lines"] == rep["crc_errors"] <= len(GARBAGE)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("extra", "expect"),
    [
        (["--csv-map", "time=0:ms,L-heel=7,R-heel=8,rate=100"], "do not fit the CSV column map"),
        ([], "--csv-map time=0:ms,seq=1,L-heel=2"),  # the lines' layout suggested, not used
    ],
    ids=["wrong-map", "no-map"],
)
def test_lines_that_do_not_fit_get_one_line(
    box: synthbox.PtyBox, tmp_path: Path, extra: list[str], expect: str
) -> None:
    box.play(board_lines(10.0, seed=7).text, seconds=10.0, chunk=300, repeat=True)
    for cmd in (["live", "--no-ui", "--duration", "20", "--record", str(tmp_path / "rec")],
                ["check", "--seconds", "3"]):  # fmt: skip
        out = stride_in_process(*cmd, "--port", box.path, *extra)
        assert out.returncode == 1, out.stderr
        err = without_kernel_notice(out.stderr).strip().splitlines()
        assert len(err) == 1 and expect in err[0], out.stderr


@pytest.mark.parametrize(
    ("value", "expect"),
    [
        ("", "--csv-map is empty"),
        ("time=0:ms,L-heel=1,R-heel=2", "no sample rate"),
        ("time=0:ms,L-heel=1,R-heel=1,rate=100", "distinct"),
        ("time=0,L-hee=1,rate=100", "unknown channel"),
        ("nope.json", "no file"),
        ("bad.json", "not a JSON file"),
        ("list.json", "no usable column map"),
    ],
)
def test_a_bad_or_missing_map_is_one_line(tmp_path: Path, value: str, expect: str) -> None:
    (tmp_path / "bad.json").write_text("{oops")
    (tmp_path / "list.json").write_text("[1, 2]")
    for cmd in ("live", "check"):
        out = stride_in_process(cmd, "--port", "loop://", "--csv-map", value, cwd=tmp_path)
        assert out.returncode == 1, out.stderr
        err = without_kernel_notice(out.stderr).strip().splitlines()
        assert len(err) == 1 and expect in err[0] and "Traceback" not in out.stderr, err
