"""The box's terminal under a reader that falls behind, and one that has gone."""

from __future__ import annotations

import time
from pathlib import Path

import serial

from sim.serve import STALE_S, _Pty


def fill(term: _Pty, marker: int, times: int = 64) -> None:
    for _ in range(times):
        term.write(bytes([marker]) * 1024)


def test_a_slow_reader_keeps_its_backlog_and_never_reads_nothing(tmp_path: Path) -> None:
    term = _Pty(tmp_path / "box")
    try:
        with serial.Serial(str(tmp_path / "box"), timeout=0.05) as port:
            fill(term, 1)  # far more than the terminal holds: the newest bytes are lost
            assert term.dropped > 0
            fill(term, 2)  # still full, but not for STALE_S: the backlog stays
            assert term.flushes == 0
            first = port.read(4096)
            assert first and set(first) == {1}  # the oldest bytes, not an empty read
            got = first + port.read(1 << 20)
            assert set(got) <= {1, 2} and got.count(1) == len(got) - got.count(2)
    finally:
        term.close()


def test_a_terminal_full_for_long_has_no_reader_and_starts_fresh(tmp_path: Path) -> None:
    term = _Pty(tmp_path / "box")
    try:
        with serial.Serial(str(tmp_path / "box"), timeout=0.05) as port:
            # Written to as the server does, every 10 ms: the kernel may take in a few more
            # bytes while it settles, but after STALE_S of no reader the backlog goes.
            deadline = time.monotonic() + 10 * STALE_S
            while term.flushes == 0 and time.monotonic() < deadline:
                fill(term, 1, times=4)
                time.sleep(0.01)
            assert term.flushes == 1
            fill(term, 3, times=1)  # and the next bytes arrive whole
            got = port.read(1 << 20)
            # (bytes still on their way through the kernel when it was flushed may follow)
            assert got.endswith(bytes([3]) * 1024)
    finally:
        term.close()
