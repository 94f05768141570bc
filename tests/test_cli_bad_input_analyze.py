"""Bad input to ``stride analyze``: one line on stderr and exit 1, checked before the
analysis runs; a damaged recording is analysed but the skipped damage is said (stderr
warning, and a ``recording`` field in --json)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from cli_helpers import one_line_error as _one_line_error
from cli_helpers import stride as _stride


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A half-minute simulated session (sensor-box stream only)."""
    out = tmp_path_factory.mktemp("rec") / "s"
    run = _stride(
        "sim", "session", "--out", str(out), "--minutes", "0.5", "--seed", "1", "--no-history"
    )
    assert run.returncode == 0, run.stderr
    return out


@pytest.mark.parametrize("option,name", [("--steps-csv", "s.csv"), ("--plot", "s.png")])
def test_output_under_a_file_is_one_line_and_the_file_is_kept(
    recording: Path, tmp_path: Path, option: str, name: str
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    run = _stride("analyze", str(recording), option, str(notes / name))
    _one_line_error(run, str(notes), "is a file")
    assert notes.read_text() == "keep me"


def test_output_in_a_missing_folder_is_one_line(recording: Path, tmp_path: Path) -> None:
    run = _stride("analyze", str(recording), "--steps-csv", str(tmp_path / "nope" / "s.csv"))
    _one_line_error(run, "does not exist")


def test_a_300_m_line_target_is_refused(recording: Path) -> None:
    run = _stride("analyze", str(recording), "--spacing", "0.3", "--lines-per-step", "1000")
    _one_line_error(run, "--lines-per-step 1000", "300 m")


def test_a_plausible_line_target_is_accepted(recording: Path) -> None:
    run = _stride("analyze", str(recording), "--spacing", "0.3", "--lines-per-step", "2", "--json")
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["summary"]["target"]["step_length_m"] == pytest.approx(0.6)


def _damaged(recording: Path, tmp_path: Path, how: str) -> Path:
    rec = tmp_path / "copy"
    shutil.copytree(recording, rec)
    box = rec / "streams" / "box.rec"
    if how == "zeros":
        with box.open("r+b") as f:
            f.seek(60000)
            f.write(bytes(100))
    else:
        os.truncate(box, box.stat().st_size - 37)
    return rec


@pytest.mark.parametrize("how", ["zeros", "tail"])
def test_damaged_recording_is_analysed_with_the_damage_said(
    recording: Path, tmp_path: Path, how: str
) -> None:
    rec = _damaged(recording, tmp_path, how)
    run = _stride("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stride: warning: stream 'box'"), run.stderr
    doc = json.loads(run.stdout)
    assert {"summary", "steps", "timing"} <= doc.keys()
    damage = doc["recording"]
    assert damage["stream"] == "box"
    assert damage["skipped_chunks"] == 1
    assert damage["torn_tail"] is (how == "tail")
    assert damage["bytes_skipped"] > 0
    table = _stride("analyze", str(rec))
    assert table.returncode == 0 and "stride: warning:" in table.stderr


def test_clean_recording_has_no_warning_and_zero_damage(recording: Path) -> None:
    run = _stride("analyze", str(recording), "--json")
    assert run.returncode == 0 and run.stderr == ""
    damage = json.loads(run.stdout)["recording"]
    recorded = damage.pop("recorded_s")
    assert damage == {
        "stream": "box",
        "skipped_chunks": 0,
        "torn_tail": False,
        "bytes_skipped": 0,
        "complete": True,
    }
    assert 29.0 < recorded <= 30.1  # the 0.5-minute session's box stream
