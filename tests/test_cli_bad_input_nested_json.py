"""JSON nested too deeply to read (``[[[[...``: damage, or a file made to crash a reader)
in a file stride reads is one line, or a damaged row skipped as any other: it was a
RecursionError's traceback from every command that read it."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride_in_process

DEEP = "[" * 100_000 + "]" * 100_000


def _deep_recording(folder: Path) -> Path:
    (folder / "streams").mkdir(parents=True)
    (folder / "session.json").write_text('{"format": "stride-session", "x": ' + DEEP + "}")
    return folder


@pytest.mark.parametrize(
    "command", [["analyze"], ["replay"], ["report"], ["history", "add"]], ids=" ".join
)
def test_a_session_json_nested_too_deeply_is_one_line(tmp_path: Path, command: list[str]) -> None:
    rec = _deep_recording(tmp_path / "rec")
    run = stride_in_process(*command, str(rec), cwd=tmp_path)
    one_line_error(run, "session.json")
    assert "nested too deeply" in run.stderr or "recursion" in run.stderr, run.stderr


def test_force_over_a_folder_with_such_a_session_json_is_not_a_traceback(tmp_path: Path) -> None:
    rec = _deep_recording(tmp_path / "rec")
    run = stride_in_process(
        "sim", "session", "--out", str(rec), "--minutes", "0.2", "--force", "--no-history"
    )
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert json.loads((rec / "session.json").read_text())["format"] == "stride-session"


def test_a_csv_map_file_nested_too_deeply_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "map.json").write_text(DEEP)
    run = stride_in_process("live", "--port", "loop://", "--csv-map", str(tmp_path / "map.json"))
    one_line_error(run, "--csv-map", "is not a JSON file")


def test_a_history_row_nested_too_deeply_is_skipped_and_named(tmp_path: Path) -> None:
    from stride.history import register_session

    db = tmp_path / "h.sqlite"
    for day in (5, 6):
        register_session(
            db,
            subject="P1",
            started_at=datetime(2026, 1, day, tzinfo=UTC),
            source="live",
            devices=[],
            target={},
            summary={"steps": 10},
            recording_path=None,
            meta={},
        )
    con = sqlite3.connect(db)
    con.execute("UPDATE sessions SET summary = ? WHERE id = 1", (DEEP,))
    con.commit()
    con.close()
    run = stride_in_process("history", "--db", str(db), "--json")
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr
    assert "session 1 is damaged" in run.stderr
    assert [s["id"] for s in json.loads(run.stdout)["sessions"]] == [2]
