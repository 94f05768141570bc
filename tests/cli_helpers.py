"""Running ``stride`` as a user does (a subprocess, or the entry point in this process for
fuzzing), and the one-line error contract, for the CLI tests."""

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


def stride_together(*commands: list[str], timeout: float = 240.0) -> list[str]:
    """The standard output of each ``stride ARGS`` of ``commands``, run at the same time (each
    command is mostly its own start-up: together they use both cores); each must succeed
    (exit 0)."""
    pipe, none = subprocess.PIPE, subprocess.DEVNULL
    procs = [
        subprocess.Popen([*CMD, *args], stdin=none, stdout=pipe, stderr=pipe, text=True, env=env())
        for args in commands
    ]
    try:
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    return [out for out, _ in outs]


def without_kernel_notice(stderr: str) -> str:
    """``stderr`` without the status line a first run prints while numba compiles
    (:data:`stride.cli.kernel_notice.MESSAGE`): not an error line; which test runs first on
    a cold cache decides where it appears."""
    from stride.cli.kernel_notice import MESSAGE

    return "".join(
        line for line in stderr.splitlines(keepends=True) if not line.startswith(MESSAGE)
    )


def one_line_error(run: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 1, exactly one ``stride: error:`` line on stderr (besides the first run's
    kernel status line), naming ``words``."""
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr
    lines = without_kernel_notice(run.stderr).strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("stride: error: "), lines[0]
    for w in words:
        assert w in lines[0], lines[0]


def stride_in_process(*args: str) -> subprocess.CompletedProcess[str]:
    """``stride ARGS`` through the console entry point in this process (fast, for fuzzing
    many cases): an exception that escapes ``main`` is recorded as a traceback on stderr,
    exactly what a user would see."""
    import contextlib
    import io
    import traceback

    from stride.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    argv = sys.argv
    sys.argv = ["stride", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
    except SystemExit as done:
        code = done.code
    except BaseException:
        err.write(traceback.format_exc())
        code = 99
    finally:
        sys.argv = argv
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(
        ["stride", *args], returncode, out.getvalue(), err.getvalue()
    )
