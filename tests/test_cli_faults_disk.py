"""Commands on a full or read-only disk: one line naming the path and the fix, exit 1, and
nothing left behind (no 0-byte result, no temporary file, no partial session).

The disk is a real 2 MB tmpfs where it can be mounted (root); the same failures are also
injected by monkeypatching ``os.write``, which runs anywhere.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride, stride_in_process, without_kernel_notice
from fs_helpers import fill, set_read_only, small_disk, tree

from devices.errors import FileSystemError


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    """``stride sim session --minutes 0.5 --no-history``: a copy of its own."""
    return simulated_session(tmp_path_factory.mktemp("rec") / "s", minutes=0.5)


def _outputs(rec: Path, disk: Path) -> list[list[str]]:
    return [
        ["analyze", str(rec), "--steps-csv", str(disk / "steps.csv")],
        ["analyze", str(rec), "--plot", str(disk / "plot.png")],
        ["report", str(rec), "--out", str(disk / "r.html")],
        ["sim", "session", "--out", str(disk / "s"), "--minutes", "1", "--no-history"],
    ]


def test_a_full_disk_is_one_line_and_leaves_nothing(recording: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        fill(disk)
        before = tree(disk)
        for i, args in enumerate(_outputs(recording, disk)):
            run = stride(*args) if i == 0 else stride_in_process(*args)  # one through the shell
            one_line_error(run, "the disk is full", str(disk))
            assert tree(disk) == before, args


def test_a_disk_filling_during_the_session_removes_the_unfinished_session(
    tmp_path: Path,
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        fill(disk, leave=300_000)  # a 1-minute session needs about 630 kB
        before = tree(disk)
        run = stride("sim", "session", "--out", str(disk / "s"), "--minutes", "1")
        one_line_error(run, "the disk is full", "the unfinished session was removed")
        assert tree(disk) == before


def test_a_read_only_disk_is_one_line(recording: Path, tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk") as disk:
        (disk / "keep.txt").write_text("kept")
        set_read_only(disk)
        try:
            for args in _outputs(recording, disk):
                one_line_error(stride_in_process(*args), "read-only", str(disk))
            assert tree(disk) == {"keep.txt": 4}
        finally:
            set_read_only(disk, False)


# -- the same faults injected, anywhere ------------------------------------------------
def _disk_fills_after(monkeypatch: pytest.MonkeyPatch, n_bytes: int) -> None:
    real = os.write
    left = [n_bytes]

    def write(fd: int, data: bytes | memoryview) -> int:
        if left[0] <= 0:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        n = real(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


def test_injected_full_disk_removes_a_simulated_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sim.params import GaitParams
    from sim.session import SessionSpec, simulate_session

    _disk_fills_after(monkeypatch, 200_000)
    spec = SessionSpec(minutes=1.0, params=GaitParams())
    with pytest.raises(FileSystemError, match="disk is full; the unfinished session was removed"):
        simulate_session(tmp_path / "a" / "s", spec)
    assert list(tmp_path.iterdir()) == []  # the folders this run made are gone too


def _main(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    from stride.cli.app import main

    monkeypatch.setattr(sys, "argv", ["stride", *args])
    with pytest.raises(SystemExit) as info:
        main()
    assert info.value.code == 1
    err = capsys.readouterr().err
    err = without_kernel_notice(err)  # a cold cache's status line is not an error line
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    return err


def test_the_entry_point_turns_any_os_error_into_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import stride.analysis

    def fail(*_: object, **__: object) -> None:
        raise OSError(errno.ENAMETOOLONG, "File name too long", str(tmp_path / "x"))

    monkeypatch.setattr(stride.analysis, "run", fail)
    err = _main(monkeypatch, capsys, "analyze", str(tmp_path))
    assert err.startswith("stride: error: ") and "name is too long" in err and "shorter" in err

    def encode(*_: object, **__: object) -> None:
        "caf\udce9".encode()

    monkeypatch.setattr(stride.analysis, "run", encode)
    assert "not UTF-8" in _main(monkeypatch, capsys, "analyze", str(tmp_path))


def test_an_existing_result_survives_a_failed_overwrite(
    recording: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "steps.csv"
    out.write_text("the steps of yesterday")
    _disk_fills_after(monkeypatch, 1000)
    err = _main(monkeypatch, capsys, "analyze", str(recording), "--steps-csv", str(out), "--force")
    assert "disk is full" in err
    assert out.read_text() == "the steps of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.csv"]
