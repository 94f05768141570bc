"""The examples of docs/testing.md run as written: every code block that starts with
``# file: NAME`` is written to a fresh project directory, and pytest runs it there as another
project's CI would (stride's plugin found through its entry point, --strict-markers)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

DOC = REPO / "docs" / "testing.md"
BLOCK = re.compile(r"```python\n# file: (\S+)\n(.*?)```", re.DOTALL)


def example_files() -> dict[str, str]:
    return {name: body for name, body in BLOCK.findall(DOC.read_text(encoding="utf-8"))}


def test_the_examples_are_found() -> None:
    assert set(example_files()) == {
        "read_speed.py",
        "test_read_speed.py",
        "test_live_session.py",
        "test_fast_session.py",
    }


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="pseudo-terminals need POSIX")
def test_docs_testing_examples_pass(tmp_path: Path) -> None:
    for name, body in example_files().items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    bin_dir = str(Path(sys.executable).parent)  # `stride` of this environment, as installed
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    env.pop("PYTEST_ADDOPTS", None)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--strict-markers"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "5 passed" in run.stdout, run.stdout[-2000:]
    assert "StrideSimWarning" not in run.stdout
