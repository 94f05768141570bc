"""Course mode's batched statistics against the one-call-at-a-time references in
``course_reference.py`` (course mode as first written): the same floats, bit for bit, on
random tables and weights and on simulated overground sessions run through
:func:`~stride.core.course.apply_course` with every reference swapped in."""

from __future__ import annotations

from pathlib import Path

import course_reference as ref  # type: ignore[import-not-found]
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_course import _choreic_walk  # type: ignore[import-not-found]

import stride.core.course as course
import stride.core.course_fit as fit
import stride.core.course_segment as seg
from stride.core.course_fit import (
    Phases,
    learnt_laws,
    phase_laws,
    step_laws,
)
from stride.core.course_segment import count_prior, posterior
from stride.core.course_stats import weighted_median, weighted_sd
from stride.core.course_weights import step_weights
from stride.core.step_ratios import WalkingReadings, phase_ratios, step_ratios, swing_ratios
from stride.core.steps import FLAG_ALTERNATION, FLAG_GAP, FLAG_STOP, StepTable

# values with ties (a few distinct ones), unknowns and pauses
TIMES = st.one_of(
    st.sampled_from([0.4, 0.5, 0.55, 0.7, 1.1]),
    st.floats(0.05, 3.0),
    st.just(float("nan")),
    st.just(float("inf")),
)


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


@st.composite
def tables(draw: st.DrawFn, max_rows: int = 60) -> StepTable:
    """Rows of either foot in any order (a missed contact breaks the alternation), step
    times and swings with unknowns and pauses, stop, gap and alternation flags."""
    n = draw(st.integers(0, max_rows))
    side = np.array(draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n)), np.int8)
    flag = st.sampled_from([0, 0, 0, FLAG_STOP, FLAG_GAP, FLAG_ALTERNATION, FLAG_STOP | FLAG_GAP])
    flags = np.array(draw(st.lists(flag, min_size=n, max_size=n)), np.uint16)
    step = np.array(draw(st.lists(TIMES, min_size=n, max_size=n)))
    swing = np.array(draw(st.lists(TIMES, min_size=n, max_size=n)))
    values = {"step_time_s": step, "swing_s": swing, "ic_s": np.cumsum(np.full(n, 0.5))}
    zeros = np.zeros(n, np.int8)
    return StepTable(side, np.arange(n), flags, zeros, zeros, values)


def _walking(seed: int, n: int) -> np.ndarray:
    return np.random.default_rng(seed).random(n) < 0.8


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(0, 2**32 - 1), st.integers(0, 5))
def test_ratios_are_the_per_foot_references(tab: StepTable, seed: int, window: int) -> None:
    walking = _walking(seed, len(tab))
    for new, old in (
        (step_ratios, ref.step_ratios),
        (phase_ratios, ref.phase_ratios),
        (swing_ratios, ref.swing_ratios),
    ):
        assert _bits(new(tab, window)) == _bits(old(tab, window))
        assert _bits(new(tab, window, walking)) == _bits(old(tab, window, walking))
    other = _walking(seed + 1, len(tab))
    for phases in (True, False):
        readings = WalkingReadings(tab, phases, window)
        # the same steps again (the readings kept), others, the first ones once more, and
        # an array read, then changed in place and read again
        changed = walking.copy()
        for k, mask in enumerate((walking, walking.copy(), other, changed, changed)):
            if k == 4:
                changed[:] = ~changed
            ratio, share = readings(mask)
            want, want_share = ref.WalkingReadings(tab, phases, window)(mask)
            assert _bits(ratio) == _bits(want)
            assert (share is None) == (want_share is None)
            if share is not None and want_share is not None:
                assert _bits(share) == _bits(want_share)


WEIGHTS = st.one_of(st.sampled_from([0.0, 0.25, 1.0]), st.floats(0.0, 1.0))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(TIMES, WEIGHTS), min_size=1, max_size=80))
def test_weighted_statistics_are_the_references(pairs: list[tuple[float, float]]) -> None:
    x = np.array([a for a, _ in pairs])
    q = np.array([b for _, b in pairs])
    finite = x[np.isfinite(x)]
    if finite.size and q[np.isfinite(x)].sum() > 0:
        xf, qf = finite, q[np.isfinite(x)]
        order = xf.argsort(kind="stable")
        assert weighted_median(xf, qf, order) == ref.weighted_median(xf, qf)
        assert weighted_sd(xf, qf, order) == ref.weighted_sd(xf, qf)
        m = ref.weighted_median(xf, qf)
        assert weighted_sd(xf, qf, median=m) == ref.weighted_sd(xf, qf)
    assert step_laws(x, q, 1.25) == ref.step_laws(x, q, 1.25)
    side = (np.arange(x.size) % 3 == 0).astype(np.int8)
    phase = Phases(np.sqrt(np.where(np.isfinite(x), x, np.nan)) * (1 + 0.1 * q), side)
    ratio = np.roll(x, 1)
    for own in (False, True):
        assert phase_laws(phase, ratio, q, own) == ref.phase_laws(phase, ratio, q, own)
    assert fit._count_law(q) == ref.count_laws(q) if q.sum() > 0 else True


def _priors(draw: st.DrawFn, n: int) -> tuple[np.ndarray, np.ndarray]:
    typical = draw(st.floats(2.0, max(2.0, n / 2)))
    turn = draw(st.floats(2.0, 6.0))
    pass_lp = count_prior(typical, draw(st.floats(0.5, 4.0)), int(3 * typical + 6))
    return pass_lp, count_prior(turn, draw(st.floats(0.5, 2.0)), int(3 * turn + 4))


@st.composite
def segment_inputs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 120))
    evidence = np.array(draw(st.lists(st.floats(-10.0, 10.0), min_size=n, max_size=n)))
    return (evidence, *_priors(draw, n))


@pytest.mark.parametrize("block", [1 << 18, 37])
@settings(max_examples=150, deadline=None)
@given(inputs=segment_inputs())
def test_posterior_is_the_segment_by_segment_reference(
    block: int, inputs: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> None:
    evidence, pass_lp, turn_lp = inputs
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(seg, "_BLOCK_VALUES", block)  # 37: several blocks, each a few lengths
        new, old = posterior(evidence, pass_lp, turn_lp), ref.posterior(evidence, pass_lp, turn_lp)
    assert (new is None) == (old is None)
    if new is not None and old is not None:
        for a, b in ((new.pass_counts, old.pass_counts), (new.turn_counts, old.turn_counts)):
            assert _bits(a) == _bits(b)
        assert _bits(new.turning) == _bits(old.turning)
        laws = learnt_laws(1.0 + 0.5 * new.turning, new, 1.25)
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(fit, "step_laws", ref.step_laws)
            mp.setattr(fit, "_count_law", ref.count_laws)
            assert laws == learnt_laws(1.0 + 0.5 * old.turning, old, 1.25)


def _block_sums(
    w: np.ndarray, n: int, passes: tuple[int, int], turns: tuple[int, int], edge: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``course_block_sums`` of the weights ``w`` (rows of ``n - 1`` starts: pass lengths
    ``passes``, then turn lengths ``turns``), ``edge`` taken in place: the pass and turn
    sums and the edge."""
    k = seg.course_kernels().posterior
    p, t = np.zeros(passes[1]), np.zeros(turns[1])
    k.course_block_sums(np.ascontiguousarray(w).ravel(), *passes, *turns, False, 1, p, t, edge)
    return p, t, edge


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 700), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_row_sums_are_numpy_s_sum_of_each_slice(width: int, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    rows = min(rows, width)
    w = np.exp(rng.normal(0.0, 20.0, (rows, width))) * (rng.random((rows, width)) < 0.9)
    # a length d's row: its n + 1 - d starts (n = width + 1), at least one
    passes, _, _ = _block_sums(w, width + 1, (2, 2 + rows), (2, 2), np.zeros(width + 2))
    assert _bits(passes[2:]) == _bits(np.array(ref.row_sums(w, width)))


@settings(max_examples=200, deadline=None)
@given(st.integers(3, 300), st.integers(2, 40), st.integers(1, 8), st.integers(0, 2**32 - 1))
def test_turn_edges_are_numpy_s_sums_down_the_columns(
    n: int, lo: int, rows: int, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    lo = min(lo, n)
    rows = min(rows, n - lo + 1)  # turns of at most n steps
    w = np.exp(rng.normal(-5.0, 10.0, (rows, n - 1))) * (rng.random((rows, n - 1)) < 0.9)
    edge = np.abs(rng.normal(0.0, 1.0, n + 1))
    want = ref.with_turn_edges(edge, w, lo)
    _, turns, got = _block_sums(w, n, (2, 2), (lo, lo + rows), edge.copy())
    assert _bits(got) == _bits(want)
    assert _bits(turns[lo:]) == _bits(np.array(ref.row_sums(w, n + 1 - lo)))


@settings(max_examples=300, deadline=None)
@given(tables(max_rows=80), st.integers(0, 2**32 - 1), st.integers(1, 4))
def test_passes_and_weights_are_the_references(tab: StepTable, seed: int, turn_steps: int) -> None:
    slow = np.random.default_rng(seed).random(len(tab)) < 0.3
    assert _bits(course.turn_rows(slow, turn_steps)) == _bits(ref.turn_rows(slow, turn_steps))
    ratio = np.where(slow, 1.5, 1.0)
    p = course.CourseParams(turn_steps=turn_steps)
    found = course.threshold_passes(tab, p, ratio)
    want = ref.threshold_passes(tab, ratio, p.slow_factor, turn_steps)
    got = [(ps.rows.tolist(), ps.start_s, ps.end_s, ps.closed, ps.missing_data) for ps in found]
    assert got == want
    for ps in found:
        w, own = step_weights(tab, ps.rows, slow)
        w0, own0 = ref.step_weights(tab, ps.rows, slow)
        assert _bits(w) == _bits(w0) and _bits(own) == _bits(own0)


def _swap_in_references(mp: pytest.MonkeyPatch) -> None:
    mp.setattr(fit, "posterior", ref.posterior)
    mp.setattr(fit, "step_laws", ref.step_laws)
    mp.setattr(fit, "phase_laws", ref.phase_laws)
    mp.setattr(fit, "_count_law", ref.count_laws)
    for name in ("turn_rows", "step_weights", "step_ratios", "swing_ratios", "WalkingReadings"):
        mp.setattr(course, name, getattr(ref, name))


def _same_course(tab: StepTable) -> None:
    new, records = course.apply_course(tab, 10.0)
    with pytest.MonkeyPatch.context() as mp:
        _swap_in_references(mp)
        old, want = course.apply_course(tab, 10.0)
    assert records == want
    for key in ("step_length_m", "stride_length_m"):
        assert _bits(new[key]) == _bits(old[key])


@pytest.mark.parametrize("seed", range(4))
def test_course_mode_is_its_references_on_a_choreic_walk(seed: int) -> None:
    _same_course(_choreic_walk(seed))


@pytest.mark.parametrize("profile", ["huntington:0.5", "parkinsonian:0.5", "hemiparetic-left:0.5"])
def test_course_mode_is_its_references_on_simulated_sessions(profile: str, tmp_path: Path) -> None:
    from sim.cli_support import build_spec
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    spec = build_spec(
        minutes=2.0, speed="3.6kmh", profile=profile, seed=3, rate=1000, overground=True
    )
    simulate_session(tmp_path, spec)
    _, result, _ = run(tmp_path, AnalysisConfig())
    assert result.summary["course"]["passes"]  # type: ignore[index]
    _same_course(result.steps)
