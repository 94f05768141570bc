"""Overground course mode against the simulator's truth, per gait profile and seed.

Not a test. Run: ``python benchmarks/course_accuracy.py [--seeds 1,2,3,4,5] [--minutes 2]``.
Each profile (severity 0.5) walks 10 m passes for the given minutes
(``stride sim session --overground``); the recording is analysed as ``stride analyze`` does.
Printed per run: the error of the mean step length against the truth's walking steps (turns
excluded), whether every pass closed by a turn has the truth's number of walking steps,
and how many passes were measured; then the worst error per profile, and the documented
bound for one pass of n steps, 1 / (2 n + 1).
"""

from __future__ import annotations

import argparse
import csv
import tempfile
from pathlib import Path

import numpy as np


def truth_of(path: Path) -> tuple[float, list[int]]:
    rows = list(csv.DictReader((path / "truth_steps.csv").open()))
    walking = [
        float(r["step_length_m"]) for r in rows if r["step_length_m"] and "turn" not in r["flags"]
    ]
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
    return float(np.mean(walking)), passes


def one(profile: str, seed: int, minutes: float, root: Path) -> tuple[float, bool, str, int]:
    from sim.cli_support import build_spec
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    out = root / f"{profile.replace(':', '_')}-{seed}"
    spec = build_spec(
        minutes=minutes, speed="3.6kmh", profile=profile, seed=seed, rate=1000, overground=True
    )
    simulate_session(out, spec)
    _, result, _ = run(out, AnalysisConfig())
    s = result.summary
    sides = [s[k]["step_length_m"] for k in "LR"]  # type: ignore[index]
    n = sum(x["n"] for x in sides)
    mean = sum(x["mean"] * x["n"] for x in sides) / n
    truth_mean, truth_passes = truth_of(out)
    passes = s["course"]["passes"]  # type: ignore[index]
    closed = [p["steps"] for p in passes if p["ended_by"] == "turn"]
    measured = sum(bool(p["measured"]) for p in passes)
    return (
        mean / truth_mean - 1.0,
        closed == truth_passes,
        f"{measured}/{len(passes)}",
        (int(np.median(truth_passes)) if truth_passes else 0),
    )


def main() -> None:
    from sim.profiles import PROFILES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1,2,3,4,5")
    ap.add_argument("--minutes", type=float, default=2.0)
    args = ap.parse_args()
    seeds = [int(x) for x in args.seeds.split(",")]
    print("profile                seed  mean step error  passes as truth  measured")
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(PROFILES):
            profile = "healthy" if name == "healthy" else f"{name}:0.5"
            errs = []
            n = 0
            for seed in seeds:
                err, same, measured, n = one(profile, seed, args.minutes, Path(tmp))
                errs.append(err)
                print(
                    f"{profile:22s} {seed:4d}  {100 * err:+14.2f} %  {'yes' if same else 'NO':>15s}"
                    f"  {measured:>8s}"
                )
            bound = 100.0 / (2 * n + 1) if n else float("nan")
            print(
                f"{profile:22s} worst {100 * max(errs, key=abs):+.2f} % "
                f"({n} steps per pass: bound {bound:.1f} %)"
            )


if __name__ == "__main__":
    main()
