"""A file-size limit (``ulimit -f``: EFBIG, no root needed, as a full disk is to a file that
may grow no more) reached while ``stride demo`` records: the session goes on, says so once
in words, exits 1 with one error line; what was recorded stays readable. The line said
the append twice and the errno's text ("File too large (check the path) (check the path)")."""

from __future__ import annotations

import errno
import json
import resource
import subprocess
from pathlib import Path

from cli_helpers import CMD, env, without_kernel_notice

from devices.errors import FileSystemError
from devices.files import fs_error
from stride.analysis import run as analyse
from stride.core.analyzer import AnalysisConfig

LIMIT = 60_000  # bytes: the box's stream reaches it after about 6 s


def test_a_file_size_limit_stops_the_recording_not_the_session(tmp_path: Path) -> None:
    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (LIMIT, LIMIT))

    rec = tmp_path / "rec"
    run = subprocess.run(
        [*CMD, "demo", "--record", str(rec), "--duration", "10", "--no-ui", "--json",
         "--no-history"],
        capture_output=True, text=True, timeout=240, preexec_fn=limited, env=env(),
        cwd=tmp_path,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    said = [x for x in without_kernel_notice(run.stderr).splitlines() if x.startswith("stride:")]
    warnings = [x for x in said if x.startswith("stride: warning: recording stopped")]
    errors = [x for x in said if x.startswith("stride: error:")]
    assert len(warnings) == 1 and len(errors) == 1, run.stderr
    for line in (warnings[0], errors[0]):
        assert line.count("cannot append to") == 1, line
        assert "file-size limit" in line and "ulimit -f" in line, line
        assert "check the path" not in line, line
    doc = json.loads(run.stdout.splitlines()[-1])
    assert doc["session"]["ended_by"] == "duration reached"
    assert "file-size limit" in doc["session"]["recording_problem"]
    assert (rec / "streams" / "box.rec").stat().st_size == LIMIT
    # what reached the disk is read back: steps up to where the recording stops
    _, result, _ = analyse(rec, AnalysisConfig())
    assert 0 < result.summary["steps"] < doc["summary"]["steps"]


def test_an_error_already_said_is_not_said_again() -> None:
    said = fs_error(OSError(errno.EFBIG, "File too large"), "/x/box.rec", "append to")
    assert isinstance(said, FileSystemError)
    assert fs_error(said, "/x/box.rec", "append to") is said
    assert str(said).count("cannot append to /x/box.rec") == 1
