"""A recording read while a session still records into it (its folder locked by that
session) is said to be one: it was called cut short ("killed, or its disk filled"), which
it is not; and ``stride history add`` of it is refused (a row of part of a session, left
behind when the session itself runs with --no-history)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import stride_in_process

from devices.recording import SessionReader, SessionWriter
from devices.recording.layout import RESERVED_META

RUNNING = "is being recorded into by a running session now"


@pytest.fixture
def in_progress(
    tmp_path: Path, simulated_session: Callable[..., Path]
) -> Iterator[tuple[Path, SessionWriter]]:
    """A recording a session is writing now: a simulated session's box stream and
    metadata, copied through a writer left open."""
    done = SessionReader(simulated_session(tmp_path / "done", minutes=0.5))
    writer = SessionWriter(tmp_path / "rec")
    stream = writer.add_stream("box", done.streams["box"])
    for host_t, data in done.chunks("box"):
        stream.append(data, host_t)
    writer.write_meta({k: v for k, v in done.meta.items() if k not in RESERVED_META})
    try:
        yield tmp_path / "rec", writer
    finally:
        writer.close()


@pytest.mark.parametrize("command", [["analyze"], ["replay", "--speed", "max", "--no-ui"]])
def test_a_recording_in_progress_is_not_called_cut_short(
    in_progress: tuple[Path, SessionWriter], command: list[str]
) -> None:
    rec, writer = in_progress
    run = stride_in_process(command[0], str(rec), *command[1:])
    assert run.returncode == 0, run.stderr
    assert f"stride: warning: the recording {rec} {RUNNING}: what it holds so far" in run.stderr
    assert "cut short" not in run.stderr and "killed" not in run.stderr
    writer.close()  # the session has ended: nothing to say
    again = stride_in_process(command[0], str(rec), *command[1:])
    assert again.returncode == 0 and "warning" not in again.stderr, again.stderr


def test_history_add_waits_for_the_session_to_end(
    in_progress: tuple[Path, SessionWriter], tmp_path: Path
) -> None:
    rec, writer = in_progress
    db = str(tmp_path / "h.sqlite")
    run = stride_in_process("history", "add", str(rec), "--db", db)
    assert run.returncode == 1 and run.stderr.count("\n") == 1, run.stderr
    assert f"stride: error: {rec} {RUNNING}" in run.stderr and "--no-history" in run.stderr
    writer.close()
    stored = stride_in_process("history", "add", str(rec), "--db", db)
    assert stored.returncode == 0, stored.stderr
