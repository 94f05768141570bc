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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from stride.errors import InputError
from stride.history.connect import (
    FIX,
    check_writable,
    db_error,
    default_db_path,
    open_db,
    resolve_db_path,
)
from stride.history.metrics import trend_columns
from stride.history.schema import session_key

__all__ = [
    "FIX",
    "NewSession",
    "SessionRecord",
    "check_writable",
    "db_error",
    "default_db_path",
    "insert_rows",
    "list_sessions",
    "list_subjects",
    "now_iso",
    "open_db",
    "prepare_row",
    "register_session",
    "register_sessions",
    "resolve_db_path",
    "row_key",
    "stored_keys",
    "stored_subjects",
]

Source = Literal["live", "demo", "sim", "recovery"]
SOURCES: tuple[str, ...] = ("live", "demo", "sim", "recovery")

_log = logging.getLogger(__name__)


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


def _text(value: Any, what: str) -> str | None:
    """A text column's value; a file name or id that is not UTF-8 cannot be stored."""
    if value is None:
        return None
    text = os.fspath(value) if isinstance(value, os.PathLike) else str(value)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as err:
        raise InputError(
            f"the session's {what} {text.encode('utf-8', 'backslashreplace').decode()!r} is "
            "not UTF-8 text",
            fix="rename it using UTF-8 (e.g. ASCII) letters",
        ) from err
    return text


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
    subject = _text(session.subject, "subject")
    recording = _text(session.recording_path, "recording path")
    started = _iso_utc(session.started_at)
    target = None if session.target is None else _dumps(session.target, "target")
    key = session_key(session.source, subject, meta, recording, target)
    return (
        subject,
        started,
        session.source,
        _dumps(list(session.devices), "devices"),
        target,
        summary_json,
        recording,
        meta_json,
        now,
        *trend_columns(summary, meta),
        key,
    )


def row_key(session: NewSession) -> str | None:
    """The key :func:`prepare_row` gives the session's row, without the rest of the row
    (a cohort asks which of its sessions are stored before it simulates them)."""
    meta = {k: _clean(v) for k, v in (session.meta or {}).items()}
    target = None if session.target is None else _dumps(session.target, "target")
    recording = None if session.recording_path is None else os.fspath(session.recording_path)
    return session_key(session.source, session.subject, meta, recording, target)


def stored_subjects(db_path: str | os.PathLike[str] | None, subjects: Sequence[str]) -> bool:
    """Whether the history holds any session of these subjects (a new cohort need not
    look its sessions up one by one)."""
    path = resolve_db_path(db_path)
    if not path.exists() or not subjects:
        return False
    with open_db(path, create=False) as con:
        if con.execute("PRAGMA user_version").fetchone()[0] < 1:
            return False
        for i in range(0, len(subjects), 500):
            part = list(subjects[i : i + 500])
            marks = ", ".join("?" * len(part))
            query = f"SELECT 1 FROM sessions WHERE subject IN ({marks}) LIMIT 1"
            if con.execute(query, part).fetchone() is not None:
                return True
    return False


_COLUMNS = (
    "subject, started_at, source, devices, target, summary, recording_path, meta, created_at,"
    " steps, cadence_spm, step_length_si, target_within, stride_time_cv, feedback, session_key"
)
_INSERT = f"INSERT INTO sessions ({_COLUMNS}) VALUES ({', '.join('?' * 16)})"
#: A session stored again under its key (a recording replaced with --force, a recording
#: registered twice) replaces its row, keeping the row's id.
_REPLACE = (
    f"{_INSERT} ON CONFLICT (session_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in _COLUMNS.replace(" ", "").split(","))
    + " RETURNING id"
)
#: A simulated cohort session already stored (the same command run again) is kept as is.
_KEEP = f"{_INSERT} ON CONFLICT (session_key) DO NOTHING RETURNING id"


def insert_rows(
    db_path: str | os.PathLike[str] | None, rows: Sequence[tuple[Any, ...]]
) -> list[int]:
    """Store rows made by :func:`prepare_row` in one transaction (all or none); returns the
    ids of the rows stored. A row whose session is stored already (same key: the same
    recording, or the same subject, seed and index of a simulated cohort) does not add a
    second one: a recording's row is replaced, a cohort session is kept and not counted."""
    ids: list[int] = []
    with open_db(db_path) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            for row in rows:
                key = row[-1]
                sql = _KEEP if key is not None and key.startswith('["recovery"') else _REPLACE
                got = con.execute(sql, row).fetchone()
                if got is not None:
                    ids.append(int(got[0]))
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return ids


def stored_keys(db_path: str | os.PathLike[str] | None, keys: Sequence[str]) -> set[str]:
    """Which of ``keys`` (:func:`stride.history.schema.session_key`) the history holds."""
    path = resolve_db_path(db_path)
    if not path.exists() or not keys:
        return set()
    found: set[str] = set()
    with open_db(path, create=False) as con:
        if con.execute("PRAGMA user_version").fetchone()[0] < 3:
            return found
        for i in range(0, len(keys), 500):
            part = list(keys[i : i + 500])
            marks = ", ".join("?" * len(part))
            query = f"SELECT session_key FROM sessions WHERE session_key IN ({marks})"
            found.update(row[0] for row in con.execute(query, part))
    return found


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
    ``summary``: the summary of docs/formats.md. ``meta``: anything else worth keeping; a boolean
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
    ids = register_sessions(db_path, [new])
    if ids:
        return ids[0]
    row = prepare_row(new, now_iso())  # kept: the same cohort session is stored already
    with open_db(db_path, create=False) as con:
        found = con.execute("SELECT id FROM sessions WHERE session_key = ?", (row[-1],))
        return int(found.fetchone()[0])


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
    except (TypeError, ValueError, RecursionError):
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
