"""Real small file systems for fault tests: a 2 MB tmpfs that can be filled or made read-only.

Mounting needs root (or a user namespace); where it is impossible the test is skipped with
the reason. The fault-injecting tests (monkeypatched ``os.write`` and friends) run anywhere.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def small_disk(where: Path, size_kb: int = 2048) -> Iterator[Path]:
    """A tmpfs of ``size_kb`` mounted at ``where`` (created), unmounted afterwards."""
    where.mkdir(parents=True, exist_ok=True)
    mount = shutil.which("mount")
    if mount is None or os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root and mount(8)")
    run = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={size_kb}k,mode=1777", "tmpfs", str(where)],
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {run.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], capture_output=True)


def fill(disk: Path, leave: int = 0) -> Path:
    """Fill ``disk`` with one file until at most ``leave`` bytes are free; returns the file."""
    filler = disk / "filler"
    with filler.open("wb") as fh:
        block = b"\0" * 4096
        try:
            while True:
                free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
                if free <= leave:
                    break
                fh.write(block[: max(1, min(len(block), free - leave))])
                fh.flush()
        except OSError as err:
            assert err.errno == errno.ENOSPC, err
    return filler


def set_read_only(disk: Path, read_only: bool = True) -> None:
    """Remount ``disk`` read-only (or read-write again)."""
    mode = "ro" if read_only else "rw"
    subprocess.run(["mount", "-o", f"remount,{mode}", str(disk)], check=True, capture_output=True)


def tree(root: Path) -> dict[str, int]:
    """Every file under ``root`` (relative path -> size): what a command may not change."""
    out: dict[str, int] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in filenames + dirnames:
            p = Path(dirpath) / name
            out[str(p.relative_to(root))] = p.lstat().st_size if not p.is_dir() else -1
    return out
