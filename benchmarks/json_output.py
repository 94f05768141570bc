"""Speed of ``stride analyze S --json`` after the analysis: the document built and written.

Not a test. Run: ``python benchmarks/json_output.py --baseline DIR S [S ...]`` (``DIR``
another checkout, e.g. ``git archive main | tar -x -C DIR``; each ``S`` a recording, e.g.
the 60-minute session of ``benchmarks/analyze_speed.py``). For each recording, round by
round, this checkout and the baseline interleaved (warm numba caches, each its own), in
fresh processes whose stdout is a pipe this script reads to its end:

- ``wall``, ``cpu``: the command's wall time and CPU time (user + system, all its
  threads), ``stride analyze S --json`` as users run it;
- ``after``, ``after_cpu``: from ``stride.analysis.run`` returning (the record read and
  analysed) to the command's function returning: what is said on stderr, the JSON
  document built and written to stdout; no ``timing`` figure covered it before
  ``output_s``. Its wall time, and the process's CPU time over it.

``--together ARGS``: the recordings in one command instead (the several-recordings path,
``stride analyze R1 R2 ... --json ARGS``, one JSON line each): its wall and CPU time (the
CPU time of its workers included).

On a shared, loaded machine the CPU times are the steadier figures (a process waiting
for a core adds wall time, not CPU time).

Prints each round with the 1-minute load average beside it, then per recording the
median and range of each figure and the ratio of the medians (this / baseline).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

#: ``stride analyze ARGS`` in this process, timing what follows ``run`` (both checkouts).
AFTER_PROBE = """
import json, sys, time
import stride.analysis as analysis
ran = analysis.run
marks = []
def run(*args, **kwargs):
    out = ran(*args, **kwargs)
    marks.append((time.perf_counter(), time.process_time()))
    return out
analysis.run = run
from stride.cli.app import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    sys.stdout.flush()
    wall, cpu = time.perf_counter() - marks[0][0], time.process_time() - marks[0][1]
    print(json.dumps({"after": wall, "after_cpu": cpu, "from": analysis.__file__}), file=sys.stderr)
"""


def env_for(checkout: Path | None) -> dict[str, str]:
    """The environment running ``checkout`` (None: this one, as installed)."""
    env = dict(os.environ)
    if checkout is not None:
        env["PYTHONPATH"] = str(checkout)
        env["NUMBA_CACHE_DIR"] = str(checkout / ".numba-cache")
    return env


def command(record: str, checkout: Path | None) -> dict[str, float]:
    """Wall and CPU seconds of ``stride analyze RECORD --json`` (``RECORD``: arguments
    separated by spaces), its stdout read to the end (the CPU time from ``wait4``: the
    command's own, all its threads and the worker processes it waited for)."""
    stride = Path(sys.executable).with_name("stride")
    t0 = time.perf_counter()
    child = subprocess.Popen(
        [str(stride), "analyze", *record.split(), "--json"],
        env=env_for(checkout),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert child.stdout is not None
    out = child.stdout.read()  # read to the end before waiting: the pipe never fills
    _, status, usage = os.wait4(child.pid, 0)
    took = time.perf_counter() - t0
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0 or not out.endswith(b"}\n"):
        raise SystemExit(f"stride analyze {record} failed ({child.returncode})")
    return {"wall": took, "cpu": usage.ru_utime + usage.ru_stime}


def after(record: str, checkout: Path | None) -> dict[str, float]:
    """Wall and CPU seconds from ``run`` returning to the command's end
    (:data:`AFTER_PROBE`)."""
    done = subprocess.run(
        # -P: the checkout from the environment, not a stride in the current folder
        [sys.executable, "-P", "-c", AFTER_PROBE, "analyze", record, "--json"],
        env=env_for(checkout),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"probe failed on {record}: {done.stderr[-300:]}")
    said = json.loads(done.stderr.strip().splitlines()[-1])
    where = Path(said.pop("from")).resolve()
    if not where.is_relative_to(checkout or REPO):
        raise SystemExit(f"the probe ran {where}, not the checkout {checkout or REPO}")
    return {k: float(v) for k, v in said.items()}


FIGURES = ("wall", "cpu", "after", "after_cpu")


def load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("records", nargs="+")
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--together", metavar="ARGS", help="one command for all, with ARGS")
    args = ap.parse_args()
    sides = {"this": None, "baseline": args.baseline.resolve()}
    args.records = [str(Path(r).resolve()) for r in args.records]
    if args.together is not None:
        args.records = [" ".join([*args.records, args.together])]
    for record in args.records:  # warm both caches and the page cache first
        for checkout in sides.values():
            command(record, checkout)
    seen: dict[tuple[str, str, str], list[float]] = {}
    for r in range(args.rounds):
        for record in args.records:
            order = list(sides.items()) if r % 2 == 0 else list(sides.items())[::-1]
            for name, checkout in order:
                got = command(record, checkout)
                if args.together is None:
                    got.update(after(record, checkout))
                for what, value in got.items():
                    seen.setdefault((record, name, what), []).append(value)
                said = ", ".join(f"{k} {v:.3f} s" for k, v in got.items())
                print(f"round {r} {name:8} {record}: {said}, load {load():.2f}", flush=True)
    for record in args.records:
        print(f"\n{record} ({args.rounds} rounds):")
        for what in FIGURES[: 2 if args.together is not None else 4]:
            this, base = seen[(record, "this", what)], seen[(record, "baseline", what)]
            m, b = statistics.median(this), statistics.median(base)
            print(
                f"  {what:9}: this {m:.3f} s ({min(this):.3f}-{max(this):.3f}), baseline"
                f" {b:.3f} s ({min(base):.3f}-{max(base):.3f}), ratio {m / b:.2f}"
            )


if __name__ == "__main__":
    main()
