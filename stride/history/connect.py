"""Opening the history file: read-only for readers, checked and migrated for writers.

Why these choices: readers open with ``mode=ro`` so that a reading command never changes the
file; a WAL database needs its ``-shm`` index, which a read-only disk (or a full one) cannot
hold, so when that is what failed and the write-ahead log holds nothing, the file is opened
``immutable=1`` (exact then: every change is in the main file). Writers open read-write,
migrate in one ``BEGIN IMMEDIATE`` transaction and check that they may write before any work
is done. Every SQLite failure becomes one line that tells "read-only", "disk full", "busy"
and "damaged" apart (SQLite reports a full disk under the -shm index as a disk I/O error, so
the free space of the disk is looked at too).
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

from devices.files import check_path, open_regular, show_path
from stride.errors import FileSystemError, InputError, StrideError
from stride.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

_SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_TIMEOUT_S = 60.0
FIX = "pass another file with --db; this one was left untouched"
_LOW_SPACE = 1 << 20  # free bytes below which an I/O error is taken for a full disk


def default_db_path() -> Path:
    """Where the history lives when no path is given (``STRIDE_HISTORY_DB`` overrides it)."""
    env = os.environ.get("STRIDE_HISTORY_DB")
    if env:
        return _expand(env, "STRIDE_HISTORY_DB")
    import platformdirs

    return Path(platformdirs.user_data_dir("stride", appauthor=False)) / "history.sqlite"


def resolve_db_path(db_path: str | os.PathLike[str] | None) -> Path:
    """``db_path`` as a Path, or the default location."""
    return default_db_path() if db_path is None else _expand(db_path, "--db")


def _expand(path: str | os.PathLike[str], what: str) -> Path:
    """``~`` and ``~user`` expanded; a user that does not exist is one line."""
    try:
        return Path(path).expanduser()
    except RuntimeError as err:  # "~nobody-here/h.sqlite"
        raise InputError(
            f"{what} {show_path(path)}: cannot tell whose home folder {str(path).split('/')[0]} is",
            fix="give the full path of the history file",
        ) from err


def _name(path: Path) -> str:
    return repr(show_path(path))


def _check_file(path: Path) -> None:
    """Refuse a file that is not SQLite (or not a regular file) before sqlite3 touches it."""
    if path.is_dir():
        raise InputError(f"history database {_name(path)} is a directory", fix=FIX)
    with open_regular(path, "history database", fix=FIX) as fh:
        head = fh.read(len(_SQLITE_MAGIC))
    if head and head != _SQLITE_MAGIC:
        raise InputError(
            f"{_name(path)} is not a stride history database (not an SQLite file)", fix=FIX
        )


def _read_only_disk(path: Path) -> bool:
    """True when the file (or, for a new file, its folder) cannot be written."""
    folder = path.parent if path.parent.exists() else Path.cwd()
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return True
    except OSError:
        return False
    target = path if path.exists() else folder
    return not os.access(target, os.W_OK)


def _disk_full(path: Path) -> bool:
    try:
        st = os.statvfs(path.parent if path.parent.exists() else Path.cwd())
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _LOW_SPACE


#: the fix for a history that cannot be written; ``--no-history`` only where a command has it
_SESSION_FIX = " (a live or simulated session can also run with --no-history)"
_WRITABLE_FIX = "pass --db a file you can write to" + _SESSION_FIX


def _check_link(path: Path) -> None:
    """A history file that is a symbolic link to a file not made yet is made where the link
    points, if that folder is there; a link into a folder that is not (a disk not mounted)
    is refused in one line. It was taken for a new history that could not be made, and the
    link itself removed: the next session kept its history in a new file in its place,
    not where the link pointed."""
    if not path.is_symlink() or path.exists():
        return
    target = Path(os.path.realpath(path))
    if not target.parent.is_dir():
        raise InputError(
            f"history database {_name(path)} is a symbolic link to {show_path(target)}, whose "
            "folder does not exist",
            fix="mount the disk it is on, point the link at the history, or pass another --db"
            + _SESSION_FIX,
        )


def db_error(err: sqlite3.Error, path: Path) -> StrideError:
    """One line for an SQLite failure: read-only, disk full, busy, or damaged."""
    code = str(getattr(err, "sqlite_errorname", "") or "")
    name = _name(path)
    io = code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_FULL"))
    if code.startswith("SQLITE_FULL") or (io and _disk_full(path)):
        return FileSystemError(
            f"history database {name}: the disk is full",
            fix="free space on that disk, or pass --db a file on another disk",
        )
    if code.startswith("SQLITE_READONLY") or (io and _read_only_disk(path)):
        return FileSystemError(
            f"history database {name} is read-only (a read-only disk or file)",
            fix=_WRITABLE_FIX,
        )
    if code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")):
        return InputError(
            f"history database {name} stayed locked by another program for {BUSY_TIMEOUT_S:.0f} s",
            fix="close the program that holds it, then run again",
        )
    if code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN")):
        return FileSystemError(
            f"cannot read or write history database {name} ({err})",
            fix="check the disk and the file's permissions",
        )
    return InputError(f"history database {name} is damaged or unreadable ({err})", fix=FIX)


def _prepare(con: sqlite3.Connection, path: Path, *, create: bool) -> None:
    """Check the file is ours (or empty), then bring its schema up to date (writers)."""
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
        return
    if app_id not in (0, APPLICATION_ID):
        raise InputError(f"{_name(path)} is an SQLite file of another program", fix=FIX)
    if version > SCHEMA_VERSION:
        raise InputError(
            f"history database {_name(path)} has schema version {version}, newer than this "
            f"stride understands ({SCHEMA_VERSION})",
            fix="upgrade stride",
        )
    if not create:
        # A reader never writes; the queries work on every version >= 1.
        if app_id == 0 and con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise InputError(f"{_name(path)} is an SQLite file of another program", fix=FIX)
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        # Re-read inside the write lock: another process may have just created or migrated it.
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and (version != 0 or tables):
            raise InputError(f"{_name(path)} is an SQLite file of another program", fix=FIX)
        for step in MIGRATIONS[version:]:
            step(con)
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _uri(path: Path, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"file:{quote(os.fsencode(path.absolute()))}?{query}"


def _connect(path: Path, *, create: bool) -> sqlite3.Connection:
    """A connection that has read the file's header (so a failure to open shows here)."""
    if create:
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        return con
    con = sqlite3.connect(_uri(path, mode="ro"), uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.Error:
        con.close()
        wal = Path(f"{path}-wal")
        logged = wal.exists() and wal.stat().st_size > 0
        if logged or not (_read_only_disk(path) or _disk_full(path)):
            raise
    # The WAL index cannot be made here (read-only or full disk) and the log is empty:
    # the main file holds everything, and nobody can be writing to it.
    return sqlite3.connect(_uri(path, mode="ro", immutable="1"), uri=True)


@contextmanager
def open_db(db_path: str | os.PathLike[str] | None, *, create: bool = True) -> Iterator[Any]:
    """A connection to a checked history file: read-write, up to date and created when
    ``create``; else read-only (never written, any version >= 1).

    Every SQLite failure inside (a damaged file, a full disk) becomes one ``StrideError``.
    """
    path = resolve_db_path(db_path)
    check_path(path, "history database")
    if path.exists():
        _check_file(path)
    elif not create:
        raise InputError(
            f"no history database at {_name(path)}",
            fix="record a session first, or pass the right file with --db",
        )
    else:
        _check_link(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:  # a file where a folder should be, read-only disk
            raise InputError(
                f"cannot create the folder of history database {_name(path)}: "
                f"{err.strerror or err}",
                fix="pass --db a file in a folder you can write to",
            ) from err
    con: sqlite3.Connection | None = None
    new = create and not path.exists()
    made = Path(os.path.realpath(path))  # a link's target is what SQLite makes, not the link
    ready = False
    try:
        con = _connect(path, create=create)
        _prepare(con, path, create=create)
        if create:
            con.execute("PRAGMA journal_mode = WAL")
            con.execute("BEGIN IMMEDIATE")  # can we write? (a read-only file passes a read)
            con.execute("ROLLBACK")
        ready = True
        yield con
    except sqlite3.Error as err:
        raise db_error(err, path) from err
    finally:
        if con is not None:
            con.close()
        if new and not ready:  # a history this call began and could not make: not left
            for leftover in (made, Path(f"{made}-wal"), Path(f"{made}-shm")):
                leftover.unlink(missing_ok=True)


def locked_now(db_path: str | os.PathLike[str] | None) -> bool:
    """Whether another program holds the history file's write lock at this moment, so that
    a writer would wait for it (up to ``BUSY_TIMEOUT_S``): asked without waiting, of an
    existing SQLite file only, and nothing written."""
    path = resolve_db_path(db_path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a FIFO must not block the check
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return False
            if os.read(fd, len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
                return False
        finally:
            os.close(fd)
        con = sqlite3.connect(_uri(path, mode="rw"), uri=True, timeout=0.0, isolation_level=None)
    except (OSError, sqlite3.Error):
        return False
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
    except sqlite3.Error as err:
        code = str(getattr(err, "sqlite_errorname", "") or "")
        return code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED"))
    finally:
        con.close()
    return False


def check_writable(db_path: str | os.PathLike[str] | None) -> None:
    """Refuse, before a session starts, a history it could not store the session in: an
    existing file is opened for writing (and brought up to date); for a new one, its
    folder must be on a disk that can be written and has room."""
    path = resolve_db_path(db_path)
    check_path(path, "history database")
    if path.exists():
        with open_db(path):
            return
    _check_link(path)
    folder = next((p for p in path.absolute().parents if p.exists()), Path("/"))
    if not folder.is_dir():
        raise InputError(
            f"cannot keep the history in {_name(path)}: {show_path(folder)} is a file",
            fix="pass --db a file in a folder" + _SESSION_FIX,
        )
    probe = folder / path.name
    if _read_only_disk(probe):
        raise FileSystemError(
            f"cannot create history database {_name(path)}: {show_path(folder)} is read-only",
            fix=_WRITABLE_FIX,
        )
    if _disk_full(probe):
        raise FileSystemError(
            f"cannot create history database {_name(path)}: the disk is full",
            fix="free space on that disk, or pass --db a file on another disk",
        )
