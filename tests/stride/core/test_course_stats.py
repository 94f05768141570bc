"""Course mode's weighted statistics: each kernel (:mod:`stride.core._course_kernels`)
against the numpy code it stands for, the same floats bit for bit, and the numpy code
kept where the kernel does not answer."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import stride.core.course_stats as stats
from stride.core.course_stats import median_sd, slope, slopes, weighted_median, weighted_sd

# a few distinct values (ties) or any; lengths past 128 and 256 (numpy's pairwise sums)
VALUES = st.one_of(st.sampled_from([0.5, 1.0, 1.25, 2.0]), st.floats(-5.0, 5.0))
WEIGHTS = st.one_of(st.sampled_from([0.0, 0.25, 1.0]), st.floats(0.0, 1.0))


def _numpy_median_sd(x: np.ndarray, w: np.ndarray, median: float | None) -> tuple[float, float]:
    """The numpy code the kernel stands for: argsort, cumsum, searchsorted."""
    m = stats._median(x, w) if median is None else median
    return m, 1.4826 * stats._median(np.abs(x - m), w)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(VALUES, WEIGHTS), min_size=1, max_size=300), st.booleans())
def test_median_and_spread_are_numpy_s(pairs: list[tuple[float, float]], given_m: bool) -> None:
    x = np.array([a for a, _ in pairs])
    w = np.array([b for _, b in pairs])
    if not w.sum() > 0:
        return
    with pytest.MonkeyPatch.context() as mp:
        want = _numpy_median_sd(x, w, None)
        median = want[0] if given_m else None
        if given_m:
            want = _numpy_median_sd(x, w, median)

        def numpy_taken(*args: object) -> float:
            raise AssertionError("the kernel should have answered")

        mp.setattr(stats, "_median", numpy_taken)
        assert median_sd(x, w, median=median) == want
        assert median_sd(x, w, x.argsort(kind="stable"), median) == want
        assert weighted_median(x, w) == want[0]
        assert weighted_sd(x, w, median=median) == want[1]


def test_nan_values_and_weights_are_left_to_numpy() -> None:
    x = np.array([1.0, math.nan, 3.0, 2.0])
    w = np.array([1.0, 1.0, 1.0, 1.0])
    got = median_sd(x, w)  # numpy's sort puts NaN last
    assert got == _numpy_median_sd(x, w, None)
    bad_w = np.array([1.0, -1.0, 1.0, math.inf])
    y = np.array([1.0, 4.0, 3.0, 2.0])
    assert weighted_median(y, bad_w) == stats._median(y, bad_w)
    with pytest.raises(IndexError):  # nothing to take a median of, as numpy says
        weighted_median(np.empty(0), np.empty(0))


def _same(got: tuple[float, ...], want: tuple[float, ...]) -> bool:
    """Equal float for float, a NaN matching a NaN (``==`` on tuples says NaN != NaN)."""
    return len(got) == len(want) and all(
        a == b or (math.isnan(a) and math.isnan(b)) for a, b in zip(got, want, strict=True)
    )


# the example below overflows the standard error on purpose: numpy's warnings are expected
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(VALUES, VALUES, WEIGHTS, WEIGHTS), min_size=1, max_size=300),
    st.booleans(),
)
# a standard error that overflows to NaN in both (an x of 4e-159 beside 0.5)
@example(
    [
        (0.5, 0.5, 0.0, 0.0),
        (0.5, 0.5, 0.0, 0.0),
        (0.0, 1.0, 0.0, 0.25),
        (3.92115770284104e-159, 0.5, 0.25, 0.25),
    ],
    False,
)
def test_slopes_are_numpy_s(rows: list[tuple[float, float, float, float]], flat: bool) -> None:
    x, y, w, q = (np.array(c) for c in zip(*rows, strict=True))
    if flat:
        x = np.full(x.size, 0.5)  # no spread of x: slope 0, standard error inf
    if not (w.sum() > 0 and q.sum() > 0):
        return
    want = (slope(x, y, w)[0], *slope(x, y, q))
    assert _same(slopes(x, y, w, q), want)
    # arrays the kernel does not take as they are: the numpy code, the same floats
    strided = np.stack([x, x], axis=1)[:, 0]  # the same values, not contiguous
    assert not strided.flags.c_contiguous or x.size < 2
    assert _same(slopes(strided, y, w, q), want)
    assert _same(
        slopes(x.astype(np.float32), y, w, q),
        (slope(x.astype(np.float32), y, w)[0], *slope(x.astype(np.float32), y, q)),
    )


RATIOS = st.one_of(
    st.sampled_from([1.0, 1.25, 2.0]),
    st.floats(0.2, 4.0),
    st.just(math.nan),
    st.just(math.inf),
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(RATIOS, RATIOS, st.integers(0, 2)), min_size=0, max_size=80),
    st.floats(1.05, 3.0),
    st.floats(0.01, 0.5),
    st.floats(1.0, 3.0),
    st.tuples(st.floats(0.02, 0.3), st.floats(0.02, 0.3)),
    st.tuples(st.floats(0.5, 2.0), st.floats(0.5, 2.0)),
    st.booleans(),
)
def test_turn_evidence_is_step_and_phase_evidence(
    rows: list[tuple[float, float, int]],
    turn_mean: float,
    walk: float,
    turn_share: float,
    spreads: tuple[float, float],
    centres: tuple[float, float],
    per_step: bool,
) -> None:
    from stride.core.course_segment import MAX_STEP_EVIDENCE, phase_evidence, step_evidence
    from stride.core.course_stats import turn_evidence

    ratio = np.array([r for r, _, _ in rows], dtype=np.float64)
    phase = np.array([p for _, p, _ in rows], dtype=np.float64)
    side = np.array([s for _, _, s in rows], dtype=np.int8)  # 2: a foot not weighed
    turn_spread = walk * turn_share
    feet = []
    for code in (0, 1):
        mine = side == code
        centre = phase[mine] * centres[code] if per_step else centres[code]
        feet.append((mine, phase[mine], spreads[code], centre))
    want = step_evidence(ratio, walk, turn_mean, turn_spread)
    alone = turn_evidence(ratio, walk, turn_mean, turn_spread, [])
    assert alone.tobytes() == want.tobytes()
    with np.errstate(invalid="ignore"):  # an infinite phase and its own centre
        for mine, own, spread, centre in feet:
            want[mine] += phase_evidence(own, spread, centre)
    want = np.clip(want, -MAX_STEP_EVIDENCE, MAX_STEP_EVIDENCE)
    got = turn_evidence(ratio, walk, turn_mean, turn_spread, feet)
    assert got.tobytes() == want.tobytes()
    rows = [(np.flatnonzero(mine), own, spread, centre) for mine, own, spread, centre in feet]
    assert turn_evidence(ratio, walk, turn_mean, turn_spread, rows).tobytes() == want.tobytes()


@functools.cache
def _deviation_order() -> Callable[..., np.ndarray]:
    """The kernel-only ``_deviation_order``, called from Python (compiled once)."""
    from numba import njit

    from stride.core._course_kernels import _deviation_order as kernel

    @njit(cache=False)
    def order_of(x: np.ndarray, o: np.ndarray, m: float, dev: np.ndarray) -> np.ndarray:
        return kernel(x, o, m, dev)

    return order_of  # type: ignore[no-any-return]


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUES, min_size=1, max_size=300), st.integers(0, 299))
def test_deviations_are_ordered_as_numpy_s_stable_argsort(values: list[float], at: int) -> None:
    """The deviations' order taken from the values' (runs of ties, deviations tied on
    either side of the median, rounded differences) is numpy's stable argsort."""
    order_of = _deviation_order()
    x = np.array(values)
    for m in (x[at % x.size], 1.125, float(np.median(x))):
        dev = np.abs(x - m)
        got = order_of(x, x.argsort(kind="stable"), m, dev)
        assert got.tolist() == dev.argsort(kind="stable").tolist()
