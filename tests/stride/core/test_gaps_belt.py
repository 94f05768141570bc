"""The gap scan and belt integral kernels against slow, obviously-correct references,
and their chunked use against the whole-record result (bit for bit)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from stride.core.belt import BeltTrack
from stride.core.gaps import GAP_PERIODS, GapScanner, _nan_rows, find_gaps, overlaps_gap


def _gaps_reference(t: list[float], bad: list[bool], fs: float) -> list[tuple[float, float]]:
    """Gaps = between consecutive good samples with a missing row or a time jump between."""
    good = [i for i in range(len(t)) if not bad[i]]
    out = []
    for a, b in itertools.pairwise(good):
        jump = any(t[k + 1] - t[k] > GAP_PERIODS / fs for k in range(a, b))
        if b - a > 1 or jump:
            out.append((t[a], t[b]))
    # a run of bad rows (or a jump) after the last good sample: closed at the last sample
    if good and (good[-1] < len(t) - 1):
        out.append((t[good[-1]], t[-1]))
    return out


@st.composite
def _record(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int]]:
    n = draw(st.integers(0, 60))
    steps = draw(st.lists(st.sampled_from([1, 1, 1, 1, 3, 7]), min_size=n, max_size=n))
    t = np.cumsum(np.asarray(steps, dtype=np.float64)) / 100.0
    x = np.asarray(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    forces = np.where(x[:, None], np.nan, 1.0) * np.ones((n, 2))
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))
    return t, forces, cuts


@given(_record())
def test_gap_kernel_matches_reference_for_any_chunking(
    rec: tuple[np.ndarray, np.ndarray, list[int]],
) -> None:
    t, forces, cuts = rec
    bad = np.isnan(forces).any(axis=1)
    expected = _gaps_reference(t.tolist(), bad.tolist(), 100.0)
    gs, ge = find_gaps(t, forces, 100.0)
    assert list(zip(gs.tolist(), ge.tolist(), strict=True)) == expected
    scanner = GapScanner(100.0)
    for a, b in zip([0, *cuts], [*cuts, len(t)], strict=True):
        scanner.feed(t[a:b], forces[a:b])
    scanner.finish()
    cs, ce = scanner.arrays()
    assert np.array_equal(cs, gs) and np.array_equal(ce, ge)


@given(
    st.integers(0, 40),
    st.integers(1, 19),
    st.sampled_from(["float16", "float32", "float64", "int16", "uint16"]),
    st.lists(st.tuples(st.integers(0, 39), st.integers(0, 18)), max_size=12),
    st.booleans(),
)
def test_nan_rows_match_a_per_row_reduction(
    n: int, width: int, dtype: str, holes: list[tuple[int, int]], strided: bool
) -> None:
    """Which rows hold a NaN, by reading each row's bytes as wide words, equals numpy's
    per-row ``any`` (the old rule), for any width (1 to 19 columns, so every word size
    and remainder), dtype and layout; None means no row does (or none can)."""
    base = np.arange(n * 2 * width, dtype=np.float64).reshape(n, 2 * width) - 7.0
    for r, c in holes:  # some fall in the columns left out: records without NaN too
        if r < n:
            base[r, c % (2 * width)] = np.nan
    base[::3, -1] = np.inf  # infinities are not missing samples
    if np.dtype(dtype).kind != "f":  # counts: no NaN to find
        base = np.nan_to_num(base, nan=0.0, posinf=999.0)
    forces = (base[:, ::2] if strided else base[:, :width]).astype(dtype, copy=False)
    got = _nan_rows(forces)
    expected = np.isnan(forces).any(axis=1) if forces.dtype.kind == "f" else np.zeros(n, bool)
    assert (got if got is not None else np.zeros(n, bool)).tolist() == expected.tolist()
    if forces.ndim == 2 and forces.shape[1] == 1:
        one = _nan_rows(forces[:, 0])
        assert (one if one is not None else np.zeros(n, bool)).tolist() == expected.tolist()


def test_gaps_edge_inputs() -> None:
    # integer forces cannot be missing; a time jump still is a gap
    t = np.array([0.0, 0.01, 0.02, 0.05, 0.06])
    gs, ge = find_gaps(t, np.zeros((5, 2), np.int16), 100.0)
    assert gs.tolist() == [0.02] and ge.tolist() == [0.05]
    # leading NaN is not a gap (nothing to bridge), all-NaN has none, empty has none
    f = np.array([[np.nan], [np.nan], [1.0], [1.0]])
    assert find_gaps(np.arange(4) / 100.0, f, 100.0)[0].size == 0
    assert find_gaps(np.arange(3) / 100.0, np.full((3, 1), np.nan), 100.0)[0].size == 0
    assert find_gaps(np.zeros(0), np.zeros((0, 1)), 100.0)[0].size == 0


def test_overlaps_gap() -> None:
    gs, ge = np.array([1.0, 5.0]), np.array([2.0, 6.0])
    a = np.array([0.0, 2.0, 0.5, 2.5, np.nan, 5.5])
    b = np.array([0.9, 3.0, 1.5, 4.9, 3.0, 7.0])
    assert overlaps_gap(a, b, gs, ge).tolist() == [False, False, True, False, False, True]


def _displacement_reference(
    bt: list[float], v: list[float], ta: float, tb: float, max_gap: float
) -> float:
    """Integrate the piecewise-linear speed from ta to tb by fine trapezoids per segment.

    A zero-length interval at a sample time looks up one segment, as the track does: the one
    that starts there (the last one at the last sample), so it is 0 where that segment is
    usable and NaN where it is not, whatever the segment before it holds."""
    if not (bt[0] <= ta <= tb <= bt[-1]):
        return math.nan
    if ta == tb:
        k = max(i for i in range(len(bt) - 1) if bt[i] <= ta)
        usable = bt[k + 1] - bt[k] <= max_gap and not (math.isnan(v[k]) or math.isnan(v[k + 1]))
        return 0.0 if usable else math.nan
    total = 0.0
    for k in range(len(bt) - 1):
        lo, hi = max(ta, bt[k]), min(tb, bt[k + 1])
        touches = bt[k] <= tb and bt[k + 1] >= ta and (hi > lo or (ta == tb == lo))
        h = bt[k + 1] - bt[k]
        if hi < lo or not touches:
            continue
        if h > max_gap or math.isnan(v[k]) or math.isnan(v[k + 1]):
            return math.nan

        def speed(x: float, k: int = k, h: float = h) -> float:
            return v[k] + (v[k + 1] - v[k]) * (x - bt[k]) / h

        total += 0.5 * (speed(lo) + speed(hi)) * (hi - lo)
    return total


@given(
    st.lists(st.floats(0.01, 0.5), min_size=2, max_size=30),
    st.lists(st.one_of(st.floats(0.0, 3.0), st.just(math.nan)), min_size=30, max_size=30),
    st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=8),
    st.integers(1, 29),
)
# a zero-length interval at a sample time between a NaN segment and a usable one
@example([0.5, 0.125, 0.125, 0.25], [0.0, math.nan] + [0.0] * 28, [(0.5, 0.5)], 1)
def test_belt_displacement_matches_reference(
    steps: list[float], speeds: list[float], spans: list[tuple[float, float]], cut: int
) -> None:
    bt = np.cumsum(steps)
    v = np.asarray(speeds[: bt.size])
    track = BeltTrack(max_gap_s=0.4)
    track.append(bt, v)
    chunked = BeltTrack(max_gap_s=0.4)
    chunked.append(bt[:cut], v[:cut])
    chunked.append(bt[cut:], v[cut:])
    span = bt[-1] - bt[0]
    ta = np.array([bt[0] - 0.1 + (span + 0.2) * min(a, b) for a, b in spans])
    tb = np.array([bt[0] - 0.1 + (span + 0.2) * max(a, b) for a, b in spans])
    got = track.displacement(ta, tb)
    assert np.array_equal(got, chunked.displacement(ta, tb), equal_nan=True)
    for g, a, b in zip(got.tolist(), ta.tolist(), tb.tolist(), strict=True):
        ref = _displacement_reference(bt.tolist(), v.tolist(), a, b, 0.4)
        assert math.isnan(g) == math.isnan(ref)
        if not math.isnan(ref):
            assert g == pytest.approx(ref, abs=1e-9)


def test_zero_length_interval_looks_up_the_segment_that_starts_there() -> None:
    nan = math.nan
    track = BeltTrack(max_gap_s=0.4)
    track.append(np.array([0.5, 0.625, 0.75, 1.0, 1.5, 1.6]), np.array([0, nan, 0, 0, 0, 0.0]))
    at = np.array([0.5, 0.625, 0.75, 1.0, 1.5, 1.6, 0.7, 0.8])
    got = track.displacement(at, at)
    # after a NaN segment: 0; before one, in one or before a gap (1.0-1.5): NaN; the last
    # sample looks up the last segment
    assert np.isnan(got[[0, 1, 3, 6]]).all()
    assert got[[2, 4, 5, 7]].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_belt_golden_values() -> None:
    track = BeltTrack()
    bt = np.arange(0.0, 10.01, 0.1)
    track.append(bt, np.full(bt.size, 1.2))
    # constant 1.2 m/s for 0.55 s = 0.66 m
    assert track.displacement(np.array([2.0]), np.array([2.55]))[0] == pytest.approx(0.66)
    ramp = BeltTrack()
    ramp.append(bt, bt.copy())  # v = t: integral from 1 to 3 = (9 - 1) / 2 = 4
    assert ramp.displacement(np.array([1.0]), np.array([3.0]))[0] == pytest.approx(4.0)
    # outside the samples or reversed: not measurable
    assert np.isnan(track.displacement(np.array([-1.0, 5.0]), np.array([1.0, 4.0]))).all()
    with pytest.raises(ValueError):
        track.append(np.array([5.0]), np.array([1.0]))


def test_belt_track_drop_before_keeps_later_displacements_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    t = np.cumsum(rng.uniform(0.01, 0.2, 400))
    v = 1.0 + 0.1 * rng.standard_normal(400)
    v[150] = np.nan  # an unusable segment stays unusable after the drop
    full, trimmed = BeltTrack(), BeltTrack()
    for tr in (full, trimmed):
        tr.append(t[:250], v[:250])
    cut = float(t[120] + 0.005)
    assert trimmed.drop_before(cut) == 120  # the sample at or before the cut is kept
    assert trimmed.drop_before(float("nan")) == 0 and trimmed.drop_before(t[0]) == 0
    for tr in (full, trimmed):
        tr.append(t[250:], v[250:])
    assert trimmed.samples()[0][0] == t[120]
    ta = np.linspace(cut, t[-1], 97)
    tb = ta + rng.uniform(0.0, 3.0, ta.size)
    got, want = trimmed.displacement(ta, tb), full.displacement(ta, tb)
    assert np.array_equal(got, want, equal_nan=True)
    assert np.isnan(got).any() and np.isfinite(got).any()
