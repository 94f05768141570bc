"""benchmarks/contact_stress.py (docs/accuracy.md, "Signals the detector has not seen") runs
in its quick form (3 gaitndd records, 1 simulated minute a session, a few transformations)
and reports a row for each, so the table cannot rot between the runs that produce it."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _quick_rows(*args: str) -> tuple[subprocess.CompletedProcess[str], dict[str, list[str]]]:
    """``contact_stress.py --quick`` run as a user runs it, and its table's rows by name."""
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "contact_stress.py"), "--quick", *args],
        capture_output=True, text=True, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rows = {}
    for line in run.stdout.splitlines()[1:]:
        name, *rest = re.split(r"\s{2,}", line.strip())
        rows[name] = rest
    return run, rows


@pytest.mark.skipif(
    not (REPO / "data" / "physionet" / "gaitndd").is_dir(), reason="the gaitndd records are absent"
)
def test_contact_stress_quick_rows() -> None:
    run, rows = _quick_rows()
    assert set(rows) == {"as recorded", "100 Hz", "gain x3", "spikes 1/s", "dead 5 s (left)",
                         "inverted", "inverted (left)"}, run.stdout  # fmt: skip
    clean = float(rows["as recorded"][0])
    assert clean > 98.0
    assert rows["gain x3"] == rows["as recorded"]  # the levels are the signal's own
    # a glitch a second keeps the strides (without the glitch rules: under 1 %)
    assert float(rows["spikes 1/s"][0]) > clean - 2.0
    # a dead stretch loses its own strides and invents none in the simulated sessions
    assert int(rows["dead 5 s (left)"][8]) <= 1
    # one foot wired inverted is warned of on every record and session (3 and 4), both
    # feet inverted is not told from upright (docs/accuracy.md, "Inverted polarity")
    assert (rows["inverted (left)"][5], rows["inverted (left)"][11]) == ("3", "4")
    assert (rows["as recorded"][5], rows["as recorded"][11]) == ("0", "0")


@pytest.mark.skipif(
    not (REPO / "data" / "physionet" / "gaitndd").is_dir(), reason="the gaitndd records are absent"
)
def test_noise_figures_warn_of_8_percent_noise_only() -> None:
    only = ["noise 2 %", "noise 8 %", "50 Hz hum 5 %"]
    run, rows = _quick_rows("--noise-figures", "--only", *only)
    assert set(rows) == {"as recorded", *only}, run.stdout
    # 3 records and 4 simulated sessions: 6 and 8 feet
    assert [rows[n][-1] for n in ("as recorded", *only)] == ["0, 0", "0, 0", "6, 8", "0, 0"]
