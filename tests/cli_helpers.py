"""Running ``stride`` as a user does (a subprocess, or the entry point in this process for
fuzzing), and the one-line error contract, for the CLI tests."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TextIO

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
    runs = stride_concurrently(*commands, timeout=timeout)
    for run in runs:
        assert run.returncode == 0, run.stderr
    return [run.stdout for run in runs]


def stride_concurrently(
    *commands: list[str],
    timeout: float = 240.0,
    envs: Sequence[Mapping[str, str] | None] | None = None,
) -> list[subprocess.CompletedProcess[str]]:
    """How each ``stride ARGS`` of ``commands`` ended, run at the same time, each in the
    environment of :func:`env` (or its entry of ``envs``, where given and not None)."""
    pipe, none = subprocess.PIPE, subprocess.DEVNULL
    chosen = list(envs) if envs is not None else [None] * len(commands)
    assert len(chosen) == len(commands)
    procs = [
        subprocess.Popen(
            [*CMD, *args],
            stdin=none,
            stdout=pipe,
            stderr=pipe,
            text=True,
            env=dict(e) if e is not None else env(),
        )
        for args, e in zip(commands, chosen, strict=True)
    ]
    try:
        outs = [p.communicate(timeout=timeout) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    return [
        subprocess.CompletedProcess(p.args, p.returncode, out, err)
        for p, (out, err) in zip(procs, outs, strict=True)
    ]


def without_kernel_notice(stderr: str) -> str:
    """``stderr`` without the status lines a first run prints while numba compiles
    (:data:`stride.cli.kernel_notice.MESSAGE`, and
    :data:`~stride.cli.kernel_notice.RARE_READING_MESSAGE` when a damaged recording first
    needs the decoder's rare paths): not error lines; which test runs first on a cold cache
    decides where they appear."""
    from stride.cli.kernel_notice import MESSAGE, RARE_READING_MESSAGE

    return "".join(
        line
        for line in stderr.splitlines(keepends=True)
        if not line.startswith((MESSAGE, RARE_READING_MESSAGE))
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


@contextlib.contextmanager
def _process_warnings() -> Iterator[None]:
    """Python warnings as a ``stride`` process shows them (the interpreter's default filters,
    printed on stderr), not collected by pytest: a stray warning line is then seen by the
    same stderr checks as in a subprocess."""
    import warnings

    with warnings.catch_warnings():
        warnings.resetwarnings()
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        warnings.simplefilter("ignore", ImportWarning)
        warnings.simplefilter("ignore", ResourceWarning)

        def show(
            message: Warning | str,
            category: type[Warning],
            filename: str,
            lineno: int,
            file: TextIO | None = None,
            line: str | None = None,
        ) -> None:
            sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

        warnings.showwarning = show
        yield


def stride_in_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``stride ARGS`` through the console entry point in this process (fast: no interpreter
    start-up or imports per case): an exception that escapes ``main`` is recorded as a
    traceback on stderr, exactly what a user would see.

    The run sees what :func:`stride` gives a process (the environment of :func:`env`, ``cwd``,
    an empty standard input, ``sys.argv``) and leaves nothing behind for the next test: the
    environment, working folder, standard streams, logging handlers and levels and the
    SIGINT/SIGTERM handlers are put back as they were, and the simulated worlds the run
    started (``sim://`` ports, ``ftms:sim``) are forgotten as a process's end forgets them, so
    a later ``sim://`` URL starts its own world (the history database path is the
    ``STRIDE_HISTORY_DB`` of that environment, which conftest sets per test)."""
    import gc
    import io
    import logging
    import signal
    import traceback

    from sim.world import drop_world, worlds
    from stride.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    code: int | str | None = 0
    saved_argv, saved_env, saved_cwd, saved_stdin = (
        sys.argv,
        dict(os.environ),
        os.getcwd(),
        sys.stdin,
    )
    saved_signals = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    saved_worlds = set(worlds())
    saved_gc = (gc.isenabled(), gc.get_freeze_count())
    loggers = [logging.getLogger(n) for n in ("", "stride", "devices", "sim")]
    saved_logs = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    sys.argv = ["stride", *args]
    os.environ.update(env())
    # the root logger of a fresh process: no handlers (pytest's capture is one), so a warning
    # reaches stderr through logging's last resort as it does in a process
    logging.getLogger().handlers[:] = []
    logging.getLogger().setLevel(logging.WARNING)
    try:
        with open(os.devnull) as stdin:
            sys.stdin = stdin
            if cwd is not None:
                os.chdir(cwd)
            with (
                contextlib.redirect_stdout(out),
                contextlib.redirect_stderr(err),
                _process_warnings(),
            ):
                main()
    except SystemExit as done:
        code = done.code
        if code is not None and not isinstance(code, int):
            print(code, file=err)  # what the interpreter prints for ``sys.exit("text")``
    except BaseException:
        err.write(traceback.format_exc())
        code = 99
    finally:
        sys.argv, sys.stdin = saved_argv, saved_stdin
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for s, handler in saved_signals.items():
            signal.signal(s, handler)
        for lg, handlers, level, propagate in saved_logs:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
        for key in set(worlds()) - saved_worlds:
            drop_world(key)
        # a process's start-up freezes what it loaded (stride.cli.start_up): not this one's
        if saved_gc[1] == 0:
            gc.unfreeze()
        (gc.enable if saved_gc[0] else gc.disable)()
    returncode = code if isinstance(code, int) else (0 if code is None else 1)
    return subprocess.CompletedProcess(
        ["stride", *args], returncode, out.getvalue(), err.getvalue()
    )
