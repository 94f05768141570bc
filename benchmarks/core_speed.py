"""Speed of the gait core: events + steps + summary over 4-channel int16 data.

Not a test. Run: ``python benchmarks/core_speed.py [--points N]``. Reports, measured side by
side in this run:

1. throughput of the whole batch pipeline (contacts -> steps -> summary) in time points
   per second, and as a ratio to one numpy copy of the same force array (goal: within 8x,
   aim 3x), with where the time goes (contacts, gap scan, steps, summary); each figure is
   the minimum CPU time of ``--repeat`` runs;
2. numba compile time on a cold cache (a subprocess with an empty NUMBA_CACHE_DIR) and the
   same subprocess with a warm cache;
3. wall time of ``stride analyze --json`` on a 5-minute 1 kHz sensor-box recording
   (warm cache), and on a 5-minute PhysioNet record (tests/data/gaitndd/control1).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from stride.core.signals import GaitSignals

REPO = Path(__file__).resolve().parents[1]


def synthetic(points: int, fs: float = 1000.0, seed: int = 7) -> GaitSignals:
    """Heel and toe sensors per foot, int16, walking at 1.1 s strides with jitter."""
    from stride.core.signals import Channel, GaitSignals

    rng = np.random.default_rng(seed)
    t = np.arange(points) / fs
    stride = 1.1 + 0.02 * rng.standard_normal(int(points / fs / 1.1) + 2)
    ics = np.concatenate([[0.2], 0.2 + np.cumsum(stride)])
    forces = np.empty((points, 4), np.int16)
    for k, (shift, delay) in enumerate(((0.0, 0.0), (0.0, 0.06), (0.55, 0.0), (0.55, 0.06))):
        idx = np.searchsorted(ics + shift, t, side="right") - 1
        phase = t - (ics + shift)[np.maximum(idx, 0)] - delay
        load = (idx >= 0) & (phase >= 0) & (phase < 0.62 * 1.1 - delay)
        forces[:, k] = np.where(load, 700, 40) + rng.integers(-4, 5, points)
    belt_t = np.arange(0.0, points / fs, 0.02)
    belt_v = (1.0 + 0.01 * np.sin(belt_t))[:, None]
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "heel"), Channel("R", "toe"))
    return GaitSignals(t, forces, chans, fs, belt_t, belt_v)


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Minimum CPU time of ``repeat`` runs: the process time, so other programs on a shared
    machine disturb it less than wall time (the kernels are single-threaded)."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def throughput(points: int, repeat: int) -> dict[str, float]:
    from stride.core.analyzer import SIDES, analyze, analyze_contacts
    from stride.core.contacts import detect_contacts
    from stride.core.gaps import find_gaps

    sig = synthetic(points)
    analyze(synthetic(20_000))  # compile / load from cache
    forces = sig.forces
    copy_s = best_of(lambda: forces.copy(), repeat)
    total_s = best_of(lambda: analyze(sig), repeat)
    contacts_s = best_of(lambda: [detect_contacts(sig, s) for s in SIDES], repeat)
    gaps_s = best_of(lambda: find_gaps(sig.t, forces, sig.fs), repeat)
    result = analyze(sig)
    after_s = best_of(lambda: analyze_contacts(sig, result.contacts), repeat)
    steps_summary_s = max(after_s - gaps_s, 0.0)
    stages = contacts_s + after_s
    return {
        "timer": "CPU time, minimum of repeats",
        "points": points,
        "numpy_copy_s": copy_s,
        "pipeline_s": total_s,
        "points_per_s": points / total_s,
        "ratio_to_copy": total_s / copy_s,
        "contacts_s": contacts_s,
        "gap_scan_s": gaps_s,
        "gaps_steps_summary_s": after_s,
        "steps_and_summary_s": steps_summary_s,
        "points_per_s_after_contacts": points / after_s,
        "share_contacts": contacts_s / stages,
        "share_gap_scan": gaps_s / stages,
        "share_steps_and_summary": steps_summary_s / stages,
        "steps": len(result.steps),
    }


_COLD = (
    "import time; t0 = time.perf_counter()\n"
    "import sys; sys.path.insert(0, {repo!r})\n"
    "from benchmarks.core_speed import synthetic\n"
    "from stride.core.analyzer import analyze\n"
    "t1 = time.perf_counter(); analyze(synthetic(20000)); t2 = time.perf_counter()\n"
    "print(t1 - t0, t2 - t1)\n"
)


def compile_times() -> dict[str, float]:
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):  # first: cold cache; second: the cache it wrote
            out = subprocess.run(
                [sys.executable, "-c", _COLD.format(repo=str(REPO))],
                capture_output=True,
                text=True,
                env=env,
                check=True,
                cwd=REPO,
            )
            runs.append([float(x) for x in out.stdout.split()])
    return {
        "import_s": runs[0][0],
        "first_analysis_cold_cache_s": runs[0][1],
        "first_analysis_warm_cache_s": runs[1][1],
    }


def cli_times() -> dict[str, float]:
    sys.path.insert(0, str(REPO / "tests" / "stride"))
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        sig = synthetic(300_000)
        session = Path(tmp) / "five_minutes"
        write_box_session(session, box_wire(sig), per_chunk=50)
        records = {"session_5min_1kHz_4ch": session}
        hea = REPO / "tests" / "data" / "gaitndd" / "control1.hea"
        if hea.exists():
            records["gaitndd_control1_5min_300Hz"] = hea
        for name, path in records.items():
            cmd = [sys.executable, "-m", "stride.cli.app", "analyze", str(path), "--json"]
            walls = []
            for _ in range(3):
                t0 = time.perf_counter()
                res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
                walls.append(time.perf_counter() - t0)
                if res.returncode != 0:
                    out[f"{name}_error"] = float("nan")
                    print(f"{name}: {res.stderr.strip()}", file=sys.stderr)
                    break
            else:
                doc = json.loads(res.stdout)
                out[f"{name}_wall_s"] = min(walls[1:])
                out[f"{name}_read_s"] = doc["timing"]["read_s"]
                out[f"{name}_analysis_s"] = doc["timing"]["analysis_s"]
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=20_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--skip-compile", action="store_true")
    args = ap.parse_args()
    report: dict[str, object] = {"throughput": throughput(args.points, args.repeat)}
    if not args.skip_compile:
        report["compile"] = compile_times()
    if not args.skip_cli:
        report["stride_analyze"] = cli_times()
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
