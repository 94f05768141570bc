"""A session folder claimed by one session at a time.

Two sessions given the same ``--record`` folder at the same instant could both find it
empty and both record into it; and ``--force`` given while another session records into
a folder would remove that session's files under it. So a session holds an exclusive lock
on its folder (``flock`` on the folder itself: no file is added to it, and the OS lets go
when a process dies, so no stale lock is left) from before the emptiness check until its
last write, and makes its ``streams`` folder exclusively (the claim where there is no such
lock). Folders made for a refused session are removed again, each only if this session
made it and it is empty.
"""

from __future__ import annotations

import contextlib
import errno
import os
import time
from pathlib import Path

from devices.errors import InputError
from devices.files import dangling_link, fs_error, show_path

try:
    import fcntl
except ImportError:  # Windows: no flock
    fcntl = None  # type: ignore[assignment]

#: Seconds a session waits for a lock another command holds for a moment (looking).
LOOK_S = 0.5


def make_dirs(path: Path) -> list[Path]:
    """``mkdir -p path``, returning the folders this call made (outermost first): only those
    are removed again when the session is refused, never a folder another session made at
    the same moment. An InputError names ``path`` if a folder cannot be made (a file where
    a folder should be, a symbolic link to nothing, a read-only disk, no space)."""
    chain = [path]
    while chain[-1].parent != chain[-1] and not chain[-1].parent.exists():
        chain.append(chain[-1].parent)
    made: list[Path] = []
    try:
        for folder in reversed(chain):
            try:
                os.mkdir(folder)
            except FileExistsError:
                if not folder.is_dir():
                    raise
                continue
            made.append(folder)
    except OSError as err:
        remove_made(made)
        dangling = dangling_link(path)
        if dangling is not None:
            link, target = dangling
            raise InputError(
                f"cannot record to {show_path(path)}: {show_path(link)} is a symbolic link to "
                f"{show_path(target)}, which does not exist",
                fix="create the folder it points to, mount its disk, or choose another folder",
            ) from err
        said = fs_error(err, path, "create the recording directory")
        raise InputError(said.problem, fix=said.fix) from err
    return made


def remove_made(made: list[Path]) -> None:
    """Remove the folders :func:`make_dirs` made, innermost first, each only if empty."""
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            os.rmdir(folder)


def lock_folder(path: Path, *, shared: bool = False) -> int | None:
    """Hold an exclusive lock on the session folder while the session records (released by
    closing the returned descriptor; the OS releases it when a process dies, so a killed
    session leaves no stale lock). An InputError when another session holds it; None where
    the OS or the file system has no such lock (the exclusive ``streams`` folder is then
    the only claim). A lock held for a moment (another command looking whether the folder
    is being recorded, ``shared``) is waited for, up to ``LOOK_S``."""
    if fcntl is None:
        return None
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return None
    deadline = time.monotonic() + (0.0 if shared else LOOK_S)
    while True:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except OSError as err:
            busy = err.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES)
            if busy and time.monotonic() < deadline:
                time.sleep(0.01)
                continue
            os.close(fd)
            if busy:
                raise busy_error(path) from err
            return None  # e.g. a network file system without flock
        return fd


class FolderBusy(InputError):
    """Another session records into the folder now: nothing of it may be removed."""


def busy_error(path: Path) -> FolderBusy:
    return FolderBusy(
        f"{show_path(path)} is being recorded into by another session right now",
        fix="give --record another folder, or wait until that session has ended",
    )


def recording_now(path: str | os.PathLike[str]) -> bool:
    """Whether a session is recording into the folder ``path`` at this moment."""
    folder = Path(path)
    if not folder.is_dir():
        return False
    try:
        fd = lock_folder(folder, shared=True)  # two commands looking do not see each other
    except InputError:
        return True
    if fd is not None:
        os.close(fd)
    return False
