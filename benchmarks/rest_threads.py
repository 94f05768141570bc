"""Whether the per-foot work after the contact scan gains from the foot threads: with the
feet scanned side by side (``set_foot_threads(2)``), can each foot's steps table go on
beside the other foot's?

Not a test. Run: ``python benchmarks/rest_threads.py --work W [--session S ...]
[--rounds R] [--repeat N]`` (default sessions: the healthy and parkinsonian 5-minute
insole8 ones of ``benchmarks/analyze_speed.py``, made in ``W`` if missing). In one warm
process, in alternating rounds, best wall time of ``--repeat`` calls per round (medians of
the rounds' bests printed, with the load average):

- ``steps_one_after_other_ms``: both feet's steps tables (``side_rows``) on this thread;
  ``steps_side_by_side_ms``: the right foot's handed to the process's foot thread (the one
  the scan uses) and the left one's made here meanwhile; ``handoff_ms``: an empty job
  handed to that thread and waited for;
- ``analysis_ms``: ``analyze`` with the feet on two threads, as it is (a variant with each
  foot's roll-over on the thread that scanned it was measured here on c6f9581 and not kept,
  docs/performance.md; since then the roll-over is part of the steps table's flags kernel
  call, so there is no roll-over of its own left to move);
- ``scan_end_left_minus_right_ms``: when the left foot's scan (this thread) ended after the
  right foot's (the foot thread), median over the calls: the window in which the foot
  thread waits.

Only code that releases the GIL (the scan kernel, ``nogil``) runs beside other Python
code; the steps table and the summary are about a hundred numpy calls a foot on a few
hundred rows each, which hold it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from analyze_speed import add_work_option, profile_session


class _Job:
    """A call run on the foot thread (what its queue takes: an object with ``run``)."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.work, self.out = work, None
        self.done = threading.Lock()
        self.done.acquire()

    def run(self) -> None:
        try:
            self.out = self.work()
        finally:
            self.done.release()

    def result(self) -> object:
        with self.done:
            return self.out


def best(work: Callable[[], object], repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        work()
        out = min(out, time.perf_counter() - t0)
    return out


def measure(session: Path, rounds: int, repeat: int) -> dict[str, Any]:
    from stride.analysis import with_session_defaults
    from stride.core import contacts, steps
    from stride.core.analyzer import AnalysisConfig, _places, analyze
    from stride.core.scan import SIDES, scan_samples
    from stride.readers import read_signals

    sig = read_signals(session)
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    contacts.set_foot_threads(2)
    scan = scan_samples(sig, config.contact)
    feet, fs = scan.contacts, float(sig.fs)
    places = {side: _places(sig.channels, side) for side in SIDES}
    worker = contacts._foot_workers(1)[0]

    def rows(code: int) -> object:
        side = SIDES[code]
        return steps.side_rows(feet[side], feet[SIDES[1 - code]], code, places[side], fs,
                               None, scan.gap_starts, scan.gap_ends, config.steps)  # fmt: skip

    def one_after_other() -> object:
        return rows(0), rows(1)

    def side_by_side() -> object:
        job = _Job(lambda: rows(1))
        worker.put(job)  # type: ignore[arg-type]
        left = rows(0)
        return left, job.result()

    def handoff() -> object:
        job = _Job(lambda: None)
        worker.put(job)  # type: ignore[arg-type]
        return job.result()

    plain_one = contacts._one_foot
    ends: dict[str, float] = {}

    def one_foot(runner: Any, *args: Any) -> Any:
        out = plain_one(runner, *args)
        ends[runner.side] = time.perf_counter()
        return out

    contacts._one_foot = one_foot
    try:
        took: dict[str, list[float]] = {}
        gaps: list[float] = []

        def timed() -> float:
            out = float("inf")
            for _ in range(repeat):
                t0 = time.perf_counter()
                analyze(sig, config)
                out = min(out, time.perf_counter() - t0)
                gaps.append(ends["L"] - ends["R"])
            return out

        parts: dict[str, Callable[[], float]] = {
            "steps_one_after_other_ms": lambda: best(one_after_other, repeat),
            "steps_side_by_side_ms": lambda: best(side_by_side, repeat),
            "handoff_ms": lambda: best(handoff, repeat),
            "analysis_ms": timed,
        }
        for r in range(rounds):
            for name in list(parts) if r % 2 == 0 else list(parts)[::-1]:
                took.setdefault(name, []).append(parts[name]())
    finally:
        contacts._one_foot = plain_one
        contacts.set_foot_threads(1)
    med = {k: round(1e3 * statistics.median(v), 4) for k, v in took.items()}
    return {
        "session": str(session),
        "contacts_a_foot": [len(feet[s]) for s in SIDES],
        **med,
        "steps_side_by_side_over_one_after_other": round(
            med["steps_side_by_side_ms"] / med["steps_one_after_other_ms"], 3
        ),
        "scan_end_left_minus_right_ms": round(1e3 * statistics.median(gaps), 4),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept (analyze_speed.py's)")
    ap.add_argument("--session", type=Path, action="append", help="a recording (repeatable)")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--repeat", type=int, default=30)
    args = ap.parse_args()
    sessions = args.session or [
        profile_session(args.work, 5, profile, "insole8", False)
        for profile in ("healthy", "parkinsonian")
    ]
    load = [round(os.getloadavg()[0], 2)]
    out = [measure(Path(s), args.rounds, args.repeat) for s in sessions]
    load.append(round(os.getloadavg()[0], 2))
    print(json.dumps({"results": out, "load_average_1min": load}, indent=1))


if __name__ == "__main__":
    main()
