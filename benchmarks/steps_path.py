"""What the whole-record steps kernel is worth to a 5-minute analysis, where a user meets it.

Not a test. Run: ``python benchmarks/steps_path.py --work W [--repeat 40]`` (W: the
sessions of ``benchmarks/analyze_speed.py``'s block 3, made there if missing; ``--profiles``
to choose them). A record without gaps has its steps table made in one kernel call a foot
(``stride.core._step_whole._whole_rows``) when that kernel is compiled or in numba's cache,
else by the steps table's kernels one by one (the same rows: both are tested against each
other). A first run never compiles it itself: a helper compiles it afterwards, and a later
``stride analyze`` starts that compile only when a core is idle
(``stride.cli.first_run.prepare_analysis``), so a cache filled on a busy machine lacks it
and every later analysis takes the slower path. Both paths here, in this process, on the
same signals, alternating analysis by analysis (the feet one after the other, as on a busy
machine), best CPU and wall time of ``--repeat`` each: ``whole_over_one_by_one`` is the
ratio of the best CPU times. Compiles the kernel into this checkout's numba cache if it
is not there (seconds, once): compare speeds of checkouts with the kernel on both sides or
on neither (``analyze_speed.py`` says which path each of its block 3 rows took).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import LAYOUTS, add_work_option, profile_session  # noqa: E402


def both_paths(session: Path, repeat: int) -> dict[str, Any]:
    """Best CPU and wall microseconds of ``analyze`` with each steps path, alternating."""
    from stride.analysis import with_session_defaults
    from stride.core import steps
    from stride.core.analyzer import AnalysisConfig, analyze
    from stride.readers import read_signals

    sig = read_signals(session, compact_times=True)
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    ready = steps.whole_kernel_ready
    paths = {"whole": lambda: True, "one_by_one": lambda: False}
    best = {name: [float("inf"), float("inf")] for name in paths}
    try:
        for round_ in range(repeat + 1):  # the first round only loads what each path calls
            for name, choice in paths.items():
                steps.whole_kernel_ready = choice
                c0, w0 = time.thread_time_ns(), time.perf_counter_ns()
                analyze(sig, config)
                cpu, wall = time.thread_time_ns() - c0, time.perf_counter_ns() - w0
                if round_:
                    best[name] = [min(best[name][0], cpu / 1e3), min(best[name][1], wall / 1e3)]
    finally:
        steps.whole_kernel_ready = ready
    (w_cpu, w_wall), (o_cpu, o_wall) = best["whole"], best["one_by_one"]
    return {
        "session": session.name,
        "samples": sig.n,
        "whole_cpu_us": round(w_cpu, 1),
        "one_by_one_cpu_us": round(o_cpu, 1),
        "whole_over_one_by_one": round(w_cpu / o_cpu, 3),
        "whole_M_points_per_s": round(sig.n / w_wall, 1),
        "one_by_one_M_points_per_s": round(sig.n / o_wall, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--profiles", nargs="*", default=["healthy", "parkinsonian", "huntington"])
    a = ap.parse_args()
    from stride.core.contacts import set_foot_threads
    from stride.core.kernels import compile_whole_rows

    compile_whole_rows()  # compiled here, or loaded from the cache
    set_foot_threads(1)
    rows = [
        both_paths(profile_session(a.work, a.minutes, name, sensors, overground), a.repeat)
        for sensors, overground in LAYOUTS
        if not overground  # course mode's records go through the same steps paths
        for name in a.profiles
    ]
    print(json.dumps({"rows": rows, "load_average_1min": round(os.getloadavg()[0], 2)}, indent=1))


if __name__ == "__main__":
    main()
