"""``--force`` replaces an earlier output, never recorded data: an output path that names a
file of the record being read (a stream file, session.json, a truth table, a WFDB header or
signal file, a gaitpdb file), another recording's stream file or the history database is
refused with one line, and the file is left byte for byte as it was."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import one_line_error, stride, stride_in_process

PHYSIONET = Path(__file__).resolve().parents[1] / "data" / "physionet"


@pytest.fixture(scope="module")
def work(
    tmp_path_factory: pytest.TempPathFactory,
    simulated_session: Callable[..., Path],
) -> Path:
    """A recording ``rec``, a second one ``other``, a WFDB record, a gaitpdb file and a
    history file, side by side."""
    box = tmp_path_factory.mktemp("outputs")
    simulated_session(box / "rec", minutes=0.5)
    simulated_session(box / "other", minutes=0.5)
    for name in ("als1.hea", "als1.let", "als1.rit"):
        shutil.copy(PHYSIONET / "gaitndd" / name, box / name)
    shutil.copy(PHYSIONET / "gaitpdb" / "GaCo01_01.txt", box / "GaCo01_01.txt")
    (box / "history.sqlite").write_bytes(b"SQLite format 3\x00" + bytes(84))
    return box


CASES = [
    ("rec", "--steps-csv", "rec/streams/box.rec"),
    ("rec", "--steps-csv", "rec/session.json"),
    ("rec", "--plot", "rec/truth_steps.csv"),
    ("rec", "--steps-csv", "other/streams/box.rec"),
    ("rec", "--steps-csv", "history.sqlite"),
    ("als1.hea", "--steps-csv", "als1.let"),
    ("als1.hea", "--steps-csv", "als1.hea"),
    ("GaCo01_01.txt", "--steps-csv", "GaCo01_01.txt"),
]


@pytest.mark.parametrize(("record", "option", "out"), CASES)
def test_analyze_force_never_replaces_recorded_data(
    work: Path, record: str, option: str, out: str
) -> None:
    before = (work / out).read_bytes()
    run = stride_in_process("analyze", record, option, out, "--force", cwd=work)
    one_line_error(run, option, out, "recorded data", "another file name")
    assert (work / out).read_bytes() == before


def test_analyze_force_still_replaces_an_earlier_output(work: Path) -> None:
    """The recording's own steps.csv is an output: --force replaces it as before."""
    run = stride_in_process("analyze", "rec", "--steps-csv", "rec/steps.csv", "--force", cwd=work)
    assert run.returncode == 0, run.stderr
    assert (work / "rec" / "steps.csv").read_text().startswith("side,")


@pytest.mark.parametrize("out", ["rec/session.json", "history.sqlite"])
def test_report_force_never_replaces_recorded_data(work: Path, out: str) -> None:
    before = (work / out).read_bytes()
    run = stride("report", "rec", "--out", out, "--force", cwd=work)  # a real process
    one_line_error(run, "--out", out, "recorded data")
    assert (work / out).read_bytes() == before
