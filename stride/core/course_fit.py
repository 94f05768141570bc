"""What a pass and a turn take in this walker, learnt from the session itself, and the
session's segmentation under it (:mod:`stride.core.course_segment`).

The per-step threshold gives a first reading: its passes and turns. That reading is
biased where the segmentation matters most: in choreic gait a turn's first and last
steps are often no slower than the threshold, so its turns come out a step or two short
and its passes long or split, and a prior built from them would hold the segmentation to
the same mistakes. So the first reading only starts the estimate, with count spreads as
wide as the counts' own uncertainty, and the laws are then learnt again from the whole
session weighted by the segmentation's own probabilities (expectation-maximisation):
the typical pass and turn step counts are the weighted medians of every pass's and
turn's count, each counted with its probability, and the step-time laws of walking and
turning steps are weighted by each step's probability of being a turn step, and so are
the laws of how a step's time splits between double support and swing (its phase ratio:
which phase a turn lengthens more is the walker's own, :mod:`stride.core.course`). Every pass
covers the same distance and every turn the same 180 degrees, so in a course the counts
settle on the walker's own within a few rounds; nothing here is a constant of a
simulator or of a population. Once they have settled, the turn count's law takes its
shares near the typical count from the session's own turns (:data:`SEEN_ROUNDS`,
:func:`~stride.core.course_segment.count_prior`): a walker whose turns all take the same
steps shows it, and a turn a step longer or shorter is then as unlikely as the session
makes it.

Learning climbs to the reading nearest its start, and a first reading that missed turns
can start it on a typical count that is two passes and the turn between them. Every pass
covers the same distance, so a reading whose closed passes disagree in count
(:func:`unlike_counts`) is not self-consistent: learning then starts again from each such
count, and the reading under which the session is likeliest is kept (the step-time and
phase laws' walking likelihood, :func:`walking_log_likelihood`, times the sum over every
segmentation, :attr:`~stride.core.course_segment.Segmentation.log_total`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from stride.core.course_rivals import (
    Learnings,
    fewer_steps,
    other_counts,
    rival_gaps,
    rival_starts,
    steadier,
    unlike_counts,
)
from stride.core.course_segment import (
    MIN_COUNT_SD,
    MIN_PHASE_SPREAD,
    MIN_TURN_SPREAD,
    MIN_WALK_SPREAD,
    STEP_TIME_DOF,
    Posterior,
    Segmentation,
    posterior,
    segment_course,
)
from stride.core.course_shared import (
    Floats,
    Phases,
    Prepared,
    ReadingsOf,
    count_priors,
    prepared,
    taken_once,
)
from stride.core.course_stats import Foot, median_sd, slopes, turn_evidence

#: rounds of re-estimating the laws from the segmentation's probabilities (chosen on seeds
#: 1-25 of the simulated profiles: from 4 rounds on, 1 to 8 rounds and starting spreads of
#: 10-50 % of the count gave the same passes)
LEARNING_ROUNDS = 4
#: of those rounds' re-estimates, the last and this many more give the turn count's law
#: the shares of the session's own turns (``count_prior``'s ``seen``), once the laws have
#: settled: from the first reading, whose turns are the most biased, the session's shares
#: would hold the segmentation to its mistakes. The pass count keeps its normal law: with
#: the shares of its passes too, a hand-made walker whose turns are hardly slower than its
#: walking (benchmarks/course_split_walk.py) had more passes measured with a wrong count,
#: its sessions whose typical count the learning got wrong held to it more surely
SEEN_ROUNDS = 1
#: the first reading's counts are trusted to within this share of the count (at least
#: :data:`~stride.core.course_segment.MIN_COUNT_SD`): a turn the threshold cut short by a
#: step or two must still be possible
FIRST_COUNT_SHARE = 0.25

#: a learning's segmentation, the record's log-likelihood under its laws, and those laws
Learnt = tuple[Segmentation, float, "Laws"]

#: log-likelihoods (nats) closer than this are the same reading's, learnt again from
#: another start (float rounding): the first one is kept
SAME_LIKELIHOOD = 1e-6


@dataclass(frozen=True)
class Laws:
    """A walker's typical pass and turn step counts and their spreads, the spreads and the
    turn steps' typical value of the step-time ratios, and each foot's of the phase ratios
    with their slope on the step-time ratios (a foot's ``phase_spread`` 0: its phase is
    not weighed)."""

    pass_count: float
    pass_sd: float
    turn_count: float
    turn_sd: float
    walk_spread: float
    turn_mean: float
    turn_spread: float
    phase_spread: tuple[float, float] = (0.0, 0.0)
    phase_turn: tuple[float, float] = (1.0, 1.0)
    phase_slope: tuple[float, float] = (0.0, 0.0)
    #: each foot's turn steps' own phase slope (:func:`foot_phase_laws`); None: walking's
    phase_turn_slope: tuple[float, float] | None = None
    #: how many whole turns of each step count the session holds, when the turn count
    #: prior takes its shares from it (:func:`~stride.core.course_segment.count_prior`)
    turn_seen: NDArray[np.float64] | None = None

    def priors(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The pass and turn count priors (log-probabilities of 0..longest steps)."""
        seen = None if self.turn_seen is None else self.turn_seen.tobytes()
        return count_priors(self.pass_count, self.pass_sd, self.turn_count, self.turn_sd, seen)

    def evidence(
        self, ratio: NDArray[np.float64], phase: Phases | None = None
    ) -> NDArray[np.float64]:
        """Each step's evidence of turning: its step time's, and its phase's when given
        (bounded together as one step's, :data:`MAX_STEP_EVIDENCE`)."""
        feet: list[Foot] = []
        if phase is not None and max(self.phase_spread) > 0:
            own = prepared(ratio, phase).own  # each foot's steps and their readings
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                for code in (0, 1):
                    if self.phase_spread[code] <= 0:
                        continue
                    at, ph, ra, ok = own[code]
                    over = _over_slope(ph, ra, self.phase_slope[code], ok)
                    feet.append((at, over, self.phase_spread[code], self._centre(code, ra, ok)))
        return turn_evidence(ratio, self.walk_spread, self.turn_mean, self.turn_spread, feet)

    def turn_centre(
        self, code: int, ratio: Floats, ok: NDArray[np.bool_] | None = None
    ) -> Floats | float:
        """The turn law's centre for foot ``code``'s steps of these step-time ratios, beyond
        the walking slope (:func:`own_phase`): median * ratio ** (turn - walking slope)
        (``ok``: which ratios are finite and positive, when at hand)."""
        ok = np.isfinite(ratio) & (ratio > 0) if ok is None else ok
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return self._centre(code, ratio, ok)

    def _centre(self, code: int, ratio: Floats, ok: NDArray[np.bool_]) -> Floats | float:
        """:meth:`turn_centre`, the caller ignoring invalid, divide and overflow."""
        median, turn = self.phase_turn[code], self.phase_turn_slope
        if turn is None or (d := turn[code] - self.phase_slope[code]) == 0:
            return median
        return np.where(ok, median * ratio**d, median)

    def own_phases(
        self, ratio: NDArray[np.float64], phase: Phases
    ) -> Iterator[tuple[int, NDArray[np.intp], NDArray[np.float64]]]:
        """For each foot whose phase is weighed: its code, its steps' rows, and their phase
        ratios beyond the step time (:func:`own_phase`)."""
        feet = prepared(ratio, phase).own  # each foot's steps and their readings
        for code in (0, 1):
            if self.phase_spread[code] <= 0:
                continue
            mine, ph, ra, ok = feet[code]
            yield code, mine, own_phase(ph, ra, self.phase_slope[code], ok)


def step_laws(
    ratio: Floats, turning: Floats, slow_factor: float, prep: Prepared | None = None
) -> tuple[float, float, float] | None:
    """Walking spread, turn median and turn spread of the step-time ratios, each step
    weighted by its probability of turning (``turning``); None without turn steps
    (``prep``: the ratios' :func:`prepared`, when at hand)."""
    ok = np.isfinite(ratio) if prep is None else prep.known
    r, q = ratio[ok] if prep is None else prep.known_ratio, turning[ok]
    p = 1 - q
    if q.sum() <= 0 or p.sum() <= 0:
        return None
    order = r.argsort(kind="stable") if prep is None else prep.order
    walk = max(median_sd(r, p, order)[1], MIN_WALK_SPREAD)
    median, spread = median_sd(r, q, order)  # the turn steps' spread about their median
    return walk, max(median, slow_factor), max(spread, MIN_TURN_SPREAD * walk)


def own_phase(
    phase: NDArray[np.float64],
    ratio: NDArray[np.float64],
    slope: float,
    ok: NDArray[np.bool_] | None = None,
) -> NDArray[np.float64]:
    """The phase ratio over what the step-time ratio alone says of it in walking steps
    (``ratio ** slope``): a walking step that lands late lengthens its swing too, so the
    two are weighed as two pieces of evidence only for what the phase says beyond the
    step time (``ok``: which ratios are finite and positive, when at hand)."""
    ok = np.isfinite(ratio) & (ratio > 0) if ok is None else ok
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        return _over_slope(phase, ratio, slope, ok)


def _over_slope(phase: Floats, ratio: Floats, slope: float, ok: NDArray[np.bool_]) -> Floats:
    """:func:`own_phase`, the caller ignoring invalid, divide and overflow."""
    return np.where(ok, phase / ratio**slope, np.nan)


def phase_laws(
    phase: Phases | None, ratio: Floats, turning: Floats, turn_slope: bool = False
) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]:
    """Each foot's :func:`foot_phase_laws` of its steps whose phase ratio and step-time
    ratio are both finite and positive, as (spreads, turn medians, slopes, turn slopes)."""
    if phase is None:
        return (0.0, 0.0), (1.0, 1.0), (0.0, 0.0), (0.0, 0.0)
    left, right = (
        foot_phase_laws(ph, ra, turning[m], turn_slope, (x, y))
        for m, ph, ra, x, y in prepared(ratio, phase).feet
    )
    return (left[0], right[0]), (left[1], right[1]), (left[2], right[2]), (left[3], right[3])


def foot_phase_laws(
    phase: NDArray[np.float64],
    ratio: NDArray[np.float64],
    turning: NDArray[np.float64],
    turn_slope: bool = False,
    logs: tuple[Floats, Floats] | None = None,
) -> tuple[float, float, float, float]:
    """Spread, the turn steps' median, the walking and the turn steps' slopes (log phase
    ratio on log step-time ratio, least squares, between 0 and 1) of one foot's phase ratios
    (``phase``, ``ratio``: finite and positive), each step weighted by its probability of
    turning (``turning``); the spread is the larger of the walking and the turn steps'
    (one law's spread for both, :func:`phase_evidence`), at least :data:`MIN_PHASE_SPREAD`;
    the median is beyond the turn steps' slope; ``(0.0, 1.0, 0.0, 0.0)`` (not weighed)
    without both kinds of step. With ``turn_slope`` (the laws settled, as
    :data:`SEEN_ROUNDS`) the turn steps' slope is their own where it is below the walking
    one by more than twice its standard error, else the walking one. A walking step's
    double support ``d`` is set before its time: a step that lands late spends the extra
    time in its swing (log-slope ``d / (s - d)`` at a step time ``s``). A turn spends its
    extra time in one phase whatever its cycle's time: a longer step, a smaller slope (0:
    a split wholly set by the turn), so a turn step on a quick cycle (step-time ratio
    about 1, as in chorea) still shows a turn's split. ``logs``: the logs of ``ratio`` and
    ``phase``, when at hand."""
    w = 1 - turning
    if turning.sum() <= 0 or w.sum() <= 0:
        return (0.0, 1.0, 0.0, 0.0)
    x, y = (np.log(ratio), np.log(phase)) if logs is None else logs
    slope, own, se = slopes(x, y, w, turning)
    tslope = own if turn_slope and own < slope - 2.0 * se else slope
    r = phase / ratio**slope  # own_phase of ratios all finite and positive
    t = r if tslope == slope else phase / ratio**tslope
    order = r.argsort(kind="stable")
    median, turn_sd = median_sd(t, turning, order if tslope == slope else None)
    spread = max(median_sd(r, w, order)[1], turn_sd, MIN_PHASE_SPREAD)
    return spread, median, slope, tslope


def first_laws(
    ratio: NDArray[np.float64],
    turn: NDArray[np.bool_],
    counts: NDArray[np.float64],
    runs: NDArray[np.float64],
    slow_factor: float,
    phase: Phases | None = None,
) -> Laws | None:
    """Laws from the threshold's reading (``turn``: its turn rows; ``counts``: its closed
    passes' step counts; ``runs``: its whole turns'), the count spreads widened to
    :data:`FIRST_COUNT_SHARE` of the count, a step more for turns (the threshold's turns
    are short by the turn's first and last steps when those are no slower than it);
    None when it found no pass or turn to start from."""
    if not counts.size or not runs.size:
        return None
    steps = step_laws(ratio, turn.astype(np.float64), slow_factor)
    if steps is None:
        return None
    n0, m0 = float(np.median(counts)), float(np.median(runs))
    return Laws(
        n0, max(MIN_COUNT_SD, FIRST_COUNT_SHARE * n0),
        m0, max(MIN_COUNT_SD, FIRST_COUNT_SHARE * m0 + 1.0),
        *steps, *phase_laws(phase, ratio, turn.astype(np.float64)),
    )  # fmt: skip


def learnt_laws(
    ratio: NDArray[np.float64],
    post: Posterior,
    slow_factor: float,
    phase: Phases | None = None,
    seen: bool = False,
) -> Laws | None:
    """Laws re-estimated from the segmentation's probabilities (``post``); with its
    expected numbers of turns of each count (the turn count's shares) when ``seen``."""
    prep = None if phase is None else prepared(ratio, phase)
    steps = step_laws(ratio, post.turning, slow_factor, prep)
    if steps is None or post.pass_counts.sum() <= 0 or post.turn_counts.sum() <= 0:
        return None
    (n0, sd0), (m0, sd1) = (_count_law(post.pass_counts), _count_law(post.turn_counts))
    return Laws(
        n0,
        max(MIN_COUNT_SD, sd0),
        m0,
        max(MIN_COUNT_SD, sd1),
        *steps,
        *phase_laws(phase, ratio, post.turning, seen),
        turn_seen=post.turn_counts if seen else None,
    )


def _count_law(counts: NDArray[np.float64]) -> tuple[float, float]:
    """The weighted median and robust SD of the step counts 0, 1, ... weighted by
    ``counts`` (already in order: no sort for the median)."""
    d = np.arange(counts.size, dtype=np.float64)
    return median_sd(d, counts, np.arange(counts.size, dtype=np.int64))


def _t_log_density(z: NDArray[np.float64], spread: float) -> NDArray[np.float64]:
    """Log-density of a Student-t law (:data:`STEP_TIME_DOF` degrees of freedom) of scale
    ``spread`` at ``z`` from its centre."""
    nu = STEP_TIME_DOF
    c = math.lgamma(0.5 * (nu + 1)) - math.lgamma(0.5 * nu) - 0.5 * math.log(nu * math.pi)
    return c - math.log(spread) - 0.5 * (nu + 1) * np.log1p((z / spread) ** 2 / nu)


def walking_log_likelihood(
    laws: Laws, ratio: NDArray[np.float64], phase: Phases | None = None
) -> float:
    """The record's log-likelihood were every step a walking step: its step-time ratios
    (known ones) under the walking law, and each foot's phase ratios beyond the step time
    when weighed. With a segmentation's ``log_total`` (the likelihood over this one,
    summed over every segmentation) it is the record's log-likelihood under ``laws``, as
    the segmentation weighs it: each step's evidence of turning bounded as there
    (:func:`~stride.core.course_segment.step_evidence`), so a likelihood to compare
    readings of one record by, not a density of its step times."""
    known = np.isfinite(ratio)
    out = float(_t_log_density(ratio[known] - 1.0, laws.walk_spread).sum())
    if phase is None:
        return out
    for code, _mine, own in laws.own_phases(ratio, phase):
        own = own[np.isfinite(own)]
        out += float(_t_log_density(own - 1.0, laws.phase_spread[code]).sum())
    return out


def _learn(
    readings_of: ReadingsOf,
    ratio: NDArray[np.float64],
    laws: Laws,
    turn_steps: int,
    slow_factor: float,
    phase: Phases | None,
    rival: bool = False,
    evidence: NDArray[np.float64] | None = None,
) -> Learnt | None:
    """:func:`learn_and_segment` from one start, with the record's log-likelihood under
    the laws learnt (:func:`walking_log_likelihood` and the segmentation's ``log_total``)
    and those laws; a ``rival``'s without its ends' probabilities (:func:`rival_gaps`
    wants its passes and likelihood); ``evidence``: the start's, when at hand."""
    for k in range(LEARNING_ROUNDS + SEEN_ROUNDS):
        pass_lp, turn_lp = laws.priors()
        if k > 0 or evidence is None:
            evidence = laws.evidence(ratio, phase)
        post = posterior(evidence, pass_lp, turn_lp)
        if post is None:
            return None
        ratio, phase = readings_of(post.turning < 0.5)
        new = learnt_laws(ratio, post, slow_factor, phase, k >= LEARNING_ROUNDS - 1)
        if new is None:
            return None
        laws = new
    pass_lp, turn_lp = laws.priors()
    seg = segment_course(laws.evidence(ratio, phase), pass_lp, turn_lp, turn_steps, not rival)
    if seg is None:
        return None
    return seg, seg.log_total + walking_log_likelihood(laws, ratio, phase), laws


def learn_and_segment(
    readings_of: ReadingsOf,
    ratio: NDArray[np.float64],
    laws: Laws,
    turn_steps: int,
    slow_factor: float,
    phase: Phases | None = None,
    count_tolerance: float | None = None,
    margin: float = math.inf,
    fewest: float = math.inf,
) -> Segmentation | None:
    """:data:`LEARNING_ROUNDS` rounds of learning the laws, each with the walking steps'
    reference taken again from the steps likely walking (``readings_of``: the step-time
    ratios, and the phase ratios when ``phase`` is given), the last with the session's turn count
    shares, and :data:`SEEN_ROUNDS` more with them, then the session's segmentation under
    the laws learnt.

    Learning climbs to the reading nearest its start: a first reading that missed turns
    (passes of about twice and three times the typical count) can hold it to a typical
    count that is two passes and a turn. With ``count_tolerance``, a segmentation whose
    closed passes' counts disagree (:func:`unlike_counts`) is not self-consistent: learning
    starts again from each such count as the typical pass count (the other laws as
    started), and the reading under which the record is likeliest is kept (the first one
    when none is likelier by more than :data:`SAME_LIKELIHOOD`), unchanged by its rivals
    (:mod:`stride.core.course_rivals`), which give its passes their ``rival_gap``. A first
    reading whose passes all agree can be a turn off throughout (a turn inside every pass,
    or all but every ``k``-th turn missed: :func:`other_counts`, ``fewest``); with a finite
    ``margin``, learning starts again from those counts too. One found whose passes agree
    and take fewer steps (:func:`fewer_steps`: turns the first missed), or a step off its
    own throughout and agreeing better (:func:`steadier`, from those starts or its rivals'),
    replaces it when likelier, the first kept as a rival; one of merged passes, when
    ``margin`` nats likelier."""
    readings_of = taken_once(readings_of)  # the learnings below share them
    ev = laws.evidence(ratio, phase)  # every start below differs from ``laws`` in its counts

    def learn(start: Laws, ends: bool) -> Learnt | None:
        return _learn(readings_of, ratio, start, turn_steps, slow_factor, phase, not ends, ev)

    learn_from = Learnings(learn)  # each start learnt once, a rival's without its ends
    first = learn_from(laws, True)
    if first is None or count_tolerance is None:
        return None if first is None else first[0]
    best, kept, replaced = first, laws, list[Learnt]()  # replaced: a rival of the reading kept
    unlike = unlike_counts(first[0], count_tolerance)
    others = other_counts(first[2], fewest) if math.isfinite(margin) else []
    for k, count in enumerate([*unlike, *others]):
        start = replace(
            laws, pass_count=float(count), pass_sd=max(MIN_COUNT_SD, FIRST_COUNT_SHARE * count)
        )
        other = learn_from(start, k < len(unlike))
        if other is None:
            continue
        if k < len(unlike) or unlike_counts(other[0], count_tolerance):
            if k < len(unlike) and other[1] > best[1] + SAME_LIKELIHOOD:
                best, kept = other, start
        elif (k > len(unlike) and fewer_steps(other[0], best[0], count_tolerance)) or steadier(
            other[0], best[0], count_tolerance
        ):  # turns ``best`` missed (not 2n + m), or ``best`` a step off throughout
            if other[1] > best[1] + SAME_LIKELIHOOD:
                replaced, best, kept = [*replaced, best], other, start
        elif other[1] > best[1] + margin:
            best, kept = other, start
    starts = list(rival_starts(laws, best[2], FIRST_COUNT_SHARE))
    rivals = [learn_from(s) for s in starts]
    for s, r in zip(starts, rivals, strict=True):  # ``best`` a step off throughout
        if r and r[1] > best[1] + SAME_LIKELIHOOD and steadier(r[0], best[0], count_tolerance):
            replaced, best, kept = [*replaced, best], r, s
            rivals = [learn_from(x) for x in rival_starts(laws, best[2], FIRST_COUNT_SHARE)]
            break
    seg = learn_from.whole(kept)[0]  # the reading kept with its ends' probabilities
    return replace(seg, rival_gap=rival_gaps(seg, best[1], [*rivals, *replaced]))
