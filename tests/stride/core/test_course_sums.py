"""Course mode's forward and backward sums (:mod:`stride.core._course_sums`, taken in the
linear domain with scaling) against the log domain: every term's exp added, in Python
(``course_reference.py``) for short records and in numpy for long ones whose unscaled
products would underflow or overflow many times over."""

from __future__ import annotations

import course_reference as ref  # type: ignore[import-not-found]
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_course_batched import segment_inputs  # type: ignore[import-not-found]

from stride.core._course_sums import course_backward, course_forward
from stride.core.course_segment import count_prior, cut_prior

Arrays = tuple[np.ndarray, np.ndarray]


def _close(got: np.ndarray, want: np.ndarray, cum: np.ndarray) -> None:
    """The same -inf rows, the others within a few units in the last place of the
    values the sums handle (each row's own and the cumulative evidence's)."""
    assert np.array_equal(np.isneginf(got), np.isneginf(want))
    assert np.isfinite(want[~np.isneginf(want)]).all()
    ok = np.isfinite(want)
    scale = 1.0 + np.abs(want[ok]) + np.abs(cum).max(initial=0.0)
    assert (np.abs(got[ok] - want[ok]) <= 1e-13 * scale).all()


def _log_sums(cum: np.ndarray, plp: np.ndarray, tlp: np.ndarray) -> tuple[Arrays, Arrays]:
    """Forward and backward sums in the log domain, one numpy reduction a row."""
    n = cum.size - 1
    pcut, tcut = cut_prior(plp), cut_prior(tlp)
    fw, ft = np.full(n + 1, -np.inf), np.full(n + 1, -np.inf)
    ft[0] = 0.0
    with np.errstate(invalid="ignore"):
        for j in range(1, n + 1):
            i = np.arange(max(0, j - plp.size + 1), j)
            fw[j] = np.logaddexp.reduce(ft[i] + plp[j - i])
            i = np.arange(max(0, j - tlp.size + 1), j)
            ft[j] = np.logaddexp.reduce(fw[i] + tlp[j - i] + cum[j] - cum[i])
        bw, bt = np.full(n + 1, -np.inf), np.full(n + 1, -np.inf)
        for i in range(n, -1, -1):
            left = n - i
            j = np.arange(i + 1, min(n, i + plp.size - 1) + 1)
            cut = [pcut[left]] if 0 < left < pcut.size else []
            bw[i] = np.logaddexp.reduce(np.r_[cut, plp[j - i] + bt[j]])
            j = np.arange(i + 1, min(n, i + tlp.size - 1) + 1)
            cut = [tcut[left] + cum[n] - cum[i]] if 0 < left < tcut.size else []
            bt[i] = np.logaddexp.reduce(np.r_[cut, tlp[j - i] + cum[j] - cum[i] + bw[j]])
    return (fw, ft), (bw, bt)


def _check(evidence: np.ndarray, plp: np.ndarray, tlp: np.ndarray, python: bool) -> None:
    cum = np.concatenate([[0.0], np.cumsum(evidence)])
    cuts = (cut_prior(plp), cut_prior(tlp))
    if python:
        want = (ref.course_forward(cum, plp, tlp), ref.course_backward(cum, plp, tlp, *cuts))
    else:
        want = _log_sums(cum, plp, tlp)
    got = (course_forward(cum, plp, tlp), course_backward(cum, plp, tlp, *cuts))
    for g, w in zip(got, want, strict=True):
        for a, b in zip(g, w, strict=True):
            _close(a, b, cum)


@settings(max_examples=150, deadline=None)
@given(inputs=segment_inputs())
def test_sums_are_every_term_s_exp_added(inputs: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    _check(*inputs, python=True)


@pytest.mark.parametrize("seed", range(3))
def test_sums_of_a_course_with_clear_turns_are_every_term_s_exp_added(seed: int) -> None:
    """Clear walking and turning steps: most long segments' terms are far below the
    largest."""
    rng = np.random.default_rng(seed)
    walk = np.tile(np.r_[np.full(15, -4.0), np.full(4, 8.0)], 8)
    evidence = np.clip(walk + rng.normal(0, 1.5, walk.size), -10, 10)
    _check(evidence, count_prior(15.0, 0.5, 51), count_prior(4.0, 0.5, 16), python=True)


@settings(max_examples=25, deadline=None)
@given(
    st.integers(1000, 6000),
    st.sampled_from([1.0, 10.0, 60.0, 300.0]),
    st.floats(-1.0, 1.0),
    st.floats(3.0, 40.0),
    st.floats(2.0, 8.0),
    st.floats(0.0, 0.3),
    st.booleans(),
    st.integers(0, 2**32 - 1),
)
def test_long_records_far_from_zero_are_the_log_domain(
    n: int,
    scale: float,
    drift: float,
    pc: float,
    tc: float,
    holes: float,
    one_step: bool,
    seed: int,
) -> None:
    """Records long enough that the sums reach far beyond a float's range (thousands of
    nats), evidence from gentle to hundreds of nats a step drifting either way, and
    priors with impossible counts (-inf) here and there, or segments of one step
    allowed (no term of a row just made is then multiplied by 0): the sums' references
    move, rows far below theirs are taken in the log domain, and every row is the log
    domain's to within a few units in the last place."""
    rng = np.random.default_rng(seed)
    evidence = scale * (drift + rng.normal(0.0, 1.0, n))
    evidence[rng.random(n) < 0.2] *= -3.0
    plp = count_prior(pc, 0.5 + pc / 8, int(3 * pc + 6))
    tlp = count_prior(tc, 1.0, int(3 * tc + 4))
    for lp in (plp, tlp):
        lp[2:][rng.random(lp.size - 2) < holes] = -np.inf
        if one_step:
            lp[1] = np.log(0.01)
    cum = np.concatenate([[0.0], np.cumsum(evidence)])
    if scale >= 60.0:  # beyond what unscaled sums could hold
        assert np.ptp(cum) > 1500.0
    _check(evidence, plp, tlp, python=False)


@pytest.mark.parametrize("tail", [800.0, -800.0, 2000.0, -2000.0])
@pytest.mark.parametrize("one_step", [False, True])
def test_a_record_ending_far_from_its_sums_keeps_the_cut_segments(
    tail: float, one_step: bool
) -> None:
    """The last steps' evidence hundreds of nats a step either way: a segment the end of
    the record cuts off weighs far more (or less) than the sums' reference, and its term
    is taken in the log domain, not scaled out of range."""
    evidence = np.r_[np.tile(np.r_[np.full(15, -4.0), np.full(4, 8.0)], 4), np.full(12, tail)]
    plp, tlp = count_prior(15.0, 0.5, 51), count_prior(4.0, 0.5, 16)
    if one_step:
        plp[1] = tlp[1] = np.log(0.01)
    _check(evidence, plp, tlp, python=True)
