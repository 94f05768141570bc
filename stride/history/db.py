"""The session history: one SQLite file (stdlib ``sqlite3``) shared by every stride process.

Why these choices: WAL journaling lets a dashboard read while a cohort writes; every write is
one ``BEGIN IMMEDIATE`` transaction with a generous busy timeout, so two processes writing at
once queue instead of corrupting the file or failing. A file that is not a stride history
(another program's SQLite file, a text file, a damaged file) is never written to: opening it
raises :class:`~stride.errors.InputError` naming the problem and the fix.

The file lives at ``platformdirs.user_data_dir("stride")/history.sqlite`` unless a path is
given, or the environment variable ``STRIDE_HISTORY_DB`` names one.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from stride.errors import InputError
from stride.history.metrics import trend_columns
from stride.history.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

Source = Literal["live", "demo", "sim", "recovery"]
SOURCES: tuple[str, ...] = ("live", "demo", "sim", "recovery")
_SQLITE_MAGIC = b"SQLite format 3\x00"
_BUSY_TIMEOUT_S = 60.0
_FIX = "pass another file with --db; this one was left untouched"

_log = logging.getLogger(__name__)


def default_db_path() -> Path:
    """Where the history lives when no path is given (``STRIDE_HISTORY_DB`` overrides it)."""
    env = os.environ.get("STRIDE_HISTORY_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("stride", appauthor=False)) / "history.sqlite"


def resolve_db_path(db_path: str | os.PathLike[str] | None) -> Path:
    """``db_path`` as a Path, or the default location."""
    return default_db_path() if db_path is None else Path(db_path).expanduser()


@dataclass(frozen=True)
class NewSession:
    """One session to store; the fields of :func:`register_session`."""

    subject: str | None
    started_at: datetime | str
    source: str
    summary: Mapping[str, Any]
    devices: Sequence[Any] = ()
    target: Mapping[str, Any] | None = None
    recording_path: str | os.PathLike[str] | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionRecord:
    """A stored session, as read back."""

    id: int
    subject: str | None
    started_at: str
    source: str
    devices: list[Any]
    target: dict[str, Any] | None
    summary: dict[str, Any]
    recording_path: str | None
    meta: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """The session as ``stride history --json`` prints it."""
        return {
            "id": self.id,
            "subject": self.subject,
            "started_at": self.started_at,
            "source": self.source,
            "devices": self.devices,
            "target": self.target,
            "recording_path": self.recording_path,
            "meta": self.meta,
            "summary": self.summary,
        }


def _clean(obj: Any) -> Any:
    """JSON-safe copy: non-finite floats become null (JSON has no NaN), tuples become lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, Mapping):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item):  # numpy scalars
        return _clean(obj.item())
    return obj


def _dumps(obj: Any, what: str) -> str:
    try:
        return json.dumps(_clean(obj), allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as err:
        raise InputError(
            f"the session's {what} cannot be stored as JSON: {err}",
            fix="pass plain dicts, lists, strings and numbers",
        ) from err


def _iso_utc(started_at: datetime | str) -> str:
    """ISO 8601 in UTC (naive datetimes are local time), so text order is time order."""
    if isinstance(started_at, str):
        try:
            started_at = datetime.fromisoformat(started_at.replace("Z", "+00:00"))
        except ValueError as err:
            raise InputError(
                f"started_at {started_at!r} is not an ISO 8601 date and time",
                fix="pass e.g. 2026-11-25T17:00:00+00:00 or a datetime",
            ) from err
    return started_at.astimezone(UTC).isoformat(timespec="milliseconds")


def _check_file(path: Path) -> None:
    """Refuse a file that is not SQLite before sqlite3 touches it."""
    if path.is_dir():
        raise InputError(f"history database {str(path)!r} is a directory", fix=_FIX)
    try:
        with path.open("rb") as fh:
            head = fh.read(len(_SQLITE_MAGIC))
    except OSError as err:
        raise InputError(f"cannot read history database {str(path)!r}: {err}", fix=_FIX) from err
    if head and head != _SQLITE_MAGIC:
        raise InputError(
            f"{str(path)!r} is not a stride history database (not an SQLite file)", fix=_FIX
        )


def _prepare(con: sqlite3.Connection, path: Path, *, create: bool) -> None:
    """Check the file is ours (or empty), then bring its schema up to date."""
    app_id = con.execute("PRAGMA application_id").fetchone()[0]
    version = con.execute("PRAGMA user_version").fetchone()[0]
    if app_id == APPLICATION_ID and version == SCHEMA_VERSION:
        return
    if app_id not in (0, APPLICATION_ID):
        raise InputError(f"{str(path)!r} is an SQLite file of another program", fix=_FIX)
    if version > SCHEMA_VERSION:
        raise InputError(
            f"history database {str(path)!r} has schema version {version}, newer than this "
            f"stride understands ({SCHEMA_VERSION})",
            fix="upgrade stride",
        )
    if not create:
        # A reader never writes; the queries work on every version >= 1.
        if app_id == 0 and con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise InputError(f"{str(path)!r} is an SQLite file of another program", fix=_FIX)
        return
    con.execute("BEGIN IMMEDIATE")
    try:
        # Re-read inside the write lock: another process may have just created or migrated it.
        app_id = con.execute("PRAGMA application_id").fetchone()[0]
        version = con.execute("PRAGMA user_version").fetchone()[0]
        tables = con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app_id == 0 and (version != 0 or tables):
            raise InputError(f"{str(path)!r} is an SQLite file of another program", fix=_FIX)
        for step in MIGRATIONS[version:]:
            step(con)
        con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


@contextmanager
def open_db(db_path: str | os.PathLike[str] | None, *, create: bool = True) -> Iterator[Any]:
    """A connection to a checked, up-to-date history file (created when ``create``).

    Every SQLite failure inside (a damaged file, a full disk) becomes one ``InputError``.
    """
    path = resolve_db_path(db_path)
    if path.exists():
        _check_file(path)
    elif not create:
        raise InputError(
            f"no history database at {str(path)!r}",
            fix="record a session first, or pass the right file with --db",
        )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:  # a file where a folder should be, read-only disk
            raise InputError(
                f"cannot create the folder of history database {str(path)!r}: "
                f"{err.strerror or err}",
                fix="pass --db a file in a folder you can write to",
            ) from err
    con: sqlite3.Connection | None = None
    try:
        con = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_S, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(_BUSY_TIMEOUT_S * 1000)}")
        _prepare(con, path, create=create)
        if create:
            con.execute("PRAGMA journal_mode = WAL")
        yield con
    except sqlite3.DatabaseError as err:
        raise InputError(
            f"history database {str(path)!r} is damaged or unreadable ({err})", fix=_FIX
        ) from err
    finally:
        if con is not None:
            con.close()


def prepare_row(session: NewSession, now: str) -> tuple[Any, ...]:
    """The validated, serialised row of a session (any process can make it; see
    :func:`insert_rows`). ``now``: the ISO time stored as ``created_at``."""
    if session.source not in SOURCES:
        raise InputError(
            f"unknown session source {session.source!r}", fix=f"use one of {', '.join(SOURCES)}"
        )
    if not isinstance(session.summary, Mapping):
        raise InputError("the session summary must be a JSON object", fix="pass a dict")
    meta = _clean(dict(session.meta or {}))
    summary = _clean(session.summary)
    summary_json = _dumps(summary, "summary")
    meta_json = _dumps(meta, "meta")
    return (
        session.subject,
        _iso_utc(session.started_at),
        session.source,
        _dumps(list(session.devices), "devices"),
        None if session.target is None else _dumps(session.target, "target"),
        summary_json,
        None if session.recording_path is None else str(session.recording_path),
        meta_json,
        now,
        *trend_columns(summary, meta),
    )


_INSERT = (
    "INSERT INTO sessions (subject, started_at, source, devices, target, summary, recording_path,"
    " meta, created_at, steps, cadence_spm, step_length_si, target_within, stride_time_cv,"
    " feedback) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def insert_rows(
    db_path: str | os.PathLike[str] | None, rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Store rows made by :func:`prepare_row` in one transaction (all or none)."""
    with open_db(db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            ids = [int(con.execute(_INSERT, row).lastrowid) for row in rows]
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return ids


def now_iso() -> str:
    """The current UTC time as stored in ``created_at``."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def register_sessions(
    db_path: str | os.PathLike[str] | None, sessions: Iterable[NewSession]
) -> list[int]:
    """Store many sessions in one transaction (all or none); returns their ids in order."""
    now = now_iso()
    rows = [prepare_row(s, now) for s in sessions]  # validate all before writing anything
    return insert_rows(db_path, rows)


def register_session(
    db_path: str | os.PathLike[str] | None,
    *,
    subject: str | None,
    started_at: datetime | str,
    source: Source | str,
    devices: Sequence[Any] = (),
    target: Mapping[str, Any] | None = None,
    summary: Mapping[str, Any],
    recording_path: str | os.PathLike[str] | None = None,
    meta: Mapping[str, Any] | None = None,
) -> int:
    """Store one finished session and return its id (the call a live or demo session makes).

    ``db_path`` None = the default location. ``started_at``: a datetime (naive = local time)
    or an ISO 8601 string; stored in UTC. ``source``: "live", "demo", "sim" or "recovery".
    ``devices``: JSON-able descriptions (e.g. ``[{"kind": "box", "port": "sim://box"}]``).
    ``summary``: the DESIGN.md summary. ``meta``: anything else worth keeping; a boolean
    ``meta["feedback"]`` (were targets shown?) feeds the feedback comparison of reports.
    """
    new = NewSession(
        subject=subject,
        started_at=started_at,
        source=source,
        summary=summary,
        devices=devices,
        target=target,
        recording_path=recording_path,
        meta=meta or {},
    )
    return register_sessions(db_path, [new])[0]


def list_sessions(
    db_path: str | os.PathLike[str] | None, *, subject: str | None = None
) -> list[SessionRecord]:
    """Stored sessions in date order (all subjects, or one), without writing to the file."""
    query = (
        "SELECT id, subject, started_at, source, devices, target, summary, recording_path, meta"
        " FROM sessions"
    )
    args: tuple[Any, ...] = ()
    if subject is not None:
        query += " WHERE subject = ?"
        args = (subject,)
    query += " ORDER BY started_at, id"
    with open_db(db_path, create=False) as con:
        if con.execute("PRAGMA user_version").fetchone()[0] == 0:
            return []
        rows = con.execute(query, args).fetchall()
    records = []
    for r in rows:
        record = _record(r)
        if record is None:  # a damaged row: counted and said, the others still shown
            _log.warning(
                "history database %r: session %s is damaged (a JSON column is unreadable); skipped",
                str(resolve_db_path(db_path)),
                r[0],
            )
            continue
        records.append(record)
    return records


def _record(r: Sequence[Any]) -> SessionRecord | None:
    """A row as a record, or None when its JSON columns are damaged (edited by hand)."""
    try:
        devices = json.loads(r[4])
        target = None if r[5] is None else json.loads(r[5])
        summary, meta = json.loads(r[6]), json.loads(r[8])
    except (TypeError, ValueError):
        return None
    if not (
        isinstance(devices, list)
        and (target is None or isinstance(target, dict))
        and isinstance(summary, dict)
        and isinstance(meta, dict)
    ):
        return None
    return SessionRecord(
        id=r[0],
        subject=r[1],
        started_at=r[2],
        source=r[3],
        devices=devices,
        target=target,
        summary=summary,
        recording_path=r[7],
        meta=meta,
    )


def list_subjects(db_path: str | os.PathLike[str] | None) -> list[str]:
    """Subjects with at least one session, sorted."""
    with open_db(db_path, create=False) as con:
        if con.execute("PRAGMA user_version").fetchone()[0] == 0:
            return []
        rows = con.execute(
            "SELECT DISTINCT subject FROM sessions WHERE subject IS NOT NULL ORDER BY subject"
        ).fetchall()
    return [r[0] for r in rows]
