"""Without --record, a session records into a folder of its own under ./sessions, claimed
by creating it: a second session started in the same second, which chose the same name,
takes the next (``-2``); it used to be refused for a folder it was never given (and
``--force``, the fix the refusal offered, would have replaced the first's recording)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import stride_in_process  # type: ignore[import-not-found]

from stride.session import run as run_module
from stride.session.recorder import open_recorder

STAMP = "20260101-120000"


def _other_session(folder: Path) -> None:
    folder.mkdir(parents=True)
    (folder / "session.json").write_text('{"format": "stride-session", "other": true}')


def test_a_demo_whose_default_folder_another_session_took_records_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = Path("sessions") / STAMP
    checked = run_module.check_record_dir

    def check_then_taken(record_dir: Path, *, force: bool) -> None:
        checked(record_dir, force=force)  # free when checked at start-up ...
        _other_session(tmp_path / planned)  # ... and taken by another session right after

    monkeypatch.setattr(run_module, "default_record_dir", lambda: planned)
    monkeypatch.setattr(run_module, "check_record_dir", check_then_taken)
    run = stride_in_process(
        "demo", "--duration", "2", "--no-ui", "--json", "--no-history", cwd=tmp_path
    )
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout.splitlines()[-1])
    assert Path(doc["session"]["recording"]) == planned.with_name(f"{STAMP}-2")
    assert (tmp_path / "sessions" / f"{STAMP}-2" / "streams" / "box.rec").is_file()
    other = json.loads((tmp_path / planned / "session.json").read_text())
    assert other == {"format": "stride-session", "other": True}  # untouched
    assert sorted(p.name for p in (tmp_path / planned).iterdir()) == ["session.json"]


def test_the_planned_folder_is_taken_when_free_and_a_failed_recorder_leaves_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    planned = tmp_path / "sessions" / STAMP
    rec = open_recorder(None, planned, {"box": "sensorbox-v1"}, force=False, clock=lambda: 0.0)
    assert rec.path == planned and rec.made_folder
    rec.writer.close()

    def refuse(*_: Any, **__: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("stride.session.recorder.SessionWriter", refuse)
    with pytest.raises(OSError):
        open_recorder(None, planned, {"box": "sensorbox-v1"}, force=False, clock=lambda: 0.0)
    assert not planned.with_name(f"{STAMP}-2").exists()  # claimed, then given back
