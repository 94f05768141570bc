"""devices.files: atomic writes that leave nothing behind, one-line file-system errors, and
names from user text that cannot leave their folder."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.errors import FileSystemError, InputError
from devices.files import (
    atomic_write,
    check_path,
    confined,
    fs_error,
    open_regular,
    safe_name,
    show_path,
)


def _fail_writes_after(monkeypatch: pytest.MonkeyPatch, n_bytes: int, code: int) -> None:
    """``os.write`` writes ``n_bytes`` in all, then fails with ``code`` (a disk filling up)."""
    real = os.write
    left = [n_bytes]

    def write(fd: int, data: bytes | memoryview) -> int:
        if left[0] <= 0:
            raise OSError(code, os.strerror(code))
        n = real(fd, bytes(data[: left[0]]))
        left[0] -= n
        return n

    monkeypatch.setattr(os, "write", write)


def test_atomic_write_replaces_with_ordinary_permissions(tmp_path: Path) -> None:
    out = tmp_path / "steps.csv"
    out.write_text("old")
    old_umask = os.umask(0o022)
    try:
        atomic_write(out, "new,text\n")
    finally:
        os.umask(old_umask)
    assert out.read_text() == "new,text\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["steps.csv"]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "the disk is full"),
        (errno.EDQUOT, "quota"),
        (errno.EIO, "input/output error"),
        (errno.EROFS, "read-only"),
    ],
)
def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int, words: str
) -> None:
    out = tmp_path / "report.html"
    out.write_text("the old report")
    _fail_writes_after(monkeypatch, 100, code)
    with pytest.raises(FileSystemError) as info:
        atomic_write(out, "x" * 10_000)
    line = str(info.value)
    assert "\n" not in line and words in line and str(out) in line and info.value.fix
    assert info.value.errno == code
    assert out.read_text() == "the old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html"]


def test_a_failed_first_write_leaves_no_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _fail_writes_after(monkeypatch, 0, errno.ENOSPC)
    with pytest.raises(FileSystemError, match="disk is full"):
        atomic_write(tmp_path / "plot.png", b"\x89PNG" * 1000)
    assert list(tmp_path.iterdir()) == []


def test_writing_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(FileSystemError, match="no such file or folder"):
        atomic_write(tmp_path / "absent" / "x.csv", "x")


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENAMETOOLONG, "too long"),
        (errno.EACCES, "permission denied"),
        (errno.ENOTDIR, "is a file, not a folder"),
        (errno.EMFILE, "ulimit"),
        (errno.EXDEV, "check the path"),  # anything else: the system's own words
    ],
)
def test_fs_error_is_one_line_with_a_fix(code: int, words: str) -> None:
    err = fs_error(OSError(code, os.strerror(code), "/data/x"), doing="write")
    assert words in str(err) and "/data/x" in str(err) and "\n" not in str(err)


def test_paths_that_are_not_text_or_too_long_are_shown_on_one_line() -> None:
    weird = os.fsdecode(b"/tmp/caf\xe9/\x1b[31mred")
    shown = show_path(weird)
    assert shown == "/tmp/caf\\xe9/\\x1b[31mred"
    long = "/x" * 3000
    assert len(show_path(long)) < 250 and "6000 bytes" in show_path(long)


def test_check_path_refuses_what_the_file_system_or_history_cannot_take(tmp_path: Path) -> None:
    assert check_path(tmp_path / "ok name", "--out") == tmp_path / "ok name"
    with pytest.raises(InputError, match="not UTF-8"):
        check_path(os.fsdecode(bytes(tmp_path) + b"/\xff"), "--out")
    with pytest.raises(InputError, match="256 bytes long"):
        check_path(tmp_path / ("a" * 256), "--out")
    with pytest.raises(InputError, match="longer than the 4095"):
        check_path(tmp_path.joinpath(*["d" * 200] * 21), "--out")


@pytest.mark.parametrize(
    "name",
    ["../../../ESCAPED", "/etc/passwd", "a/b", "..", ".", "", "  ", "a\\b", "x\ny", "\udcff"],
)
def test_unsafe_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InputError, match="--subject"):
        confined(tmp_path, name, "--subject")


def test_safe_names_stay_inside(tmp_path: Path) -> None:
    for name in ("P01", "P 01", "sim-antalgic-3", "Müller", ".hidden", "a..b"):
        assert confined(tmp_path, name, "--subject") == tmp_path / name
    assert safe_name("x" * 245, "--subject", suffix_bytes=10) == "x" * 245
    with pytest.raises(InputError, match="too long"):
        safe_name("x" * 246, "--subject", suffix_bytes=10)


def test_a_symlinked_name_cannot_lead_out(tmp_path: Path) -> None:
    base = tmp_path / "recs"
    base.mkdir()
    (base / "P1").symlink_to(tmp_path)
    with pytest.raises(InputError, match="would leave the folder"):
        confined(base, "P1", "--subject")


@settings(max_examples=300)
@given(st.text(max_size=300))
def test_fuzz_a_confined_path_never_leaves_its_folder(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    base = tmp_path_factory.getbasetemp() / "confined"
    base.mkdir(exist_ok=True)
    try:
        out = confined(base, text, "--subject")
    except InputError as err:
        assert "\n" not in str(err)
        return
    assert out.parent == base and out.resolve().parent == base.resolve()


def test_open_regular_refuses_pipes_devices_folders_and_giants(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    for path, words in (
        (tmp_path / "pipe", "not a regular file"),
        (Path("/dev/zero"), "not a regular file"),
        (tmp_path, "is a folder"),
        (tmp_path / "absent", "no such"),
    ):
        with pytest.raises(InputError, match=words):
            open_regular(path, "header")
    big = tmp_path / "big"
    with big.open("wb") as fh:
        fh.truncate(10_000)
    with pytest.raises(InputError, match="10000 bytes long"):
        open_regular(big, "header", max_bytes=1000)
    with open_regular(big, "header") as fh:
        assert len(fh.read()) == 10_000
