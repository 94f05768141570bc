"""How much swing times vary on their own: real walkers against the simulator.

Not a test. Run: ``python benchmarks/swing_noise.py [--data data/physionet] [--seed 1]
[--jitter 0 10 20 30]``.
A swing's own variation is what is left of it beyond its stride time: the SD of the
residuals of each swing time on its stride time (least squares, per record and foot),
over walking strides (within 15 % of the median stride: turns and pauses left out). Real
walkers: the gaitndd tables (``DATA/gaitndd/*.ts``: the database's own stride, swing and
stance times, 300 Hz, so their detection error is in these figures too), median and range
per group. The simulator: the truth of a 10-minute overground session per profile
(severity 0.5) at each swing-time noise (GaitParams ``swing_jitter_s``, in ms), per foot.
The right foot's stride spans two of the simulator's gait cycles (drawn at left landings),
so its residual is not 0 without the noise; the left foot's swing and stride are one cycle's.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def own_sd(stride: np.ndarray, swing: np.ndarray) -> tuple[float, float]:
    """Swing CV (%) and the SD (ms) of the swing's residual on the stride, walking strides."""
    ok = (stride > 0.4) & (stride < 3.0) & (swing > 0.1)
    ok &= np.abs(stride / np.median(stride[ok]) - 1.0) < 0.15
    s, w = stride[ok], swing[ok]
    a = np.vstack([s, np.ones_like(s)]).T
    res = w - a @ np.linalg.lstsq(a, w, rcond=None)[0]
    return 100.0 * float(w.std() / w.mean()), 1000.0 * float(res.std())


def real(data: Path) -> None:
    groups: dict[str, list[tuple[float, float]]] = {}
    for f in sorted((data / "gaitndd").glob("*.ts")):
        t = np.loadtxt(f)
        for stride_col, swing_col in ((1, 3), (2, 4)):
            ok = (t[:, stride_col] > 0.4) & (t[:, stride_col] < 3.0)
            if ok.sum() < 50:
                continue
            group = f.stem.rstrip("0123456789")
            groups.setdefault(group, []).append(own_sd(t[:, stride_col], t[:, swing_col]))
    print("real walkers (gaitndd), record-feet: swing CV %, own SD ms: median (range)")
    for group, rows in groups.items():
        cv, sd = np.array(rows).T
        print(
            f"  {group:8s} {len(rows):2d}  CV {np.median(cv):4.1f} ({cv.min():.1f}-{cv.max():.1f})"
            f"  own SD {np.median(sd):5.1f} ({sd.min():.1f}-{sd.max():.1f})"
        )


def simulated(seed: int, levels: list[float]) -> None:
    from sim.cli_support import build_spec
    from sim.session import simulate

    print(f"simulator (10 min overground, seed {seed}): swing CV % L/R, own SD ms L/R")
    for profile in ("healthy", "parkinsonian:0.5", "huntington:0.5"):
        for ms in levels:
            spec = build_spec(
                minutes=10,
                speed="3.6kmh",
                profile=profile,
                seed=seed,
                rate=1000,
                overground=True,
                swing_jitter_ms=ms,
            )
            truth = simulate(spec).truth
            cells = []
            for side in "LR":
                rows = [
                    (t.stride_time_s, t.swing_s)
                    for t in truth
                    if t.side == side and t.stride_time_s and t.swing_s and "turn" not in t.flags
                ]
                cells.append(own_sd(*np.array(rows).T))
            (cv_l, sd_l), (cv_r, sd_r) = cells
            print(
                f"  {profile:18s} {ms:4g} ms  CV {cv_l:4.1f} / {cv_r:4.1f}"
                f"  own SD {sd_l:5.1f} / {sd_r:5.1f}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=REPO / "data" / "physionet")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jitter", type=float, nargs="+", default=[0, 10, 20, 30])
    args = ap.parse_args()
    real(args.data)
    simulated(args.seed, args.jitter)


if __name__ == "__main__":
    main()
