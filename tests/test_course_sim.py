"""Overground course mode against the simulator's truth, for every gait profile.

What ``stride sim session --overground --profile P --minutes 2 --seed N`` and then
``stride analyze`` give (here through the same functions, and once through the command
line): every pass closed by a turn has exactly the truth's walking steps; a pass cut off by
the end of the recording is never measured; the mean step length is within the documented
bound of the truth's walking steps (turns excluded), and within 2 % where that bound allows
(docs/metrics.md, "Course mode": the walker stops short of a pass's end by part of a step
that foot sensors cannot see, so one pass of n steps is known to 1 / (2 n + 1) of a step).
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli_support import build_spec
from sim.profiles import PROFILES
from sim.session import simulate_session
from stride.analysis import run
from stride.core.analyzer import AnalysisConfig

SEEDS = (1, 3)  # seed 3 of parkinsonian:0.5 has a freeze of gait in mid-pass


def _profile(name: str) -> str:
    return "healthy" if name == "healthy" else f"{name}:0.5"


def _truth(path: Path) -> tuple[float, list[int]]:
    """Mean true walking step (turns excluded) and the walking steps of each closed pass."""
    rows = list(csv.DictReader((path / "truth_steps.csv").open()))
    lengths = [float(r["step_length_m"]) for r in rows if r["step_length_m"]]
    walking = [x for x, r in zip(lengths, [r for r in rows if r["step_length_m"]], strict=True)
               if "turn" not in r["flags"]]  # fmt: skip
    # a pass is closed by a turn of two or more steps (one turn step at the very end of
    # the recording may as well be a pause: such a pass counts as cut off)
    passes: list[int] = []
    count = turning = 0
    for r in rows:
        if "turn" in r["flags"]:
            turning += 1
            if turning == 2:
                passes.append(count)
        else:
            if turning:
                count = 0
            turning = 0
            count += 1
    return float(np.mean(walking)), passes  # the last, unclosed, run is left out


def _mean_step(summary: dict[str, object]) -> float:
    sides = [summary[s]["step_length_m"] for s in "LR"]  # type: ignore[index]
    n = sum(s["n"] for s in sides)
    return sum(s["mean"] * s["n"] for s in sides) / n


def _check(summary: dict[str, object], truth_mean: float, truth_passes: list[int]) -> float:
    passes = summary["course"]["passes"]  # type: ignore[index]
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert [p["steps"] for p in closed] == truth_passes, "passes not told apart as the truth"
    # a pass the end of the recording cuts off is never measured
    assert all(p["ended_by"] == "turn" for p in passes if p["measured"])
    assert sum(p["measured"] for p in passes) >= len(truth_passes) - 1
    err = _mean_step(summary) / truth_mean - 1.0
    n = float(np.median(truth_passes))
    assert abs(err) <= 1.0 / (2 * n + 1), f"mean step length {100 * err:+.2f} %"
    return err


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_overground_passes_and_step_length_match_the_truth(name: str, tmp_path: Path) -> None:
    errors = []
    for seed in SEEDS:
        spec = build_spec(
            minutes=2.0, speed="3.6kmh", profile=_profile(name), seed=seed, rate=1000,
            overground=True,
        )  # fmt: skip
        out = tmp_path / f"seed{seed}"
        simulate_session(out, spec)
        _, result, _ = run(out, AnalysisConfig())
        truth_mean, truth_passes = _truth(out)
        errors.append(_check(result.summary, truth_mean, truth_passes))
    # the error is the walker's, not the seed's: the part of a step left before each end
    assert max(errors) - min(errors) < 0.006


@pytest.mark.slow
def test_overground_through_the_command_line(tmp_path: Path) -> None:
    out = tmp_path / "pk3"
    cmd = [sys.executable, "-m", "stride.cli.app"]
    sim = [*cmd, "sim", "session", "--overground", "--profile", "parkinsonian:0.5"]
    done = subprocess.run(
        [*sim, "--minutes", "2", "--seed", "3", "--out", str(out), "--no-history"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    analysed = subprocess.run([*cmd, "analyze", str(out), "--json"], capture_output=True, text=True)
    assert analysed.returncode == 0, analysed.stderr
    summary = json.loads(analysed.stdout)["summary"]
    truth_mean, truth_passes = _truth(out)
    err = _check(summary, truth_mean, truth_passes)
    assert abs(err) <= 0.02
