"""What tells a turn step from a walking step at a turn's ends, against the simulator's truth
and, where a recording can say it, against real walkers (docs/accuracy.md, "Cues beyond a
step's own time and split").

Not a test. Run: ``python benchmarks/course_cues.py [--seeds 1-300] [--profiles
huntington:0.7] [--swing-jitter MS] [--minutes 2] [--real]``.

Each profile walks 10 m passes (``stride sim session --overground``); the recording is
analysed as ``stride analyze`` does and each step row matched to the truth's step
(``truth_steps.csv``, flag ``turn``). The steps where a reading can be a step off: a turn's
first step (``T1``) against the walking step before it (``W-``), a turn's last step (``T4``)
against the walking step after it (``W+``); ``W`` the other walking steps, ``T`` the other
turn steps. Each cue is taken
over the median of the same foot's truth walking steps around it (four either side, as
course mode's readings: :mod:`stride.core.step_ratios`): the step-time ratio (``r``) and
the phase ratio (``p``, the swing's share of the step) that course mode weighs, the step's
own double support (the other foot's landing to this foot's toe-off), the step before's and
after's double support and time, the heel-to-toe time and the peak force. Printed: each
cue's median per class, and how well each class pair is told apart by a logistic law of
``log r`` and ``log p`` alone and with each cue more (log-loss per step, five folds by seed,
a step never judged by a law fitted on its own session); the foot each turn begins with;
the log-likelihood ratio, turn steps against walking steps, of the step-time ratio by bin.

Then how a step's time relates to its neighbours' in the walking steps (step-time ratios
0.8-1.25 as course mode takes them, each against its foot's walking steps around it): the
correlation of a step's log ratio with the step before's (left after right and right after
left), and with its own and its neighbours' double support, for the simulated sessions and,
with ``--real``, for the shipped gaitndd records per group (real walkers, 77 m hallway;
their turns are not marked). With ``--real`` also the steps of runs of two or more steps
slower than 1.3 times (turns at the hallway's ends, or stops: the records do not say)
against the walking steps (0.85-1.15), each over its foot's walking steps around it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_accuracy import seeds_of
from turn_signature import truth_turns

from stride.core.step_ratios import FootWindows, step_ratios

DATA = Path(__file__).resolve().parents[1] / "data" / "physionet" / "gaitndd"
CLASSES = ("W", "W-", "T1", "T4", "W+")


def over(x: np.ndarray, side: np.ndarray, walking: np.ndarray) -> np.ndarray:
    """``x`` over the median of the same foot's ``walking`` values, four either side."""
    out = np.full(x.size, np.nan)
    FootWindows(side, 4, 1).over_walking(np.asarray(x, float)[None], walking, out[None])
    return out


def shifted(x: np.ndarray, k: int) -> np.ndarray:
    """``x`` of the row ``k`` before (``k`` > 0) or after (``k`` < 0) each row, NaN past the
    ends."""
    pad = np.full(abs(k), np.nan)
    return np.r_[pad, x[:-k]] if k > 0 else np.r_[x[-k:], pad]


def session(profile: str, seed: int, minutes: float, jitter: float, root: Path) -> dict:
    """One simulated session's cues per row, its rows' classes and feet."""
    from sim.cli_support import build_spec
    from sim.session import simulate_session

    out = root / f"{profile.replace(':', '_')}-{seed}"
    spec = build_spec(
        minutes=minutes, speed="3.6kmh", profile=profile, seed=seed, rate=1000,
        overground=True, swing_jitter_ms=jitter,
    )  # fmt: skip
    simulate_session(out, spec)
    t, seen, turn = truth_turns(out)
    ic = t["ic_s"]
    kind = seen & turn
    walking = seen & ~kind
    before, after = np.r_[False, kind[:-1]], np.r_[kind[1:], False]
    cls = np.full(ic.size, "", dtype=object)
    cls[walking & ~before & ~after] = "W"
    cls[walking & after] = "W-"
    cls[walking & before] = "W+"
    cls[kind & before & after] = "T"
    cls[kind & ~before] = "T1"
    cls[kind & ~after] = "T4"
    side = np.asarray(t.side)
    s, sw = t["step_time_s"], t["swing_s"]
    with np.errstate(invalid="ignore", divide="ignore"):
        d = np.where(s - sw > 0, s - sw, np.nan)
        share = np.where((sw > 0) & (sw < s), sw / s, np.nan)
        cues = {
            "r": over(s, side, walking),
            "p": over(share, side, walking),
            "own double support": over(d, side, walking),
            "double support before": over(shifted(d, 1), side, walking),
            "double support after": over(shifted(d, -1), side, walking),
            "step before": over(shifted(s, 1), side, walking),
            "step after": over(shifted(s, -1), side, walking),
            "heel-to-toe": over(t["heel_toe_s"], side, walking),
            "peak force": over(t["peak"], side, walking),
        }
    return {"cls": cls, "side": side, "cues": cues, "table": t}


def _fit(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A logistic law's weights (Newton's method, a little ridge)."""
    x1 = np.c_[np.ones(len(x)), x]
    w = np.zeros(x1.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x1 @ w))
        h = (x1 * (p * (1 - p))[:, None]).T @ x1 + 1e-3 * np.eye(w.size)
        w -= np.linalg.solve(h, x1.T @ (p - y) + 1e-3 * w)
    return w


def log_loss(x: np.ndarray, y: np.ndarray, seeds: np.ndarray, folds: int = 5) -> float:
    """Mean log-loss per step of a logistic law, each fold's sessions judged by the others'."""
    uniq = np.unique(seeds)
    fold = np.searchsorted(uniq, seeds) % folds
    total = 0.0
    for f in range(folds):
        w = _fit(x[fold != f], y[fold != f])
        z = np.c_[np.ones(int((fold == f).sum())), x[fold == f]] @ w
        yf = y[fold == f]
        total += float(np.sum(np.logaddexp(0, -z) * yf + np.logaddexp(0, z) * (1 - yf)))
    return total / len(y)


def neighbours(tables: list, label: str) -> None:
    """Correlations of walking steps' log step-time ratios with the step before's and with
    their own and their neighbours' double support, per foot."""
    pairs: dict[str, list[np.ndarray]] = {}
    for t in tables:
        r = step_ratios(t)
        side = np.asarray(t.side)
        s, sw = t["step_time_s"], t["swing_s"]
        with np.errstate(invalid="ignore", divide="ignore"):
            walking = (r > 0.8) & (r < 1.25)
            d = np.log(over(np.where(s - sw > 0, s - sw, np.nan), side, walking))
            e = np.log(r)
        prev_ok = walking & np.r_[False, walking[:-1]] & np.r_[True, side[1:] != side[:-1]]
        for name, x in (
            ("step before", shifted(e, 1)), ("own double support", d),
            ("double support before", shifted(d, 1)), ("double support after", shifted(d, -1)),
        ):  # fmt: skip
            for code in (0, 1):
                ok = prev_ok & (side == code) & np.isfinite(x) & np.isfinite(e)
                pairs.setdefault(f"{name}|{code}", []).append(np.c_[x[ok], e[ok]])
    cells = []
    for key, parts in pairs.items():
        v = np.concatenate(parts)
        name, code = key.split("|")
        cells.append(f"{name} ({'LR'[int(code)]}) {np.corrcoef(v.T)[0, 1]:+.2f}")
    print(f"  {label}: walking steps' log step-time ratio against: " + "; ".join(cells))


def real_records(groups: tuple[str, ...]) -> None:
    """The shipped gaitndd records: neighbours' correlations, and runs of slow steps."""
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    for group in groups:
        tables = [analyze(read_signals(h)).steps for h in sorted(DATA.glob(f"{group}*.hea"))]
        neighbours(tables, f"gaitndd {group} ({len(tables)} records)")
        slow_cues: dict[str, list[np.ndarray]] = {}
        runs = 0
        for t in tables:
            r = step_ratios(t)
            side = np.asarray(t.side)
            s, sw = t["step_time_s"], t["swing_s"]
            with np.errstate(invalid="ignore", divide="ignore"):
                slow = r > 1.3
                walking = (r > 0.85) & (r < 1.15)
                in_run = slow & (np.r_[False, slow[:-1]] | np.r_[slow[1:], False])
                runs += int(np.sum(in_run & ~np.r_[False, in_run[:-1]]))
                for name, x in (
                    ("swing share", sw / s), ("double support", s - sw), ("peak force", t["peak"]),
                ):  # fmt: skip
                    slow_cues.setdefault(name, []).append(over(x, side, walking)[in_run])
        cells = []
        for name, parts in slow_cues.items():
            x = np.concatenate(parts)
            x = x[np.isfinite(x)]
            lo, mid, hi = np.percentile(x, [10, 50, 90])
            cells.append(f"{name} {mid:.2f} ({lo:.2f}-{hi:.2f})")
        print(f"    {runs} runs of slow steps, their steps over walking: " + "; ".join(cells))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-300")
    ap.add_argument("--profiles", nargs="+", default=["huntington:0.7"])
    ap.add_argument("--swing-jitter", type=float, default=0.0, metavar="MS")
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--real", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles:
            runs = [
                (seed, session(profile, seed, args.minutes, args.swing_jitter, Path(tmp)))
                for seed in seeds_of(args.seeds)
            ]
            cls = np.concatenate([x["cls"] for _, x in runs])
            seeds = np.concatenate([np.full(x["cls"].size, s) for s, x in runs])
            side = np.concatenate([x["side"] for _, x in runs])
            cues = {k: np.concatenate([x["cues"][k] for _, x in runs]) for k in runs[0][1]["cues"]}
            first = [int(np.sum((cls == "T1") & (side == c))) for c in (0, 1)]
            print(f"{profile}, {args.swing_jitter:g} ms, {len(runs)} sessions: turns begun with"
                  f" the left foot {first[0]}, the right {first[1]}")  # fmt: skip
            for name, x in cues.items():
                meds = " ".join(f"{c} {np.nanmedian(x[cls == c]):.3f}" for c in CLASSES)
                print(f"  {name:22s} {meds}")
            turning, walks = np.isin(cls, ("T1", "T", "T4")), np.isin(cls, ("W", "W-", "W+"))
            edges = np.array([0.0, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1, 1.2, 1.3, 1.5, np.inf])
            nt = np.histogram(cues["r"][turning], edges)[0] / turning.sum()
            nw = np.histogram(cues["r"][walks], edges)[0] / walks.sum()
            with np.errstate(divide="ignore"):
                llr = np.log(nt / nw)
            bins = zip(edges[:-1], edges[1:], llr, strict=True)
            cells = [f"{a:g}-{b:g} {x:+.2f}" for a, b, x in bins]
            print("  step-time ratio's log-likelihood ratio, turn steps against walking steps: "
                  + "; ".join(cells))  # fmt: skip
            for turn, walk, leak in (("T1", "W-", "step after"), ("T4", "W+", "step before")):
                m = (cls == turn) | (cls == walk)
                y = (cls[m] == turn).astype(float)
                cells = []
                for extra in ([], *[[k] for k in cues if k not in ("r", "p", leak)]):
                    x = np.stack([np.log(cues[k][m]) for k in ("r", "p", *extra)], axis=1)
                    ok = np.all(np.isfinite(x), axis=1)
                    loss = log_loss(x[ok], y[ok], seeds[m][ok])
                    cells.append(f"{'+ ' + extra[0] if extra else 'r, p'} {loss:.3f}")
                print(f"  {turn} against {walk}, log-loss per step: " + "; ".join(cells))
            neighbours([x["table"] for _, x in runs], f"{profile} (simulated)")
    if args.real:
        real_records(("control", "hunt", "park", "als"))


if __name__ == "__main__":
    main()
