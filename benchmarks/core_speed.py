"""Speed of the gait core (events + steps + summary) on realistic signals.

Not a test. Run: ``python benchmarks/core_speed.py [--minutes 10] [--repeat 5]
[--skip-compile] [--skip-cli] [--json]``. Everything is measured side by side in this run,
each figure the minimum CPU time of ``--repeat`` runs (process time: other programs on a
shared machine disturb it less than wall time; the kernels are single-threaded):

1. throughput of ``stride.core.analyzer.analyze`` (contacts -> steps -> summary) and of the
   contact scan alone (both feet), in time points per second and as a ratio to one numpy
   copy of the same force array, on
   - simulated sessions of every profile, heel + toe (4 channels) and insole (16 channels)
     sensors, 1 kHz, as recorded (int16 counts; ``benchmarks/realistic.py``),
   - the real gaitndd records concatenated (300 Hz, 2 channels),
   - the square wave of earlier versions: the best case (labelled so);
2. numba compile time on a cold cache (an empty NUMBA_CACHE_DIR, in a subprocess) of the
   kernels ``stride analyze`` needs, and the same with the cache it wrote;
3. ``stride analyze --json`` of a 60-minute 1 kHz healthy session (warm cache): its
   ``timing.analysis_s`` beside one copy of the recorded int16 array.
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
sys.path.insert(0, str(REPO))

from benchmarks.realistic import (  # noqa: E402
    gaitndd_concatenated,
    simulated,
    square_wave,
)

PROFILES = (
    "healthy",
    "antalgic-left:0.5",
    "antalgic-right:0.5",
    "hemiparetic-left:0.5",
    "hemiparetic-right:0.5",
    "parkinsonian:0.5",
    "drop-foot-left:0.5",
    "drop-foot-right:0.5",
    "huntington:0.6",
)
LAYOUTS = ("heel-toe", "insole8")


def best_of(fn: Callable[[], object], repeat: int) -> float:
    """Minimum CPU time of ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def measure(sig: GaitSignals, repeat: int) -> dict[str, float]:
    """Copy, contacts (both feet) and the whole analysis of one signal."""
    from stride.core.analyzer import SIDES, analyze
    from stride.core.contacts import detect_feet

    forces = np.asarray(sig.forces)
    analyze(sig)  # compile / load from the cache
    copy_s = best_of(forces.copy, repeat)
    contacts_s = best_of(lambda: detect_feet(sig, SIDES), repeat)
    total_s = best_of(lambda: analyze(sig), repeat)
    return {
        "points": sig.n,
        "channels": forces.shape[1],
        "dtype": str(forces.dtype),
        "copy_ms": 1e3 * copy_s,
        "contacts_ms": 1e3 * contacts_s,
        "analysis_ms": 1e3 * total_s,
        "contacts_mpts_s": sig.n / contacts_s / 1e6,
        "analysis_mpts_s": sig.n / total_s / 1e6,
        "analysis_x_copy": total_s / copy_s,
        "steps": len(analyze(sig).steps),
    }


def throughput(minutes: float, repeat: int, layouts: tuple[str, ...]) -> dict[str, dict]:
    from sim.profiles import PROFILES as KNOWN

    out: dict[str, dict] = {}
    for layout in layouts:
        for prof in PROFILES:
            if prof.split(":")[0] not in KNOWN:
                continue
            sig = simulated(prof, layout, minutes)
            out[f"sim {prof} {layout}"] = measure(sig, repeat)
    out["gaitndd concatenated (real, 300 Hz)"] = measure(gaitndd_concatenated(), repeat)
    n = int(minutes * 60_000)
    out["square wave (best case)"] = measure(square_wave(n), repeat)
    return out


_COLD = (
    "import time; t0 = time.process_time(); w0 = time.perf_counter()\n"
    "import sys; sys.path.insert(0, {repo!r})\n"
    "from benchmarks.realistic import square_wave\n"
    "from stride.core.analyzer import analyze\n"
    "sig = square_wave(20000)\n"
    "t1 = time.process_time(); w1 = time.perf_counter(); analyze(sig)\n"
    "print(t1 - t0, time.process_time() - t1, time.perf_counter() - w1)\n"
)


def compile_times() -> dict[str, float]:
    """``analyze`` on a cold numba cache, then on the cache that run wrote."""
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        runs = []
        for _ in range(2):  # first: cold cache; second: the cache it wrote
            out = subprocess.run(
                [sys.executable, "-c", _COLD.format(repo=str(REPO))],
                capture_output=True, text=True, env=env, check=True, cwd=REPO,
            )  # fmt: skip
            runs.append([float(x) for x in out.stdout.split()])
    return {
        "import_cpu_s": runs[0][0],
        "cold_cache_cpu_s": runs[0][1],
        "cold_cache_wall_s": runs[0][2],
        "warm_cache_cpu_s": runs[1][1],
        "warm_cache_wall_s": runs[1][2],
    }


def cli_hour(repeat: int) -> dict[str, float]:
    """``stride analyze --json`` of a 60-minute 1 kHz session, beside one int16 copy."""
    from devices.recording import SessionReader
    from devices.sensorbox.fast import decode_stream

    out: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        session = Path(tmp) / "hour"
        sim_cmd = [
            sys.executable, "-m", "stride.cli.app", "sim", "session", "--out", str(session),
            "--minutes", "60", "--rate", "1000", "--speed", "3.6kmh", "--profile", "healthy",
            "--seed", "3", "--no-history",
        ]  # fmt: skip
        subprocess.run(sim_cmd, check=True, capture_output=True, cwd=REPO)
        reader = SessionReader(session)
        data = b"".join(chunk for _, chunk in reader.chunks("box"))
        counts = decode_stream(data).values_flat
        out["recorded_int16_mb"] = counts.nbytes / 1e6
        out["copy_ms"] = 1e3 * best_of(counts.copy, max(repeat, 5))
        cmd = [sys.executable, "-m", "stride.cli.app", "analyze", str(session), "--json"]
        best = float("inf")
        for _ in range(repeat):
            res = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, check=True)
            doc = json.loads(res.stdout)
            best = min(best, float(doc["timing"]["analysis_s"]))
            out["read_s"] = float(doc["timing"]["read_s"])
            out["samples"] = float(doc["timing"]["samples"])
        out["analysis_ms"] = 1e3 * best
        out["analysis_x_copy"] = out["analysis_ms"] / out["copy_ms"]
        out["analysis_mpts_s"] = out["samples"] / best / 1e6
    return out


def table(rows: dict[str, dict]) -> str:
    head = ("signal", "points", "ch", "copy ms", "contacts ms", "contacts Mpt/s",
            "analysis ms", "analysis Mpt/s", "analysis / copy")  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, r in rows.items():
        cells = (
            name, f"{r['points'] / 1e6:.2f} M", str(r["channels"]), f"{r['copy_ms']:.2f}",
            f"{r['contacts_ms']:.1f}", f"{r['contacts_mpts_s']:.0f}", f"{r['analysis_ms']:.1f}",
            f"{r['analysis_mpts_s']:.0f}", f"{r['analysis_x_copy']:.1f}x",
        )  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0, help="length of each simulated session")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--layouts", default=",".join(LAYOUTS))
    ap.add_argument("--skip-compile", action="store_true")
    ap.add_argument("--skip-cli", action="store_true")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args()
    report: dict[str, object] = {}
    if not args.skip_compile:  # first, before this process has anything compiled
        report["compile"] = compile_times()
    rows = throughput(args.minutes, args.repeat, tuple(args.layouts.split(",")))
    report["throughput"] = rows
    if not args.skip_cli:
        report["stride_analyze_60min"] = cli_hour(args.repeat)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(table(rows))
    for key in ("compile", "stride_analyze_60min"):
        if key in report:
            print(f"\n{key}: " + json.dumps(report[key]))


if __name__ == "__main__":
    main()
