"""Checks of a session's output paths before anything starts, so a session is never run
only to find at the end that its recording or its history cannot be written."""

from __future__ import annotations

import contextlib
import errno
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from devices.errors import InputError
from devices.files import show_path
from devices.recording.claim import busy_error, recording_now
from stride.history.connect import BUSY_TIMEOUT_S, locked_now
from stride.history.db import check_writable, open_db, resolve_db_path


def default_record_dir(base: Path | None = None) -> Path:
    """``./sessions/YYYYmmdd-HHMMSS`` (with -2, -3 ... if taken): never an existing one."""
    root = (base or Path.cwd()) / "sessions"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = root / stamp
    n = 2
    while path.exists():
        path = root / f"{stamp}-{n}"
        n += 1
    return path


def check_subject(subject: str | None) -> None:
    """``--subject`` blank or spaces refused: a history would file the session under no one
    (and list nothing for it, as if the history were empty)."""
    if subject is not None and not subject.strip():
        raise InputError("--subject is blank", fix="give the subject's id, e.g. --subject P01")


def check_port_exists(port: str) -> None:
    """A device path that does not exist (a typo, a box not plugged in) said before
    anything is prepared, in the words of opening it; URLs (``sim://``, ``loop://``) and
    names that are no path (``COM3``) are left to the opening."""
    from devices.transport import scheme_of, translate_open_error

    if os.name == "posix" and scheme_of(port) is None and not os.path.exists(port):
        raise translate_open_error(port, FileNotFoundError(errno.ENOENT, "No such file", port))


def check_record_dir(record_dir: Path, *, force: bool) -> None:
    """Refuse a --record path that would lose something or cannot be a session directory."""
    if record_dir.exists() and not record_dir.is_dir():
        raise InputError(
            f"{record_dir} exists and is not a directory",
            fix="give --record a new directory name",
        )
    for parent in record_dir.absolute().parents:  # e.g. a file called ./sessions
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    f"cannot record to {record_dir}: {parent} is a file, not a folder",
                    fix=f"rename {parent}, or give --record a directory elsewhere",
                )
            break
    # ``new/..`` is an existing folder once ``new`` is made: look at the folder it will be
    # (the recorder checks again when it has made the folders, symbolic links included)
    folder = Path(os.path.normpath(record_dir.absolute()))
    if recording_now(folder):  # --force, the usual fix, cannot replace a running recording
        raise busy_error(record_dir)  # the recorder's own refusal, said before it starts
    if not force and folder.is_dir() and any(folder.iterdir()):
        raise InputError(
            f"{record_dir} already exists and is not empty",
            fix="choose another --record directory, or pass --force to replace it",
        )


@contextlib.contextmanager
def waiting_for_history(db: Path | None, then: str) -> Iterator[None]:
    """Say at once (stderr) that stride waits for the history file when another program
    holds it locked (the write waits up to ``BUSY_TIMEOUT_S``, silent otherwise), and, when
    the block ends without an error (whose line is the outcome), that it is free and
    ``then`` (what happens now)."""
    path = resolve_db_path(db)
    locked = locked_now(path)
    if locked:
        print(
            f"stride: note: waiting for history database {show_path(path)!r}: another program "
            f"holds it locked (stride waits up to {BUSY_TIMEOUT_S:.0f} s; close that program "
            "to go on now)",
            file=sys.stderr,
            flush=True,
        )
    started = time.monotonic()
    yield
    if locked:
        waited = time.monotonic() - started
        print(
            f"stride: note: history database free after {waited:.0f} s: {then}",
            file=sys.stderr,
            flush=True,
        )


def check_history_db(db: Path | None) -> None:
    """Refuse, before the session starts, a --db it could not store the session in at its
    end: damaged, foreign, read-only, or on a full disk (a new file: its folder). A file
    another program holds locked is waited for, and that is said at once."""
    with waiting_for_history(db, "the session starts"):
        _check_history_db(db)


def _check_history_db(db: Path | None) -> None:
    path = resolve_db_path(db)
    for parent in path.absolute().parents:  # the file will be created: can its folder be?
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    f"cannot keep the history in {str(path)!r}: {parent} is a file",
                    fix="pass --db a file in a folder, or --no-history",
                )
            break
    if path.exists():
        with open_db(db, create=False) as con:
            # The header alone can look fine over damaged pages; the quick check reads them.
            verdict = con.execute("PRAGMA quick_check").fetchone()
        if verdict is not None and verdict[0] != "ok":
            raise InputError(
                f"history database {str(path)!r} is damaged ({verdict[0]})",
                fix="pass another file with --db, or --no-history; this one was left untouched",
            )
    check_writable(path)
