"""Running ``stride`` as a user does, and the one-line error contract, for the CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CMD = [sys.executable, "-m", "stride.cli.app"]


def env() -> dict[str, str]:
    """The environment of a ``stride`` run: the test's (its own history file), no colour."""
    return {**os.environ, "NO_COLOR": "1", "COLUMNS": "100"}


def stride(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``stride ARGS`` in a subprocess, with no terminal and no standard input."""
    return subprocess.run(
        [*CMD, *args],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env=env(),
        cwd=cwd,
    )


def one_line_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, exactly one ``stride: error:`` line on stderr, naming ``words``."""
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("stride: error: "), lines[0]
    for w in words:
        assert w in lines[0], lines[0]
