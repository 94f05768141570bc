"""Speed of `stride sim recovery`, measured side by side in one run.

1. One patient, 8 weeks x 3 sessions, each a full 5-minute 1 kHz recording simulated and
   analysed (target: <= 60 s), on all cores and on one.
2. 1,000 patients x 24 sessions in --fast mode (target: <= 60 s on 2 cores), on 2 workers
   and on one, and per session against the full mode.

Usage: python benchmarks/recovery_speed.py [--patients 1000] [--skip-full]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path
from typing import Any

from stride.cohort.recovery_run import RecoveryOptions, run_recovery


def _run(db: Path, **kw: Any) -> tuple[float, dict[str, Any]]:
    args: dict[str, Any] = {
        "profile": "antalgic-left:0.5",
        "seed": 1,
        "weeks": 8,
        "sessions_per_week": 3,
        "feedback": True,
        "subject": "bench",
        "patients": 1,
        "fast": True,
        "db": db,
        "minutes": 5.0,
        "speed": "3.6kmh",
        "step_length": 0.6,
        "tolerance": 0.05,
        "start": "2026-01-05T09:00:00+00:00",
        "recordings": None,
        "engine": "local",
        "scheduler": None,
        "workers": None,
        "progress": False,
    }
    args.update(kw)
    t0, c0 = time.perf_counter(), _cpu()
    out = run_recovery(RecoveryOptions(**args))
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    out["cpu_s"] = cpu
    print(f"  ({wall:.1f} s wall, {cpu:.1f} s CPU over all processes; load average "
          f"{os.getloadavg()[0]:.1f})")  # fmt: skip
    return wall, out


def _cpu() -> float:
    """CPU seconds of this process and its finished workers: the figure to compare on a
    shared machine, where other programs inflate wall time."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patients", type=int, default=1000)
    ap.add_argument("--skip-full", action="store_true")
    args = ap.parse_args()
    cpus = os.cpu_count() or 1
    print(f"cores: {cpus}")
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        if not args.skip_full:
            _run(
                d / "warm.sqlite", fast=False, weeks=1, sessions_per_week=1, minutes=0.5, workers=1
            )
            full_all, out = _run(d / "full.sqlite", fast=False)
            print(
                f"full, 1 patient x {out['sessions']} sessions x 5 min, {cpus} workers: "
                f"{full_all:.1f} s ({full_all / out['sessions']:.2f} s per session)"
            )
            full_one, _ = _run(d / "full1.sqlite", fast=False, workers=1, weeks=2)
            per_one = full_one / 6
            print(f"full, 1 worker: {per_one:.2f} s per session "
                  f"(all cores {per_one / (full_all / out['sessions']):.2f}x faster)")  # fmt: skip
        fast2, out = _run(d / "fast2.sqlite", patients=args.patients, workers=2)
        n = out["sessions"]
        print(f"fast, {args.patients} patients x 24 sessions, 2 workers: {fast2:.1f} s "
              f"({n / fast2:.0f} sessions/s)")  # fmt: skip
        small = max(1, args.patients // 10)
        fast1, out1 = _run(d / "fast1.sqlite", patients=small, workers=1)
        rate1 = out1["sessions"] / fast1
        print(f"fast, {small} patients, 1 worker: {rate1:.0f} sessions/s "
              f"(2 workers {n / fast2 / rate1:.2f}x faster)")  # fmt: skip
        if not args.skip_full:
            print(f"fast vs full per session: {(full_all / 24) / (fast2 / n):.0f}x faster")


if __name__ == "__main__":
    main()
