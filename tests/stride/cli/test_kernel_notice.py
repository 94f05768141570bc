"""A first run says that the kernels are being prepared; a later run says nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from stride.cli import app as cli_app
from stride.cli.kernel_notice import MESSAGE

ANNOUNCE = "from stride.cli.kernel_notice import announce_kernels as a; print(a())"
RECORD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd" / "control1.hea"


def _announce(cache: Path | None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if cache is not None:
        env["NUMBA_CACHE_DIR"] = str(cache)
    cmd = [sys.executable, "-c", ANNOUNCE]
    return subprocess.run(cmd, capture_output=True, text=True, env=env, check=True)


def test_an_empty_cache_is_announced_a_filled_one_is_not(tmp_path: Path) -> None:
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    analyze(read_signals(RECORD))  # compiles or loads every kernel (int16 forces)
    warm = _announce(None)
    assert (warm.stdout.strip(), warm.stderr) == ("False", "")
    cold = _announce(tmp_path)  # nothing compiled here: the line, nothing else
    assert cold.stdout.strip() == "True"
    assert cold.stderr.strip() == MESSAGE


@pytest.mark.parametrize(
    ("course", "missing", "asked_for"),
    [
        (False, "analysis", [("int16", False)]),
        (True, "analysis", [("int16", False)]),  # said once, before reading
        (True, "course", [("int16", False), ("int16", True)]),
    ],
)
def test_analyze_shows_the_line_on_stderr_and_keeps_stdout_json(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    course: bool,
    missing: str,
    asked_for: list[tuple[str, bool]],
) -> None:
    """An analysis asks for the kernels of the dtype it expects before reading; once read,
    for course mode's too when it walks passes of a known length (they compile on first
    use), and the line is said once whichever is missing."""
    import stride.core.kernels as kernels

    asked: list[tuple[str, bool]] = []

    def ready(dtype: object = "int16", streaming: bool = False, course: bool = False) -> bool:
        asked.append((str(dtype), course))
        return missing == "course" and not course

    monkeypatch.setattr(kernels, "analysis_kernels_ready", ready)
    extra = ["--pass-length", "10"] if course else []
    monkeypatch.setattr(sys, "argv", ["stride", "analyze", str(RECORD), "--json", *extra])
    with pytest.raises(SystemExit) as exit_:
        cli_app.main()
    out = capsys.readouterr()
    assert exit_.value.code in (0, None)
    assert out.err.splitlines() == [MESSAGE]
    assert asked == asked_for  # the dtype the record is read as
    assert json.loads(out.out)["summary"]["steps_used"] > 0


def test_a_pass_length_on_a_belt_recording_asks_for_no_course_kernels(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    simulated_session: Callable[..., Path],
) -> None:
    """Course mode runs only without a belt: ``--pass-length`` on a treadmill recording
    compiles none of its kernels, so a later run must not announce a first run each time."""
    import stride.core.kernels as kernels

    rec = simulated_session(tmp_path / "s", minutes=0.5, seed=1)
    asked: list[bool] = []

    def ready(dtype: object = "int16", streaming: bool = False, course: bool = False) -> bool:
        asked.append(course)
        return not course  # every kernel cached but course mode's, never compiled here

    monkeypatch.setattr(kernels, "analysis_kernels_ready", ready)
    argv = ["stride", "analyze", str(rec), "--json", "--pass-length", "10"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as exit_:
        cli_app.main()
    out = capsys.readouterr()
    assert exit_.value.code in (0, None)
    assert MESSAGE not in out.err
    assert asked and not any(asked)


def test_a_session_asks_only_for_what_it_compiles_as_it_starts(tmp_path: Path) -> None:
    """A live session's analyzer reads every source's forces as float64 and never uses
    the whole-record gap check; once warmed, it is not announced again."""
    from stride.core.kernels import analysis_kernels_ready
    from stride.ingest.engine import CoreEngine

    CoreEngine(None).warm()
    assert analysis_kernels_ready("int16", streaming=True)
    assert analysis_kernels_ready("float64", streaming=True)
    from stride.core import _contact_scan

    streamed = {str(sig[1].dtype) for sig in _contact_scan.scan.signatures}
    assert "float64" in streamed


def test_the_decoders_rare_paths_are_announced_only_when_they_must_compile(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import stride.core.kernels as kernels
    from devices.sensorbox import _fast_inputs
    from stride.cli.kernel_notice import RARE_READING_MESSAGE, notice_rare_reading

    monkeypatch.setattr(_fast_inputs, "RARE_PATH_NOTICES", [])
    notice_rare_reading()
    notice_rare_reading()  # a second command in the process: registered once
    assert len(_fast_inputs.RARE_PATH_NOTICES) == 1
    notice = _fast_inputs.RARE_PATH_NOTICES[0]
    seen: list[tuple[object, ...]] = []

    def ready(dispatcher: object, args: tuple[object, ...]) -> bool:
        seen.append(args)
        return bool(args[-1] == "cached")

    monkeypatch.setattr(kernels, "kernel_ready", ready)
    notice(object(), (1, "cached"))
    assert capsys.readouterr().err == ""
    notice(object(), (1, True))
    assert capsys.readouterr().err.strip() == RARE_READING_MESSAGE
    assert seen == [(1, "cached"), (1, True)]
