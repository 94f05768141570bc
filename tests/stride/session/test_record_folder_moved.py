"""``stride demo --record rec`` whose folder is renamed mid-session: the session follows it
(it said the folder was removed, stopped recording and exited 1 with the recording's end
unwritten), says so once, and ends as usual: complete, stored under the folder's new path."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_helpers import CMD, env, stride_in_process


def test_a_session_follows_its_recording_folder_when_it_is_moved(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    proc = subprocess.Popen(
        [*CMD, "demo", "--record", "rec", "--duration", "6", "--no-ui", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env(), "STRIDE_HISTORY_DB": str(db)},
        cwd=tmp_path,
    )
    assert proc.stdout is not None
    try:
        for _ in range(4):  # steps out: recording
            assert json.loads(proc.stdout.readline())["side"] in ("L", "R")
        (tmp_path / "rec").rename(tmp_path / "moved")
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    said = f"the recording folder rec was moved to {tmp_path / 'moved'}: the session records there"
    assert err.count(f"stride: note: {said}") == 1, err
    doc = json.loads(out.splitlines()[-1])
    assert doc["session"]["recording"] == str(tmp_path / "moved")
    assert json.loads((tmp_path / "moved" / "session.json").read_text())["complete"] is True
    assert not (tmp_path / "rec").exists()
    listed = json.loads(stride_in_process("history", "--db", str(db), "--json").stdout)
    assert [s["recording_path"] for s in listed["sessions"]] == [str(tmp_path / "moved")]
