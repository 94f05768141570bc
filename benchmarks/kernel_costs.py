"""What each numba kernel of the analysis costs: its cold compile, and its load from the cache.

Not a test. Run: ``python benchmarks/kernel_costs.py --work W [--baseline DIR] [--repeat 2]``.
Each measure runs in a fresh process, this checkout's and ``--baseline DIR``'s (another
checkout, e.g. ``git archive main | tar -x -C DIR``, with this environment's packages)
alternating round by round:

1. compile: :func:`stride.core.kernels.warm_analysis_kernels` for float32 forces on an
   empty ``NUMBA_CACHE_DIR``: the CPU seconds in all, and per kernel without the kernels
   it calls (each ``Dispatcher.compile`` timed, its callees' time taken off);
2. load: the first analysis of the 60-minute 1 kHz session of
   ``benchmarks/analyze_speed.py`` (made once in ``--work``) on a warm cache, as
   ``timing.analysis_s`` of ``stride analyze`` meets it: the milliseconds of loading each
   kernel's cached code (``Cache.load_overload``), the first analysis' and the next one's
   CPU milliseconds (the difference is mostly the loads).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import add_work_option, simulate  # noqa: E402

_COMPILE = """
import json, sys, time
from numba.core import dispatcher
orig = dispatcher.Dispatcher.compile
stack, own = [], {}
def timed(self, sig):
    t0 = time.process_time()
    stack.append(0.0)
    try:
        return orig(self, sig)
    finally:
        inner = stack.pop()
        dt = time.process_time() - t0
        name = self.py_func.__module__.split(".")[-1] + "." + self.py_func.__name__
        own[name] = own.get(name, 0.0) + dt - inner
        if stack:
            stack[-1] += dt
dispatcher.Dispatcher.compile = timed
from stride.core.kernels import warm_analysis_kernels
t0 = time.process_time()
warm_analysis_kernels("float32")
top = sorted(own.items(), key=lambda kv: -kv[1])[:8]
print(json.dumps({"total_cpu_s": round(time.process_time() - t0, 2),
                  "own_cpu_s": {k: round(v, 2) for k, v in top}}))
"""

_LOAD = """
import json, sys, time
from pathlib import Path
from numba.core import caching
orig = caching.Cache.load_overload
loads = {}
def timed(self, sig, target_context):
    t0 = time.perf_counter()
    try:
        return orig(self, sig, target_context)
    finally:
        loads[self._name.split(" ")[1]] = round(1e3 * (time.perf_counter() - t0), 2)
caching.Cache.load_overload = timed
from stride.analysis import with_session_defaults
from stride.core.analyzer import AnalysisConfig, analyze
from stride.readers import read_signals
sig = read_signals(Path(sys.argv[1]))
config = with_session_defaults(AnalysisConfig(), sig.meta)
loads.clear()
t0 = time.process_time()
analyze(sig, config)
t1 = time.process_time()
analyze(sig, config)
t2 = time.process_time()
print(json.dumps({"first_analysis_cpu_ms": round(1e3 * (t1 - t0), 1),
                  "next_analysis_cpu_ms": round(1e3 * (t2 - t1), 1),
                  "kernels_loaded": len(loads), "load_ms": loads}))
"""


def _run(code: str, checkout: Path | None, cache: str, *args: str) -> dict[str, Any]:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache)
    env["PYTHONPATH"] = str(checkout if checkout is not None else REPO)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          env=env, cwd=tempfile.gettempdir())  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(done.stderr.strip())
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return {**out, "load_average_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the 60-minute session is kept (analyze_speed.py's)")
    ap.add_argument("--baseline", type=Path, help="another checkout of stride, side by side")
    ap.add_argument("--repeat", type=int, default=2)
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    session = simulate(a.work / "healthy-60min", 60.0)
    checkouts: dict[str, Path | None] = {"this": None}
    if a.baseline is not None:
        checkouts["baseline"] = a.baseline
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in checkouts}
    with tempfile.TemporaryDirectory() as warm:
        caches = {name: str(Path(warm) / name) for name in checkouts}
        for name, checkout in checkouts.items():  # fill each checkout's warm cache
            _run(_LOAD, checkout, caches[name], str(session))
        for _ in range(a.repeat):
            for name, checkout in checkouts.items():
                with tempfile.TemporaryDirectory() as cold:
                    compiled = _run(_COMPILE, checkout, cold)
                loaded = _run(_LOAD, checkout, caches[name], str(session))
                rounds[name].append({"compile": compiled, "load": loaded})
    print(json.dumps(rounds, indent=2))


if __name__ == "__main__":
    main()
