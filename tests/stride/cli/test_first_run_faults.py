"""A first run's helper process that crashes, is killed, hangs, cannot start or cannot
write the kernel cache never fails or hangs the command: ``stride analyze`` prints the
same document as without a helper, and no helper is left running."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from stride.cli import app as cli_app
from stride.cli import first_run
from stride.cli.kernel_notice import MESSAGE

RECORD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd" / "control1.hea"

#: helper command lines standing for each way a helper can go wrong
CRASHES = [sys.executable, "-c", "raise SystemExit(3)"]
KILLED = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
HANGS = [sys.executable, "-c", "import time; time.sleep(3600)"]
CANNOT_START = ["/nonexistent/stride-helper-python"]
#: a helper that claims every kernel of the command's walk, then hangs: the command compiles
#: none of them, ends it after HELPER_WAIT_S, and its analysis compiles what it calls
CLAIMS_THEN_HANGS = [sys.executable, "-c", (
    "from stride.cli import first_run_share as s; f = s.folder_from_env(); "
    "[s.claim(f, k, t) for d in ('int16', 'float32') for k, t in s.shared_kernels(d)]; "
    "import time; time.sleep(3600)"
)]  # fmt: skip


def _analyze(capsys: pytest.CaptureFixture[str]) -> tuple[dict[str, Any], list[str]]:
    sys.argv = ["stride", "analyze", str(RECORD), "--json"]
    with pytest.raises(SystemExit) as exit_:
        cli_app.main()
    out = capsys.readouterr()
    assert exit_.value.code in (0, None), out.err
    doc = json.loads(out.out)
    doc.pop("timing", None)
    return doc, out.err.splitlines()


@pytest.fixture
def first_time(monkeypatch: pytest.MonkeyPatch) -> list[first_run.Helper]:
    """Every kernel taken as not compiled (a first run), a helper always wanted; the
    helpers started, for the test to check."""
    import stride.core.kernels as kernels

    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(kernels, "analysis_kernels_ready", lambda *a, **k: False)
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    started: list[first_run.Helper] = []
    real_start = first_run.Helper.start.__func__  # type: ignore[attr-defined]

    def start(cls: type[first_run.Helper], task: str, dtype: str = "float64") -> Any:
        helper = real_start(cls, task, dtype)
        started.append(helper)
        return helper

    monkeypatch.setattr(first_run.Helper, "start", classmethod(start))
    return started


@pytest.mark.parametrize("command", [CRASHES, KILLED, HANGS, CLAIMS_THEN_HANGS, CANNOT_START])
def test_a_failing_helper_changes_nothing_but_the_time(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    first_time: list[first_run.Helper],
    command: list[str],
) -> None:
    monkeypatch.setenv(first_run.HELPER_ENV, "off")
    expected, _ = _analyze(capsys)
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    monkeypatch.setattr(first_run, "_helper_command", lambda task, dtype: command)
    monkeypatch.setattr(first_run, "HELPER_WAIT_S", 0.5)  # a hung helper is ended
    doc, err = _analyze(capsys)
    assert doc == expected and err == [MESSAGE]
    assert len(first_time) == 2
    assert all(h.proc is None for h in first_time)  # waited for or ended, none left


# its helper compiles on a cache it cannot keep, and so does this process's analysis: minutes
# on a loaded 2-core machine (92 s at load 8 with three CPU hogs); the limit is for a hang
@pytest.mark.timeout(1200)
def test_a_helper_that_cannot_write_the_cache_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    first_time: list[first_run.Helper],
    tmp_path: Path,
) -> None:
    """The real helper, with a kernel cache directory it cannot create (under a file)."""
    monkeypatch.setenv(first_run.HELPER_ENV, "off")
    expected, _ = _analyze(capsys)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(blocker / "cache"))  # the helper's only
    monkeypatch.setenv(first_run.HELPER_ENV, "on")
    seen: list[Any] = []
    real_wait = first_run.Helper.wait

    def wait(self: first_run.Helper) -> None:
        proc = self.proc
        real_wait(self)
        seen.append(None if proc is None else proc.returncode)

    monkeypatch.setattr(first_run.Helper, "wait", wait)
    doc, err = _analyze(capsys)
    assert doc == expected and err == [MESSAGE]
    assert len(seen) == 1 and seen[0] is not None  # a real helper ran, and ended
    assert first_time[-1].proc is None


@pytest.mark.parametrize("command", [CRASHES, HANGS])
def test_a_session_start_is_not_held_up_by_its_helper(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    first_time: list[first_run.Helper],
    command: list[str],
) -> None:
    """``stride demo``/``live``/``replay``: the scan compiled here, the helper waited for
    (a hung one ended), then the session starts."""
    import stride.core.kernels as kernels

    scans: list[str] = []
    monkeypatch.setattr(kernels, "compile_scan", lambda dtype="float64": scans.append(dtype))
    monkeypatch.setattr(first_run, "_helper_command", lambda task, dtype: command)
    monkeypatch.setattr(first_run, "HELPER_WAIT_S", 0.5)
    first_run.prepare_streaming()
    assert scans == ["float64"] and capsys.readouterr().err.splitlines() == [MESSAGE]
    assert len(first_time) == 1 and first_time[0].proc is None


def test_an_interrupted_session_start_ends_its_helper(
    monkeypatch: pytest.MonkeyPatch, first_time: list[first_run.Helper]
) -> None:
    import stride.core.kernels as kernels

    started: list[Any] = []

    def interrupted(dtype: str = "float64") -> None:
        started.append(first_time[0].proc)
        raise KeyboardInterrupt

    monkeypatch.setattr(kernels, "compile_scan", interrupted)
    monkeypatch.setattr(first_run, "_helper_command", lambda task, dtype: HANGS)
    with pytest.raises(KeyboardInterrupt):
        first_run.prepare_streaming()
    proc = started[0]
    assert proc is not None and proc.returncode is not None  # ended, not left running
    assert first_time[0].proc is None
