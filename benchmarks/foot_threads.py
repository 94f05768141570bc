"""Both feet's contact scan (``detect_feet``) on one thread and on two, by record length:
where :data:`stride.core.contacts.THREAD_MIN_SAMPLES` belongs.

Not a test. Run: ``python benchmarks/foot_threads.py --work W [--rounds R] [--sizes N,N,...]``
(``W``: the sessions of ``benchmarks/analyze_speed.py``; made there if missing). The first
``N`` samples of a 5-minute heel + toe and a 5-minute insole8 session, read as ``stride
analyze`` reads them, scanned in alternating rounds one foot after the other and the feet
side by side (the threshold set to 0 here), wall time per call: medians and bests, and
the two-thread / one-thread ratios. Two threads only pay where a core is idle: run it on a
quiet machine and report the load average it prints.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import add_work_option, profile_session

SIZES = (10_000, 20_000, 30_000, 60_000, 120_000, 200_000, 300_000)


def sweep(work: Path, sizes: list[int], rounds: int) -> list[dict[str, object]]:
    from stride.core import contacts
    from stride.core.signals import GaitSignals
    from stride.readers import read_signals

    contacts.THREAD_MIN_SAMPLES = 0
    rows: list[dict[str, object]] = []
    for sensors in ("heel-toe", "insole8"):
        full = read_signals(profile_session(work, 5, "healthy", sensors, False))
        for n in sizes:
            n = min(n, full.n)
            forces = np.ascontiguousarray(full.forces[:n])
            sig = GaitSignals(full.t[:n].copy(), forces, full.channels, full.fs)
            took: dict[int, list[float]] = {1: [], 2: []}
            for threads in took:  # kernels loaded, the foot thread started
                contacts.set_foot_threads(threads)
                contacts.detect_feet(sig, ("L", "R"))
            for r in range(rounds):
                for threads in (1, 2) if r % 2 else (2, 1):
                    contacts.set_foot_threads(threads)
                    t0 = time.perf_counter()
                    contacts.detect_feet(sig, ("L", "R"))
                    took[threads].append(time.perf_counter() - t0)
            med = {k: statistics.median(v) for k, v in took.items()}
            best = {k: min(v) for k, v in took.items()}
            rows.append({"sensors": sensors, "samples": n,
                         "one_thread_ms": [round(med[1] * 1e3, 3), round(best[1] * 1e3, 3)],
                         "two_threads_ms": [round(med[2] * 1e3, 3), round(best[2] * 1e3, 3)],
                         "two_over_one": [round(med[2] / med[1], 2), round(best[2] / best[1], 2)],
                         "load_average_1min": round(os.getloadavg()[0], 2)})  # fmt: skip
    contacts.set_foot_threads(1)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_work_option(ap, "the sessions' folder (benchmarks/analyze_speed.py's --work)")
    ap.add_argument("--rounds", type=int, default=100)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    a = ap.parse_args()
    sizes = [int(s) for s in a.sizes.split(",")]
    for row in sweep(a.work, sizes, a.rounds):
        print(json.dumps(row))


if __name__ == "__main__":
    main()
