"""The history database's schema, its version number and the migrations between versions.

The version lives in SQLite's ``PRAGMA user_version``; ``PRAGMA application_id`` marks the
file as a stride history so that a foreign SQLite file is recognised and left untouched.
Each migration is one transaction that takes the file from version ``n`` to ``n + 1``;
opening an old file applies the missing ones in order. docs/history.md documents each
version: change it together with this module.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from stride.history.metrics import trend_columns

#: ``PRAGMA application_id`` of a stride history file: the ASCII bytes "STRH".
APPLICATION_ID = 0x53545248

#: The schema version this code writes.
SCHEMA_VERSION = 3

_V1 = """
CREATE TABLE sessions (
    id             INTEGER PRIMARY KEY,
    subject        TEXT,
    started_at     TEXT NOT NULL,
    source         TEXT NOT NULL CHECK (source IN ('live', 'demo', 'sim', 'recovery')),
    devices        TEXT NOT NULL,
    target         TEXT,
    summary        TEXT NOT NULL,
    recording_path TEXT,
    meta           TEXT NOT NULL,
    created_at     TEXT NOT NULL
);
CREATE INDEX sessions_subject_started ON sessions (subject, started_at);
"""

# v2: the trend metrics as columns (filled from the summary JSON) so that trends and the
# sudden-change check need no JSON parsing, and the feedback flag for feedback comparisons.
_V2 = """
ALTER TABLE sessions ADD COLUMN steps INTEGER;
ALTER TABLE sessions ADD COLUMN cadence_spm REAL;
ALTER TABLE sessions ADD COLUMN step_length_si REAL;
ALTER TABLE sessions ADD COLUMN target_within REAL;
ALTER TABLE sessions ADD COLUMN stride_time_cv REAL;
ALTER TABLE sessions ADD COLUMN feedback INTEGER;
"""


def _apply(con: sqlite3.Connection, script: str) -> None:
    """Run the statements of ``script`` one by one inside the caller's transaction."""
    for statement in script.split(";"):
        if statement.strip():
            con.execute(statement)


def _to_v1(con: sqlite3.Connection) -> None:
    _apply(con, _V1)


def _to_v2(con: sqlite3.Connection) -> None:
    _apply(con, _V2)
    rows = con.execute("SELECT id, summary, meta FROM sessions").fetchall()
    for row_id, summary, meta in rows:
        cols = trend_columns(summary, meta)
        con.execute(
            "UPDATE sessions SET steps=?, cadence_spm=?, step_length_si=?, target_within=?,"
            " stride_time_cv=?, feedback=? WHERE id=?",
            (*cols, row_id),
        )


def session_key(
    source: str,
    subject: str | None,
    meta: Mapping[str, Any],
    recording: str | None,
    target: str | None,
) -> str | None:
    """What makes a stored session the same session when it is stored again (v3): a
    simulated cohort session by its subject, seed and session index, and the simulation it
    belongs to (profile, feedback, mode, length, speed, target, and the impairment it was
    planned at: the same cohort with and without feedback, or over more weeks, are other
    sessions; the date is not part of it, so a cohort interrupted today is completed by the
    same command tomorrow); any other session by its recording's absolute path; None (never
    the same) for a session without either."""
    seed, index = meta.get("seed"), meta.get("session_index")
    if source == "recovery" and isinstance(seed, int) and isinstance(index, int):
        keys = ("profile", "feedback", "mode", "minutes", "speed_mps", "impairment", "setback")
        what = json.dumps([target, *(meta.get(k) for k in keys)])
        digest = hashlib.sha256(what.encode()).hexdigest()[:16]
        return json.dumps(["recovery", subject, seed, index, digest])
    if recording:
        return json.dumps(["recording", os.path.abspath(recording)])
    return None


def _to_v3(con: sqlite3.Connection) -> None:
    """v3: ``session_key``, unique, so that storing a session again does not add a row.
    Existing rows get their key, newest first; an older row that repeats the newest one
    exactly (the same cohort command run twice) is removed, since it holds nothing the
    kept row does not; an older row that differs is kept, without a key."""
    con.execute("ALTER TABLE sessions ADD COLUMN session_key TEXT")
    rows = con.execute(
        "SELECT id, source, subject, meta, recording_path, started_at, target, summary"
        " FROM sessions ORDER BY id DESC"
    ).fetchall()
    kept: dict[str, tuple[Any, ...]] = {}
    for row_id, source, subject, meta, recording, started, target, summary in rows:
        try:
            parsed = json.loads(meta)
        except (TypeError, ValueError, RecursionError):
            continue  # a damaged row is left as it is
        info = parsed if isinstance(parsed, dict) else {}
        key = session_key(source, subject, info, recording, target)
        if key is None:
            continue
        if key not in kept:
            kept[key] = (started, summary, meta)
            con.execute("UPDATE sessions SET session_key = ? WHERE id = ?", (key, row_id))
        elif kept[key] == (started, summary, meta):
            con.execute("DELETE FROM sessions WHERE id = ?", (row_id,))
    con.execute("CREATE UNIQUE INDEX sessions_key ON sessions (session_key)")


#: MIGRATIONS[n] takes a file from version n to n + 1 (version 0 = a new, empty file).
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1, _to_v2, _to_v3)
assert len(MIGRATIONS) == SCHEMA_VERSION
