"""What the simulator's turn steps look like to foot sensors, against its walking steps.

Not a test. Run: ``python benchmarks/turn_signature.py [--seeds 1-25] [--minutes 2]``.
Each profile (severity 0.5) walks 10 m passes (``stride sim session --overground``); the
recording is analysed as ``stride analyze`` does and each step row is matched to the
truth's step (``truth_steps.csv``, flag ``turn``). Printed per profile, for the truth's turn
steps and walking steps: the median (5th-95th percentile) of the step-time ratio (course
mode's, :func:`stride.core.step_ratios.step_ratios`), of the swing share of the step time
(the rest is the double support after the other foot landed), of the stance over the
swing, of the peak force and of the heel-to-toe time; and the share of turn steps whose
step-time ratio is at most 1.25 (course mode's slow threshold).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import numpy as np


def seeds_of(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def truth_turns(out: Path) -> tuple[Any, np.ndarray, np.ndarray]:
    """Session ``out``'s analysed steps table, which of its rows the truth has (a true
    IC within 50 ms) and whether the nearest true step is a turn's."""
    from sim.course_truth import read_truth
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    _, result, _ = run(out, AnalysisConfig())
    t = result.steps
    rows = read_truth(out)
    tic = np.array([float(r["ic_s"]) for r in rows])
    turn = np.array(["turn" in r["flags"] for r in rows])
    ic = t["ic_s"]
    near = np.argmin(np.abs(tic[None, :] - ic[:, None]), axis=1)
    return t, np.abs(tic[near] - ic) < 0.05, turn[near]


def columns(out: Path) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """The analysed rows' features and whether the truth flags each row's step a turn."""
    from stride.core.step_ratios import step_ratios

    t, matched, turn = truth_turns(out)
    step, swing, stance = t["step_time_s"], t["swing_s"], t["stance_s"]
    with np.errstate(invalid="ignore", divide="ignore"):
        feats = {
            "step-time ratio": step_ratios(t),
            "swing / step time": swing / step,
            "stance / swing": stance / swing,
            "peak force": t["peak"],
            "heel-to-toe s": t["heel_toe_s"],
        }
    keep = {k: v[matched] for k, v in feats.items()}
    return keep, turn[matched]


def main() -> None:
    from sim.cli_support import build_spec
    from sim.profiles import PROFILES
    from sim.session import simulate_session

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-25")
    ap.add_argument("--minutes", type=float, default=2.0)
    args = ap.parse_args()

    def show(x: np.ndarray) -> str:
        x = x[np.isfinite(x)]
        p5, p50, p95 = np.percentile(x, [5, 50, 95])
        return f"{p50:7.3f} ({p5:.3f}-{p95:.3f})"

    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(PROFILES):
            profile = "healthy" if name == "healthy" else f"{name}:0.5"
            parts: list[tuple[dict[str, np.ndarray], np.ndarray]] = []
            for seed in seeds_of(args.seeds):
                out = Path(tmp) / f"{name}-{seed}"
                spec = build_spec(
                    minutes=args.minutes, speed="3.6kmh", profile=profile, seed=seed,
                    rate=1000, overground=True,
                )  # fmt: skip
                simulate_session(out, spec)
                parts.append(columns(out))
            turn = np.concatenate([p[1] for p in parts])
            ratio = np.concatenate([p[0]["step-time ratio"] for p in parts])
            quick = 100 * np.mean(ratio[turn & np.isfinite(ratio)] <= 1.25)
            print(
                f"{profile}: {turn.sum()} turn steps, {(~turn).sum()} walking steps; "
                f"turn steps with a step-time ratio at most 1.25: {quick:.1f} %"
            )
            for key in parts[0][0]:
                x = np.concatenate([p[0][key] for p in parts])
                print(f"  {key:18s} turn {show(x[turn])}   walking {show(x[~turn])}")


if __name__ == "__main__":
    main()
