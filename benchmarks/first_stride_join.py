"""Phantom first strides when ``stride live`` joins a box that is already streaming.

Not a test. Run: ``python benchmarks/first_stride_join.py [--starts 150] [--seeds 1,2]``.
A simulated walk (``stride sim``, 30 s, healthy) is fed to the live pipeline from random
byte offsets in its first third, in 4000-byte chunks as a serial port delivers them. For
each start and foot, the first stride left in the summary (unflagged) is a phantom when it
is more than 15 % off that foot's median stride. Counted side by side, in one run, with
the rule the steps table uses (a foot's first observed IC starts no stride:
``stride.core.step_intervals.trusted_ics``) and without it (every observed IC trusted).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

import stride.core.step_intervals as step_intervals
from sim.session import SessionSpec, simulate
from stride.ingest.belt_source import BeltSource
from stride.ingest.pipeline import build_pipeline

Rule = Callable[[NDArray[np.bool_]], NDArray[np.bool_]]


def every_seen_ic(on_seen: NDArray[np.bool_]) -> NDArray[np.bool_]:
    return np.asarray(on_seen, dtype=np.bool_)


def phantoms(data: bytes, offsets: list[int], rule: Rule) -> list[tuple[int, str, float]]:
    """(offset, foot, stride) of each phantom first stride under ``rule``."""
    saved = step_intervals.trusted_ics
    step_intervals.trusted_ics = rule
    found = []
    try:
        for off in offsets:
            pipeline = build_pipeline(None, BeltSource("box"))
            for i in range(off, len(data), 4000):
                pipeline.feed("box", data[i : i + 4000], i / 1e5)
            rows = pipeline.finish()["steps"]
            for side in ("L", "R"):
                mine = [r for r in rows if r["side"] == side and r["stride_time_s"] is not None]
                used = [r["stride_time_s"] for r in mine if not r["flags"]]
                typical = float(np.median([r["stride_time_s"] for r in mine]))
                if used and abs(used[0] - typical) > 0.15 * typical:
                    found.append((off, side, round(used[0], 3)))
    finally:
        step_intervals.trusted_ics = saved
    return found


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--starts", type=int, default=150)
    ap.add_argument("--seeds", default="1,2")
    args = ap.parse_args()
    for seed in (int(s) for s in args.seeds.split(",")):
        data = simulate(SessionSpec(minutes=0.5, seed=seed)).data
        rng = np.random.default_rng(7)
        offsets = [int(rng.integers(0, len(data) // 3)) for _ in range(args.starts)]
        before = phantoms(data, offsets, every_seen_ic)
        now = phantoms(data, offsets, saved_rule)
        print(
            f"seed {seed}: {args.starts} starts ({2 * args.starts} feet): phantom first "
            f"strides every observed IC trusted {len(before)}, first observed IC not "
            f"trusted {len(now)}"
        )
        for off, side, stride in before[:3]:
            print(f"  e.g. offset {off} {side}: first stride {stride} s")


saved_rule: Rule = step_intervals.trusted_ics

if __name__ == "__main__":
    main()
