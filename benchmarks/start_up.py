"""The fixed cost of ``stride analyze`` on a short recording: CPU time of the whole command.

Not a test. Run: ``python benchmarks/start_up.py [--baseline DIR]``. Simulates a 1-minute
session once (``stride sim session --minutes 1 --rate 1000 --seed 1 --no-history``, into
``--work``), then runs ``stride analyze S --json`` ``--rounds`` times with a warm numba
cache and reports the median and the lowest CPU time (user + system, ``wait4``: on a
shared machine steadier than wall time) and the median wall time. Reading and analysing
the minute take about 0.02 s once the kernels are loaded: the rest is the command's
start-up (interpreter, imports, loading the kernels from numba's cache) and its exit.

Two ways of loading Python modules, both measured: ``no-pyc`` compiles stride's modules
from source in every process (``PYTHONDONTWRITEBYTECODE=1``, as this project's test
environment sets it, with an editable install); ``pyc`` reads them compiled from
``__pycache__`` files written by a first run (as after ``pip install``; kept in a
temporary ``PYTHONPYCACHEPREFIX``, nothing written in the checkout).

``--baseline DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``): the same
for it and this checkout, interleaved run by run, each with its own numba cache
(as ``benchmarks/analyze_speed.py --baseline``).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from analyze_speed import add_work_option, baseline_env, simulate

#: ``stride ARGS`` as its console script runs it (the checkout on PYTHONPATH first, not
#: the current directory)
LAUNCH = (
    "import os, sys; sys.path[0] = os.path.dirname(sys.executable); sys.argv[0] = 'stride'; "
    "from stride.cli.app import main; sys.exit(main())"
)


def cpu_of(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(user + system CPU seconds, wall seconds) of ``stride ARGS``, output discarded."""
    t0 = time.perf_counter()
    dev = subprocess.DEVNULL
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, *args], stdout=dev, stderr=dev, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"stride {' '.join(args)} failed")
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated session is kept")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--baseline", type=Path, help="another checkout, measured side by side")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    session = simulate(a.work / "start-up-1min", 1.0, seed=1)
    args = ["analyze", str(session), "--json"]
    plain = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    checkouts = {"this": {**plain, "PYTHONDONTWRITEBYTECODE": "1"}}
    if a.baseline is not None:
        checkouts["baseline"] = baseline_env(a.baseline.resolve())
    with tempfile.TemporaryDirectory(prefix="stride-pyc-") as pyc:
        runs: dict[str, dict[str, str]] = {}
        for name, env in checkouts.items():
            runs[f"{name} no-pyc"] = env
            with_pyc = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
            runs[f"{name} pyc"] = {**with_pyc, "PYTHONPYCACHEPREFIX": pyc}
        for env in runs.values():  # numba's cache and the .pyc files written first
            cpu_of(args, env)
        load = [os.getloadavg()[0]]
        seen: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
        for _ in range(a.rounds):
            for name, env in runs.items():
                seen[name].append(cpu_of(args, env))
        load.append(os.getloadavg()[0])
    report: dict[str, Any] = {
        "session": "1 min healthy, 1 kHz, 4 channels (seed 1)",
        "command": "stride analyze S --json",
        "rounds": a.rounds,
        "load_average_1min": [round(x, 2) for x in load],
    }
    for name, got in seen.items():
        cpu = [c for c, _ in got]
        report[name] = {
            "cpu_s_median": round(statistics.median(cpu), 3),
            "cpu_s_min": round(min(cpu), 3),
            "wall_s_median": round(statistics.median(w for _, w in got), 3),
        }
    if a.baseline is not None:
        for mode in ("no-pyc", "pyc"):
            this, base = report[f"this {mode}"], report[f"baseline {mode}"]
            report[f"this_over_baseline {mode}"] = round(
                this["cpu_s_median"] / base["cpu_s_median"], 2
            )
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
