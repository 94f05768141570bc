"""JSON nested too deeply to read (``[[[[...``: damage, or a file made to crash a reader)
in a file stride reads is one line, or a damaged row skipped as any other: it was a
RecursionError's traceback from every command that read it. (A history row nested too
deeply: ``test_history_skips_and_names_a_damaged_row`` in test_cli_bad_input.py.)"""

from __future__ import annotations

import json
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
