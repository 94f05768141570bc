"""How each foot's walking steps split between double support and swing as the step time
varies, from the simulator's truth: the two feet should behave alike.

Not a test. Run: ``python benchmarks/phase_slopes.py [--seeds 1-25] [--minutes 2]
[--belt] [--profiles huntington:0.5 ...]`` (every profile at severity 0.5 unless given).
Only the walker runs (no sensors, no analysis): its contacts give the truth's steps
(``truth_steps.csv``). Walking steps are those neither a turn or freeze step nor next to
one. Each step's step time and swing share (swing over step time; the rest is the double
support after the other foot landed) are taken over the median of the same foot's walking
steps around it (4 either side), as course mode's ratios are. Printed per profile and foot,
the median over the seeds (and their range) of: the slope of the log swing-share ratio on
the log step-time ratio (least squares; 0: the share keeps with the step time, 1: all of a
longer step's time in the swing), the spread (SD) of the log swing-share ratio, and
overground the turn steps' median swing-share ratio.

``--replans`` (on a belt) prints instead, per profile over the seeds, how much each right
stance's planned length changes when the left foot lands and its toe-off is re-planned
(median and 95th percentile, ms), and the largest difference that makes to the right foot's
heel or toe force (heel-toe sensors, body weights) before that landing, where a live world
renders the stance with the plan made at its landing and a recorded session with its final
length.
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np
from numpy.typing import NDArray


def seeds_of(text: str) -> list[int]:
    lo, _, hi = text.partition("-")
    return list(range(int(lo), int(hi or lo) + 1))


def walked(
    profile: str, seed: int, minutes: float, overground: bool
) -> tuple[Any, Any, dict[int, float]]:
    """The walker of a session as ``stride sim session`` walks it (same seeds), run to its
    end, its belt, and each contact's stance as planned at its landing (by ``id``)."""
    import simpy

    from sim.cli_support import build_spec
    from sim.session import _treadmill
    from sim.walker import Walker

    spec = build_spec(
        minutes=minutes,
        speed="3.6kmh",
        profile=profile,
        seed=seed,
        rate=1000,
        overground=overground,
    )
    gait_rng = np.random.default_rng(np.random.SeedSequence(spec.seed).spawn(4)[0])
    belt = _treadmill(spec)
    env = simpy.Environment()
    walker = Walker(
        env, spec.params, gait_rng, belt, feedback=spec.feedback, pass_length_m=spec.pass_length_m
    )
    planned: dict[int, float] = {}
    walker.on_event(lambda kind, c: planned.setdefault(id(c), c.stance_planned))
    env.run(until=minutes * 60.0 + 3.0)
    return walker, belt, planned


def truth_of(profile: str, seed: int, minutes: float, overground: bool) -> list[Any]:
    """The truth's steps of a session as ``stride sim session`` walks it (same seeds)."""
    from sim.truth import truth_steps

    walker, belt, _ = walked(profile, seed, minutes, overground)
    return truth_steps(walker.contacts, belt=belt, end_s=minutes * 60.0)


def replans(profile: str, seed: int, minutes: float) -> tuple[list[float], float]:
    """Each right stance's change of plan at the next left landing (ms) and the largest
    heel or toe force difference (body weights) it makes before that landing."""
    from sim.forces import Shape, components

    walker, _, planned = walked(profile, seed, minutes, False)
    p = walker.params
    weights = np.array([[1.0, 0.5, 0.0, 0.0], [0.0, 0.0, 1.0, 1.0]])  # heel, toe
    changes, worst = [], 0.0
    for c, nxt in zip(walker.contacts, walker.contacts[1:], strict=False):
        if c.side != "R" or c.fc is None:
            continue
        first, final = planned[id(c)], c.fc - c.ic
        u = np.arange(0.0, nxt.ic - c.ic, 0.001)
        a = components(u, first, c.kind, p.heel_to_toe_s, Shape())
        b = components(u, final, c.kind, p.heel_to_toe_s, Shape())
        changes.append(1000 * abs(final - first))
        worst = max(worst, float(np.abs(weights @ (a - b)).max()))
    return changes, worst


def foot_figures(rows: list[Any], side: str) -> tuple[float, float, float]:
    """Slope, spread and turn steps' median swing-share ratio of one foot's steps."""
    from stride.core.step_ratios import running_median

    odd = np.array([bool({"turn", "freeze"} & set(r.flags)) for r in rows])
    near = odd.copy()
    near[1:] |= odd[:-1]
    near[:-1] |= odd[1:]
    idx = [i for i, r in enumerate(rows) if r.side == side and r.step_time_s and r.swing_s]
    step = np.array([rows[i].step_time_s for i in idx])
    share = np.array([rows[i].swing_s for i in idx]) / step
    walk = ~near[idx]

    def ratio(x: NDArray[np.float64]) -> NDArray[np.float64]:
        return x / running_median(np.where(walk, x, np.nan), 4)

    r_step, r_share = ratio(step), ratio(share)
    ok = walk & np.isfinite(r_step) & np.isfinite(r_share)
    x, y = np.log(r_step[ok]), np.log(r_share[ok])
    turn = odd[idx] & np.isfinite(r_share)
    turned = float(np.median(r_share[turn])) if turn.any() else float("nan")
    return float(np.polyfit(x, y, 1)[0]), float(np.std(y)), turned


def main() -> None:
    from sim.profiles import PROFILES

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-25")
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--belt", action="store_true", help="on a belt (default: overground)")
    ap.add_argument("--profiles", nargs="+")
    ap.add_argument("--replans", action="store_true", help="the right stances' re-plans")
    args = ap.parse_args()
    every = ["healthy" if n == "healthy" else f"{n}:0.5" for n in sorted(PROFILES)]
    if args.replans:
        print("profile                plan change ms: median  p95  largest force difference")
        for profile in args.profiles or every:
            runs = [replans(profile, s, args.minutes) for s in seeds_of(args.seeds)]
            ms = np.concatenate([r[0] for r in runs])
            print(
                f"{profile:22s} {np.median(ms):22.1f} {np.percentile(ms, 95):4.1f}"
                f"  {max(r[1] for r in runs):.3f}"
            )
        return
    print("profile                foot  share slope (range)      share spread  turn steps' share")
    for profile in args.profiles or every:
        figs: dict[str, list[tuple[float, float, float]]] = {"L": [], "R": []}
        for seed in seeds_of(args.seeds):
            rows = truth_of(profile, seed, args.minutes, not args.belt)
            for side in "LR":
                figs[side].append(foot_figures(rows, side))
        for side in "LR":
            a = np.array(figs[side])
            turn = f"{np.median(a[:, 2]):.3f}" if np.isfinite(a[:, 2]).any() else "-"
            print(
                f"{profile:22s} {side:4s}  {np.median(a[:, 0]):+.2f} ({a[:, 0].min():+.2f}"
                f" to {a[:, 0].max():+.2f})  {np.median(a[:, 1]):12.3f}  {turn:>17s}"
            )


if __name__ == "__main__":
    main()
