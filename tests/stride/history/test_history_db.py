"""The history database: round trip, schema version and migration, refusal of foreign or
damaged files, and two real processes writing at once."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from stride.errors import InputError
from stride.history import list_sessions, list_subjects, register_session
from stride.history.db import default_db_path
from stride.history.schema import _V1, APPLICATION_ID, SCHEMA_VERSION

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def test_round_trip_keeps_summary_and_orders_by_date(
    db: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    later = register_session(
        db,
        subject="P1",
        started_at=T0 + timedelta(days=2),
        source="live",
        devices=[{"kind": "box", "port": "sim://box"}],
        target={"step_length_m": 0.6},
        summary=summary(5.0),
        recording_path="/rec/2",
        meta={"feedback": True},
    )
    earlier = register_session(
        db, subject="P1", started_at=T0, source="demo", summary=summary(12.5), meta=None
    )
    register_session(db, subject="P2", started_at=T0, source="sim", summary=summary(1.0))
    got = list_sessions(db, subject="P1")
    assert [s.id for s in got] == [earlier, later]
    assert got[1].summary == summary(5.0)
    assert got[1].devices == [{"kind": "box", "port": "sim://box"}]
    assert got[1].target == {"step_length_m": 0.6}
    assert got[1].meta == {"feedback": True}
    assert got[1].recording_path == "/rec/2"
    assert got[0].started_at == "2026-11-01T09:00:00.000+00:00"
    assert len(list_sessions(db)) == 3
    assert list_subjects(db) == ["P1", "P2"]


def test_schema_version_and_wal(db: Path, summary: Callable[..., dict[str, Any]]) -> None:
    register_session(db, subject=None, started_at=T0, source="demo", summary=summary(0.0))
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert con.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    si = con.execute("SELECT step_length_si, target_within, feedback FROM sessions").fetchone()
    assert si == (0.0, 0.8, None)


def test_nan_becomes_null_and_bad_values_are_refused(
    db: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    s = summary(3.0)
    s["cadence_spm"] = float("nan")
    register_session(db, subject="P", started_at="2026-11-02T10:00:00Z", source="sim", summary=s)
    assert list_sessions(db)[0].summary["cadence_spm"] is None
    with pytest.raises(InputError, match="unknown session source"):
        register_session(db, subject="P", started_at=T0, source="web", summary=s)
    with pytest.raises(InputError, match="ISO 8601"):
        register_session(db, subject="P", started_at="yesterday", source="sim", summary=s)
    with pytest.raises(InputError, match="JSON"):
        register_session(db, subject="P", started_at=T0, source="sim", summary={"x": object()})
    assert len(list_sessions(db)) == 1


def test_migrates_a_version_1_file(tmp_path: Path, summary: Callable[..., dict[str, Any]]) -> None:
    path = tmp_path / "v1.sqlite"
    con = sqlite3.connect(path)
    con.executescript(_V1)
    con.execute(
        "INSERT INTO sessions (subject, started_at, source, devices, summary, meta, created_at)"
        " VALUES ('P', '2026-10-01T00:00:00.000+00:00', 'live', '[]', ?, ?, 'x')",
        (json.dumps(summary(7.5)), json.dumps({"feedback": False})),
    )
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.commit()
    con.close()
    assert list_sessions(path)[0].summary["symmetry"]["step_length"]["si"] == 7.5  # v1 readable
    register_session(path, subject="P", started_at=T0, source="live", summary=summary(2.0))
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    rows = con.execute("SELECT step_length_si, feedback FROM sessions ORDER BY id").fetchall()
    assert rows == [(7.5, 0), (2.0, None)]


@pytest.mark.parametrize(
    "content",
    [b"name,si\nP1,3\n", b"SQLite format 3\x00" + bytes(range(256)) * 8],
    ids=["text-file", "damaged-sqlite"],
)
def test_foreign_or_damaged_file_is_refused_untouched(
    tmp_path: Path, content: bytes, summary: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_bytes(content)
    for call in (
        lambda: register_session(
            path, subject="P", started_at=T0, source="sim", summary=summary(1)
        ),
        lambda: list_sessions(path),
    ):
        with pytest.raises(InputError) as exc:
            call()
        assert "\n" not in str(exc.value) and "untouched" in str(exc.value)
    assert path.read_bytes() == content


def test_other_programs_sqlite_file_is_refused(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    path = tmp_path / "other.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE contacts (name TEXT)")
    con.commit()
    con.close()
    before = path.read_bytes()
    with pytest.raises(InputError, match="another program"):
        register_session(path, subject="P", started_at=T0, source="sim", summary=summary(1))
    with pytest.raises(InputError, match="another program"):
        list_sessions(path)
    assert path.read_bytes() == before


def test_newer_schema_is_refused(db: Path, summary: Callable[..., dict[str, Any]]) -> None:
    register_session(db, subject="P", started_at=T0, source="sim", summary=summary(1))
    con = sqlite3.connect(db)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    con.commit()
    con.close()
    with pytest.raises(InputError, match="newer"):
        list_sessions(db)


def test_missing_file_for_reading_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no history database"):
        list_sessions(tmp_path / "absent.sqlite")
    assert not (tmp_path / "absent.sqlite").exists()


def test_default_location_honours_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRIDE_HISTORY_DB", str(tmp_path / "h.sqlite"))
    assert default_db_path() == tmp_path / "h.sqlite"
    monkeypatch.delenv("STRIDE_HISTORY_DB")
    assert default_db_path().name == "history.sqlite"
    assert "stride" in default_db_path().parts


_WRITER = textwrap.dedent(
    """
    import sys
    from stride.history import register_session
    path, who, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    for i in range(n):
        register_session(path, subject=who, started_at=f"2026-11-01T00:00:{i % 60:02d}Z",
                         source="sim", summary={"steps": i, "symmetry": {"step_length": {"si": i}}},
                         meta={"i": i})
    """
)


@pytest.mark.slow
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "shared.sqlite"
    n = 150
    procs = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(path), who, str(n)])
        for who in ("A", "B")
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for who in ("A", "B"):
        got = sorted(s.meta["i"] for s in list_sessions(path, subject=who))
        assert got == list(range(n))


def test_a_history_that_cannot_be_kept_names_no_history_only_for_sessions(
    tmp_path: Path,
) -> None:
    """``stride history`` and ``stride report`` have no ``--no-history``: the fix offers it
    only to the sessions that have it."""
    from stride.history.connect import check_writable

    (tmp_path / "file").write_text("x")
    with pytest.raises(InputError) as err:
        check_writable(tmp_path / "file" / "h.db")
    assert (
        "pass --db a file in a folder (a live or simulated session can also run with "
        "--no-history)" in str(err.value)
    )
