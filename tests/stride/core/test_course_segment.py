"""The course segmentation (a hidden semi-Markov model) against a slow, obviously correct
reference: every segmentation of a short record enumerated, scored and summed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.core.course_segment import (
    count_prior,
    cut_prior,
    phase_evidence,
    posterior,
    segment_course,
    step_evidence,
)


def _all_segmentations(n: int) -> list[list[tuple[str, int, int]]]:
    """Every split of rows 0..n into segments, passes and turns alternating, a pass first."""
    out = []
    for k in range(n):
        for cuts in itertools.combinations(range(1, n), k):
            bounds = [0, *cuts, n]
            out.append([("pass" if s % 2 == 0 else "turn", bounds[s], bounds[s + 1])
                        for s in range(len(bounds) - 1)])  # fmt: skip
    return out


def _score(
    seg: list[tuple[str, int, int]], ev: np.ndarray, plp: np.ndarray, tlp: np.ndarray
) -> float:
    total = 0.0
    for k, (kind, i, j) in enumerate(seg):
        last = k == len(seg) - 1
        lp = plp if kind == "pass" else tlp
        lp = cut_prior(lp) if last else lp
        if j - i >= lp.size:
            return -np.inf
        total += lp[j - i] + (float(ev[i:j].sum()) if kind == "turn" else 0.0)
    return total


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_segmentation_matches_the_enumerated_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 13
    ratio = np.where(rng.random(n) < 0.3, 1.5, 1.0) * rng.normal(1.0, 0.12, n)
    ev = step_evidence(ratio, 0.12, 1.5, 0.25)
    plp, tlp = count_prior(4.0, 0.8, 9), count_prior(2.0, 0.5, 5)
    got = segment_course(ev, plp, tlp, turn_steps=2)
    assert got is not None
    segs = _all_segmentations(n)
    scores = np.array([_score(s, ev, plp, tlp) for s in segs])
    best = segs[int(np.argmax(scores))]
    assert got.passes == [(i, j) for kind, i, j in best if kind == "pass"]
    z = np.logaddexp.reduce(scores)
    for (i, j), closed, p in zip(got.passes, got.closed, got.confidence, strict=True):
        if not closed:
            assert p == 0.0
            continue
        # a closed pass's probability: the segmentations with that pass and a turn after it
        has = [any(s[k] == ("pass", i, j) and k + 1 < len(s) for k in range(len(s))) for s in segs]
        want = float(np.exp(np.logaddexp.reduce(scores[np.array(has)]) - z))
        assert p == pytest.approx(want, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 10, 23, 34, 35, 54])
def test_last_pass_closed_matches_the_enumerated_reference(seed: int) -> None:
    """The probability that the last pass is closed by a turn of at least two steps, whole
    or cut off by the end of the record, and its most likely count when closed: every
    segmentation enumerated and weighed, the last segment by its count's survival."""
    rng = np.random.default_rng(seed)
    n = 13
    ratio = np.where(rng.random(n) < 0.3, 1.5, 1.0) * rng.normal(1.0, 0.12, n)
    ratio[-2:] = rng.normal(1.15, 0.1, 2)  # a turn may have begun, its steps hardly slower
    ev = step_evidence(ratio, 0.12, 1.5, 0.25)
    plp, tlp = count_prior(4.0, 0.8, 9), count_prior(2.0, 0.5, 5)
    got = segment_course(ev, plp, tlp, turn_steps=2)
    assert got is not None
    start = got.passes[-1][0]
    segs = _all_segmentations(n)
    scores = np.array([_score(s, ev, plp, tlp) for s in segs])
    z = np.logaddexp.reduce(scores)
    counts: dict[int, float] = {}
    for s, score in zip(segs, scores, strict=True):
        for k, (kind, i, j) in enumerate(s):
            if kind == "pass" and i == start and k + 1 < len(s):
                turn = s[k + 1]
                if turn[2] - turn[1] >= 2 and np.isfinite(score):
                    counts[j - i] = counts.get(j - i, 0.0) + float(np.exp(score - z))
    assert got.last_closed == pytest.approx(sum(counts.values()), rel=1e-9, abs=1e-12)
    if counts:
        # the most likely count: the largest single term (a pass's count, its turn summed)
        assert got.last_closed_steps == max(counts, key=lambda d: counts[d])
    else:
        assert got.last_closed_steps is None


@pytest.mark.parametrize("seed", [4, 5])
def test_posterior_matches_the_enumerated_reference(seed: int) -> None:
    """Expected counts of whole passes and turns of each length, and each step's probability
    of turning, against every segmentation enumerated and weighted by its probability."""
    rng = np.random.default_rng(seed)
    n = 12
    ratio = np.where(rng.random(n) < 0.35, 1.5, 1.0) * rng.normal(1.0, 0.12, n)
    ev = step_evidence(ratio, 0.12, 1.5, 0.25)
    plp, tlp = count_prior(4.0, 1.0, 9), count_prior(2.5, 0.7, 6)
    got = posterior(ev, plp, tlp)
    assert got is not None
    segs = _all_segmentations(n)
    prob = np.array([_score(s, ev, plp, tlp) for s in segs])
    prob = np.exp(prob - np.logaddexp.reduce(prob))
    passes, turns, turning = np.zeros(plp.size), np.zeros(tlp.size), np.zeros(n)
    for s, w in zip(segs, prob, strict=True):
        if w == 0.0:  # a segment longer than its prior allows
            continue
        for k, (kind, i, j) in enumerate(s):
            if kind == "turn":
                turning[i:j] += w
            if k == len(s) - 1:  # cut off by the end of the record: its count unknown
                continue
            (passes if kind == "pass" else turns)[j - i] += w
    np.testing.assert_allclose(got.pass_counts, passes, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.turn_counts, turns, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got.turning, turning, rtol=1e-9, atol=1e-12)


def test_evidence_rises_with_step_time_and_is_bounded() -> None:
    r = np.array([0.5, 1.0, 1.2, 1.4, 1.6, np.inf, np.nan])
    ev = step_evidence(r, 0.1, 1.5, 0.3)
    assert ev[0] == ev[1] < ev[2] < ev[3] < ev[4] == ev[5]
    assert ev[6] == 0.0 and np.all(np.abs(ev) <= 10.0)


def test_phase_evidence_leans_towards_the_walker_s_turns_either_way_and_is_bounded() -> None:
    x = np.array([0.8, 0.9, 1.0, 1.05, 1.1, 1.3, np.nan])
    up = phase_evidence(x, 0.03, 1.1)  # turns lengthen the swing share
    assert up[0] == up[1] == up[2] < 0.0 < up[4] == up[5]
    assert up[2] < up[3] < up[4] and up[3] == pytest.approx(0.0, abs=1e-12)  # midway
    down = phase_evidence(x, 0.03, 0.9)  # turns lengthen the double support
    assert down[1] > 0.0 > down[2] and down[0] == down[1] and down[5] == down[2]
    assert up[6] == down[6] == 0.0 and np.all(np.abs(up) <= 10.0)
    # a phase turns do not change is worth nothing, for any step
    assert np.all(phase_evidence(x, 0.03, 1.0) == 0.0)


def test_count_prior_is_a_distribution_with_room_for_an_unlike_count() -> None:
    lp = count_prior(14.0, 0.5, 45)
    assert np.exp(np.logaddexp.reduce(lp)) == pytest.approx(1.0)
    assert lp[0] == lp[1] == -np.inf
    assert int(np.argmax(lp)) == 14 and np.isfinite(lp[45])  # a 45-step pass: unlikely, possible
    assert cut_prior(lp)[0] == 0.0 and cut_prior(lp)[2] == pytest.approx(0.0)


def test_count_prior_shares_the_counts_near_the_typical_one_as_the_session_does() -> None:
    normal = count_prior(4.0, 0.5, 14)
    assert np.array_equal(count_prior(4.0, 0.5, 14, None), normal)
    # 40 turns of 4 steps: one of 3 or 5 is as unlikely as the session makes it
    seen = np.zeros(15)
    seen[4] = 40.0
    lp = count_prior(4.0, 0.5, 14, seen)
    assert np.exp(np.logaddexp.reduce(lp)) == pytest.approx(1.0)
    assert lp[0] == lp[1] == -np.inf
    assert lp[4] > normal[4] and lp[3] < normal[3] - 3.0 and lp[5] < normal[5] - 3.0
    assert lp[10] == pytest.approx(normal[10])  # far from the typical count: the unlike share
    # a walker whose turns take 3 or 4 steps: a 3-step turn is likelier than a whole
    # step's spread alone allows
    seen[3] = 20.0
    assert count_prior(4.0, 0.5, 14, seen)[3] > normal[3]
    # nothing seen near the typical count: the normal law
    assert np.array_equal(count_prior(4.0, 0.5, 14, np.zeros(15)), normal)


def test_a_turn_count_in_a_real_turns_range_takes_the_sessions_share_however_far() -> None:
    # huntington:0.5 seed 20 with turns of 2-6 steps (2 minutes): the session's expected
    # turns, 6 of 2 steps and one each of 3, 4 and 5; the typical count 2, its spread the
    # floor. A 5-step turn, three steps from the typical count, is as likely as the
    # session's own turns make it (-2.30: (1 + 0) / (9 + 1), one in ten), not the unlike
    # share's (-9.1, log(0.001 / 9) over the 9 counts of 2-10 steps) as with the shares
    # only within SEEN_NEAR of the typical count: there the turn was read as four steps
    # and the pass before it as 18 steps of the truth's 17)
    seen = np.zeros(15)
    seen[2:6] = 6.0, 1.0, 1.0, 1.0
    lp = count_prior(2.0, 0.5, 10, seen)
    assert np.exp(np.logaddexp.reduce(lp)) == pytest.approx(1.0)
    golden = [-0.375, -2.190, -2.302, -2.302, -9.105, -9.105]
    np.testing.assert_allclose(lp[2:8], golden, atol=1e-3)
    # beyond a real turn's range (7 steps and more), the unlike share
    assert lp[7] == pytest.approx(count_prior(2.0, 0.5, 10)[7])


def test_a_wider_turn_count_law_weighs_as_many_turns_more_in_the_shares() -> None:
    # huntington:0.7 seed 88 with turns of 2-6 steps (2 minutes, development seeds): the
    # truth's turns 4, 4, 6, 2, 5, 5, 3, 4; the session's expected turns as read, two of
    # its 5-step turns read as 6 and 4 steps (0.95 of 2 steps, 1.05 of 3, 3.91 of 4, 0.17
    # of 5, 1.90 of 6), the law's spread 1.48 steps. Weighed as one turn, the normal law let
    # that reading teach the shares: a 5-step turn at -3.17, two of them 3.99 nats below a
    # 6-step and a 4-step one, and a pass of the truth's 18 steps measured with both ends a
    # step early. Weighed as 1.48 / 0.5 turns (each count it spans about as much as the
    # one count of a half-step law), -2.61 and 2.72 nats.
    seen = np.zeros(19)
    seen[2:8] = 0.95, 1.05, 3.91, 0.17, 1.90, 0.008
    lp = count_prior(4.0, 1.4826, 18, seen)
    assert np.exp(np.logaddexp.reduce(lp)) == pytest.approx(1.0)
    golden = [-2.176, -1.888, -0.871, -2.608, -1.623, -3.316, -4.902]
    np.testing.assert_allclose(lp[2:9], golden, atol=1e-3)
    assert 2 * lp[5] - lp[6] - lp[4] == pytest.approx(-2.723, abs=1e-3)
    # at the least spread, one turn: the golden values of the test above hold


def _posterior_loops(
    ev: np.ndarray, plp: np.ndarray, tlp: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The forward-backward sums one segment length at a time (the obvious loops)."""
    from stride.core.course_segment import _backward, _cuts, _forward

    cum = np.concatenate([[0.0], np.cumsum(ev)])
    n = ev.size
    fw, ft = _forward(cum, plp, tlp)
    bw, bt = _backward(cum, plp, tlp, _cuts(plp, tlp))
    total = bw[0]
    if not np.isfinite(total):
        return None
    passes, turns, edge = np.zeros(plp.size), np.zeros(tlp.size), np.zeros(n + 1)
    with np.errstate(invalid="ignore", over="ignore"):
        for d in range(2, min(plp.size, n + 1)):
            i = np.arange(n - d + 1)
            passes[d] = np.exp(ft[i] + plp[d] + bt[i + d] - total).sum()
        for d in range(2, min(tlp.size, n + 1)):
            i = np.arange(n - d + 1)
            w = np.exp(fw[i] + tlp[d] + cum[i + d] - cum[i] + bw[i + d] - total)
            turns[d] = w.sum()
            edge[: n - d + 1] += w
            edge[d:] -= w
    turn_cut = cut_prior(tlp)
    left = n - np.arange(n)
    ok = left < turn_cut.size
    i = np.arange(n)[ok]
    edge[i] += np.exp(fw[i] + turn_cut[left[ok]] + cum[n] - cum[i] - total)
    return passes, turns, np.clip(np.cumsum(edge)[:n], 0.0, 1.0)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 90),
    st.floats(2.0, 30.0),
    st.floats(0.5, 6.0),
    st.floats(2.0, 8.0),
    st.floats(0.5, 3.0),
    st.integers(0, 2**31),
    st.sampled_from([1 << 18, 7, 1]),
)
def test_posterior_equals_the_loops_bit_for_bit(
    n: int, pc: float, psd: float, tc: float, tsd: float, seed: int, block: int
) -> None:
    """Every segment length's weights at once (in blocks of any size) give exactly the
    floats of the loops over one length at a time, for records short and long against
    their passes."""
    import stride.core.course_segment as cs

    rng = np.random.default_rng(seed)
    ratio = np.where(rng.random(n) < 0.3, 1.6, 1.0) * rng.normal(1.0, 0.15, n)
    ratio[rng.random(n) < 0.05] = np.nan
    ev = step_evidence(ratio, 0.12, 1.5, 0.25)
    plp = count_prior(pc, psd, int(np.ceil(3 * pc + 6 * psd)))
    tlp = count_prior(tc, tsd, int(np.ceil(3 * tc + 4 * tsd)))
    want = _posterior_loops(ev, plp, tlp)
    old, cs._BLOCK_VALUES = cs._BLOCK_VALUES, block
    try:
        got = posterior(ev, plp, tlp)
    finally:
        cs._BLOCK_VALUES = old
    assert (got is None) == (want is None)
    if got is not None and want is not None:
        for a, b in zip((got.pass_counts, got.turn_counts, got.turning), want, strict=True):
            assert a.tobytes() == b.tobytes()
