"""What a simulator speedup does to a live session: step lengths against the truth and
against a real-time run of the same seed, wall and processor time, latency.

Not a test. Run: ``python benchmarks/sim_speedup.py [--seconds 60] [--speedups 1,5,10,20]
[--pty]``. Every run is ``--seconds`` of simulated walking on the same seed and profile,
the belt at 2.2 mph (a whole number of the Trackmaster's 0.1 mph steps), its speed read by
polling the simulated Trackmaster at 10 Hz. The world waits at its start until the session
has opened the box, so every run walks the same stretch of the walk. Side by side in one
run:

- ``in-process``: :func:`stride.testing.live_session` on ``stride_sim`` devices
  (``sim.harness``): ``stride live`` in this process on the world's clock, one run per
  speedup, after one warm-up run (the kernels compiled, as in a test session after its
  first test). A box-belt run (``box``: the box's own encoder) at the highest speedup too;
- with ``--pty``: ``stride live --speedup S --no-ui --json`` as a subprocess on the
  devices' pseudo-terminals, at 1x and at the highest speedup (what another program's CI
  runs; its wall time includes the interpreter's start-up, whose parts are measured in a
  subprocess of their own: imports, kernel warm-up).

Columns: steps, steps with a length; step length minus the true length (``truth_for``):
mean and largest; step length minus that of the first run's (1x) for the same true step:
how many, mean, largest, and how many steps the 1x run measured that this run did not
(between this run's first and last measured step);
wall seconds of the session (and of the whole process for subprocess runs); processor
seconds (of this process, which also runs the devices; of the ``stride live`` process for
subprocess runs, start-up included); latency p50/p99 (chunk arrival to step emitted, real ms).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from typing import Any

from sim.harness import SimDevices, start_devices
from sim.world import WorldOptions
from stride.testing import live_session

MPH = 0.44704
STARTUP = """
import time
t0 = time.perf_counter()
import stride.session.run
from stride.ingest.belt_source import BeltSource
from stride.ingest.pipeline import build_pipeline
t1 = time.perf_counter()
build_pipeline(None, BeltSource.from_treadmill_spec("trackmaster:x"), "trackmaster").warm()
t2 = time.perf_counter()
print(t1 - t0, t2 - t1)
"""


def world(seed: int, speedup: float) -> WorldOptions:
    return WorldOptions(
        seed=seed, speedup=speedup, profile="antalgic-left:0.4", speed_mps=2.2 * MPH
    )


def in_process(seconds: float, speedup: float, belt: str, seed: int) -> dict[str, Any]:
    with start_devices(world(seed, speedup), held_until_opened=True) as sim:
        t0, c0 = time.perf_counter(), time.process_time()
        doc = live_session(sim, seconds, belt=belt)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
        return measured(sim, doc, wall, cpu)


def subprocess_run(seconds: float, speedup: float, seed: int) -> dict[str, Any]:
    with start_devices(world(seed, speedup), held_until_opened=True) as sim:
        cmd = [sys.executable, "-m", "stride.cli.app", "live", "--port", sim.box]
        cmd += ["--treadmill", sim.treadmill_arg, "--no-ui", "--json", "--no-record"]
        cmd += ["--no-history", "--duration", f"{seconds:g}", "--speedup", f"{speedup:g}"]
        t0, c0 = time.perf_counter(), children_cpu()
        run = subprocess.run(cmd, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, children_cpu() - c0
        if run.returncode != 0:
            raise SystemExit(run.stderr)
        r = measured(sim, json.loads(run.stdout.splitlines()[-1]), wall, cpu)
        r["process_wall"] = wall
        r["wall"] = r["doc"]["session"]["wall_s"]
        return r


def children_cpu() -> float:
    use = resource.getrusage(resource.RUSAGE_CHILDREN)
    return use.ru_utime + use.ru_stime


def measured(sim: SimDevices, doc: dict[str, Any], wall: float, cpu: float) -> dict[str, Any]:
    truth = sim.truth_for(doc["steps"])
    pairs = [(s, t) for s, t in zip(doc["steps"], truth, strict=True) if t is not None]
    by_truth = {
        round(t["ic_s"], 6): s["step_length_m"] for s, t in pairs if s["step_length_m"] is not None
    }
    errors = [
        s["step_length_m"] - t["step_length_m"]
        for s, t in pairs
        if s["step_length_m"] is not None and t["step_length_m"] is not None
    ]
    return {"doc": doc, "wall": wall, "cpu": cpu, "errors": errors, "by_truth": by_truth}


def cm(values: list[float]) -> str:
    if not values:
        return "      -       -"
    return f"{statistics.mean(values) * 100:+6.2f} {max(map(abs, values)) * 100:7.2f}"


def row(name: str, r: dict[str, Any], reference: dict[float, float] | None) -> str:
    ref = reference or {}
    common = sorted(set(r["by_truth"]) & set(ref))
    diffs = [r["by_truth"][k] - ref[k] for k in common]
    lo, hi = min(r["by_truth"], default=0.0), max(r["by_truth"], default=0.0)
    lost = len({k for k in ref if lo <= k <= hi} - set(r["by_truth"]))
    doc = r["doc"]
    lat = doc["session"]["latency_ms"]
    whole = f" ({r['process_wall']:.1f})" if "process_wall" in r else ""
    return (
        f"{name:24s} {len(doc['steps']):5d} {len(r['by_truth']):5d} | {cm(r['errors'])} |"
        f" {len(diffs):4d} {cm(diffs)} {lost:4d} | {r['wall']:6.2f}{whole:8s} {r['cpu']:6.2f} |"
        f" {lat['p50']:6.1f} {lat['p99']:6.1f}"
    )


def startup() -> str:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", STARTUP], capture_output=True, text=True)
    total = time.perf_counter() - t0
    imports, warm = (float(x) for x in out.stdout.split())
    rest = total - imports - warm
    return (
        f"start-up of a stride process: {total:.2f} s = imports {imports:.2f} s"
        f" + kernel warm-up {warm:.2f} s + interpreter start and exit {rest:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="simulated walking per run")
    parser.add_argument("--speedups", default="1,5,10,20")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pty", action="store_true", help="also stride live subprocesses")
    args = parser.parse_args()
    speedups = [float(s) for s in args.speedups.split(",")]
    top = max(speedups)
    print(f"{args.seconds:g} s of simulated walking per run, seed {args.seed}")
    in_process(5.0, top, "treadmill", args.seed + 1)  # warm-up: kernels compiled
    print(
        "run                      steps   len | vs truth cm  |  vs 1x: n  mean cm  max"
        " lost |  wall s (proc)  cpu s | latency p50 p99 ms"
    )
    reference: dict[float, float] | None = None
    for speedup in speedups:
        r = in_process(args.seconds, speedup, "treadmill", args.seed)
        reference = reference if reference is not None else r["by_truth"]
        print(row(f"in-process {speedup:g}x trackmaster", r, reference), flush=True)
    r = in_process(args.seconds, top, "box", args.seed)
    print(row(f"in-process {top:g}x box belt", r, reference), flush=True)
    if args.pty:
        for speedup in sorted({speedups[0], top}):
            r = subprocess_run(args.seconds, speedup, args.seed)
            print(row(f"stride live {speedup:g}x (pty)", r, reference), flush=True)
        print(startup())


if __name__ == "__main__":
    main()
