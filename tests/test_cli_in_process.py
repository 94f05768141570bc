"""``stride_in_process`` stands in for a ``stride`` process in the CLI tests: it must show
what a process shows and leave nothing behind for the next test."""

from __future__ import annotations

import gc
import logging
import os
import signal
import sys
from pathlib import Path

from cli_helpers import stride, stride_in_process

from sim.world import worlds


def _state() -> dict[str, object]:
    loggers = [logging.getLogger(n) for n in ("", "stride", "devices", "sim")]
    return {
        "env": dict(os.environ),
        "cwd": os.getcwd(),
        "argv": list(sys.argv),
        "streams": (sys.stdin, sys.stdout, sys.stderr),
        "logs": [(list(lg.handlers), lg.level, lg.propagate) for lg in loggers],
        "signals": [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)],
        "worlds": set(worlds()),
        "gc": (gc.isenabled(), gc.get_freeze_count()),
    }


def test_runs_leave_the_test_process_as_they_found_it(tmp_path: Path) -> None:
    (tmp_path / "sessions").write_text("not a folder")
    before = _state()
    refused = stride_in_process("demo", "--no-ui", "--duration", "1", "--no-history", cwd=tmp_path)
    assert refused.returncode == 1, refused.stderr  # ran in tmp_path: its "sessions" is a file
    assert _state() == before
    usage = stride_in_process("live", "--no-such-option")
    assert usage.returncode == 2 and _state() == before
    # a simulated world started and refused: the next sim:// URL starts a world of its own
    mismatch = ("live", "--speedup", "5", "--port", "sim://box?speedup=10", "--no-ui",
                "--no-record", "--no-history")  # fmt: skip
    assert stride_in_process(*mismatch).returncode == 1 and _state() == before
    # an analysis freezes what its start-up loaded (stride.cli.start_up): not in this process
    missing = stride_in_process("analyze", str(tmp_path / "no-such-recording"))
    assert missing.returncode == 1 and _state() == before, missing.stderr
    done = stride_in_process("--version")
    assert done.returncode == 0 and done.stdout.startswith("stride "), done.stderr
    assert _state() == before


def test_a_refusal_reads_the_same_as_from_a_process(tmp_path: Path) -> None:
    args = ("live", "--port", "sim://box", "--baud", "0", "--no-ui", "--no-record",
            "--no-history")  # fmt: skip
    process, in_process = stride(*args), stride_in_process(*args)
    assert (in_process.returncode, in_process.stdout, in_process.stderr) == (
        process.returncode,
        process.stdout,
        process.stderr,
    )
    assert process.returncode == 1 and process.stderr.startswith("stride: error: --baud 0")
