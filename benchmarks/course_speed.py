"""Course mode's cost against the whole analysis of an overground session.

Not a test. Run: ``python benchmarks/course_speed.py [--minutes 10] [--profiles healthy,...]``.
Each profile's session (``stride sim session --overground``, seed 1) is analysed as
``stride analyze`` does (best of three, kernels already loaded); course mode
(:func:`stride.core.course.apply_course`) is then timed alone on the analysis's step table,
best of three, in the same run. Printed: steps, both times and their ratio.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path


def best_of(n: int, fn: object) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    from sim.cli_support import build_spec
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig
    from stride.core.course import apply_course

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--profiles", default="huntington:0.5,parkinsonian:0.5,healthy")
    args = ap.parse_args()
    print("profile                steps  analysis s  course mode s  course / analysis")
    with tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles.split(","):
            out = Path(tmp) / profile.replace(":", "_")
            spec = build_spec(
                minutes=args.minutes, speed="3.6kmh", profile=profile, seed=1, rate=1000,
                overground=True,
            )  # fmt: skip
            simulate_session(out, spec)
            _, result, _ = run(out, AnalysisConfig())  # loads (or compiles) every kernel
            whole = best_of(3, lambda: run(out, AnalysisConfig()))  # noqa: B023
            table = result.steps
            course = best_of(3, lambda: apply_course(table, 10.0))  # noqa: B023
            print(
                f"{profile:22s} {len(table):5d}  {whole:10.3f}  {course:13.3f}"
                f"  {100 * course / whole:16.1f} %"
            )


if __name__ == "__main__":
    main()
