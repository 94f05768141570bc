"""Speed of contact detection alone (both feet), beside one numpy copy of the same forces.

Not a test. Run: ``python benchmarks/contacts_speed.py [--points N] [--repeat R]``. Measured
side by side in this run, as the minimum CPU time of ``--repeat`` runs (the process time,
so other programs on a shared machine disturb it less than wall time):

1. synthetic 1 kHz walking, 4 int16 channels (heel + toe per foot; the data of
   ``benchmarks/core_speed.py``);
2. a real 300 Hz record (data/physionet/gaitndd/control1, one FSR per foot) tiled to the same
   length, if present.

For each: time points per second and the ratio to ``forces.copy()``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def cpu_best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def measure(name: str, sig: object, repeat: int) -> None:
    from stride.core.contacts import detect_contacts
    from stride.core.signals import GaitSignals

    assert isinstance(sig, GaitSignals)
    for side in ("L", "R"):
        detect_contacts(sig, side)  # compile or load from the cache
    forces = np.asarray(sig.forces)
    copy_s = cpu_best(forces.copy, repeat)
    det_s = cpu_best(lambda: [detect_contacts(sig, s) for s in ("L", "R")], repeat)
    print(
        f"{name}: {sig.n / 1e6:.1f} M points x {forces.shape[1]} ch {forces.dtype}; "
        f"copy {1e3 * copy_s:.1f} ms, contacts (both feet) {1e3 * det_s:.1f} ms = "
        f"{sig.n / det_s / 1e6:.0f} M points/s, {det_s / copy_s:.1f}x the copy"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--points", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from benchmarks.realistic import square_wave as synthetic
    from stride.core.signals import GaitSignals
    from stride.readers import read_signals

    measure("synthetic 1 kHz heel+toe", synthetic(args.points), args.repeat)
    hea = REPO / "data" / "physionet" / "gaitndd" / "control1.hea"
    if hea.exists():
        rec = read_signals(hea)
        reps = max(1, args.points // rec.n)
        x = np.tile(np.asarray(rec.forces), (reps, 1))
        t = np.arange(x.shape[0]) / rec.fs
        measure("gaitndd control1 300 Hz", GaitSignals(t, x, rec.channels, rec.fs), args.repeat)


if __name__ == "__main__":
    main()
