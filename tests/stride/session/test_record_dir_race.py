"""One --record folder, one session at a time: two sessions given the same folder at the
same instant both passed the emptiness check and recorded into it (session.json of one,
streams of both); and ``--force`` given while another session records into a folder removed
that session's files under it. The folder is now locked for the session and its streams
folder made exclusively: the other session gets one line and the recording is untouched."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line_error, stride  # type: ignore[import-not-found]

import devices.recording.writer as writer_module
from devices.errors import InputError
from stride.session.recorder import SessionRecorder, open_recorder

STREAMS = {"box": "sensorbox-v1"}


def test_two_sessions_racing_for_one_folder_one_records_the_other_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "new" / "run"  # made by the race, not before it
    both_checked = threading.Barrier(2, timeout=1.5)
    listed = Path.iterdir

    def list_then_meet(self: Path) -> Any:
        names = list(listed(self))
        if self == folder:  # each session waits, past its emptiness check, for the other
            with contextlib.suppress(threading.BrokenBarrierError):  # the other was
                both_checked.wait()  # refused before getting this far
        return iter(names)

    monkeypatch.setattr(Path, "iterdir", list_then_meet)
    recorders: list[SessionRecorder] = []
    refusals: list[InputError] = []

    def start() -> None:
        try:
            recorders.append(open_recorder(folder, folder, STREAMS, force=False, clock=float))
        except InputError as err:
            refusals.append(err)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(recorders) == 1 and len(refusals) == 1, (recorders, refusals)
    assert "being recorded into by another session" in str(refusals[0])
    rec = recorders[0]
    rec.append("box", b"\x01\x02", 1.0)
    assert rec.finish({"subject": "P01"}, {}) == []
    meta = json.loads((folder / "session.json").read_text())
    assert meta["complete"] and meta["subject"] == "P01"
    assert sorted(p.name for p in (folder / "streams").iterdir()) == ["box.rec"]


HOLDER = """
import sys, time
from devices.recording import SessionWriter
w = SessionWriter(sys.argv[1])
w.add_stream("box", "sensorbox-v1").append(b"kept", 1.0)
w.sync()
print("recording", flush=True)
sys.stdin.readline()
w.close()
"""


def test_force_never_replaces_a_recording_in_progress(tmp_path: Path) -> None:
    folder = tmp_path / "run"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "recording\n"
        run = stride("demo", "--record", str(folder), "--force", "--no-ui", "--no-history")
        one_line_error(run, str(folder), "being recorded into by another session")
        with pytest.raises(InputError, match="being recorded into"):
            writer_module.SessionWriter(folder, force=True)
        assert (folder / "streams" / "box.rec").stat().st_size > 0  # still there
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.wait(30) == 0
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()
    assert json.loads((folder / "session.json").read_text())["complete"]
    # the session over, its folder is free: --force replaces it as before
    writer_module.SessionWriter(folder, force=True).close()
    assert list((folder / "streams").iterdir()) == []


def test_a_recording_given_through_a_folder_not_made_yet_never_removes_the_folder_it_names(
    tmp_path: Path,
) -> None:
    """``--record new/..`` names the folder above once ``new`` is made: that folder was
    taken for one the session made, and a session that received nothing removed it whole
    (everything in it) to leave no empty recording behind."""
    (tmp_path / "keep.txt").write_text("precious")
    given = tmp_path / "new" / ".."
    rec = open_recorder(given, tmp_path / "unused", STREAMS, force=True, clock=float)
    assert not rec.made_folder
    rec.finish({}, {})
    assert not rec.discard_if_nothing_received()
    assert (tmp_path / "keep.txt").read_text() == "precious"


def test_a_session_that_received_nothing_never_removes_a_folder_another_took_since(
    tmp_path: Path,
) -> None:
    """A session of a silent port removes the folder it made (nothing recorded), after it
    closed: a session given the same folder with --force in that moment records there,
    and its recording was removed under it."""
    folder = tmp_path / "rec"
    silent = open_recorder(folder, folder, STREAMS, force=False, clock=float)
    silent.finish({}, {})  # nothing received; the folder free again
    other = writer_module.SessionWriter(folder, force=True)  # claims it at once
    other.add_stream("box", "sensorbox-v1").append(b"kept", 1.0)
    assert not silent.discard_if_nothing_received()
    assert (folder / "streams" / "box.rec").is_file()
    other.close()
    fresh = open_recorder(tmp_path / "new", tmp_path / "new", STREAMS, force=False, clock=float)
    fresh.finish({}, {})
    assert fresh.discard_if_nothing_received() and not (tmp_path / "new").exists()


def test_a_command_looking_at_the_folder_is_not_taken_for_a_session(tmp_path: Path) -> None:
    """``stride analyze`` looks whether a session records into a folder by taking its lock
    for a moment (shared): a session claiming the folder then waits that moment out, and
    two commands looking do not see each other as sessions."""
    from devices.recording.claim import lock_folder, recording_now

    folder = tmp_path / "rec"
    folder.mkdir()
    looking = lock_folder(folder, shared=True)
    assert looking is not None and not recording_now(folder)  # another look: shared
    threading.Timer(0.1, os.close, (looking,)).start()
    writer_module.SessionWriter(folder).close()  # waited for the look to end
    assert (folder / "session.json").is_file()
