"""The cues for a sensor wired inverted, upright against inverted, per group of records.

Not a test. Run: ``python benchmarks/polarity_cue.py [--data data/physionet]
[--sessions DIR ...] [--minutes 5] [--tried] [--markdown]``.

For every gaitndd record (grouped als, control, hunt, park) and gaitpdb trial shipped in
``DATA``, a few simulated sessions (``SIM``: profiles with chorea, freezes, a limp, a
dragged foot; 1 kHz, the recorded int16 counts, benchmarks/realistic.py) and the
recording directories given with ``--sessions`` (grouped by their parent folder), each
channel of a foot read upside down (minimum + maximum - reading, as
benchmarks/contact_stress.py's "inverted"): the range per group of the output's cue,
:func:`stride.core.polarity.polarity_figure` (the two feet's correlation over the
walking; a warning above 0), upright, with the left or the right foot inverted, and with
both. The threshold is not fitted: the figure of a record with one foot inverted is that
of the upright record with its sign turned, so the largest margin on any set of records
is at 0; per group, the margin is the group's upright figure nearest 0 (and its one foot
inverted, the same with the sign turned).

``--tried``: also the cues tried and dropped (docs/accuracy.md, "Inverted polarity"),
per foot, from :func:`stride.core.analyzer.analyze`'s contacts: the share of the other
foot's initial contacts that fall inside one of this foot's contacts (walking: the other
foot lands during this one's stance), the median contact over the stride (duty factor);
and per record the time both feet's readings are above the middle of their range less
the time both are below it, over the 2 s blocks of walking (double support against
flight).
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.realistic import simulated_with_truth  # noqa: E402
from benchmarks.tables import print_table  # noqa: E402
from stride.core.signals import GaitSignals  # noqa: E402

DEFAULT_DATA = REPO / "data" / "physionet"
#: simulated sessions (profile, sensor layout, seed)
SIM = (
    ("healthy", "foot", 1), ("huntington:0.7", "foot", 2), ("huntington:0.7", "heel-toe", 3),
    ("huntington:0.7", "insole8", 4), ("parkinsonian:0.8", "heel-toe", 5),
    ("parkinsonian:0.9", "foot", 6), ("antalgic-left:0.7", "foot", 7),
    ("antalgic-right:0.9", "heel-toe", 8), ("hemiparetic-left:0.8", "foot", 9),
    ("drop-foot-right:0.8", "insole8", 10),
)  # fmt: skip
VARIANTS = {"upright": "", "left inverted": "L", "right inverted": "R", "both inverted": "LR"}


def inverted(sig: GaitSignals, sides: str) -> NDArray[np.float64]:
    x = np.asarray(sig.forces, np.float64).copy()
    for j, c in enumerate(sig.channels):
        if c.side in sides:
            x[:, j] = np.nanmin(x[:, j]) + np.nanmax(x[:, j]) - x[:, j]
    return x


def tried(sig: GaitSignals, x: NDArray[np.float64]) -> dict[str, float]:
    """The dropped cues of one variant (see the module docstring)."""
    from dataclasses import replace

    from stride.core.analyzer import analyze

    a = analyze(replace(sig, forces=x))
    out: dict[str, float] = {}
    for side, other in (("L", "R"), ("R", "L")):
        f, o = a.contacts[side], a.contacts[other]
        if len(f) < 3 or len(o) < 3:
            continue
        ic = o.on_t[o.on_seen]
        k = np.searchsorted(f.on_t, ic, side="right") - 1
        walk = (k >= 0) & (k + 1 < len(f))
        k = k[walk]
        walk_k = f.on_t[k + 1] - f.on_t[k] < 2.5  # a stride, not a pause
        inside = ic[walk][walk_k] <= f.off_t[k[walk_k]]
        out[f"in_{side}"] = float(inside.mean()) if inside.size else np.nan
        st = np.diff(f.on_t)
        ok = st < 2.5
        out[f"duty_{side}"] = float(np.median((f.off_t - f.on_t)[:-1][ok] / st[ok]))
    w = max(8, round(2 * sig.fs))
    feet = [x[:, [j for j, c in enumerate(sig.channels) if c.side == s]].sum(1) for s in "LR"]
    u = []
    for f in feet:
        lo, hi = np.nanpercentile(f, [3, 97])
        m = len(f) // w
        u.append(((f - lo) / (hi - lo))[: m * w].reshape(m, w))
    blocks = (np.ptp(u[0], 1) > 0.5) & (np.ptp(u[1], 1) > 0.5)
    a_, b_ = u[0][blocks] > 0.5, u[1][blocks] > 0.5
    out["double_minus_flight"] = float(np.mean(a_ & b_) - np.mean(~a_ & ~b_))
    return out


def records(data: Path, sessions: list[Path], minutes: float) -> list[tuple[str, str, GaitSignals]]:
    from stride.readers import read_signals

    out = []
    for hea in sorted((data / "gaitndd").glob("*.hea")):
        out.append(("gaitndd " + hea.stem.rstrip("0123456789"), hea.stem, read_signals(hea)))
    for txt in sorted((data / "gaitpdb").glob("Ga*.txt")):
        out.append(("gaitpdb", txt.stem, read_signals(txt)))
    for profile, sensors, seed in SIM:
        sig, _ = simulated_with_truth(profile, sensors, minutes, seed=seed)
        out.append(("simulated", f"{profile} {sensors}", sig))
    for d in sessions:
        out.append((d.parent.name, d.name, read_signals(d)))
    return out


def main() -> None:
    from stride.core.polarity import polarity_figure

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--sessions", type=Path, nargs="*", default=[])
    ap.add_argument("--minutes", type=float, default=5.0, help="per simulated session")
    ap.add_argument("--tried", action="store_true", help="also the cues tried and dropped")
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    fig: dict[tuple[str, str], list[tuple[float, str]]] = defaultdict(list)
    cue: dict[tuple[str, str, str], list[tuple[float, str]]] = defaultdict(list)
    none: dict[str, int] = defaultdict(int)
    for group, name, sig in records(args.data, args.sessions, args.minutes):
        for var, sides in VARIANTS.items():
            x = inverted(sig, sides)
            f = polarity_figure(x, sig.channels, sig.fs)
            if f is None:
                none[group] += var == "upright"
                continue
            for g in (group, "all"):
                fig[g, var].append((f[0], name))
            if args.tried and var in ("upright", "both inverted", "left inverted"):
                for k, v in tried(sig, x).items():
                    for g in (group, "all"):
                        cue[g, var, k.rstrip("_LR") if k[-2:] in ("_L", "_R") else k].append(
                            (v, name)
                        )
    groups = list(dict.fromkeys(g for g, _ in fig))
    head = ["group", "records", *VARIANTS, "warned upright", "warned one foot inverted"]
    rows = []
    for g in groups:
        cells = [g, str(len(fig[g, "upright"])) + (f" (+{none[g]} too short)" if none[g] else "")]
        for var in VARIANTS:
            v = sorted(fig[g, var])
            cells.append(f"{v[0][0]:+.2f} .. {v[-1][0]:+.2f}")
        up = sum(f > 0 for f, _ in fig[g, "upright"])
        one = fig[g, "left inverted"] + fig[g, "right inverted"]
        warned = sum(f > 0 for f, _ in one)
        cells += [f"{up} of {len(fig[g, 'upright'])}", f"{warned} of {len(one)}"]
        rows.append(cells)
    print_table(head, rows, args.markdown)
    print()
    hi = max(fig["all", "upright"])
    print(f"upright figure nearest 0: {hi[0]:+.3f} ({hi[1]})")
    if args.tried:
        head = ["group", "cue", "upright", "both inverted", "left inverted"]
        rows = []
        for g in groups:
            for k in ("in", "duty", "double_minus_flight"):
                cells = [g, k]
                for var in ("upright", "both inverted", "left inverted"):
                    v = sorted(c for c in cue[g, var, k] if np.isfinite(c[0]))
                    cells.append(f"{v[0][0]:+.2f} .. {v[-1][0]:+.2f}" if v else "-")
                rows.append(cells)
        print_table(head, rows, args.markdown)
        print()


if __name__ == "__main__":
    main()
