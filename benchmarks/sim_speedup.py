"""What a simulator speedup does to a live session: step lengths against the truth and
against a real-time run of the same seed, wall time, latency.

Not a test. Run: ``python benchmarks/sim_speedup.py [--seconds 60] [--speedups 1,5,10,20]``.
Each run is ``stride live --no-ui --json`` (a subprocess, as a user runs it) on the
``stride_sim`` devices (``sim.harness``: box and Trackmaster on pseudo-terminals) for
``--seconds`` of simulated walking (``--duration`` = seconds / speedup), same seed and
profile, the belt at 2.2 mph (a whole number of the Trackmaster's 0.1 mph steps). A box-belt
run (``--treadmill box``: the box's own encoder, no polling) at the highest speedup is the
reference for what the host can keep up with. Side by side in one run:

- steps, and steps with a length (a length needs belt readings on the box's clock: the
  Trackmaster is polled at 10 Hz of the host's clock);
- step length minus the true length (``truth_for``): mean and largest;
- step length minus that of the real-time run for the same true step (speedup 1 first);
- wall time of the whole process (start-up included) and latency p50/p99 (frame arrival to
  step emitted, host milliseconds).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from sim.harness import start_devices
from sim.world import WorldOptions

MPH = 0.44704


def live_run(seconds: float, speedup: float, belt: str, seed: int) -> dict[str, Any]:
    options = WorldOptions(
        seed=seed, speedup=speedup, profile="antalgic-left:0.4", speed_mps=2.2 * MPH
    )
    with start_devices(options) as sim:
        treadmill = sim.treadmill_arg if belt == "trackmaster" else "box"
        cmd = [sys.executable, "-m", "stride.cli.app", "live", "--port", sim.box]
        cmd += ["--treadmill", treadmill, "--no-ui", "--json", "--no-record", "--no-history"]
        cmd += ["--duration", f"{seconds / speedup:g}"]
        t0 = time.perf_counter()
        run = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if run.returncode != 0:
            raise SystemExit(run.stderr)
        doc = json.loads(run.stdout.splitlines()[-1])
        truth = sim.truth_for(doc["steps"])
    by_truth = {
        round(t["ic_s"], 6): s["step_length_m"]
        for s, t in zip(doc["steps"], truth, strict=True)
        if t is not None and s["step_length_m"] is not None
    }
    errors = [
        s["step_length_m"] - t["step_length_m"]
        for s, t in zip(doc["steps"], truth, strict=True)
        if t is not None and s["step_length_m"] is not None and t["step_length_m"] is not None
    ]
    return {"doc": doc, "wall": wall, "errors": errors, "by_truth": by_truth}


def cm(values: list[float]) -> str:
    if not values:
        return "       -        -"
    return f"{statistics.mean(values) * 100:+7.2f} {max(map(abs, values)) * 100:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="simulated walking per run")
    parser.add_argument("--speedups", default="1,5,10,20")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    speedups = [float(s) for s in args.speedups.split(",")]
    runs = [(s, "trackmaster") for s in speedups] + [(max(speedups), "box")]
    print(f"{args.seconds:g} s of simulated walking per run, seed {args.seed}")
    print(
        "speedup belt         steps  w/len | vs truth (cm): mean   max | vs 1x (cm): n"
        "    mean   max |  wall s | latency p50 p99 ms"
    )
    reference: dict[float, float] | None = None
    for speedup, belt in runs:
        r = live_run(args.seconds, speedup, belt, args.seed)
        if speedup == 1 and belt == "trackmaster":
            reference = r["by_truth"]
        common = sorted(set(r["by_truth"]) & set(reference or {}))
        diffs = [r["by_truth"][k] - reference[k] for k in common] if reference else []
        doc = r["doc"]
        lat = doc["session"]["latency_ms"]
        print(
            f"{speedup:7g} {belt:12s} {len(doc['steps']):5d} {len(r['errors']):6d} |"
            f"          {cm(r['errors'])} | {len(diffs):4d} {cm(diffs)} |"
            f" {r['wall']:7.1f} | {lat['p50']:6.1f} {lat['p99']:6.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
