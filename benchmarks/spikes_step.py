"""The spikes row's one missed and one extra simulated step before a block needed two
readings beyond a far load level (benchmarks/contact_stress.py, docs/accuracy.md): which
step, and which spikes moved it (now it is timed at its touch).

Not a test. Run: ``python benchmarks/spikes_step.py``. The right foot's contacts from 88
to 93 s of the ``huntington:0.6`` one-sensor session (seed 6) as the spikes row analyses it,
then with single spikes put back to the recorded reading: (IC s, stride confidence).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.contact_stress import SIM, TRANSFORMS, _seed, _with  # noqa: E402
from benchmarks.realistic import simulated_with_truth  # noqa: E402
from stride.core.analyzer import analyze  # noqa: E402

#: (from, to) s: the spikes put back, and what they are
BACK = (
    (None, None, "the spikes row"),
    (88.08, 88.09, "without the spike at 88.083 s"),
    (88.06, 88.075, "without the spikes at 88.065 and 88.068 s"),
    (90.3, 90.4, "without the spike at 90.375 s (inside the contact)"),
)


def main() -> None:
    profile, sensors = SIM[3]
    sig, run = simulated_with_truth(profile, sensors, 3.0, seed=6)
    spiked = TRANSFORMS["spikes 1/s"](sig, np.random.default_rng(_seed(profile + sensors)))
    col = next(j for j, ch in enumerate(sig.channels) if ch.side == "R")
    true_ic = [round(t.ic_s, 3) for t in run.truth if t.side == "R" and 88 < t.ic_s < 93]
    print(f"{profile} {sensors}, right foot, true ICs 88-93 s: {true_ic}")
    for lo, hi, name in BACK:
        x = spiked.forces.copy()
        if lo is not None:
            at = (spiked.t > lo) & (spiked.t < hi)
            x[at, col] = sig.forces[at, col]
        rows = analyze(_with(spiked, x)).step_rows()
        got = [(round(r["ic_s"], 3), round(r["confidence"], 2))
               for r in rows if r["side"] == "R" and 88 < r["ic_s"] < 93]  # fmt: skip
        print(f"{name}: {got}")


if __name__ == "__main__":
    main()
