"""Bad input to overground course mode (step lengths from passes of a known length): a
pass length that is not a length, in session.json or on the command line, and a pass
length given for a record that has a belt. Each has a defined outcome, never a traceback:
a damaged stored pass length is said and left out (as a damaged stored target is), an
infinite ``--pass-length`` is a usage error, and a pass length a belt makes moot is said
rather than silently ignored.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from cli_helpers import stride_in_process as _stride
from cli_helpers import without_kernel_notice


@pytest.fixture(scope="module")
def overground(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``stride sim session --overground --minutes 0.5 --seed 1 --no-history``: 10 m passes."""
    out = tmp_path_factory.mktemp("overground") / "s"
    run = _stride(
        "sim", "session", "--out", str(out), "--minutes", "0.5", "--overground",
        "--seed", "1", "--no-history",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return out


def _with_pass_length(overground: Path, tmp_path: Path, text: str) -> Path:
    """A copy of the recording whose session.json stores ``text`` (JSON) as its pass length."""
    rec = tmp_path / "copy"
    shutil.copytree(overground, rec)
    doc = json.loads((rec / "session.json").read_text())
    doc["sim"]["pass_length_m"] = "@@"
    (rec / "session.json").write_text(json.dumps(doc).replace('"@@"', text))
    return rec


@pytest.mark.parametrize("text", ["-1", "0", "Infinity", "NaN", "null", '"10"', "true"])
def test_a_damaged_stored_pass_length_is_said_and_left_out(
    overground: Path, tmp_path: Path, text: str
) -> None:
    rec = _with_pass_length(overground, tmp_path, text)
    run = _stride("analyze", str(rec), "--json")
    assert "Traceback" not in run.stderr
    assert run.returncode == 0, run.stderr
    lines = without_kernel_notice(run.stderr).strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("stride: warning: session.json of"), lines
    assert "corrupt pass length" in lines[0] and "--pass-length" in lines[0]
    doc = json.loads(run.stdout)
    assert "course" not in doc["summary"]
    assert any("corrupt pass length" in w for w in doc["warnings"])
    # the option gives what the file lost, and then nothing is said about the file
    fixed = _stride("analyze", str(rec), "--json", "--pass-length", "10")
    assert fixed.returncode == 0 and "corrupt" not in fixed.stderr, fixed.stderr
    assert json.loads(fixed.stdout)["summary"]["course"]["pass_length_m"] == 10


def test_a_stored_pass_length_is_used_without_a_word(overground: Path) -> None:
    run = _stride("analyze", str(overground), "--json")
    assert run.returncode == 0 and without_kernel_notice(run.stderr) == "", run.stderr
    doc = json.loads(run.stdout)
    assert doc["summary"]["course"]["pass_length_m"] == 10
    assert "warnings" not in doc


@pytest.mark.parametrize("value", ["inf", "-inf", "nan", "0", "-3"])
def test_a_pass_length_that_is_not_a_length_is_a_usage_error(overground: Path, value: str) -> None:
    run = _stride("analyze", str(overground), "--pass-length", value)
    assert run.returncode == 2, run.stderr
    assert "Traceback" not in run.stderr and "--pass-length" in run.stderr


def test_a_pass_length_for_a_record_with_a_belt_is_said_not_ignored(
    tmp_path: Path, simulated_session: Callable[..., Path]
) -> None:
    """A treadmill recording (belt speed from the box) with ``--pass-length``: the lengths
    stay the belt's, and a warning says the option was not used, alone and among several."""
    rec = simulated_session(tmp_path / "s", minutes=0.5, seed=1)
    plain = json.loads(_stride("analyze", str(rec), "--json").stdout)
    run = _stride("analyze", str(rec), "--json", "--pass-length", "10")
    assert run.returncode == 0, run.stderr
    lines = without_kernel_notice(run.stderr).strip().splitlines()
    assert len(lines) == 1 and "has a belt" in lines[0], run.stderr
    assert lines[0].startswith("stride: warning: ")
    doc = json.loads(run.stdout)
    assert "course" not in doc["summary"]
    assert [s["step_length_m"] for s in doc["steps"]] == [
        s["step_length_m"] for s in plain["steps"]
    ]
    assert any("has a belt" in w for w in doc["summary"]["warnings"])
    many = _stride("analyze", str(rec), str(rec), "--pass-length", "10", "--workers", "1")
    assert many.returncode == 0, many.stderr
    said = [line for line in many.stderr.splitlines() if "has a belt" in line]
    assert len(said) == 2 and all(str(rec) in line for line in said), many.stderr
