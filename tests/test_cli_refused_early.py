"""What a new user gets wrong on the first run of ``stride live``, ``demo`` and ``replay`` (a
port's name, an existing --record folder, a treadmill driver, a replay speed) is said at
once: before the first run's kernels compile (up to a minute on a busy machine), not after.
And what the refusals suggest is an option the command has.

Run in this process (``stride_in_process``), with the first run's compile replaced by a
marker that says whether it was reached.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import one_line_error
from cli_helpers import stride_in_process as stride

COMPILED = "kernels compiled here\n"


@pytest.fixture
def compile_marker(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run's compile (``stride.cli.first_run.prepare_streaming``) writes a line on
    stderr instead of compiling: a refusal must come without it."""
    import sys

    from stride.cli import first_run

    monkeypatch.setattr(first_run, "prepare_streaming", lambda: sys.stderr.write(COMPILED))


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    """A folder that holds something: a --record that must not be replaced."""
    folder = tmp_path / "rec"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine\n")
    return folder


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["live", "--port", "/dev/ttyNOPE-stride"], ["/dev/ttyNOPE-stride does not exist"]),
        (["live", "--port", "sim://box", "--treadmill", "foo:bar"], ["unknown treadmill"]),
        (["live", "--port", "sim://box", "--record", "{rec}"], ["already exists", "--force"]),
        (["demo", "--record", "{rec}"], ["already exists", "--force"]),
        (["replay", "{rec}/nothing-here"], ["no recording at"]),
        (["replay", "{rec}", "--speed", "fast"], ["replay speed 'fast'"]),
    ],
)
def test_refused_before_the_kernels_compile(
    compile_marker: None, recorded: Path, args: list[str], words: list[str]
) -> None:
    argv = [a.replace("{rec}", str(recorded)) for a in args]
    if argv[0] != "replay":
        argv += ["--no-ui", "--no-history", "--duration", "1"]
    run = stride(*argv)
    assert COMPILED not in run.stderr, run.stderr
    one_line_error(run, *words)
    assert [p.name for p in recorded.iterdir()] == ["notes.txt"]


def test_demo_force_replaces_its_record_folder(recorded: Path) -> None:
    """``stride demo --record DIR`` on a folder that holds something says "pass --force":
    demo takes --force as live does (a stride session there is replaced; other files are
    left as they were, docs/formats.md)."""
    run = stride(
        "demo", "--record", str(recorded), "--force", "--no-ui", "--no-history",
        "--duration", "3", "--speedup", "20",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert (recorded / "session.json").is_file()
    assert (recorded / "notes.txt").read_text() == "mine\n"


def test_a_session_shorter_than_the_wait_on_a_silent_port_says_why() -> None:
    """`stride live --duration 2` on a port where no box speaks ended with exit 0 and an
    empty summary (the silence is diagnosed after 3 s, the session had ended before): it is
    the same one-line diagnosis as a longer session's, exit 1."""
    import os
    import pty

    master, slave = pty.openpty()
    try:
        run = stride(
            "live", "--port", os.ttyname(slave), "--duration", "1", "--no-ui", "--no-history",
            "--no-record",
        )  # fmt: skip
    finally:
        os.close(master)
        os.close(slave)
    assert run.returncode == 1, run.stderr
    last = run.stderr.strip().splitlines()[-1]  # after the summary of nothing
    assert last.startswith("stride: error: no bytes from") and "Traceback" not in run.stderr
