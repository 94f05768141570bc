"""Course mode on a hand-made walker whose turns are hardly slower than its walking steps.

Not a test. Run: ``python benchmarks/course_split_walk.py [--seeds 1-20]``.
The walker is ``_split_walk`` of ``tests/stride/core/test_course.py``: 8 passes of 14
steps, stride time straying with a 10 % SD from one gait cycle to the next, turns of four
steps at 1.25, 1.3 and 1.4 times the step time whose extra time is spent in the swing (as
in the simulator's turns). Printed per turn factor, with step times alone
(``CourseParams(weigh_phase=False)``) and with the split between double support and swing
weighed: the passes measured with the true count (14), those measured with another, and
the runs whose closed passes all have 14 steps.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main() -> None:
    from stride.core.course import CourseParams, apply_course

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "stride" / "core"))
    from test_course import _split_walk  # type: ignore[import-not-found]

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    args = ap.parse_args()
    lo, _, hi = args.seeds.partition("-")
    seeds = range(int(lo), int(hi or lo) + 1)
    print("turn factor  phase weighed  measured right  measured wrong  runs told apart")
    for factor in (1.25, 1.3, 1.4):
        for weigh in (False, True):
            right = wrong = apart = 0
            for seed in seeds:
                _, passes = apply_course(
                    _split_walk(seed, factor), 10.0, CourseParams(weigh_phase=weigh)
                )
                measured = [p["steps"] for p in passes if p["measured"]]
                right += sum(n == 14 for n in measured)
                wrong += sum(n != 14 for n in measured)
                closed = [p["steps"] for p in passes if p["ended_by"] == "turn"]
                apart += closed == [14] * 7
            print(
                f"{factor:11.2f}  {'yes' if weigh else 'no':>13s}  {right:14d}"
                f"  {wrong:14d}  {apart:8d} of {len(seeds)}"
            )


if __name__ == "__main__":
    main()
