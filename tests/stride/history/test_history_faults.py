"""The history under faults: read-only and full disks, damage, storing a session twice,
migrating a file written by the previous version, and ``stride history add DIR``."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import one_line_error, stride, stride_in_process
from fs_helpers import fill, set_read_only, small_disk

from stride.errors import FileSystemError, InputError
from stride.history import list_sessions, register_session
from stride.history.db import NewSession, check_writable, insert_rows, now_iso, prepare_row
from stride.history.schema import SCHEMA_VERSION

T0 = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
V2_FILE = Path(__file__).parents[2] / "data" / "history" / "v2-stride-0.1.0.sqlite"


def _rows(path: Path) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(path)
    try:
        return con.execute(
            "SELECT id, subject, source, session_key IS NOT NULL FROM sessions ORDER BY id"
        ).fetchall()
    finally:
        con.close()


def test_a_file_written_by_the_previous_version_is_read_then_migrated(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    shutil.copy(V2_FILE, path)
    before = path.read_bytes()
    old = list_sessions(path)  # a reader never migrates
    assert len(old) == 8 and path.read_bytes() == before
    register_session(
        path, subject="P3", started_at=T0, source="live", summary={"steps": 1}, meta={}
    )
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 3
    con.close()
    rows = _rows(path)
    # rows 1 and 2 repeated rows 3 and 4 exactly (the same cohort command run twice): gone;
    # 5 and 6 are the cohort without feedback: kept; 7 is the recording before --force
    # replaced it: kept without a key, 8 holds the key.
    assert rows == [
        (3, "P1", "recovery", 1),
        (4, "P1", "recovery", 1),
        (5, "P1", "recovery", 1),
        (6, "P1", "recovery", 1),
        (7, "P2", "sim", 0),
        (8, "P2", "sim", 1),
        (9, "P3", "live", 0),
    ]
    kept = {r.id: r for r in list_sessions(path)}
    assert {i: kept[i].summary for i in (3, 4, 5, 6, 7, 8)} == {
        r.id: r.summary for r in old if r.id in kept
    }


def test_the_same_cohort_stored_twice_is_stored_once(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    db = tmp_path / "h.sqlite"

    def row(index: int, feedback: bool) -> tuple[Any, ...]:
        meta = {"seed": 11 + index, "session_index": index, "feedback": feedback, "mode": "fast"}
        new = NewSession("P1", T0, "recovery", summary(1.0 + index), meta=meta)
        return prepare_row(new, now_iso())

    assert len(insert_rows(db, [row(0, True), row(1, True)])) == 2
    assert insert_rows(db, [row(0, True), row(1, True), row(2, True)]) == [3]
    assert len(insert_rows(db, [row(0, False)])) == 1  # without feedback: another session
    assert len(list_sessions(db)) == 4


def test_storing_a_recording_again_replaces_its_row(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    db = tmp_path / "h.sqlite"
    args = {"subject": "P", "started_at": T0, "source": "sim", "recording_path": "rec"}
    first = register_session(db, summary=summary(1.0), **args)
    again = register_session(db, summary=summary(9.0), **args)
    assert first == again
    (only,) = list_sessions(db)
    assert only.summary["symmetry"]["step_length"]["si"] == 9.0


def test_a_subject_or_path_that_is_not_utf8_is_one_line(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    db = tmp_path / "h.sqlite"
    for kw in ({"subject": "P\udcff"}, {"subject": "P", "recording_path": "rec\udcff"}):
        with pytest.raises(InputError, match="not UTF-8"):
            register_session(db, started_at=T0, source="sim", summary=summary(1.0), **kw)


def _wal_history(path: Path, summary: Callable[..., dict[str, Any]]) -> None:
    register_session(path, subject="P", started_at=T0, source="sim", summary=summary(2.0))
    con = sqlite3.connect(path)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


def test_a_healthy_wal_history_on_a_read_only_disk_is_read(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "h.sqlite"
        _wal_history(db, summary)
        set_read_only(disk)
        try:
            (got,) = list_sessions(db)
            assert got.subject == "P"
            run = stride_in_process("history", "--db", str(db), "--json")
            assert run.returncode == 0, run.stderr
            assert len(json.loads(run.stdout)["sessions"]) == 1
            with pytest.raises(FileSystemError, match="read-only"):
                register_session(db, subject="P", started_at=T0, source="sim", summary={})
            with pytest.raises(FileSystemError, match="read-only"):
                check_writable(db)
            with pytest.raises(FileSystemError, match="read-only"):
                check_writable(disk / "new.sqlite")
        finally:
            set_read_only(disk, False)


def test_a_full_disk_is_called_full_and_reading_still_works(
    tmp_path: Path, summary: Callable[..., dict[str, Any]]
) -> None:
    with small_disk(tmp_path / "disk") as disk:
        db = disk / "h.sqlite"
        _wal_history(db, summary)
        before = db.read_bytes()
        fill(disk)
        assert [r.subject for r in list_sessions(db)] == ["P"]
        run = stride_in_process("history", "--db", str(db))
        assert run.returncode == 0 and "damaged" not in run.stderr, run.stderr
        with pytest.raises(FileSystemError, match="disk is full"):
            register_session(db, subject="P", started_at=T0, source="sim", summary=summary(1))
        one_line_error(
            stride_in_process("history", "add", str(tmp_path), "--db", str(db)), "disk is full"
        )
        assert db.read_bytes() == before


def test_damage_is_called_damage(tmp_path: Path, summary: Callable[..., dict[str, Any]]) -> None:
    db = tmp_path / "h.sqlite"
    for i in range(40):
        register_session(db, subject=f"P{i}", started_at=T0, source="sim", summary=summary(1))
    raw = bytearray(db.read_bytes())
    raw[4096:8192] = b"\xa5" * 4096  # a page of the table overwritten
    db.write_bytes(bytes(raw))
    one_line_error(stride("history", "--db", str(db)), "damaged", "left untouched")
    assert db.read_bytes() == bytes(raw)


@pytest.fixture(scope="module")
def recording(
    tmp_path_factory: pytest.TempPathFactory, simulated_session: Callable[..., Path]
) -> Path:
    """``stride sim session --minutes 0.5 --no-history``: a copy of its own."""
    return simulated_session(tmp_path_factory.mktemp("rec") / "s", minutes=0.5)


def test_history_add_stores_a_recording_once(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    run = stride_in_process("history", "add", str(recording), "--db", str(db), "--subject", "P 7")
    assert run.returncode == 0, run.stderr
    assert "as history session 1 (P 7)" in run.stdout
    assert "next: stride history --subject 'P 7' --db" in run.stdout  # shell-quoted
    again = stride_in_process("history", "add", str(recording), "--db", str(db), "--subject", "P 7")
    assert "replaces the row stored before" in again.stdout
    (got,) = list_sessions(db)
    assert got.recording_path == str(recording.resolve()) and got.summary["steps"] > 20
    assert got.meta["added_later"] is True


def test_history_add_says_what_reading_a_damaged_recording_met(
    recording: Path, tmp_path: Path
) -> None:
    """A recording with a damaged stretch and a torn tail is stored, and said as
    ``stride analyze`` says it (a clean one says nothing)."""
    rec = tmp_path / "damaged"
    shutil.copytree(recording, rec)
    box = rec / "streams" / "box.rec"
    raw = bytearray(box.read_bytes())
    mid = len(raw) // 2
    raw[mid : mid + 300] = bytes(b ^ 0x5A for b in raw[mid : mid + 300])
    box.write_bytes(bytes(raw[:-700]))
    analysed = stride_in_process("analyze", str(rec))
    said = [ln for ln in analysed.stderr.splitlines() if "warning" in ln]
    assert said and "skipped 1 torn" in said[0]
    db = tmp_path / "h.sqlite"
    run = stride_in_process("history", "add", str(rec), "--db", str(db))
    assert run.returncode == 0, run.stderr
    assert [ln for ln in run.stderr.splitlines() if "warning" in ln] == said
    clean = stride_in_process("history", "add", str(recording), "--db", str(db))
    assert clean.returncode == 0 and "warning" not in clean.stderr
    assert len(list_sessions(db)) == 2


def test_history_add_refusals_are_one_line(recording: Path, tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    one_line_error(
        stride_in_process("history", "add", str(tmp_path / "none"), "--db", str(db)), "none"
    )
    (tmp_path / "notes.txt").write_text("x")
    one_line_error(
        stride_in_process("history", "add", str(recording), "--db", str(tmp_path / "notes.txt"))
    )
    assert (tmp_path / "notes.txt").read_text() == "x"
