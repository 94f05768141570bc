"""Where a first run's time goes: every kernel compiled by `stride analyze` and its helper.

Not a test. Run: ``python benchmarks/first_run_trace.py --work W [--helper on|off|auto]
[--repeat N] [--checkout DIR]`` (it simulates a 5-minute session into ``--work`` first, as
``benchmarks/first_run.py`` does, and reuses it). Each round runs ``stride analyze SESSION
--json`` on an empty ``NUMBA_CACHE_DIR`` with a tracer loaded into every Python process it
starts (a ``sitecustomize`` module on ``PYTHONPATH``: the command and its first-run helper,
:mod:`stride.cli.first_run`), which times each ``Dispatcher.compile`` (a kernel compiled,
or loaded from the cache the other process filled) in wall seconds from the command's
start and in CPU seconds, its callees' share included and taken off (``own``). It prints
each process's timeline: when it started and ended, and every kernel that took at least
``--min-cpu`` seconds, nested under its caller, ``NEW`` where this process compiled it,
and when the command waited for its helper's process (idle there).
The process that ends last, and on which kernels, is the first run's critical path.
``--checkout DIR`` traces another checkout (e.g. ``git archive main | tar -x -C DIR``),
run in its own folder with this environment's packages.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import add_work_option, simulate, stride_cmd

TRACER = """
import atexit, json, os, sys, time
_t0 = time.time()
_recs = []
_stack = []

def _patch(mod):
    orig = mod.Dispatcher.compile
    def compile(self, sig):
        w0, c0, known = time.time(), time.process_time(), len(self.overloads)
        _stack.append(0.0)
        try:
            return orig(self, sig)
        finally:
            inner = _stack.pop()
            cpu = time.process_time() - c0
            if _stack:
                _stack[-1] += cpu
            name = self.py_func.__module__.split(".")[-1] + "." + self.py_func.__name__
            _recs.append({"name": name, "w0": w0, "w1": time.time(), "cpu": cpu,
                          "own": cpu - inner, "depth": len(_stack),
                          "new": len(self.overloads) > known})
    mod.Dispatcher.compile = compile

class _Finder:
    def find_spec(self, name, path, target=None):
        if name != "numba.core.dispatcher":
            return None
        sys.meta_path.remove(self)
        import importlib.util
        spec = importlib.util.find_spec(name)
        run = spec.loader.exec_module
        def exec_module(module):
            run(module)
            _patch(module)
        spec.loader.exec_module = exec_module
        return spec

sys.meta_path.insert(0, _Finder())
_waits = []

def _patch_wait():  # the command waiting for its helper's process: idle there
    import subprocess
    orig = subprocess.Popen.wait
    def wait(self, timeout=None):
        w0 = time.time()
        try:
            return orig(self, timeout)
        finally:
            if time.time() - w0 > 0.005:
                _waits.append({"w0": w0, "w1": time.time()})
    subprocess.Popen.wait = wait

_patch_wait()
_exit = os._exit

def _traced_exit(code):  # the helper ends without the interpreter's teardown
    _dump()
    _exit(code)

os._exit = _traced_exit

_pid = os.getpid()

@atexit.register
def _dump():
    if os.getpid() != _pid:  # a forked copy (the helper's whole-record compile)
        return
    out = os.environ["FIRST_RUN_TRACE_OUT"]
    with open(os.path.join(out, f"{os.getpid()}.json"), "w") as f:
        json.dump({"argv": sys.argv, "t0": _t0, "t1": time.time(),
                   "cpu": time.process_time(), "recs": _recs, "waits": _waits}, f)
"""


def trace(session: Path, helper: str, checkout: Path | None) -> dict[str, Any]:
    """One first run of ``stride analyze SESSION --json``, traced: each process's start,
    end and CPU seconds, and its kernels, times in seconds from the command's start."""
    with (
        tempfile.TemporaryDirectory(prefix="numba-cold-") as cache,
        tempfile.TemporaryDirectory(prefix="first-run-trace-") as tmp,
    ):
        (Path(tmp) / "sitecustomize.py").write_text(TRACER, encoding="utf-8")
        out = Path(tmp) / "out"
        out.mkdir()
        path = [tmp] + ([str(checkout)] if checkout is not None else [])
        env = dict(
            os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=os.pathsep.join(path),
            STRIDE_FIRST_RUN_HELPER=helper, FIRST_RUN_TRACE_OUT=str(out),
            PYTHONDONTWRITEBYTECODE="1",
        )  # fmt: skip
        t0 = time.time()
        subprocess.run(
            [*stride_cmd(), "analyze", str(session), "--json"], env=env, cwd=checkout,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True,
        )  # fmt: skip
        wall = time.time() - t0
        procs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(out.glob("*.json"))]
    report: dict[str, Any] = {"wall_s": round(wall, 2), "helper": helper, "processes": []}
    for p in sorted(procs, key=lambda p: p["t0"]):
        role = "helper" if any("first_run" in a for a in p["argv"]) else "command"
        kernels = [
            {
                "name": r["name"], "depth": r["depth"], "new": r["new"],
                "from_s": round(r["w0"] - t0, 2), "to_s": round(r["w1"] - t0, 2),
                "cpu_s": round(r["cpu"], 3), "own_cpu_s": round(r["own"], 3),
            }
            for r in sorted(p["recs"], key=lambda r: r["w0"])
        ]  # fmt: skip
        waits = [[round(w["w0"] - t0, 2), round(w["w1"] - t0, 2)] for w in p.get("waits", [])]
        report["processes"].append({
            "role": role, "start_s": round(p["t0"] - t0, 2), "end_s": round(p["t1"] - t0, 2),
            "cpu_s": round(p["cpu"], 2), "kernels": kernels, "waits_s": waits,
        })  # fmt: skip
    report["load_average_1min"] = round(os.getloadavg()[0], 2)
    return report


def show(report: dict[str, Any], min_cpu: float) -> None:
    """The timeline as text."""
    print(f"wall {report['wall_s']} s, helper {report['helper']}, "
          f"load {report['load_average_1min']}")  # fmt: skip
    for p in report["processes"]:
        print(f"  {p['role']}: {p['start_s']}-{p['end_s']} s, {p['cpu_s']} s of CPU")
        for w0, w1 in p.get("waits_s", []):
            print(f"    waits for its helper {w0:6.2f}-{w1:6.2f} s")
        for k in p["kernels"]:
            if k["cpu_s"] < min_cpu:
                continue
            pad = "  " * k["depth"]
            print(f"    {pad}{k['name']:<{44 - len(pad)}} {k['from_s']:6.2f}-{k['to_s']:6.2f} s"
                  f"  cpu {k['cpu_s']:.2f} own {k['own_cpu_s']:.2f}"
                  f"{'  NEW' if k['new'] else ''}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated session is kept")
    ap.add_argument("--helper", choices=("on", "off", "auto"), default="on")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--checkout", type=Path, help="another checkout of stride to trace")
    ap.add_argument("--min-cpu", type=float, default=0.05, help="kernels shown from (s)")
    ap.add_argument("--json", action="store_true", help="one JSON document")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    session = simulate(a.work.resolve() / "short-0", 5.0, seed=100)
    checkout = a.checkout.resolve() if a.checkout is not None else None
    reports = [trace(session, a.helper, checkout) for _ in range(a.repeat)]
    if a.json:
        print(json.dumps(reports))
        return
    for r in reports:
        show(r, a.min_cpu)


if __name__ == "__main__":
    main()
