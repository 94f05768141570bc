"""An insole's per-sensor rules in vectors (``_contact_cellstate``: the eight cells' quiet
bounds, a row's test against them, a run's extremes against them, a run's commit, an
event's cells outside their bounds and its running values, a row's sum) against
the scan's loops over the sensors, written out plainly: bit for bit, for every load state,
unusable levels (0 or NaN), signed zeros, ties at a bound, NaN and infinities."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numba import njit

from stride.core import _contact_layout as lay
from stride.core import _contact_state as k
from stride.core._contact_cellstate import (
    CELLS,
    cell_bounds,
    cell_commit,
    cell_inside,
    cell_outside,
    cell_step,
    cell_sum,
    cells_within,
)
from stride.core._contact_layout import N_T, PAGE, column

BIG = k.BIG


@njit
def _bounds(tr: np.ndarray, cq: np.ndarray) -> None:
    cell_bounds(tr, column(np.int64(0)), cq)


@njit
def _inside(x: np.ndarray, c0: int, j: int, cq: np.ndarray, lo: float, hi: float) -> bool:
    return cell_inside(x, c0, j, cq, lo, hi)


@njit
def _within(cq: np.ndarray) -> bool:
    return cells_within(cq)


@njit
def _commit(tr: np.ndarray, x: np.ndarray, c0: int, last: int, cq: np.ndarray, m: int) -> float:
    return cell_commit(tr, column(np.int64(0)), x, c0, last, cq, m)


@njit
def _outside(x: np.ndarray, c0: int, j: int, cq: np.ndarray) -> int:
    return cell_outside(x, c0, j, cq)


@njit
def _sum(x: np.ndarray, c0: int, j: int) -> float:
    return cell_sum(x, c0, j)


@njit
def _step(tr: np.ndarray, x: np.ndarray, c0: int, j: int) -> None:
    cell_step(tr, column(np.int64(0)), x, c0, j)


def _at(sensor: int, field: int) -> int:
    return N_T + sensor + PAGE * field


def _plain_bounds(tr: np.ndarray) -> np.ndarray:
    """The scan's loop: each sensor's bounds in a quiet run (a sensor a column)."""
    qb = np.zeros((2, CELLS))
    for s in range(CELLS):
        ok = tr[_at(s, lay.T_OK)] != 0.0
        ld = tr[_at(s, lay.T_LOADED)]
        held = ok and ld == k.LOADED
        free = ld == k.UNLOADED and tr[_at(s, lay.T_PRE)] == 0.0
        s_on = tr[_at(s, lay.T_OFF)]
        s_low = tr[_at(s, lay.T_LOW)]
        qb[0, s] = s_low if held else (-BIG if (not ok) or free else s_on)
        qb[1, s] = BIG if (not ok) or held else (s_on if free else s_low)
    return qb


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a, np.float64).tobytes()


_LEVEL = st.one_of(
    st.sampled_from([0.0, -0.0, 1.5, -2.0, np.inf, -np.inf, np.nan]),
    st.floats(-1e6, 1e6, allow_nan=False),
)
_SENSORS = st.lists(
    st.tuples(
        st.sampled_from([0.0, 1.0, np.nan, 0.5]),  # T_OK
        st.sampled_from([k.LOAD_UNKNOWN, k.UNLOADED, k.LOADED, np.nan]),  # T_LOADED
        st.sampled_from([0.0, 1.0, -0.0, np.nan]),  # T_PRE
        _LEVEL,  # T_OFF
        _LEVEL,  # T_LOW
    ),
    min_size=CELLS,
    max_size=CELLS,
)


_FIELDS = (lay.T_OK, lay.T_LOADED, lay.T_PRE, lay.T_OFF, lay.T_LOW)


def _tracker(sensors: list[tuple[float, ...]], seed: int) -> np.ndarray:
    tr = np.random.default_rng(seed).normal(size=N_T + N_T * PAGE)
    for s, fields in enumerate(sensors):
        for field, v in zip(_FIELDS, fields, strict=True):
            tr[_at(s, field)] = v
    return tr


@settings(max_examples=200, deadline=None)
@given(_SENSORS, st.integers(0, 2**31))
def test_cell_bounds_equal_the_loop(sensors: list[tuple[float, ...]], seed: int) -> None:
    tr = _tracker(sensors, seed)
    before = tr.copy()
    cq = np.full((4, CELLS), 7.0)
    _bounds(tr, cq)
    assert _bits(cq[:2]) == _bits(_plain_bounds(tr))
    assert (cq[2:] == 7.0).all()  # the extremes' rows left alone
    assert _bits(tr) == _bits(before)


_CELL = st.one_of(
    st.sampled_from([0.0, -0.0, 3.0, 120.5, np.nan, np.inf, -np.inf]),
    st.floats(-10, 200, allow_nan=False, width=32),
)


_BOUND = st.sampled_from([-BIG, BIG, 0.0, -0.0, 3.0, 50.0, 120.5])
_EXTREME = st.sampled_from([0.0, -0.0, 1.0, 5.0, 200.0, np.inf, -np.inf, np.nan])


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float32, (3, 12), elements=_CELL),
    st.integers(0, 4),
    st.lists(_BOUND, min_size=16, max_size=16),
    st.sampled_from([(-BIG, BIG), (0.0, 400.0), (3.0, 120.5), (-5.0, 0.0)]),
)
def test_cell_inside_equals_the_scans_test(
    x: np.ndarray, c0: int, bounds: list[float], sums: tuple[float, float]
) -> None:
    cq = np.zeros((4, CELLS))
    cq[0], cq[1] = bounds[:CELLS], bounds[CELLS:]
    lo, hi = sums
    for j in range(x.shape[0]):
        se, inside = 0.0, True
        for s in range(CELLS):  # the scan's generic test of a run's last row
            ev = float(x[j, c0 + s])
            se += ev
            if not (ev > cq[0, s] and ev <= cq[1, s]):
                inside = False
        assert _inside(x, c0, j, cq, lo, hi) == (inside and se > lo and se <= hi)


def test_a_row_at_its_bounds() -> None:
    """A cell at its upper bound is inside, at its lower bound outside; the sum likewise."""
    x = np.array([[0.0, -0.0, 3.0, 120.5, 7.25, 1.0, 2.0, 0.5]], np.float32)
    v = x[0].astype(np.float64)
    se = 0.0
    for e in v:
        se += e
    cq = np.zeros((4, CELLS))
    cq[0], cq[1] = v - 1.0, v
    assert _inside(x, 0, 0, cq, se - 1.0, se)
    assert not _inside(x, 0, 0, cq, se, se + 1.0)
    for s in range(CELLS):
        low = cq.copy()
        low[0, s] = v[s]
        assert not _inside(x, 0, 0, low, -BIG, BIG)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float64, (4, CELLS), elements=st.sampled_from(
    [-BIG, BIG, 0.0, -0.0, 1.0, 2.0, np.nan, np.inf])))  # fmt: skip
def test_cells_within_equals_the_scans_test(cq: np.ndarray) -> None:
    want = all(cq[2, s] > cq[0, s] and cq[3, s] <= cq[1, s] for s in range(CELLS))
    assert _within(cq) == want


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float32, (2, 10), elements=_CELL),
    st.integers(0, 2),
    hnp.arrays(np.float64, (2, CELLS), elements=_EXTREME),
    st.integers(0, 2**31),
    st.integers(1, 40),
)
def test_cell_commit_equals_the_loop(
    x: np.ndarray, c0: int, ext: np.ndarray, seed: int, m: int
) -> None:
    rng = np.random.default_rng(seed)
    tr = rng.choice(np.array([0.0, -0.0, 1.0, 5.0, np.inf, -np.inf, 3.0]), N_T + N_T * PAGE)
    cq = np.zeros((4, CELLS))
    cq[2:] = ext
    want = tr.copy()
    s_last = 0.0
    for s in range(CELLS):  # the scan's commit of a quiet run to each sensor
        v = float(x[1, c0 + s])
        s_last += v
        want[_at(s, lay.T_PREV)] = v
        q, t = cq[2, s], want[_at(s, lay.T_BMIN)]
        want[_at(s, lay.T_BMIN)] = q if q < t else t
        q, t = cq[3, s], want[_at(s, lay.T_BMAX)]
        want[_at(s, lay.T_BMAX)] = q if q > t else t
        want[_at(s, lay.T_BCNT)] += m
    got = _commit(tr, x, c0, 1, cq, m)
    assert _bits(np.array([got])) == _bits(np.array([s_last]))
    assert _bits(tr) == _bits(want)


@settings(max_examples=200, deadline=None)
@given(
    hnp.arrays(np.float32, (3, 12), elements=_CELL),
    st.integers(0, 4),
    st.lists(_BOUND, min_size=16, max_size=16),
)
def test_cell_outside_equals_the_scans_test(x: np.ndarray, c0: int, bounds: list[float]) -> None:
    cq = np.zeros((4, CELLS))
    cq[0], cq[1] = bounds[:CELLS], bounds[CELLS:]
    for j in range(x.shape[0]):
        want = 0
        for s in range(CELLS):  # a cell whose value is not in its quiet bounds
            v = float(x[j, c0 + s])
            if not (v > cq[0, s] and v <= cq[1, s]):
                want |= 1 << s
        assert _outside(x, c0, j, cq) == want


def test_cells_at_their_bounds_at_an_event() -> None:
    """A cell at its upper bound is inside (no bit), at its lower bound or NaN outside."""
    x = np.array([[0.0, -0.0, 3.0, 120.5, 7.25, 1.0, np.nan, 0.5]], np.float32)
    cq = np.zeros((4, CELLS))
    cq[0], cq[1] = x[0] - 1.0, x[0]
    assert _outside(x, 0, 0, cq) == 1 << 6
    cq[0, 2] = 3.0
    assert _outside(x, 0, 0, cq) == (1 << 6) | (1 << 2)


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(np.float32, (2, 10), elements=_CELL), st.integers(0, 2), st.integers(0, 2**31))
def test_cell_step_equals_the_loop(x: np.ndarray, c0: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = np.array([0.0, -0.0, 1.0, 5.0, np.inf, -np.inf, 3.0, np.nan])
    tr = rng.choice(values, N_T + N_T * PAGE)
    want = tr.copy()
    for s in range(CELLS):  # the scan's running values of each sensor at an event row
        v = float(x[1, c0 + s])
        want[_at(s, lay.T_PREV)] = v
        t = want[_at(s, lay.T_BMIN)]
        want[_at(s, lay.T_BMIN)] = v if v < t else t
        t = want[_at(s, lay.T_BMAX)]
        want[_at(s, lay.T_BMAX)] = v if v > t else t
        want[_at(s, lay.T_BCNT)] += 1.0
    _step(tr, x, c0, 1)
    assert _bits(tr) == _bits(want)


def test_other_dtypes_take_none_of_it() -> None:
    x = np.ones((2, 8), np.float64)
    cq = np.zeros((4, CELLS))
    tr = np.zeros(N_T + N_T * PAGE)
    assert not _inside(x, 0, 0, cq, -BIG, BIG)
    assert np.isnan(_sum(x, 0, 0))
    assert np.isnan(_commit(tr, x, 0, 0, cq, 1))
    assert _outside(x, 0, 0, cq) == (1 << CELLS) - 1  # every sensor's rules
    _step(tr, x, 0, 0)
    assert (tr == 0.0).all()


def _chain(row: np.ndarray) -> float:
    """The scan's sum of a row: ``0.0 + v0 + ... + v7`` in float64, in cell order."""
    s = 0.0
    for v in row:
        s += float(v)
    return s


def _same_sum(got: float, want: float) -> bool:
    return (got != got and want != want) or _bits(np.array(got)) == _bits(np.array(want))


_BELOW = [float(np.nextafter(np.float32(v), np.float32(0))) for v in (2.0**-5, 2.0**21)]
_EDGES = [2.0**-5, 2.0**21, *_BELOW, 2.0**-40, 1e-45, 2.0**30, 0.3]
#: cells at and about the bounds of the sum by halves (2**-5 and 2**21, subnormals, zeros
#: of both signs), multiples of a reader's scale, any float32, NaN and infinities
_SUM_CELL = st.one_of(
    st.sampled_from([*_EDGES, *(-v for v in _EDGES), 0.0, -0.0, np.nan, np.inf, -np.inf]),
    st.integers(-3000, 3000).map(lambda c: c * 0.3),
    st.floats(-(2.0**24), 2.0**24, width=32),
)


@settings(max_examples=500, deadline=None)
@given(hnp.arrays(np.float32, (2, 11), elements=_SUM_CELL), st.integers(0, 3))
def test_cell_sum_equals_the_chain(x: np.ndarray, c0: int) -> None:
    for j in range(2):
        assert _same_sum(_sum(x, c0, j), _chain(x[j, c0 : c0 + CELLS]))


_BIG25 = 2.0**25 - 2.0
_TINY = 2.0**-5 * (1.0 + 2.0**-23)


def test_cell_sums_that_halves_would_round_or_sign_otherwise() -> None:
    rows = [
        [-0.0] * CELLS,  # halves: -0.0; the chain: 0.0
        [2.0**20, 2.0**-33, 0, 0, -(2.0**20), 2.0**-33, 0, 0],  # the chain rounds
        [2.0**21, 2.0**-5, 0, 0, -(2.0**21), 0, 0, 0],
        [3e38, 3e38, 0, 0, -3e38, -3e38, 0, 0],  # beyond 2**21: the chain
        [_BIG25, _TINY, _BIG25, _TINY, _BIG25, _TINY, _BIG25, _TINY],  # partial sums of 56 bits
    ]
    x = np.array(rows, np.float32)
    for j, row in enumerate(x):
        assert _same_sum(_sum(x, 0, j), _chain(row))
    # and the scan's tests of a row take the same sum: at the chain's value, not the halves'
    cq = np.array([[-np.inf] * CELLS, [np.inf] * CELLS, [0.0] * CELLS, [0.0] * CELLS])
    assert _inside(x, 0, 1, cq, 2.0**-33 - 1e-12, 2.0**-33)
    assert not _inside(x, 0, 1, cq, 2.0**-33, 1.0)
