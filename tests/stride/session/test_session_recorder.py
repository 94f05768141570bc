"""The live session's ``steps.csv`` is the one steps format: the recorder writes the rows
the session emitted exactly as ``stride analyze --steps-csv`` writes an analysis."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from stride.core.analyzer import AnalysisConfig, analyze
from stride.core.rows import STEP_COLUMNS, steps_csv_text
from stride.core.targets import Target
from stride.session.recorder import SessionRecorder


def test_recorder_steps_csv_is_the_analyze_format(
    synth_walk: Callable[..., Any], tmp_path: Path
) -> None:
    signals, _ = synth_walk(seconds=30.0, heel_toe=True)
    result = analyze(signals, AnalysisConfig(target=Target(0.6, 0.05, None)))
    # the live session holds its steps as JSON rows (what it printed with --json)
    rows = json.loads(json.dumps(result.step_rows()))
    assert len(rows) > 10
    rec = SessionRecorder(tmp_path / "rec", {"box": "sensorbox-v1"})
    rec.finish({}, {"steps": rows, "summary": {}})
    text = (tmp_path / "rec" / "steps.csv").read_text()
    assert text == steps_csv_text(result.step_rows()) == steps_csv_text(rows)
    table = list(csv.DictReader(text.splitlines()))
    assert tuple(table[0]) == STEP_COLUMNS
    assert len(table) == len(rows)
    first = next(r for r in rows if r["step_length_m"] is not None)
    row = table[rows.index(first)]
    assert float(row["step_length_m"]) == pytest.approx(first["step_length_m"], abs=0, rel=0)
    assert row["on_target"] in ("0", "1")


def test_rows_missing_keys_give_empty_fields() -> None:
    text = steps_csv_text([{"side": "L", "ic_s": 1.5, "flags": ["a", "b"]}])
    header, line = text.splitlines()
    cells = dict(zip(header.split(","), line.split(","), strict=True))
    assert cells["side"] == "L" and cells["ic_s"] == "1.5" and cells["flags"] == "a;b"
    assert cells["step_length_m"] == "" and cells["peak"] == ""


def test_a_stopped_recording_names_the_seconds_of_the_session_clock(tmp_path: Path) -> None:
    """With ``--speedup`` the session runs on the devices' clock: the recording that stops
    says when in those seconds (as the dashboard counts them), not in wall seconds."""
    import shutil

    now = [100.0]
    rec = SessionRecorder(tmp_path / "rec", {"box": "sensorbox-v1"}, clock=lambda: now[0])
    told: list[str] = []
    rec.on_failure = told.append
    rec.append("box", b"\x00" * 16, 100.0)
    now[0] = 107.5  # 7.5 s of the session later (a fraction of that in wall time)
    shutil.rmtree(tmp_path / "rec")
    rec.check()
    assert rec.failure is not None and rec.failure.startswith("recording stopped after 7.5 s")
    assert told == [rec.failure]


def test_a_recording_folder_moved_mid_session_is_followed(tmp_path: Path) -> None:
    """A folder renamed under a running session (a user tidying up) was taken for removed:
    the recording stopped there, its end never written, the session exit 1. The session
    records on in the folder where it is now, and says so once."""
    from devices.recording import SessionReader

    rec = SessionRecorder(tmp_path / "rec", {"box": "sensorbox-v1"}, clock=lambda: 0.0)
    rec.append("box", b"\x01" * 16, 1.0)
    (tmp_path / "rec").rename(tmp_path / "moved")
    said = rec.check()
    moved = f"was moved to {tmp_path / 'moved'}: the session records there"
    assert said == f"the recording folder {tmp_path / 'rec'} {moved}"
    assert rec.path == tmp_path / "moved" and rec.failure is None
    assert rec.check() is None  # said once
    rec.append("box", b"\x02" * 16, 2.0)
    assert rec.finish({"subject": "P01"}, {"steps": [], "summary": {}}) == []
    reader = SessionReader(tmp_path / "moved")
    assert reader.complete and reader.meta["subject"] == "P01"
    assert [data for _, data in reader.chunks("box")] == [b"\x01" * 16, b"\x02" * 16]
    assert (tmp_path / "moved" / "summary.json").is_file() and not (tmp_path / "rec").exists()
