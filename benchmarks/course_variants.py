"""Course mode as shipped against variants measured and not kept, run by run
(docs/accuracy.md, "The last closed pass a step off", "A likelier reading a step off
throughout", "Cues beyond a step's own time and split" and "Turns of varying length").

Not a test. Run: ``python benchmarks/course_variants.py --seeds 1-300 --profiles
huntington:0.7 [--swing-jitter MS] [--turn-steps N|A-B] [--minutes M] --variant
end-final|end-learning|end-own|step-off|quick|seen-all|seen-near|range-floor|weight-one``.

``end-final`` and ``end-learning``: a step's reference (:mod:`stride.core.step_ratios`) is
the median of its foot's walking steps within ``window`` of that foot's steps either side,
the step itself among them when it is read as walking. At the recording's end there are
none after it: the window holds about half as many steps, so a step's own time weighs about
twice as much in its reference, and a last turn's step read as walking reads closer to
walking than it would mid-session. The variant keeps ``2 * window + 1`` of the foot's steps
in the window there (reaching further back): in the session's segmentation under the laws
learnt (``end-final``: each reading's, the rivals' too), or in every learning round as well
(``end-learning``). ``end-own``: as ``end-final``, at both ends of the recording, and only
for a step read as walking (the one whose own time is in its reference); a step read as
turning keeps the nearest steps of its foot, its own time not in its reference.

``step-off``: a reading found from another start whose passes agree and typically take
about as many steps as the reading kept (neither :func:`~stride.core.course_rivals.fewer_steps`
nor as many more: the kept reading a step off throughout, or the reverse), including the
rivals' starts of :func:`~stride.core.course_rivals.rival_starts`, replaces it when the
session is likelier under it at all (course mode as shipped: only a reading of fewer steps
does; one of merged passes, or of about the same count, when 40 nats likelier), the reading
replaced kept as a rival.

``quick``: a step-time ratio below 1 weighs as it is in a step's evidence of turning
(:func:`~stride.core.course_segment.step_evidence` holds it at 1: a step quicker than its
foot's walking steps weighs as an ordinary walking step), the same Student-t laws.

``seen-all``: the turn count's law takes its shares from the session's own turns at every
count (:func:`~stride.core.course_segment.count_prior`; as shipped, only within
``SEEN_NEAR`` steps of the typical count or in a real turn's range, 2-6 steps, the others
the unlike share's): a walker whose
turns take 2-6 steps (``--turn-steps 2-6``) in a session where most take two.
``seen-near``: as course mode was before the counts of a real turn's range
(:data:`~stride.core.course_segment.TURN_RANGE`, 2-6 steps) took their shares from the
session's own turns however far from the typical count: only those within ``SEEN_NEAR``.
``range-floor``: in the normal law the session's turn shares are centred on
(:func:`~stride.core.course_segment.count_prior`), a count of a real turn's range more than a
step from the typical one weighs at least as the less likely count a step from it (that
law's mass over the shared counts kept): a walker most of whose turns take five steps and
one three (``--turn-steps 2-6``), where the law's spread is half a step and a count two steps
off weighed as one ten off.
``weight-one``: as course mode was before the normal law in the turn count's shares weighed as
many turns as its spread is of :data:`~stride.core.course_segment.MIN_COUNT_SD`: one turn
whatever its spread (a walker whose turns take 2-6 steps, whose law spans five counts).

Each session is simulated once (``stride sim session --overground``) and analysed as
``stride analyze`` does; its step table then goes through course mode as shipped and
through the variant. Printed: each run whose passes or measured passes differ, then per
profile the runs told apart, closed passes measured right, measured wrong and partial
measured, shipped -> variant (scored as ``benchmarks/course_accuracy.py`` scores them).
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from course_accuracy import judged, seeds_of, truth_readings

from stride.core import course, course_fit, course_segment, course_shared
from stride.core.course_rivals import (
    Learnings,
    _typical,
    fewer_steps,
    other_counts,
    rival_gaps,
    rival_starts,
)
from stride.core.course_segment import (
    MAX_STEP_EVIDENCE,
    STEP_TIME_DOF,
    _seen_shares,
    phase_evidence,
)
from stride.core.course_shared import Phases
from stride.core.step_ratios import (
    FootWindows,
    WalkingReadings,
    _window_medians,
    step_ratios,
)


class EndWindows(FootWindows):
    """:class:`FootWindows` whose windows stay ``2 * window + 1`` of the foot's steps long
    at the end of its steps (reaching further back there)."""

    def __init__(self, side: np.ndarray, window: int, series: int) -> None:
        super().__init__(side, window, series)
        counts = [int((side == code).sum()) for code in (0, 1)] * series
        ends = np.cumsum(counts)
        self.start = self.at - window
        if self.at.size:
            first = self.at[np.repeat(np.r_[0, ends[:-1]], counts)]
            last = self.at[np.repeat(ends - 1, counts)]
            self.start = np.minimum(self.start, np.maximum(last - 2 * window, first - window))

    def over_walking(self, x: np.ndarray, walking: np.ndarray, out: np.ndarray) -> None:
        v = x.reshape(-1)[self.target]
        finite = np.isfinite(v)
        padded = np.full(self.size, np.nan)
        padded[self.at] = np.where(walking[self.rows] & finite, v, np.nan)
        ref = _window_medians(padded, self.window)[self.start]
        ok = np.isfinite(ref) & finite & (ref > 0)
        np.put(out, self.target[ok], v[ok] / ref[ok])


class OwnWindows(FootWindows):
    """:class:`FootWindows` whose window, for a step in its own reference (read as walking)
    that the start or the end of its foot's steps cuts, is the ``2 * window + 1`` of the
    foot's steps nearest it (its own time weighs as mid-session); every other step keeps
    its window."""

    def __init__(self, side: np.ndarray, window: int, series: int) -> None:
        super().__init__(side, window, series)
        counts = [int((side == code).sum()) for code in (0, 1)] * series
        ends = np.cumsum(counts)
        self.start = self.at - window
        self.whole = self.start
        if self.at.size:
            first = self.at[np.repeat(np.r_[0, ends[:-1]], counts)]
            last = self.at[np.repeat(ends - 1, counts)]
            shifted = np.maximum(np.minimum(self.start, last - 2 * window), first)
            self.whole = np.where(last - first >= 2 * window, shifted, self.start)

    def over_walking(self, x: np.ndarray, walking: np.ndarray, out: np.ndarray) -> None:
        v = x.reshape(-1)[self.target]
        finite = np.isfinite(v)
        own = walking[self.rows] & finite
        padded = np.full(self.size, np.nan)
        padded[self.at] = np.where(own, v, np.nan)
        ref = _window_medians(padded, self.window)[np.where(own, self.whole, self.start)]
        ok = np.isfinite(ref) & finite & (ref > 0)
        np.put(out, self.target[ok], v[ok] / ref[ok])


#: the session's end-window readings, as course mode's ``readings_of`` gives its readings
#: (a pause whose foot swung as in walking unknown: ``stood_pauses``)
_END: list[object] = []


class EndReadings(WalkingReadings):
    """Course mode's readings (``learning``: with :class:`EndWindows`); for ``final``, the
    end-window readings of the same table kept in :data:`_END` for :func:`_final_learn`."""

    learning = False
    windows: type[FootWindows] = EndWindows

    def __init__(self, table: object, phases: bool, window: int = 4) -> None:
        super().__init__(table, phases, window)
        ends = self.windows(table.side, window, self.x.shape[0])
        if self.learning:
            self.feet = ends
        stood = course.stood_pauses(table, step_ratios(table), 1.25)
        side = table.side.astype(np.int8)

        def end(walking: np.ndarray) -> tuple[np.ndarray, Phases | None]:
            out = self.first.copy()
            ends.over_walking(self.x, walking, out)
            share = out[1] if out.shape[0] > 1 else None
            return np.where(stood, np.nan, out[0]), None if share is None else Phases(share, side)

        _END[:] = [end]


def _final_learn(
    readings_of, ratio, laws, turn_steps, slow_factor, phase, rival=False, evidence=None
):
    """``course_fit._learn`` with the session's segmentation under the laws learnt on the
    end-window readings (:data:`_END`)."""
    f = course_fit
    post = None
    for k in range(f.LEARNING_ROUNDS + f.SEEN_ROUNDS):
        pass_lp, turn_lp = laws.priors()
        if k > 0 or evidence is None:
            evidence = laws.evidence(ratio, phase)
        post = f.posterior(evidence, pass_lp, turn_lp)
        if post is None:
            return None
        ratio, phase = readings_of(post.turning < 0.5)
        new = f.learnt_laws(ratio, post, slow_factor, phase, k >= f.LEARNING_ROUNDS - 1)
        if new is None:
            return None
        laws = new
    ratio, phase = _END[0](post.turning < 0.5)
    pass_lp, turn_lp = laws.priors()
    seg = f.segment_course(laws.evidence(ratio, phase), pass_lp, turn_lp, turn_steps, not rival)
    if seg is None:
        return None
    return seg, seg.log_total + f.walking_log_likelihood(laws, ratio, phase), laws


def _more_steps(seg, first, tolerance):
    """``fewer_steps`` the other way round: ``seg``'s passes typically take more steps."""
    mine, theirs = _typical(seg), _typical(first)
    return mine - theirs > max(2.0, tolerance * theirs)


def _step_off(readings_of, ratio, laws, turn_steps, slow_factor, phase=None,
              count_tolerance=None, margin=float("inf"), fewest=float("inf")):  # fmt: skip
    """``course_fit.learn_and_segment`` with the ``step-off`` rule (the module docstring)."""
    f = course_fit
    readings_of = f.taken_once(readings_of)
    ev = laws.evidence(ratio, phase)

    def learn(start, ends):
        return f._learn(readings_of, ratio, start, turn_steps, slow_factor, phase, not ends, ev)

    def like(other, best):
        """Passes that agree and typically take about as many steps, read otherwise."""
        return (
            not f.unlike_counts(other[0], count_tolerance)
            and other[0].passes != best[0].passes
            and not fewer_steps(other[0], best[0], count_tolerance)
            and not _more_steps(other[0], best[0], count_tolerance)
        )

    learn_from = Learnings(learn)
    first = learn_from(laws, True)
    if first is None or count_tolerance is None:
        return None if first is None else first[0]
    best, kept, replaced = first, laws, []
    unlike = f.unlike_counts(first[0], count_tolerance)
    others = other_counts(first[2], fewest) if np.isfinite(margin) else []
    for k, count in enumerate([*unlike, *others]):
        share = max(f.MIN_COUNT_SD, f.FIRST_COUNT_SHARE * count)
        start = replace(laws, pass_count=float(count), pass_sd=share)
        other = learn_from(start, k < len(unlike))
        if other is None:
            continue
        if k < len(unlike) or f.unlike_counts(other[0], count_tolerance):
            if k < len(unlike) and other[1] > best[1] + f.SAME_LIKELIHOOD:
                best, kept = other, start
        elif (k > len(unlike) and fewer_steps(other[0], best[0], count_tolerance)) or like(
            other, best
        ):  # turns ``best`` missed, or ``best`` a step off throughout
            if other[1] > best[1] + f.SAME_LIKELIHOOD:
                replaced, best, kept = [*replaced, best], other, start
        elif other[1] > best[1] + margin:
            best, kept = other, start
    starts = list(rival_starts(laws, best[2], f.FIRST_COUNT_SHARE))
    rivals = [learn_from(s) for s in starts]
    for s, r in zip(starts, rivals, strict=True):
        if r is not None and like(r, best) and r[1] > best[1] + f.SAME_LIKELIHOOD:
            replaced, best, kept = [*replaced, best], r, s
            starts = list(rival_starts(laws, best[2], f.FIRST_COUNT_SHARE))
            rivals = [learn_from(x) for x in starts]
            break
    seg = learn_from.whole(kept)[0]
    return replace(seg, rival_gap=rival_gaps(seg, best[1], [*rivals, *replaced]))


def _quick_evidence(ratio, walk_spread, turn_mean, turn_spread, feet):  # fmt: skip
    """``course_stats.turn_evidence`` (its slow path, the same floats) with the step-time
    ratio held at most at ``turn_mean`` only (the ``quick`` variant)."""
    ratio = np.asarray(ratio, dtype=float)
    r = np.minimum(np.where(np.isnan(ratio), 1.0, ratio), turn_mean)
    nu = STEP_TIME_DOF
    llr = (
        np.log(walk_spread / turn_spread)
        - 0.5 * (nu + 1) * np.log1p(((r - turn_mean) / turn_spread) ** 2 / nu)
        + 0.5 * (nu + 1) * np.log1p(((r - 1.0) / walk_spread) ** 2 / nu)
    )
    ev = np.where(np.isnan(ratio), 0.0, np.clip(llr, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE))
    for mine, own, spread, centre in feet:
        ev[mine] += phase_evidence(own, spread, centre)
    return np.clip(ev, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE) if feet else ev


def _one_turn_shares(logp: np.ndarray, seen: np.ndarray, typical: int, weight: float) -> np.ndarray:
    """:func:`~stride.core.course_segment._seen_shares` with the normal law weighed as one
    turn whatever its spread (``weight-one``)."""
    return _seen_shares(logp, seen, typical, course_segment.SEEN_WEIGHT)


def _floored_shares(logp: np.ndarray, seen: np.ndarray, typical: int, weight: float) -> np.ndarray:
    """:func:`~stride.core.course_segment._seen_shares` with the normal law floored over a
    real turn's range (``range-floor``), weighed as one turn (as when it was measured)."""
    lo, hi = course_segment.TURN_RANGE
    c, n = np.zeros(logp.size), np.arange(logp.size)
    k = min(seen.size, logp.size)
    c[:k] = seen[:k]
    near = (np.abs(n - typical) <= course_segment.SEEN_NEAR) | ((n >= lo) & (n <= hi))
    near[:2] = False
    if not c[near].sum() > 0:
        return logp
    base = np.exp(logp)
    inside, law = base[near].sum(), base.copy()
    step = (np.abs(n - typical) == 1) & (n >= 2)
    far = (n >= lo) & (n <= hi) & (np.abs(n - typical) > 1)
    if step.any():
        law[far] = np.maximum(base[far], base[step].min())
    law[near] *= inside / law[near].sum()
    w, p = course_segment.SEEN_WEIGHT, base.copy()
    p[near] = inside * (c[near] + w * law[near]) / (c[near].sum() + w * inside)
    with np.errstate(divide="ignore"):
        return np.log(p)


@contextlib.contextmanager
def variant(kind: str) -> Iterator[None]:
    saved = course.WalkingReadings, course_fit._learn, course.learn_and_segment
    evidence = course_fit.turn_evidence
    if kind == "quick":
        course_fit.turn_evidence = _quick_evidence
    if kind.startswith("end-"):
        EndReadings.learning = kind == "end-learning"
        EndReadings.windows = OwnWindows if kind == "end-own" else EndWindows
        course.WalkingReadings = EndReadings
    if kind in ("end-final", "end-own"):
        course_fit._learn = _final_learn
    if kind == "step-off":
        course.learn_and_segment = _step_off
    near, turn_range = course_segment.SEEN_NEAR, course_segment.TURN_RANGE
    shares = course_segment._seen_shares
    if kind == "range-floor":
        course_segment._seen_shares = _floored_shares
    if kind == "weight-one":
        course_segment._seen_shares = _one_turn_shares
    if kind == "seen-all":
        course_segment.SEEN_NEAR = 10**6
    if kind == "seen-near":
        course_segment.TURN_RANGE = (0, -1)  # no count beyond SEEN_NEAR
    course_shared._count_priors.cache_clear()  # the turn count's priors are cached
    try:
        yield
    finally:
        course.WalkingReadings, course_fit._learn, course.learn_and_segment = saved
        course_fit.turn_evidence = evidence
        course_segment.SEEN_NEAR, course_segment.TURN_RANGE = near, turn_range
        course_segment._seen_shares = shares
        course_shared._count_priors.cache_clear()


def score(table: object, rows: list[dict[str, str]], readings: list) -> dict[str, object]:
    """As ``course_accuracy.one`` scores a run: told apart, measured right, wrong, partial."""
    _, passes = course.apply_course(table, 10.0)
    closed, truth, measured, right = judged(passes, readings)
    return {
        "closed": closed,
        "truth": [p.steps for p in truth],
        "told": closed == [p.steps for p in truth],
        "right": right,
        "wrong": len(measured) - right,
        "partial": sum(p["ended_by"] != "turn" for p in measured),
        "measured": [bool(p["measured"]) for p in passes],
    }


def main() -> None:
    from sim.cli_support import build_spec
    from sim.course_truth import read_truth
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", default="1-20")
    ap.add_argument("--minutes", type=float, default=2.0)
    ap.add_argument("--profiles", nargs="+", default=["huntington:0.7"])
    ap.add_argument("--swing-jitter", type=float, default=0.0, metavar="MS")
    ap.add_argument("--turn-steps", default="4", metavar="N|A-B")
    ap.add_argument(
        "--variant",
        choices=(
            "end-final",
            "end-learning",
            "end-own",
            "step-off",
            "quick",
            "seen-all",
            "seen-near",
            "range-floor",
            "weight-one",
        ),
        default="end-final",
    )
    args = ap.parse_args()
    totals: dict[str, list[int]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for profile in args.profiles:
            for seed in seeds_of(args.seeds):
                out = Path(tmp) / f"{profile.replace(':', '_')}-{seed}"
                spec = build_spec(
                    minutes=args.minutes, speed="3.6kmh", profile=profile, seed=seed,
                    rate=1000, overground=True, swing_jitter_ms=args.swing_jitter,
                    turn_steps=args.turn_steps,
                )  # fmt: skip
                simulate_session(out, spec)
                signals, result, _ = run(out, AnalysisConfig())
                rows = read_truth(out)
                readings = truth_readings(signals, rows)
                a = score(result.steps, rows, readings)
                with variant(args.variant):
                    b = score(result.steps, rows, readings)
                t = totals.setdefault(profile, [0] * 9)
                for k, key in enumerate(("told", "right", "wrong", "partial")):
                    x, y = a[key], b[key]
                    t[1 + 2 * k] += int(x)
                    t[2 + 2 * k] += int(y)
                t[0] += 1
                if a != b:
                    print(
                        f"{profile:22s} {seed:5d}  told {a['told']} -> {b['told']}, measured"
                        f" right {a['right']} -> {b['right']}, wrong {a['wrong']} -> {b['wrong']};"
                        f" closed {a['closed']} -> {b['closed']} (truth {b['truth']})",
                        flush=True,
                    )
    print("per profile: runs; told apart, measured right, measured wrong, partial measured"
          " (shipped -> variant)")  # fmt: skip
    for profile, t in totals.items():
        print(
            f"  {profile:22s} {t[0]:4d}  {t[1]} -> {t[2]}  {t[3]} -> {t[4]}  {t[5]} -> {t[6]}"
            f"  {t[7]} -> {t[8]}"
        )


if __name__ == "__main__":
    main()
