"""The CSV-line decoder against an independent DIY board (indep_csvboard.py, from
../shared/docs/protocols.md "The step-sensor box" and docs/hardware.md): ``\\n`` and
``\\r\\n`` lines cut anywhere, a frame counter of 8 or 16 bits wrapping (with lines lost
across the wrap), and a board that restarts (long after power-up, and soon after it);
``stride check --csv-map default`` on a pseudo-terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from indep_csvboard import CsvBoard
from indep_pty import PtyDevice
from indep_sensorbox import Walker

from devices.csvbox import CsvBoxDecoder
from devices.csvcounter import lines_lost, went_back
from devices.csvlines import CsvLineConfig
from devices.sensorbox.events import SampleBlock

#: ``stride`` as a user runs it, whatever PATH holds
STRIDE = [sys.executable, "-m", "stride.cli.app"]

MAP = "time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100"


def _board(**kw: object) -> CsvBoard:
    return CsvBoard(walker=Walker(peak=700), **kw)  # type: ignore[arg-type]


def _decode(board: CsvBoard, lines: int, chunk: int = 61) -> tuple[CsvBoxDecoder, list]:
    data = b"".join(board.line() for _ in range(lines))
    dec = CsvBoxDecoder(CsvLineConfig.parse(MAP))
    events = []
    for i in range(0, len(data), chunk):
        events += dec.feed(data[i : i + chunk], i * 1e-5)
    return dec, [e for e in events if isinstance(e, SampleBlock)]


@pytest.mark.parametrize("eol", [b"\n", b"\r\n"])
@pytest.mark.parametrize("chunk", [1, 61, 1 << 30])
def test_every_line_read_whatever_the_cut(eol: bytes, chunk: int) -> None:
    board = _board(eol=eol)
    dec, blocks = _decode(board, 400, chunk)
    got = [row for b in blocks for row in b.values.tolist()]
    assert got == board.sent_rows and dec.stats.bad_lines == 0 and dec.stats.gaps == 0


@pytest.mark.parametrize("wrap", [256, 65536])
@pytest.mark.parametrize("lost", [set(), {100, 101}, {254, 255, 256}, set(range(250, 262))])
def test_lines_lost_across_the_counter_wrap_are_a_gap(wrap: int, lost: set[int]) -> None:
    board = _board(frame_wrap=wrap, lose=lost)
    board.since_boot = wrap - 256  # either counter wraps at line 256
    dec, blocks = _decode(board, 600)
    assert sum(len(b.values) for b in blocks) == len(board.sent_rows)
    assert dec.stats.frames_lost == len(lost)
    assert dec.stats.gaps == (1 if lost else 0)
    assert sum(b.missing_before for b in blocks) == len(lost)
    assert dec.stats.restarts == 0


def test_counter_steps() -> None:
    assert [lines_lost(5, 6), lines_lost(5, 9), lines_lost(255, 0), lines_lost(250, 5)] == [
        0,
        3,
        0,
        10,
    ]
    assert [lines_lost(65535, 0), lines_lost(2**32 - 1, 0), lines_lost(300, 0)] == [0, 0, None]
    assert lines_lost(100, 0) is None and lines_lost(6, 5) is None  # a reset, a step back
    assert went_back(49, 0) and not went_back(255, 0) and not went_back(None, 0)


@pytest.mark.parametrize("restart_at_s", [0.3, 0.9, 3.0])
def test_a_board_restart_is_counted_and_no_line_is_dropped(restart_at_s: float) -> None:
    board = _board(restart_at_s=restart_at_s)
    dec, blocks = _decode(board, 500)
    assert dec.stats.restarts == 1 and sum(b.restart for b in blocks) == 1
    assert dec.stats.non_monotonic == 0
    assert sum(len(b.values) for b in blocks) == len(board.sent_rows)


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")
def test_stride_check_reads_a_crlf_board_with_a_byte_counter() -> None:
    board = _board(eol=b"\r\n", frame_wrap=256)
    with PtyDevice(board, until_open=True) as dev:
        cmd = [*STRIDE, "check", "--port", dev.path, "--seconds", "1.5", "--json"]
        out = subprocess.run([*cmd, "--csv-map", "default"], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["protocol"] == "csvlines" and report["bad_lines"] == 0
    assert report["gaps"] == 0 and report["lines"] >= 150
    assert [c["verdict"] for c in report["channels"]] == ["ok"] * 4
