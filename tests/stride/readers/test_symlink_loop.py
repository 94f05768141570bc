"""A recording path that is a symlink loop is said to be one, by every command that reads a
recording (it was "no such file": ``exists()`` is False for a loop as for a missing file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import stride_in_process


@pytest.mark.parametrize("command", ["analyze", "replay", "report"])
@pytest.mark.parametrize("hops", [1, 2])
def test_a_symlink_loop_is_named_as_one(tmp_path: Path, command: str, hops: int) -> None:
    links = [tmp_path / f"rec{i}" for i in range(hops)]
    for i, link in enumerate(links):
        link.symlink_to(links[(i + 1) % hops])
    run = stride_in_process(command, str(links[0]))
    assert run.returncode == 1
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert f"stride: error: {links[0]}: a symlink loop" in run.stderr, run.stderr
    assert "no such file" not in run.stderr and "no recording" not in run.stderr


def test_a_missing_recording_is_still_no_such_file(tmp_path: Path) -> None:
    run = stride_in_process("analyze", str(tmp_path / "gone"))
    assert run.returncode == 1 and "no such file or directory" in run.stderr, run.stderr
