"""Course mode's segmentation of a session into passes and turns, over the whole session.

A per-step threshold decides each step alone; in choreic gait a walking step can be as slow
as a turn step and the reverse, so a pass's count could be a step off at either end. A
walker on a course, though, repeats itself: every pass covers the same distance at the
walker's own step length, so passes take about the same number of steps (a step length
that varies a few per cent from pass to pass moves a 17-step count by less than a step), and
every turn is the same 180 degrees, taken in about the same number of slow steps. The
segmentation here weighs both: each step's evidence of turning (its step time against the
same foot's neighbours, as likely under this walker's turn steps as under its walking steps)
and how far each pass's and each turn's step count is from the session's typical ones.

It is a hidden semi-Markov model (passes and turns alternate, each with a length
distribution): the most likely segmentation (Viterbi), and for each pass the probability,
over all segmentations, that the pass has exactly those ends (forward-backward). A pass is
measured only when that probability is high: where the evidence leaves a boundary a step
either way, the pass is left unmeasured, never given a count that could be a step off.

The typical counts and the two step-time distributions come from the session itself
(:mod:`stride.core.course_fit`: started from the passes and turns the per-step threshold
finds, then learnt from this model's own expected counts, :func:`posterior`), not from a
simulator's constants.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from types import ModuleType
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from stride.core.course_shifts import turn_end_probabilities

#: a step's evidence of turning is bounded: one step, however slow (a freeze of gait, a
#: stumble), is never worth more than this many nats, so it cannot make a turn alone
MAX_STEP_EVIDENCE = 10.0
#: least spread of the pass and turn step counts (steps): whole steps cannot be more exact
MIN_COUNT_SD = 0.5
#: least spread of the turn steps' step-time ratios, as a multiple of the walking steps'
#: (the first and last steps of a turn are less slow than its middle ones)
MIN_TURN_SPREAD = 1.0
#: least spread of the walking steps' step-time ratios (a walker whose step times never
#: stray, as in a hand-made record, still has a finite likelihood)
MIN_WALK_SPREAD = 0.01
#: least spread of the phase ratios: a swing of 0.3-0.5 s whose ends (its final contact
#: especially) are found to within several milliseconds is not known better than this
MIN_PHASE_SPREAD = 0.02
#: share of passes and turns whose step count is unlike the session's typical one
UNLIKE_SHARE = 0.001
#: degrees of freedom of the step-time ratios' Student-t laws (chosen on seeds 1-5)
STEP_TIME_DOF = 3.0
#: counts within this many steps of the typical one take their share from the session's
#: own segments (:func:`count_prior`); farther ones are the unlike share's
SEEN_NEAR = 2
#: a real walker's turns take 2-6 steps: counts in this range take their share from the
#: session's own turns too, however far from the typical count (:func:`count_prior`)
TURN_RANGE = (2, 6)
#: weight, in segments, of the normal law in the session's count shares at the least
#: spread (chosen between 1 and 4 on seeds 1-25 and, at 10 minutes, 1-5: 1 measured the
#: most); a wider law weighs as many times more as its spread is of the least
#: (:func:`count_prior`)
SEEN_WEIGHT = 1.0


@dataclass(frozen=True)
class Segmentation:
    """Passes as ``(first row, end row exclusive)`` and the probability of each one's ends;
    ``closed[k]`` says whether a turn of at least ``turn_steps`` steps follows pass k.
    ``last_closed``: the probability that the last pass (its first row as here) is closed
    by such a turn, over every segmentation (:func:`last_pass_closed`), and
    ``last_closed_steps`` its most likely step count when closed (None when it cannot be)."""

    passes: list[tuple[int, int]]
    closed: list[bool]
    confidence: list[float]
    last_closed: float = 0.0
    last_closed_steps: int | None = None
    #: log of the sum, over every segmentation, of its prior probability times its turn
    #: steps' likelihood ratios (the record's likelihood over its all-walking likelihood)
    log_total: float = 0.0
    #: for each pass, how much likelier (nats) the session is under this reading than under
    #: the likeliest rival reading without that pass (inf: every rival has it)
    rival_gap: list[float] | None = None
    #: the probability that the turns begin, and that they end, where this reading has them,
    #: against every turn a step off at that end (:mod:`stride.core.course_shifts`)
    turn_ends: tuple[float, float] = (1.0, 1.0)

    def ends_probability(self, k: int) -> float:
        """The probability that pass ``k`` has exactly its ends (``confidence``) and that
        the turns either side of it are not, all of them, a step off at its side."""
        begin, end = self.turn_ends
        return self.confidence[k] * (begin if self.closed[k] else 1.0) * (end if k else 1.0)


def step_evidence(
    ratio: NDArray[np.float64],
    walk_spread: float,
    turn_mean: float,
    turn_spread: float,
) -> NDArray[np.float64]:
    """Log-likelihood ratio, turn step against walking step, of each step's step-time ratio:
    walking ratios around 1 with ``walk_spread``, turn ratios around ``turn_mean`` with
    ``turn_spread``, both Student-t with :data:`STEP_TIME_DOF` degrees of freedom (heavy
    tails: a choreic walking step is now and then as slow as a turn step, and a turn step
    as quick as a walking one, far more often than a normal law allows). The ratio is held
    within [1, turn_mean] first, so the evidence rises with the step time and is bounded
    (a step quicker than its neighbours is no more a walking step than an ordinary one; a
    pause is no more a turn than a turn's slowest step). Unknown times give none."""
    r = np.clip(np.where(np.isnan(ratio), 1.0, ratio), 1.0, turn_mean)
    nu = STEP_TIME_DOF
    llr = (
        np.log(walk_spread / turn_spread)
        - 0.5 * (nu + 1) * np.log1p(((r - turn_mean) / turn_spread) ** 2 / nu)
        + 0.5 * (nu + 1) * np.log1p(((r - 1.0) / walk_spread) ** 2 / nu)
    )
    llr = np.clip(llr, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE)
    return np.where(np.isnan(ratio), 0.0, llr)


def phase_evidence(
    phase: NDArray[np.float64], spread: float, turn_mean: float | NDArray[np.float64]
) -> NDArray[np.float64]:
    """Log-likelihood ratio, turn step against walking step, of each step's phase ratio
    (:func:`~stride.core.step_ratios.phase_ratios`: how the step's time splits between the
    double support after the other foot lands and the landing foot's swing, against the
    same foot's walking steps): walking ratios around 1, turn ratios around
    ``turn_mean``, both Student-t with :data:`STEP_TIME_DOF` degrees of freedom and the
    same ``spread``. The same spread keeps a phase that turns do not change (``turn_mean``
    1) worth nothing either way; the ratio is held between 1 and ``turn_mean`` (either side
    of 1: turning lengthens one phase more than the other, which one is the walker's own),
    so the evidence is bounded. Unknown phases give none."""
    lo, hi = np.minimum(1.0, turn_mean), np.maximum(1.0, turn_mean)
    r = np.clip(np.where(np.isnan(phase), 1.0, phase), lo, hi)
    nu = STEP_TIME_DOF
    walking = np.log1p(((r - 1.0) / spread) ** 2 / nu)
    turning = np.log1p(((r - turn_mean) / spread) ** 2 / nu)
    llr = 0.5 * (nu + 1) * (walking - turning)
    llr = np.clip(llr, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE)
    return np.where(np.isnan(phase), 0.0, llr)


#: log-shares of counts like and unlike the typical one (:func:`count_prior`)
_LOG_LIKE, _LOG_UNLIKE = np.log1p(-UNLIKE_SHARE), np.log(UNLIKE_SHARE)


def count_prior(
    typical: float, sd: float, longest: int, seen: NDArray[np.float64] | None = None
) -> NDArray[np.float64]:
    """Log-probabilities of a segment of 0..longest steps: a discretised normal around
    ``typical``, mixed with a share :data:`UNLIKE_SHARE` spread evenly over all counts (a
    pass or turn unlike the others: a turn the step times do not show, a stop to talk), so
    that the counts weigh against a segmentation but never force a turn on steps that
    show none. 0 and 1 steps are impossible: a pass or a turn has at least two.

    ``seen``, when given, is how many whole segments of each count the session holds (the
    segmentation's expected numbers, :class:`Posterior`): within :data:`SEEN_NEAR` steps of
    the typical count, and over a real turn's range (:data:`TURN_RANGE`), the normal law's
    mass is then shared as the session's own segments share it, the normal law counted as
    :data:`SEEN_WEIGHT` segments more (the mean of the shares under a Dirichlet prior
    centred on the normal law) times ``sd`` over :data:`MIN_COUNT_SD`: a law of half a
    step holds nearly all its mass on one count, a wider one spreads it over about as many
    times as many, and each count it spans keeps about that one's weight (a walker whose
    turns take 2-6 steps: 8 turns of a 2-minute session say little of each count's share,
    and a turn read a step off must not teach the shares alone the count it was read as,
    the reading then holding itself). A walker whose turns all take the same number of
    steps shows it in a few turns, and a count a step off is then as unlikely as the
    session makes it, not as a half-step spread allows; one whose counts vary shows that
    too, and a turn of five steps in a session where most take two is as likely as the
    session's own turns make it, not one of the unlike share's."""
    n = np.arange(longest + 1, dtype=np.float64)
    logp = -0.5 * ((n - typical) / sd) ** 2
    logp[:2] = -np.inf
    logp -= np.logaddexp.reduce(logp)
    if seen is not None:
        weight = SEEN_WEIGHT * max(1.0, sd / MIN_COUNT_SD)
        logp = _seen_shares(logp, seen, round(typical), weight)
    flat = np.full(n.size, -np.log(n.size - 2.0))
    flat[:2] = -np.inf
    return np.logaddexp(_LOG_LIKE + logp, _LOG_UNLIKE + flat)


def _seen_shares(
    logp: NDArray[np.float64], seen: NDArray[np.float64], typical: int, weight: float
) -> NDArray[np.float64]:
    """``logp`` (a normal law's log-probabilities) with the mass within :data:`SEEN_NEAR`
    of ``typical`` or in :data:`TURN_RANGE` shared as ``seen`` and ``weight`` times the
    law share it."""
    c = np.zeros(logp.size)
    k = min(seen.size, logp.size)
    c[:k] = seen[:k]
    n = np.arange(logp.size)
    near = (np.abs(n - typical) <= SEEN_NEAR) | ((n >= TURN_RANGE[0]) & (n <= TURN_RANGE[1]))
    near[:2] = False
    if not c[near].sum() > 0:
        return logp
    base = np.exp(logp)
    inside = base[near].sum()
    p = base.copy()
    p[near] = inside * (c[near] + weight * base[near]) / (c[near].sum() + weight * inside)
    with np.errstate(divide="ignore"):
        return np.log(p)


def cut_prior(logp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log-probability that a segment cut off by the end of the record after ``n`` steps
    was at least that long (a pass or turn the recording ended during)."""
    surv = np.logaddexp.accumulate(logp[::-1])[::-1]
    surv[0] = 0.0
    return surv


class CourseKernels(NamedTuple):
    """Course mode's kernel modules."""

    kernels: ModuleType  # ``_course_kernels``
    sums: ModuleType  # ``_course_sums``
    evidence: ModuleType  # ``_course_evidence``
    posterior: ModuleType  # ``_course_posterior``


@functools.cache
def course_kernels() -> CourseKernels:
    """Course mode's kernel modules, imported at the first use (a belt session's analysis
    and ``stride --help`` never import them), then kept: no import statement a call."""
    from stride.core import _course_evidence, _course_kernels, _course_posterior, _course_sums

    return CourseKernels(_course_kernels, _course_sums, _course_evidence, _course_posterior)


def _forward(
    cum: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-sums over prefixes ending with a whole pass (``fw[j]``: a turn starts at row j)
    or a whole turn (``ft[j]``: a pass starts at row j); the record starts with a pass."""
    return course_kernels().sums.course_forward(cum, pass_lp, turn_lp)


def _backward(
    cum: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    cuts: Cuts,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-sums over suffixes starting with a pass at row i (``bw[i]``) or a turn (``bt[i]``);
    the last segment (not empty) may be cut off by the end of the record (its survival
    probability: ``cuts``, the priors' :func:`cut_prior`)."""
    return course_kernels().sums.course_backward(cum, pass_lp, turn_lp, *cuts)


#: the pass and turn count priors' :func:`cut_prior`
Cuts = tuple[NDArray[np.float64], NDArray[np.float64]]


def _cuts(pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]) -> Cuts:
    return cut_prior(pass_lp), cut_prior(turn_lp)


def _viterbi(
    cum: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    cuts: Cuts,
) -> list[tuple[str, int, int]]:
    """The most likely segmentation: ``("pass" | "turn", first row, end row)`` in order
    (``cuts``: the priors' :func:`cut_prior`)."""
    n = cum.size - 1
    aw, at, vw, vt = course_kernels().kernels.course_viterbi(cum, pass_lp, turn_lp, *cuts)
    kind = "pass" if vw >= vt else "turn"
    out: list[tuple[str, int, int]] = []
    j = n
    while j > 0:
        i = int(aw[j] if kind == "pass" else at[j])
        out.append((kind, i, j))
        kind, j = ("turn" if kind == "pass" else "pass"), i
    return out[::-1]


@dataclass(frozen=True)
class Posterior:
    """What the record says about this walker, summed over every segmentation weighted by
    its probability: the expected number of whole passes and whole turns of each step
    count (``pass_counts[d]``, ``turn_counts[d]``: segments the end of the record cuts off
    left out, their count unknown) and each step's probability of being a turn step."""

    pass_counts: NDArray[np.float64]
    turn_counts: NDArray[np.float64]
    turning: NDArray[np.float64]


#: segment lengths whose weights :func:`posterior` computes at once: at most this many
#: values (a bounded memory, however long the record and its passes)
_BLOCK_VALUES = 1 << 18


def _spans(n: int, pass_top: int, turn_top: int) -> list[tuple[int, int, int, int, bool]]:
    """Blocks of the pass lengths ``2..pass_top - 1`` then the turn lengths ``2..turn_top -
    1``, each with at most :data:`_BLOCK_VALUES` weights of ``n - 1`` starts (at least one
    length), as ``(first pass length, end, first turn length, end, last block)``."""
    step = max(1, _BLOCK_VALUES // max(n - 1, 1))
    passes, rows = max(pass_top - 2, 0), max(pass_top - 2, 0) + max(turn_top - 2, 0)
    out = []
    for r in range(0, max(rows, 1), step):
        e = min(r + step, rows)
        out.append((2 + min(r, passes), 2 + min(e, passes),
                    2 + max(r - passes, 0), 2 + max(e - passes, 0), e >= rows))  # fmt: skip
    return out


def posterior(
    evidence: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> Posterior | None:
    """The expected pass and turn counts and each step's probability of turning (the
    forward-backward sums); None when no segmentation fits."""
    k = course_kernels().posterior
    cum = np.concatenate([[0.0], np.cumsum(evidence)])
    n = evidence.size
    cuts = _cuts(pass_lp, turn_lp)
    fw, ft = _forward(cum, pass_lp, turn_lp)
    bw, bt = _backward(cum, pass_lp, turn_lp, cuts)
    if not np.isfinite(bw[0]):
        return None
    passes, turns = np.zeros(pass_lp.size), np.zeros(turn_lp.size)
    edge = np.zeros(n + 1)  # +p where a turn starts, -p where it ends
    # weights of a pass (turn) of d steps starting at row i, many d at once, the turns the
    # end of the record cuts off last (their logs in one kernel call, numpy's exp in
    # place, their sums in one more); each d's sum over its starts is a slice of its row
    for span in _spans(n, min(pass_lp.size, n + 1), min(turn_lp.size, n + 1)):
        w = k.course_block_logs(fw, ft, bw, bt, cum, pass_lp, turn_lp, cuts[1], *span)
        with np.errstate(invalid="ignore", over="ignore"):
            np.exp(w, out=w)
        turning = k.course_block_sums(w, *span, cuts[1].size, passes, turns, edge)
    return Posterior(passes, turns, turning)


def segment_course(
    evidence: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    turn_steps: int,
    ends: bool = True,
) -> Segmentation | None:
    """The most likely passes and turns given each step's ``evidence`` of turning (log
    likelihood ratio) and the count priors, with each pass's probability of having exactly
    its ends; None when no segmentation fits (a record that is not a course). Without
    ``ends`` (a rival reading, whose passes and ``log_total`` alone are wanted) the ends'
    probabilities are not taken: ``confidence`` NaN, ``last_closed`` 0, no
    ``last_closed_steps``."""
    cum = np.concatenate([[0.0], np.cumsum(evidence)])
    n = evidence.size
    ft = _forward(cum, pass_lp, turn_lp)[1] if ends else None
    cuts = _cuts(pass_lp, turn_lp)
    bw, bt = _backward(cum, pass_lp, turn_lp, cuts)
    total = bw[0]
    if not np.isfinite(total):
        return None
    segs = _viterbi(cum, pass_lp, turn_lp, cuts)
    if ft is None:
        found = [(i, j) for kind, i, j in segs if kind == "pass"]
        shuts = [
            k + 1 < len(segs) and segs[k + 1][2] - segs[k + 1][1] >= turn_steps
            for k, (kind, _, _) in enumerate(segs)
            if kind == "pass"
        ]
        return Segmentation(found, shuts, [math.nan] * len(found), log_total=float(total))
    passes: list[tuple[int, int]] = []
    closed: list[bool] = []
    confidence: list[float] = []
    for k, (kind, i, j) in enumerate(segs):
        if kind != "pass":
            continue
        after = segs[k + 1] if k + 1 < len(segs) else None
        shut = after is not None and after[2] - after[1] >= turn_steps
        passes.append((i, j))
        closed.append(shut)
        p = ft[i] + pass_lp[j - i] + bt[j] - total if shut and j - i < pass_lp.size else -np.inf
        confidence.append(float(np.exp(min(p, 0.0))))
    assert sum(j - i for _, i, j in segs) == n
    shut_p, shut_steps = (
        last_pass_closed(cum, ft, bw, pass_lp, turn_lp, passes[-1][0], turn_steps, total, cuts[1])
        if passes
        else (0.0, None)
    )
    turn_ends = turn_end_probabilities(evidence, segs, turn_steps)  # every turn a step off
    return Segmentation(
        passes, closed, confidence, shut_p, shut_steps, float(total), turn_ends=turn_ends
    )


def end_uncertain(closed_probability: float | None, sure: float) -> bool:
    """Whether the end of the record leaves open if a turn closed the last pass: neither
    reading (a turn closed it; the record ended during it, or one turn step in) has a
    probability of at least ``sure``. Such a pass is never measured (closed, its ends'
    probability is then below ``sure`` too, but for a turn of one step begun after them)."""
    p = closed_probability
    return p is not None and max(p, 1.0 - p) < sure


def last_pass_closed(
    cum: NDArray[np.float64],
    ft: NDArray[np.float64],
    bw: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    start: int,
    turn_steps: int,
    total: float,
    turn_cut: NDArray[np.float64],
) -> tuple[float, int | None]:
    """The probability that a pass starts at row ``start`` and a turn of at least
    ``turn_steps`` steps closes it (whole, or cut off by the end of the record), over every
    segmentation, and the pass's most likely step count when closed (None when no
    segmentation closes it).

    The end of the record cuts the walk: its last segment is weighed by the survival of its
    kind's count law (:func:`cut_prior`), so a record that ends a few steps after the
    session's typical pass count weighs "a pass of that count, then a turn begun" against
    "a pass still going, that many steps longer", each by the session's laws and the last
    steps' evidence. For a pass far from the end this is the probability that it starts
    there (a turn follows it for sure); for the last one it says how sure its end is
    (``turn_cut``: ``turn_lp``'s :func:`cut_prior`)."""
    n = cum.size - 1
    best, best_steps, terms = -np.inf, None, []
    for j in range(start + 2, min(n - turn_steps, start + pass_lp.size - 1) + 1):
        k = np.arange(turn_steps, min(turn_lp.size, n - j))  # whole turns, a pass after
        after = list(turn_lp[k] + cum[j + k] - cum[j] + bw[j + k])
        if n - j < turn_cut.size:  # a turn the end of the record cuts off
            after.append(turn_cut[n - j] + cum[n] - cum[j])
        if not after:
            continue
        lp = ft[start] + pass_lp[j - start] + np.logaddexp.reduce(after) - total
        terms.append(lp)
        if lp > best:
            best, best_steps = lp, j - start
    if not terms or not np.isfinite(best):
        return 0.0, None
    return float(min(1.0, np.exp(np.logaddexp.reduce(terms)))), best_steps
