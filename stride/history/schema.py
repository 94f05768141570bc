"""The history database's schema, its version number and the migrations between versions.

The version lives in SQLite's ``PRAGMA user_version``; ``PRAGMA application_id`` marks the
file as a stride history so that a foreign SQLite file is recognised and left untouched.
Each migration is one transaction that takes the file from version ``n`` to ``n + 1``;
opening an old file applies the missing ones in order. docs/history.md documents each
version: change it together with this module.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from stride.history.metrics import trend_columns

#: ``PRAGMA application_id`` of a stride history file: the ASCII bytes "STRH".
APPLICATION_ID = 0x53545248

#: The schema version this code writes.
SCHEMA_VERSION = 2

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


#: MIGRATIONS[n] takes a file from version n to n + 1 (version 0 = a new, empty file).
MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (_to_v1, _to_v2)
assert len(MIGRATIONS) == SCHEMA_VERSION
