"""``stride demo --json | head -1``: the reader of stdout goes away mid-session. The final
document's write ended the command there (click's exit 1 for a broken pipe, without a word)
and the session was left out of the history; now it is said once and the session ends as
usual: recorded, stored, exit 0."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_helpers import CMD, env, stride_in_process


def test_a_reader_that_goes_away_leaves_the_session_stored(tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    proc = subprocess.Popen(
        [*CMD, "demo", "--no-ui", "--json", "--duration", "4", "--record", "rec"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env(), "STRIDE_HISTORY_DB": str(db)},
        cwd=tmp_path,
    )
    assert proc.stdout is not None and proc.stderr is not None
    try:
        assert json.loads(proc.stdout.readline())["side"] in ("L", "R")
        proc.stdout.close()  # `| head -1`
        err = proc.stderr.read()
        proc.wait(120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "stride: error" not in err, err
    notes = [x for x in err.splitlines() if "closed it before the final JSON document" in x]
    assert len(notes) == 1, err
    assert json.loads((tmp_path / "rec" / "session.json").read_text())["complete"] is True
    listed = stride_in_process("history", "--db", str(db), "--json")
    assert len(json.loads(listed.stdout)["sessions"]) == 1, listed.stderr
