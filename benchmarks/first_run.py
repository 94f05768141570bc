"""A first run where users meet it: commands started on an empty numba cache.

Not a test. Run: ``python benchmarks/first_run.py`` (about 5 minutes on 2 cores; it
simulates a 5-minute session into ``--work`` first and reuses it). Each round starts every
command with its own empty ``NUMBA_CACHE_DIR`` (nothing compiled, as after an install)
and reports, per command, the wall seconds and the CPU seconds of the command and its
child processes, with the 1-minute load average when it ended:

1. ``stride demo --no-ui --no-record --no-history --duration 12``: seconds from the start
   to the first-run line on stderr and to the first JSON step line on stdout (the goal:
   the first step line within 15 s);
2. ``stride analyze SESSION --json`` on a 5-minute 1 kHz heel+toe session: seconds to its
   JSON document, and its ``timing.prepare_s`` (the reading kernels compiled).

3. the compile of a live session's kernels alone (in a subprocess, an empty cache each):
   with a helper process compiling its share (:mod:`stride.cli.first_run`, forced on
   whatever the load) against one process compiling everything, interleaved: wall and CPU
   seconds (a command starts the helper only when the load average leaves a core idle).

``--baseline DIR`` (another checkout, e.g. ``git archive main | tar -x -C DIR``) runs the
same commands from that checkout with this environment's packages, interleaved round by
round with this checkout (both meet the same load), and reports this/baseline ratios of
the best of ``--repeat`` rounds.

``--pairs`` instead measures the first-run helper against none under a controlled extra
load: for each count of ``--hogs`` (e.g. ``0,1,2,4``: CPU-bound Python loops this benchmark
starts, then kills by their ids) and each ``--hog-session`` (``other``: all in one session
of their own, as a user's browser or build would be; ``same``: in this benchmark's session,
which Linux's autogroup scheduler shares between its processes; ``each``: a session per
hog), ``--repeat`` alternating pairs of each command with ``STRIDE_FIRST_RUN_HELPER=on`` and
``=off``, each on its own empty cache; the demo is ended at its first JSON step line. Every
run is printed as it ends (stderr), with the 1-minute load average and the idle cores read
from ``/proc/stat`` over 50 ms just before it started.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import add_work_option, simulate, stride_cmd

DEMO = ["demo", "--no-ui", "--no-record", "--no-history", "--duration", "12"]


def commands(session: Path) -> dict[str, list[str]]:
    """The two commands every mode times: the demo, and ``stride analyze`` of ``session``."""
    return {"demo": DEMO, "analyze": ["analyze", str(session), "--json"]}


def env_for(checkout: Path | None, cache: str, helper: str | None = None) -> dict[str, str]:
    """This checkout's environment (or another checkout's modules first on the path),
    with an empty numba cache (and ``STRIDE_FIRST_RUN_HELPER=helper`` if given)."""
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONDONTWRITEBYTECODE="1")
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
    if helper is not None:
        env["STRIDE_FIRST_RUN_HELPER"] = helper
    return env


def timed(
    args: list[str], checkout: Path | None, helper: str | None = None, first_only: bool = False
) -> dict[str, Any]:
    """Run ``stride ARGS`` on an empty cache: seconds to the first-run line (stderr), to
    the first JSON line on stdout, to the end; CPU seconds of it and its children.
    Another checkout's command runs in that checkout's folder: its first-run helper is
    started with ``python -m`` and, in versions before the helper chose its own folder,
    imported the ``stride`` of the working folder (this repository's, when the benchmark
    is run from here), leaving the other checkout's command to compile alone.
    ``first_only``: the command ended at its first JSON line (its CPU then not counted)."""
    marks: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
        idle = idle_cores()
        t0 = time.perf_counter()
        before = os.times()
        proc = subprocess.Popen(
            [*stride_cmd(), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, env=env_for(checkout, cache, helper), cwd=checkout,
        )  # fmt: skip

        def watch_stderr() -> None:
            assert proc.stderr is not None
            for line in proc.stderr:
                if "preparing the analysis kernels" in line:
                    marks.setdefault("line_s", time.perf_counter() - t0)

        watcher = threading.Thread(target=watch_stderr, daemon=True)
        watcher.start()
        first: dict[str, Any] | None = None
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("{") and first is None:
                marks["first_json_s"] = time.perf_counter() - t0
                first = json.loads(line)
                if first_only:
                    proc.kill()
                    break
        proc.wait()
        marks["exit_s"] = time.perf_counter() - t0
        watcher.join(5)
        after = os.times()
    if (proc.returncode != 0 and not first_only) or first is None:
        raise SystemExit(f"stride {' '.join(args)} failed (exit {proc.returncode})")
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system
    )
    out = {k: round(v, 2) for k, v in marks.items()}
    if not first_only:
        out["cpu_s"] = round(cpu, 2)
    out["load_average_1min"] = round(os.getloadavg()[0], 2)
    out["idle_cores_before"] = idle
    timing = first.get("timing")
    if isinstance(timing, dict) and "prepare_s" in timing:
        out["prepare_s"] = round(float(timing["prepare_s"]), 2)
    return out


def idle_cores(seconds: float = 0.05) -> float:
    """The cores idle over ``seconds``, from ``/proc/stat`` (NaN where there is none)."""

    def ticks() -> tuple[int, int]:
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # all, idle + iowait

    try:
        a = ticks()
        time.sleep(seconds)
        b = ticks()
    except OSError:
        return float("nan")
    cores = len(os.sched_getaffinity(0))
    return round(cores * (b[1] - a[1]) / max(1, b[0] - a[0]), 2)


HOG = """
import os, sys
for _ in range(int(sys.argv[1]) - 1):
    if os.fork() == 0:
        break
while True:
    pass
"""


@contextmanager
def hogs(n: int, where: str) -> Iterator[None]:
    """``n`` CPU-bound processes while within: in one session of their own (``other``),
    in this one (``same``) or each in its own (``each``); killed by their ids after."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        if n and where == "other":  # one session: its leader forks the others
            procs.append(
                subprocess.Popen([sys.executable, "-c", HOG, str(n)], start_new_session=True)
            )
        else:
            for _ in range(n):
                procs.append(
                    subprocess.Popen(
                        [sys.executable, "-c", HOG, "1"], start_new_session=where == "each"
                    )
                )
        time.sleep(1.0 if n else 0.0)  # running before the command starts
        yield
    finally:
        for proc in procs:
            if where == "other":
                os.killpg(proc.pid, signal.SIGKILL)  # the group this benchmark made
            else:
                proc.kill()
            proc.wait()


def pairs(
    session: Path,
    counts: list[int],
    wheres: list[str],
    repeat: int,
    modes: dict[str, tuple[Path | None, str]],
) -> dict[str, Any]:
    """``--pairs``: each command in each mode (a checkout and its helper setting: this
    one's ``on`` and ``off``, a baseline's ``on``), the order turned each time, under each
    extra load; per command and load, every run's time to its first JSON line and each
    mode's ratios to ``off`` in the same round."""
    runs: list[dict[str, Any]] = []
    labels = list(modes)
    loads = [(c, w) for c in counts for w in (wheres if c else ["none"])]
    for r in range(repeat):
        for i, (n, where) in enumerate(loads):
            with hogs(n, where):
                for cmd, args in commands(session).items():
                    k = (r + i) % len(labels)
                    for label in labels[k:] + labels[:k]:
                        checkout, helper = modes[label]
                        got = timed(args, checkout, helper, first_only=cmd == "demo")
                        got.update(round=r, cmd=cmd, hogs=n, where=where, mode=label)
                        print(json.dumps(got), file=sys.stderr, flush=True)
                        runs.append(got)
    table: dict[str, Any] = {}
    for got in runs:
        key = f"{got['cmd']} hogs={got['hogs']} {got['where']}"
        row = table.setdefault(key, {label: [] for label in labels})
        row[got["mode"]].append(got["first_json_s"])
    for row in table.values():
        for label in labels:
            if label != "off" and "off" in row:
                ratios = zip(row[label], row["off"], strict=True)
                row[f"{label}/off"] = [round(a / b, 2) for a, b in ratios]
    return {"table": table, "runs": runs}


SPLIT = """
import json, os, resource, sys, time
t0 = time.perf_counter()
from stride.cli import first_run
os.environ[first_run.HELPER_ENV] = "on" if sys.argv[1] == "helper" else "off"
first_run.prepare_streaming()
from stride.ingest.engine import CoreEngine
CoreEngine(None).warm()
own = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"wall_s": round(time.perf_counter() - t0, 2),
                  "cpu_s": round(own.ru_utime + own.ru_stime, 2),
                  "helper_cpu_s": round(kids.ru_utime + kids.ru_stime, 2),
                  "load_average_1min": round(os.getloadavg()[0], 2)}))
"""


def split(repeat: int) -> dict[str, Any]:
    """Block 3: a live session's kernels compiled with and without a helper, interleaved,
    each the best of ``repeat`` (by wall time)."""
    runs: dict[str, list[dict[str, Any]]] = {"helper": [], "alone": []}
    for _ in range(repeat):
        for mode, got in runs.items():
            with tempfile.TemporaryDirectory(prefix="numba-cold-") as cache:
                done = subprocess.run(
                    [sys.executable, "-c", SPLIT, mode], capture_output=True, text=True,
                    env=env_for(None, cache), check=True,
                )  # fmt: skip
            got.append(json.loads(done.stdout.splitlines()[-1]))
    best = {mode: min(rs, key=lambda r: r["wall_s"]) for mode, rs in runs.items()}
    ratio = round(best["helper"]["wall_s"] / best["alone"]["wall_s"], 2)
    return {"best": best, "helper_over_alone_wall": ratio, "rounds": runs}


def rounds(session: Path, checkouts: dict[str, Path | None], repeat: int) -> dict[str, Any]:
    """Every command of every checkout, interleaved round by round; the best round of
    each (by the time to its first JSON line) and every round's figures."""
    runs: dict[str, dict[str, list[dict[str, Any]]]] = {
        name: {c: [] for c in commands(session)} for name in checkouts
    }
    for _ in range(repeat):
        for cmd, args in commands(session).items():
            for name, checkout in checkouts.items():
                runs[name][cmd].append(timed(args, checkout))
    best = {
        name: {c: min(rs, key=lambda r: r["first_json_s"]) for c, rs in per.items()}
        for name, per in runs.items()
    }
    return {"best": best, "rounds": runs}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated session is kept")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--baseline", type=Path, help="another checkout of stride, side by side")
    ap.add_argument("--json", action="store_true", help="one JSON document")
    ap.add_argument("--pairs", action="store_true", help="the helper on against off")
    ap.add_argument("--hogs", default="0,1,2,4", help="--pairs: CPU hogs, e.g. 0,1,2,4")
    ap.add_argument("--hog-session", default="other,same", help="--pairs: other,same,each")
    ap.add_argument("--modes", default="on,off", help="--pairs: this checkout's helper settings")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    session = simulate(a.work.resolve() / "short-0", 5.0, seed=100)
    if a.pairs:
        counts = [int(n) for n in a.hogs.split(",")]
        modes: dict[str, tuple[Path | None, str]] = {m: (None, m) for m in a.modes.split(",")}
        if a.baseline is not None:
            modes["baseline on"] = (a.baseline.resolve(), "on")
        report = pairs(session, counts, a.hog_session.split(","), a.repeat, modes)
        print(json.dumps(report, indent=None if a.json else 2))
        return
    checkouts: dict[str, Path | None] = {"this": None}
    if a.baseline is not None:
        checkouts = {"baseline": a.baseline.resolve(), "this": None}
    report = rounds(session, checkouts, a.repeat)
    report["session_kernels"] = split(a.repeat)
    if a.baseline is not None:
        this, base = report["best"]["this"], report["best"]["baseline"]
        report["this_over_baseline"] = {
            c: {k: round(this[c][k] / base[c][k], 2) for k in ("first_json_s", "cpu_s")}
            for c in this
        }
    print(json.dumps(report, indent=None if a.json else 2))


if __name__ == "__main__":
    main()
