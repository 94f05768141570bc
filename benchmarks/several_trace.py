"""Where the time of ``stride analyze A B ... --json`` goes, recording by recording.

Not a test. Run: ``python benchmarks/several_trace.py [--workers N] [--rounds R] PATH ...``.
Each round runs the command in a process of its own, with :func:`stride.cohort.many.analyse_one`
wrapped (a worker forked by the local engine inherits the wrapper) so that every process
that analyses a recording logs, for each, its start and end (seconds since the command
started), its CPU time and its page faults (``getrusage``); and the command's own process
logs when its workers are forked (the kernels loaded) and when it ends. Prints a line per
run (``--workers`` counts interleaved, ``--rounds`` times): the fixed part (start to the
fork; with one process, to its first recording's end less a later recording's time: the
first loads the kernels), the recordings' span, and the mean CPU of the recordings after
each process's first (whose first carries what that process still had to load or copy);
and each recording's process, start, seconds, CPU and page faults (not with ``--brief``).
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

#: The command, run by ``python -c PROBE LOG analyze PATH ... --json``, its events to LOG.
PROBE = """
import json, os, resource, sys, time
t0 = time.perf_counter()
log_path = sys.argv.pop(1)

def event(what, **more):
    r = resource.getrusage(resource.RUSAGE_SELF)
    line = {"what": what, "pid": os.getpid(), "t": time.perf_counter() - t0,
            "cpu": r.ru_utime + r.ru_stime, "faults": r.ru_minflt, **more}
    fd = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.write(fd, (json.dumps(line) + "\\n").encode())
    os.close(fd)

import stride.cohort.many as many
analyse_one, loaded = many.analyse_one, many.load_kernels_for

def traced(job):
    event("start", path=job[0])
    try:
        return analyse_one(job)
    finally:
        event("end", path=job[0])

def load_kernels_for(paths):
    loaded(paths)
    event("fork")

traced.__module__, traced.__qualname__ = "stride.cohort.many", "analyse_one"
many.analyse_one, many.load_kernels_for = traced, load_kernels_for
import atexit
atexit.register(event, "exit")
from stride.cli.app import main
sys.argv = ["stride", *sys.argv[1:]]
main()
"""


def trace(paths: list[str], workers: int) -> list[dict[str, Any]]:
    """The events of one run of ``stride analyze PATHS --json --workers N``."""
    with tempfile.NamedTemporaryFile(suffix=".jsonl") as log:
        cmd = [sys.executable, "-c", PROBE, log.name, "analyze", *paths, "--json"]
        done = subprocess.run([*cmd, "--workers", str(workers)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)  # fmt: skip
        if done.returncode != 0:
            raise SystemExit(f"stride analyze failed: {done.stderr.strip()}")
        return [json.loads(line) for line in Path(log.name).read_text().splitlines()]


def summary(events: list[dict[str, Any]], workers: int) -> dict[str, Any]:
    """One run's figures: per recording (process, start, seconds, CPU, page faults), the
    fixed part and the span of the recordings, and their CPU after each process's first."""
    starts = {(e["pid"], e["path"]): e for e in events if e["what"] == "start"}
    items, later = [], []
    seen: set[int] = set()
    for e in sorted((e for e in events if e["what"] == "end"), key=lambda e: e["t"]):
        s = starts[(e["pid"], e["path"])]
        cpu, faults = e["cpu"] - s["cpu"], e["faults"] - s["faults"]
        items.append({"path": Path(e["path"]).name, "pid": e["pid"], "start_s": round(s["t"], 3),
                      "wall_s": round(e["t"] - s["t"], 3), "cpu_s": round(cpu, 4),
                      "faults": faults})  # fmt: skip
        if e["pid"] in seen:
            later.append(cpu)
        seen.add(e["pid"])
    first = min(s["t"] for s in starts.values())
    fork = [e["t"] for e in events if e["what"] == "fork"]
    end = max(e["t"] for e in events if e["what"] == "exit")
    if fork:  # the kernels loaded, then the workers forked
        fixed = fork[0]
    else:  # one process: its first recording loads the kernels, the others do not
        walls = sorted(i["wall_s"] for i in items[1:]) or [0.0]
        fixed = items[0]["start_s"] + items[0]["wall_s"] - walls[len(walls) // 2]
    return {
        "workers": workers,
        "fixed_s": round(fixed, 3),
        "first_recording_s": round(first, 3),
        "end_s": round(end, 3),
        "recordings_span_s": round(end - first, 3),
        "later_recordings_cpu_s": round(sum(later) / max(len(later), 1), 4),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "recordings": items,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--brief", action="store_true", help="no line per recording")
    a = ap.parse_args()
    for _ in range(a.rounds):  # the worker counts interleaved: each round meets one load
        for n in (int(w) for w in a.workers.split(",")):
            out = summary(trace(a.paths, n), n)
            if a.brief:
                out.pop("recordings")
            print(json.dumps(out))


if __name__ == "__main__":
    main()
