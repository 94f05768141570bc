"""`stride analyze`'s first-run helper started before the command's imports: only where
numba's cache surely holds no contact scan, told without numba as numba itself would
place it, and ended (silently) when the full check finds the kernels there after all."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from stride.cli import first_run
from stride.cli.kernel_notice import MESSAGE

#: where numba keeps the contact scan's cache in a process with this NUMBA_CACHE_DIR
NUMBA_PLACE = "from stride.core import _contact_scan; print(_contact_scan.scan._cache._cache_path)"


def _numba_place(env: dict[str, str]) -> Path:
    done = subprocess.run(
        [sys.executable, "-c", NUMBA_PLACE], env=env, capture_output=True, text=True, check=True
    )
    return Path(done.stdout.strip())


def test_a_cache_folder_without_the_scan_is_surely_cold(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "numba-cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(cache))
    assert first_run.surely_cold()
    # the scan's index where numba itself would look for it (asked of numba, in a process
    # of its own): no longer surely cold
    place = _numba_place(dict(os.environ, NUMBA_CACHE_DIR=str(cache)))
    place.mkdir(parents=True, exist_ok=True)  # numba makes it as it locates its cache
    (place / "_contact_bounds.onset_time-41.py311.nbi").touch()  # another kernel's: cold
    assert first_run.surely_cold()
    (place / "_contact_scan.scan-151.py311.nbi").touch()
    assert not first_run.surely_cold()


def test_without_a_cache_folder_the_source_tree_is_looked_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import stride

    pkg = tmp_path / "stride"
    (pkg / "core").mkdir(parents=True)
    (pkg / "core" / "_contact_scan.py").touch()
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(stride, "__file__", str(pkg / "__init__.py"))
    assert first_run.surely_cold()
    (pkg / "core" / "__pycache__").mkdir()
    (pkg / "core" / "__pycache__" / "_contact_scan.scan-151.py311.nbi").touch()
    assert not first_run.surely_cold()
    monkeypatch.setattr(first_run.os, "access", lambda path, mode: False)  # read-only tree
    (pkg / "core" / "__pycache__" / "_contact_scan.scan-151.py311.nbi").unlink()
    assert not first_run.surely_cold()  # numba caches elsewhere then: not told here


def _sleeper() -> first_run.Helper:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    return first_run.Helper(proc, announced=False, task="analysis")


def test_an_early_helper_is_ended_unannounced_when_the_kernels_are_there(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stride.core import kernels

    monkeypatch.setattr(kernels, "analysis_kernels_ready", lambda *a, **k: True)
    monkeypatch.setattr(first_run, "reading_kernels_ready", lambda: True)
    early = _sleeper()
    proc = early.proc
    helper = first_run.prepare_analysis(tmp_path, early)
    assert helper.proc is None and not helper.announced
    assert proc is not None and proc.poll() is not None  # ended, not left running
    assert MESSAGE not in capsys.readouterr().err


def test_an_early_helper_is_announced_and_kept_on_a_first_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from stride.core import kernels

    monkeypatch.setattr(kernels, "analysis_kernels_ready", lambda *a, **k: False)
    monkeypatch.setattr(first_run.Helper, "start", lambda *a, **k: pytest.fail("started twice"))
    early = _sleeper()
    try:
        helper = first_run.prepare_analysis(tmp_path, early)
        assert helper is early and helper.announced and helper.proc is not None
        assert capsys.readouterr().err.splitlines() == [MESSAGE]
    finally:
        early.stop()


def test_only_a_recording_folder_on_a_cold_cache_starts_early(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[tuple[str, str, bool]] = []

    def start(task: str, dtype: str = "float64", announce: bool = True) -> first_run.Helper:
        started.append((task, dtype, announce))
        return first_run.Helper(None)

    monkeypatch.setattr(first_run.Helper, "start", start)
    monkeypatch.setattr(first_run, "surely_cold", lambda: True)
    first_run.start_early(tmp_path / "record.hea")  # not a recording folder
    assert started == []
    first_run.start_early(tmp_path)
    assert started == [("analysis", "float32", False)]
    monkeypatch.setattr(first_run, "surely_cold", lambda: False)
    first_run.start_early(tmp_path)
    assert len(started) == 1
    assert capsys.readouterr().err == ""
