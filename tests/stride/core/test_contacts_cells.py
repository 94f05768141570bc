"""The contact scan's vector paths for eight float32 cells a foot (``cell_rows``: a run's
summary four rows at a time; ``cell_walk``: the one-by-one walk, a row's tests in one
vector) against plain loops and, through the scan, against the plain-Python reference:
simulated insole sessions, levels held at the envelopes' thresholds, signed zeros, values
off the sums' grid, NaN and infinities, lost samples."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from contacts_reference import same_as_reference
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numba import njit

from stride.core._contact_cells import CELLS, adjacent, cell_rows, cell_walk
from stride.core.contacts import ContactParams
from stride.core.signals import Channel, GaitSignals

BIG = 1.7976931348623157e308
PLACES = ("heel", "heel", "mid", "lateral", "lateral", "medial", "toe", "toe")


def _nan_extreme(extreme: Any, v: np.ndarray) -> float:
    """``np.nanmin``/``np.nanmax`` of ``v``, NaN (a bound no value meets) where every value
    is NaN, without numpy's warning for an all-NaN slice."""
    return float(extreme(v)) if (v == v).any() else np.nan


@njit
def _rows_kernel(
    x: np.ndarray, c0: int, a: int, b: int, acc: float, keep: bool, cq: np.ndarray
) -> tuple[float, ...]:
    return cell_rows(x, c0, a, b, acc, keep, cq)


def _rows(x: np.ndarray, c0: int, a: int, b: int, acc: float, keep: bool) -> list[float]:
    """``cell_rows`` as the plain loop's list: each cell's minimum, then maximum, then the
    sums' extremes and the sum (the cells' bounds in ``cq`` left alone)."""
    cq = np.full((4, CELLS), 7.0)
    got = _rows_kernel(x, c0, a, b, acc, keep, cq)
    assert (cq[:2] == 7.0).all()
    return [*cq[2], *cq[3], *got]


@njit
def _walk_kernel(
    x: np.ndarray, c0: int, a: int, b: int, cq: np.ndarray, lo: float, hi: float, ac: float,
    ad: float,
) -> tuple[float, ...]:  # fmt: skip
    return cell_walk(x, c0, a, b, cq, lo, hi, ac, ad)


def _walk(
    x: np.ndarray, c0: int, a: int, b: int, qb: np.ndarray, lo: float, hi: float, ac: float,
    ad: float,
) -> list[float]:  # fmt: skip
    """``cell_walk`` as the plain walk's list: the row where it stopped, each cell's
    minimum, then maximum, the sums' extremes, the two sums (the bounds left alone;
    ``qb``: a cell a row, its bounds in columns 0 and 1, as the plain walk takes them)."""
    q = np.ascontiguousarray(qb.T)
    got = _walk_kernel(x, c0, a, b, q, lo, hi, ac, ad)
    assert np.array_equal(q[:2], qb[:, :2].T, equal_nan=True)
    return [got[0], *q[2], *q[3], *got[1:]]


@njit
def _adjacent(cols: np.ndarray, column_bytes: int) -> bool:
    return adjacent(cols, column_bytes)


def _bits(v: float) -> bytes:
    return np.float64(v).tobytes()


def _plain_rows(x: np.ndarray, c0: int, a: int, b: int, acc: float) -> list[float]:
    """The scan's generic summary: each cell's extremes and the sums' (in row order, the
    first of equal values kept), then one chain of the rows' sums from ``acc``."""
    mins, maxs = [BIG] * CELLS, [-BIG] * CELLS
    lo, hi = BIG, -BIG
    for j in range(a, b):
        sv = 0.0
        for k in range(CELLS):
            v = float(x[j, c0 + k])
            sv += v
            mins[k] = v if v < mins[k] else mins[k]
            maxs[k] = v if v > maxs[k] else maxs[k]
        lo = sv if sv < lo else lo
        hi = sv if sv > hi else hi
        acc += sv
    return [*mins, *maxs, lo, hi, acc]


def _cells(rng: np.random.Generator, n: int, scale: float, width: int) -> np.ndarray:
    x = (rng.integers(-20, 3000, (n, width)) * scale).astype(np.float32)
    return x


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 60),
    st.integers(0, 8),
    st.sampled_from([0.3, 2.0**-7, 1e-3, 3.3e4, 1.0]),
    # sums past the exact range too (2**46 + 0.5: on the grid, but rounding)
    st.sampled_from(
        [0.0, -0.0, 123.25, 1e-12, 5e5, 2.0**21, -3.0e6, float(np.float32(0.3)), 2.0**46 + 0.5]
    ),
    st.integers(0, 2**31),
)
def test_cell_rows_equal_the_scalar_loop(
    n: int, c0: int, scale: float, acc: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = _cells(rng, n + 3, scale, 16)
    if seed % 3 == 0:  # values off the sums' grid, of many magnitudes: their sums round
        wide = rng.uniform(-1, 1, x.shape) * 10.0 ** rng.integers(-8, 4, x.shape)
        x[::2] = wide[::2].astype(np.float32)
    if seed % 5 == 0:  # zeros of both signs: the first one seen decides an extreme's sign
        x[rng.integers(0, n + 3, 9), rng.integers(0, 16, 9)] = 0.0
        x[rng.integers(0, n + 3, 9), rng.integers(0, 16, 9)] = -0.0
    if seed % 7 == 0:  # a cell at zero throughout, its signs mixed
        x[:, c0 + seed % CELLS] = rng.choice(np.array([0.0, -0.0], np.float32), n + 3)
    got = _rows(x, c0, 1, 1 + n, acc, True)
    want = _plain_rows(x, c0, 1, 1 + n, acc)
    assert [_bits(v) for v in got] == [_bits(v) for v in want]
    # without keep: the sum only shows whether a sample is NaN
    assert _rows(x, c0, 1, 1 + n, acc, False)[18] == _rows(x, c0, 1, 1 + n, acc, False)[18]


def test_nan_and_inf_show_in_the_rows_sum() -> None:
    x = np.full((11, 8), 3.0, np.float32)
    x[6, 5] = np.nan
    for keep in (True, False):
        assert np.isnan(_rows(x, 0, 0, 11, 0.0, keep)[18])
    for bad in (np.inf, -np.inf):
        x[6, 5] = bad
        got = _rows(x, 0, 0, 11, 7.5, True)
        assert _bits(got[18]) == _bits(_plain_rows(x, 0, 0, 11, 7.5)[18])
        assert got[17 if bad > 0 else 16] == bad  # the quiet bounds never admit it


def _plain_walk(
    x: np.ndarray, c0: int, a: int, b: int, qb: np.ndarray, lo: float, hi: float, ac: float,
    ad: float,
) -> list[float]:  # fmt: skip
    """The scan's generic walk: rows taken while every cell and the sum are within bounds."""
    mins, maxs = [BIG] * CELLS, [-BIG] * CELLS
    rmin, rmax = BIG, -BIG
    j = a
    while j < b:
        vs = [float(x[j, c0 + k]) for k in range(CELLS)]
        sv = 0.0
        for v in vs:
            sv += v
        inside = all(qb[k, 0] < v <= qb[k, 1] for k, v in enumerate(vs))
        if not (inside and lo < sv <= hi):
            break
        for k, v in enumerate(vs):
            mins[k] = v if v < mins[k] else mins[k]
            maxs[k] = v if v > maxs[k] else maxs[k]
        rmin = sv if sv < rmin else rmin
        rmax = sv if sv > rmax else rmax
        ac += sv
        ad += sv
        j += 1
    return [float(j), *mins, *maxs, rmin, rmax, ac, ad]


@settings(max_examples=150, deadline=None)
@given(
    st.integers(1, 40),
    st.integers(0, 8),
    st.sampled_from([0.3, 1e-3, 1.0]),
    st.integers(0, 2**31),
    st.sampled_from(["none", "nan", "inf", "zeros"]),
)
def test_cell_walk_equals_the_scalar_walk(
    n: int, c0: int, scale: float, seed: int, oddity: str
) -> None:
    rng = np.random.default_rng(seed)
    x = _cells(rng, n + 2, scale, 16)
    if oddity == "nan":
        x[rng.integers(1, n + 2), rng.integers(0, 16)] = np.nan
    elif oddity == "inf":
        x[rng.integers(1, n + 2), rng.integers(0, 16)] = rng.choice([np.inf, -np.inf])
    elif oddity == "zeros":
        x[rng.integers(0, n + 2, 12), rng.integers(0, 16, 12)] = -0.0
        x[rng.integers(0, n + 2, 12), rng.integers(0, 16, 12)] = 0.0
    # bounds that most rows meet, some not, some equal to a value (lo < v <= hi): the walk
    # stops at the first row that is not within them
    cells = x[1 : 1 + n, c0 : c0 + CELLS].astype(np.float64)
    sums = np.zeros(n)
    for k in range(CELLS):
        sums += cells[:, k]
    qb = np.zeros((CELLS, 4))
    for k in range(CELLS):
        some = cells[rng.integers(0, n), k]
        qb[k, 0] = rng.choice([-BIG, -1.0 * scale, _nan_extreme(np.nanmin, cells[:, k]), some])
        qb[k, 1] = rng.choice([BIG, 2990.0 * scale, _nan_extreme(np.nanmax, cells[:, k]), some])
    lo = float(rng.choice([-BIG, 0.0, _nan_extreme(np.nanmin, sums)]))
    hi = float(rng.choice([BIG, 20000.0 * scale, _nan_extreme(np.nanmax, sums)]))
    ac, ad = float(rng.choice([0.0, -0.0, 17.3])), float(rng.choice([0.0, 1e6, 0.1]))
    got = _walk(x, c0, 1, 1 + n, qb, lo, hi, ac, ad)
    want = _plain_walk(x, c0, 1, 1 + n, qb, lo, hi, ac, ad)
    taken = int(want[0]) > 1
    assert got[0] == want[0]
    if taken:  # (no row taken: the scan commits nothing, the extremes are not read)
        assert [_bits(v) for v in got[1:]] == [_bits(v) for v in want[1:]]
    else:
        assert [_bits(v) for v in got[19:]] == [_bits(v) for v in want[19:]]


def test_only_eight_adjacent_cells_take_the_vector_paths() -> None:
    assert _adjacent(np.arange(8, 16), 4)
    assert not _adjacent(np.arange(8, 16), 8)  # not C-contiguous
    assert not _adjacent(np.array([0, 1, 2, 3, 4, 5, 7, 6]), 4)
    assert not _adjacent(np.arange(7), 4)


def _insole(x: np.ndarray, fs: float = 1000.0) -> GaitSignals:
    t = np.arange(x.shape[0]) / fs
    sides = ("L", "R")[: x.shape[1] // CELLS]
    chans = tuple(Channel(s, p) for s in sides for p in PLACES)  # type: ignore[arg-type]
    return GaitSignals(t, x, chans, fs)


@pytest.mark.parametrize("profile", ["healthy", "huntington:0.6", "parkinsonian"])
def test_simulated_insole_sessions_equal_the_reference(profile: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from benchmarks.realistic import simulated

    sig = simulated(profile, "insole8", 0.25, seed=5)
    # scaled to newtons as a reader does: float32, not whole numbers
    x = (np.asarray(sig.forces, np.float64) * 0.3 - 1.5).astype(np.float32)
    sig = GaitSignals(sig.t, x, sig.channels, sig.fs)
    for side in ("L", "R"):
        assert same_as_reference(sig, side, ContactParams()) >= 10


def _steps(rng: np.random.Generator, n: int, scale: float) -> np.ndarray:
    """Eight cells of a walk (contacts of 0.6 s every second, each cell loaded over part
    of it), in units of ``scale``: 16 columns, the left foot's then the right's."""
    t = np.arange(n) / 1000.0
    cols = []
    for k in range(2 * CELLS):
        phase = (t + 0.5 * (k >= CELLS)) % 1.0
        a, b = 0.05 * (k % CELLS), 0.3 + 0.04 * (k % CELLS)
        cols.append(((phase > a) & (phase < b)) * 200.0 + rng.integers(-3, 4, n))
    return (np.stack(cols, 1) * scale).astype(np.float32)


@pytest.mark.parametrize("scale", [0.3, 1e-3, 40.0])  # on the grid; off it; sums past 2**21
@pytest.mark.parametrize("oddity", ["none", "tiny", "negative-zero", "nan", "inf"])
def test_scaled_insole_walks_equal_the_reference(scale: float, oddity: str) -> None:
    rng = np.random.default_rng(11)
    x = _steps(rng, 9000, scale)
    if oddity == "tiny":  # unloaded cells within 1e-6 of zero: sums that round
        quiet = np.abs(x) < 5 * scale
        x[quiet] = rng.uniform(-1e-6, 1e-6, int(quiet.sum())).astype(np.float32)
    elif oddity == "negative-zero":
        x[rng.integers(0, x.shape[0], 900), rng.integers(0, 16, 900)] = -0.0
        x[rng.integers(0, x.shape[0], 900), rng.integers(0, 16, 900)] = 0.0
    elif oddity in ("nan", "inf"):
        x[rng.integers(2000, x.shape[0], 3), rng.integers(0, 16, 3)] = (
            np.nan if oddity == "nan" else np.inf
        )
    sig = _insole(x)
    for side in ("L", "R"):
        assert same_as_reference(sig, side, ContactParams()) >= 5


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(3000, 8990), min_size=1, max_size=12),
    st.sampled_from([0.003, 0.05, 0.4]),
    st.integers(0, 2**31),
)
def test_insole_walks_with_lost_samples_equal_the_reference(
    at: list[int], lost_s: float, seed: int
) -> None:
    """Time gaps (samples lost, the ones after them valid) anywhere in the steps, a cell
    loaded or not across them: every sensor's state starts again after each, whatever its
    bounds were before it (an event's rules on the cells outside their bounds only hold
    while those bounds do)."""
    x = _steps(np.random.default_rng(seed), 9000, 0.3)
    t = np.arange(x.shape[0]) / 1000.0
    for k in sorted(set(at)):
        t[k:] += lost_s
    sig = GaitSignals(t, x, _insole(x).channels, 1000.0)
    for side in ("L", "R"):
        same_as_reference(sig, side, ContactParams())


_walk_levels = [(1.0, 600), (0.0, 400)] * 4  # a few steps first: the levels settle


@settings(max_examples=40, deadline=None)
@example([(1.0, 40), (0.05, 20), (0.17, 100), (1.0, 600), (0.0, 400)], np.full(CELLS, 0.1))
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.05, 0.12, 0.17, 0.3, 0.6, 1.0]), st.integers(1, 200)),
        min_size=3,
        max_size=30,
    ),
    hnp.arrays(np.float64, CELLS, elements=st.sampled_from([0.0, 0.05, 0.1, 0.2, 0.3])),
)
def test_held_levels_of_an_insole_equal_the_reference(
    steps: list[tuple[float, int]], shares: np.ndarray
) -> None:
    """Eight cells held at levels between the envelopes' (after a few steps): quiet runs
    in every state, runs ending at a level's crossing, blocks at the thresholds, cells
    that never load (a share of 0)."""
    f = np.concatenate([np.full(n, level) for level, n in _walk_levels + steps]) * 800.0
    x = f[:, None] * (shares + 0.01)[None, :]
    x = (np.round(x / 0.3) * 0.3).astype(np.float32)  # counts scaled as a reader does
    same_as_reference(_insole(x), "L", ContactParams())


_values = st.one_of(
    st.sampled_from([0.0, -0.0, 5.0, 120.0, np.nan]),
    st.floats(-10, 200, allow_nan=False, width=32),
)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 120), st.just(CELLS)), elements=_values),
    st.integers(min_value=1, max_value=30),
)
def test_random_insole_signals_equal_the_reference(x: np.ndarray, hold: int) -> None:
    """Values held for runs of samples (quiet runs summarised at once), signed zeros,
    NaN anywhere."""
    x = np.repeat(x, hold, axis=0)
    sig = _insole(x, 200.0)
    same_as_reference(sig, "L", ContactParams(min_contact_s=0.02, min_swing_s=0.02))
