"""The box's terminal under a reader that falls behind, and one that has gone."""

from __future__ import annotations

import time
from pathlib import Path

import serial

from sim.serve import PENDING_MAX, STALE_S, _Pty


def fill(term: _Pty, marker: int, times: int = 64) -> None:
    for _ in range(times):
        term.write(bytes([marker]) * 1024)


def test_a_burst_larger_than_the_terminal_arrives_whole(tmp_path: Path) -> None:
    term = _Pty(tmp_path / "box")
    try:
        with serial.Serial(str(tmp_path / "box"), timeout=0.2) as port:
            burst = bytes(range(256)) * 1024  # 256 KiB: far more than the terminal holds
            term.write(burst)
            assert term.pending and term.dropped == 0
            got = bytearray()
            while len(got) < len(burst):
                chunk = port.read(65536)
                assert chunk, f"stalled after {len(got)} bytes"
                got += chunk
                term.write(b"")  # the server's tick: the queue goes on as room is made
            assert bytes(got) == burst and term.flushes == 0
    finally:
        term.close()


def test_a_slow_reader_keeps_its_backlog_and_never_reads_nothing(tmp_path: Path) -> None:
    term = _Pty(tmp_path / "box")
    try:
        with serial.Serial(str(tmp_path / "box"), timeout=0.05) as port:
            fill(term, 1, times=PENDING_MAX // 1024 + 128)  # past the queue: the newest go
            assert term.dropped > 0
            fill(term, 2)  # still full, but not for STALE_S: the backlog stays
            assert term.flushes == 0
            first = port.read(4096)
            assert first and set(first) == {1}  # the oldest bytes, not an empty read
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
            assert term.flushes == 1 and not term.pending
            fill(term, 3, times=1)  # and the next bytes arrive whole
            got = port.read(1 << 20)
            # (bytes still on their way through the kernel when it was flushed may follow)
            assert got.endswith(bytes([3]) * 1024)
    finally:
        term.close()
