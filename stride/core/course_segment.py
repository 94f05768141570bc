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

The typical counts and the two step-time distributions come from the session itself (the
passes and turns the per-step threshold finds), not from a simulator's constants.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

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
#: share of passes and turns whose step count is unlike the session's typical one
UNLIKE_SHARE = 0.001
#: degrees of freedom of the step-time ratios' Student-t laws (chosen on seeds 1-5)
STEP_TIME_DOF = 3.0


@dataclass(frozen=True)
class Segmentation:
    """Passes as ``(first row, end row exclusive)`` and the probability of each one's ends;
    ``closed[k]`` says whether a turn of at least ``turn_steps`` steps follows pass k."""

    passes: list[tuple[int, int]]
    closed: list[bool]
    confidence: list[float]


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


def count_prior(typical: float, sd: float, longest: int) -> NDArray[np.float64]:
    """Log-probabilities of a segment of 0..longest steps: a discretised normal around
    ``typical``, mixed with a share :data:`UNLIKE_SHARE` spread evenly over all counts (a
    pass or turn unlike the others: a turn the step times do not show, a stop to talk), so
    that the counts weigh against a segmentation but never force a turn on steps that
    show none. 0 and 1 steps are impossible: a pass or a turn has at least two."""
    n = np.arange(longest + 1, dtype=np.float64)
    logp = -0.5 * ((n - typical) / sd) ** 2
    logp[:2] = -np.inf
    logp -= np.logaddexp.reduce(logp)
    flat = np.full(n.size, -np.log(n.size - 2.0))
    flat[:2] = -np.inf
    return np.logaddexp(np.log1p(-UNLIKE_SHARE) + logp, np.log(UNLIKE_SHARE) + flat)


def cut_prior(logp: NDArray[np.float64]) -> NDArray[np.float64]:
    """Log-probability that a segment cut off by the end of the record after ``n`` steps
    was at least that long (a pass or turn the recording ended during)."""
    surv = np.logaddexp.accumulate(logp[::-1])[::-1]
    surv[0] = 0.0
    return surv


def _forward(
    cum: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-sums over prefixes ending with a whole pass (``fw[j]``: a turn starts at row j)
    or a whole turn (``ft[j]``: a pass starts at row j); the record starts with a pass."""
    n = cum.size - 1
    fw, ft = np.full(n + 1, -np.inf), np.full(n + 1, -np.inf)
    ft[0] = 0.0
    for j in range(1, n + 1):
        lo = max(0, j - pass_lp.size + 1)
        fw[j] = np.logaddexp.reduce(ft[lo:j] + pass_lp[j - np.arange(lo, j)])
        lo = max(0, j - turn_lp.size + 1)
        i = np.arange(lo, j)
        ft[j] = np.logaddexp.reduce(fw[lo:j] + turn_lp[j - i] + cum[j] - cum[i])
    return fw, ft


def _backward(
    cum: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Log-sums over suffixes starting with a pass at row i (``bw[i]``) or a turn (``bt[i]``);
    the last segment (not empty) may be cut off by the end of the record (its survival
    probability)."""
    n = cum.size - 1
    pass_cut, turn_cut = cut_prior(pass_lp), cut_prior(turn_lp)
    bw, bt = np.full(n + 1, -np.inf), np.full(n + 1, -np.inf)
    for i in range(n, -1, -1):
        left = n - i
        hi = min(n, i + pass_lp.size - 1)
        j = np.arange(i + 1, hi + 1)
        ends = [pass_cut[left]] if 0 < left < pass_cut.size else []
        bw[i] = np.logaddexp.reduce(np.array([*ends, *(pass_lp[j - i] + bt[j])]))
        hi = min(n, i + turn_lp.size - 1)
        j = np.arange(i + 1, hi + 1)
        ends = [turn_cut[left] + cum[n] - cum[i]] if 0 < left < turn_cut.size else []
        bt[i] = np.logaddexp.reduce(np.array([*ends, *(turn_lp[j - i] + cum[j] - cum[i] + bw[j])]))
    return bw, bt


def _viterbi(
    cum: NDArray[np.float64], pass_lp: NDArray[np.float64], turn_lp: NDArray[np.float64]
) -> list[tuple[str, int, int]]:
    """The most likely segmentation: ``("pass" | "turn", first row, end row)`` in order."""
    n = cum.size - 1
    pass_cut, turn_cut = cut_prior(pass_lp), cut_prior(turn_lp)
    vw, vt = np.full(n + 1, -np.inf), np.full(n + 1, -np.inf)
    aw, at = np.zeros(n + 1, np.int64), np.zeros(n + 1, np.int64)
    vt[0] = 0.0
    for j in range(1, n + 1):
        last = j == n
        lo = max(0, j - (pass_cut if last else pass_lp).size + 1)
        back = np.arange(lo, j)
        score = vt[lo:j] + (pass_cut if last else pass_lp)[j - back]
        aw[j], vw[j] = lo + int(np.argmax(score)), float(np.max(score))
        lo = max(0, j - (turn_cut if last else turn_lp).size + 1)
        back = np.arange(lo, j)
        score = vw[lo:j] + (turn_cut if last else turn_lp)[j - back] + cum[j] - cum[back]
        at[j], vt[j] = lo + int(np.argmax(score)), float(np.max(score))
    kind = "pass" if vw[n] >= vt[n] else "turn"
    out: list[tuple[str, int, int]] = []
    j = n
    while j > 0:
        i = int(aw[j] if kind == "pass" else at[j])
        out.append((kind, i, j))
        kind, j = ("turn" if kind == "pass" else "pass"), i
    return out[::-1]


def segment_course(
    evidence: NDArray[np.float64],
    pass_lp: NDArray[np.float64],
    turn_lp: NDArray[np.float64],
    turn_steps: int,
) -> Segmentation | None:
    """The most likely passes and turns given each step's ``evidence`` of turning (log
    likelihood ratio) and the count priors, with each pass's probability of having exactly
    its ends; None when no segmentation fits (a record that is not a course)."""
    cum = np.concatenate([[0.0], np.cumsum(evidence)])
    n = evidence.size
    _, ft = _forward(cum, pass_lp, turn_lp)
    bw, bt = _backward(cum, pass_lp, turn_lp)
    total = bw[0]
    if not np.isfinite(total):
        return None
    segs = _viterbi(cum, pass_lp, turn_lp)
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
    return Segmentation(passes, closed, confidence)
