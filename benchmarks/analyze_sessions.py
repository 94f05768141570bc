"""The analysis of given recordings in a warm process, this checkout against another,
side by side.

Not a test. Run: ``python benchmarks/analyze_sessions.py --baseline DIR [--rounds 2]
[--repeat 20] S [S ...]`` (DIR: e.g. ``git archive main | tar -x -C DIR``). Each round
runs one child process per checkout, alternating which goes first (the baseline with
``PYTHONPATH=DIR`` and its own numba cache, ``DIR/.numba-cache``); a child reads each
recording as ``stride analyze`` does, analyses it once (kernels loaded), then
``--repeat`` times (``stride.core.analyzer.analyze``, the feet one after the other, or
with ``--threads 2`` side by side, as ``stride analyze`` runs them where a core is idle):
best and median wall milliseconds and time points/s, with the 1-minute load average;
with ``--course``, also course mode's own share of each analysis (an overground
recording's ``apply_course``, timed where the analysis calls it): best and median.
Any recording the readers take: the 60-minute insole8 session, say
(``stride sim session --out S --minutes 60 --rate 1000 --speed 3.6kmh --profile healthy
--sensors insole8 --seed 3 --no-history``), which ``analyze_speed.py`` does not make.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import baseline_env  # noqa: E402

_CHILD = """
import json, sys, time
from pathlib import Path
import stride
import stride.core.analyzer as analyzer
from stride.analysis import with_session_defaults
from stride.core.analyzer import AnalysisConfig, analyze
from stride.readers import read_signals
assert stride.__file__.startswith({root!r}), stride.__file__
from stride.core.contacts import set_foot_threads
set_foot_threads({threads!r})
course = []
if {course!r}:
    inner = analyzer.apply_course
    def timed(*args, **kwargs):
        t0 = time.perf_counter()
        out = inner(*args, **kwargs)
        course.append(time.perf_counter() - t0)
        return out
    analyzer.apply_course = timed
for s in {sessions!r}:
    sig = read_signals(Path(s))
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    analyze(sig, config)
    ts = []
    course.clear()
    for _ in range({repeat}):
        t0 = time.perf_counter()
        analyze(sig, config)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    course.sort()
    row = {{"session": s, "n": int(sig.n), "best_s": ts[0], "median_s": ts[len(ts) // 2]}}
    if course:
        row.update(course_best_s=course[0], course_median_s=course[len(course) // 2])
    print(json.dumps(row))
"""


def run(
    root: Path,
    env: dict[str, str],
    sessions: list[str],
    repeat: int,
    course: bool = False,
    threads: int = 1,
) -> list[dict[str, Any]]:
    code = _CHILD.format(
        root=str(root), sessions=sessions, repeat=repeat, course=course, threads=threads
    )
    # in ``root``: ``python -c`` puts the working directory first on the path, so run
    # from this checkout, the baseline's child would import this checkout's stride
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sessions", nargs="+")
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--course", action="store_true", help="also course mode's own time")
    ap.add_argument("--threads", type=int, default=1, help="2: as on an idle core")
    a = ap.parse_args()
    base = a.baseline.resolve()
    sessions = [str(Path(s).resolve()) for s in a.sessions]  # the children run elsewhere
    envs = {
        "this": (REPO, dict(os.environ, PYTHONPATH=str(REPO))),
        "baseline": (base, baseline_env(base)),
    }
    for r in range(a.rounds):
        order = ("this", "baseline") if r % 2 else ("baseline", "this")
        print(f"round {r + 1}, load average {os.getloadavg()[0]:.2f}", flush=True)
        for name in order:
            root, env = envs[name]
            for row in run(root, env, sessions, a.repeat, a.course, a.threads):
                n = row["n"]
                course = (
                    f"; course mode best {row['course_best_s'] * 1e3:.2f} ms, median "
                    f"{row['course_median_s'] * 1e3:.2f} ms"
                    if "course_best_s" in row
                    else ""
                )
                print(f"  {name:8s} {Path(row['session']).name:32s} best "
                      f"{row['best_s'] * 1e3:7.2f} ms ({n / row['best_s'] / 1e6:5.1f} M/s), "
                      f"median {row['median_s'] * 1e3:7.2f} ms{course}", flush=True)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
