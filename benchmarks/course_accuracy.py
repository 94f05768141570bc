"""Overground course mode against the simulator's truth, per gait profile and seed.

Not a test. Run: ``python benchmarks/course_accuracy.py [--seeds 6-15] [--minutes 2]``.
Each profile (severity 0.5) walks 10 m passes for the given minutes
(``stride sim session --overground``); the recording is analysed as ``stride analyze`` does.
Printed per run: the error of the mean step length against the truth's walking steps (turns
excluded), whether every pass closed by a turn has the truth's number of walking steps, how
many measured passes have the ends and step count of a true pass, and how many passes were
measured; then the worst error per profile.

The course-mode settings (``CourseParams``) and the simulated walker's approach to the end
line were chosen on seeds 1-5; seeds 6-15 (the default) were held out and are the figures
quoted in docs/metrics.md and README.md.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path


def seeds_of(text: str) -> list[int]:
    """``6-15`` or ``1,2,3`` (or both, comma-separated)."""
    out: list[int] = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def one(profile: str, seed: int, minutes: float, root: Path) -> tuple[float | None, bool, str, str]:
    from sim.cli_support import build_spec
    from sim.course_truth import closed_passes, matches, read_truth, walking_mean_m
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
    n = sum(x["n"] for x in sides if x["mean"] is not None)
    mean = sum(x["mean"] * x["n"] for x in sides if x["mean"] is not None) / n if n else None
    rows = read_truth(out)
    truth = closed_passes(rows)
    passes = s["course"]["passes"]  # type: ignore[index]
    closed = [p["steps"] for p in passes if p["ended_by"] == "turn"]
    measured = [p for p in passes if p["measured"]]
    right = sum(matches(p, truth) for p in measured)
    return (
        None if mean is None else mean / walking_mean_m(rows) - 1.0,
        closed == [p.steps for p in truth],
        f"{right}/{len(measured)}",
        f"{len(measured)}/{len(passes)}",
    )


def main() -> None:
    from sim.profiles import PROFILES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="6-15", help="held out: 6-15; chosen on: 1-5")
    ap.add_argument("--minutes", type=float, default=2.0)
    args = ap.parse_args()
    seeds = seeds_of(args.seeds)
    print(
        "profile                seed  mean step error  all passes as truth"
        "  measured right  measured"
    )
    worst: dict[str, float] = {}
    blank: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(PROFILES):
            profile = "healthy" if name == "healthy" else f"{name}:0.5"
            for seed in seeds:
                err, same, right, measured = one(profile, seed, args.minutes, Path(tmp))
                if err is None:
                    blank[profile] = blank.get(profile, 0) + 1
                    shown = "no pass measured"
                else:
                    worst[profile] = max(worst.get(profile, 0.0), abs(err))
                    shown = f"{100 * err:+14.2f} %"
                print(
                    f"{profile:22s} {seed:4d}  {shown:>16s}  {'yes' if same else 'NO':>19s}"
                    f"  {right:>14s}  {measured:>8s}"
                )
    print("worst |error| per profile:")
    for profile, w in worst.items():
        none = f", {blank[profile]} run(s) with no pass measured" if profile in blank else ""
        print(f"  {profile:22s} {100 * w:.2f} %  {'within 2 %' if w <= 0.02 else 'OVER 2 %'}{none}")


if __name__ == "__main__":
    main()
