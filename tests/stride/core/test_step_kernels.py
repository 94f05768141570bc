"""The steps table's intervals, references and flags kernels against the whole-array
numpy versions they replaced."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from steps_reference import intervals_reference, references_reference, row_marks_reference

from stride.core.step_intervals import Feet, intervals, other_before, references, span
from stride.core.steps import StepParams, _marks

#: contact times on a coarse grid, so ties between and within feet are common
_TIMES = st.lists(st.integers(0, 40), max_size=12).map(lambda v: np.sort(np.array(v) * 0.25))


@st.composite
def _feet(draw: st.DrawFn) -> Feet:
    def foot() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        on = draw(_TIMES)
        n = on.shape[0]
        dur = np.array(draw(st.lists(st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0, np.nan]),
                                     min_size=n, max_size=n)))  # fmt: skip
        seen = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), np.bool_)
        return on, on + dur, seen

    on, off, seen = foot()
    on_o, off_o, seen_o = foot()
    return Feet(on, off, seen, on_o, off_o, seen_o)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit: the same values, signs of zero and NaNs."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@settings(max_examples=400, deadline=None)
@given(_feet(), st.data())
def test_intervals_equal_the_whole_array_version(f: Feet, data: st.DataObject) -> None:
    m = f.on.shape[0]
    rows = st.lists(st.integers(0, max(m - 1, 0)), max_size=3 * m if m else 0)
    j = np.array(data.draw(rows), np.int64)
    if data.draw(st.booleans()) and m:
        j = np.arange(m, dtype=np.int64)
    before = None
    if data.draw(st.booleans()):
        before = other_before(f, 0, m)[j]
    got, want = intervals(f, j, before), intervals_reference(f, j, before)
    for name, a, b in zip(got._fields, got, want, strict=True):
        assert _same(np.asarray(a), np.asarray(b)), name


def test_rows_outside_the_contacts_are_refused() -> None:
    z = np.zeros(2)
    f = Feet(z, z, np.ones(2, np.bool_), z, z, np.ones(2, np.bool_))
    with pytest.raises(IndexError):
        intervals(f, np.array([2]))
    with pytest.raises(IndexError):
        intervals(f, np.array([-1]))


#: times, lengths and references about the limits: equal to them, NaN, infinite, zero
_VALUE = st.sampled_from([0.0, -0.0, 0.3, 0.5, 0.55, 1.0, 1.1, 1.3, 1.5, 2.0, 2.2, 3.0, 3.5,
                          6.0, np.nan, np.inf, -np.inf]) | st.floats(-1.0, 8.0)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.integers(0, 12), st.data())
def test_flags_and_pauses_equal_the_whole_array_version(n: int, data: st.DataObject) -> None:
    def column() -> np.ndarray:
        return np.array(data.draw(st.lists(_VALUE, min_size=n, max_size=n)), np.float64)

    def mask() -> np.ndarray:
        return np.array(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)), np.bool_)

    times, lengths = (column(), column(), column()), (column(), column())
    refs, masks = (column(), column(), column()), (mask(), mask(), mask())
    params = StepParams(*data.draw(st.tuples(st.sampled_from([1.5, 2.0, 3.0]),
                                             st.sampled_from([1.5, 2.0]),
                                             st.sampled_from([0.1, 0.3, 0.5]))))  # fmt: skip
    flags, out, *_ = _marks(times, lengths, refs, masks, params)
    want_flags, want = row_marks_reference(times, lengths, refs, masks, params)
    assert _same(flags, want_flags)
    assert _same(out, want)


def test_columns_of_other_lengths_are_refused() -> None:
    one, two = np.zeros(1), np.zeros(2)
    mask = np.zeros(1, np.bool_)
    with pytest.raises(ValueError):
        _marks((one, one, one), (one, two), (one, one, one), (mask, mask, mask), StepParams())


@settings(max_examples=300, deadline=None)
@given(_feet(), st.data())
def test_references_equal_the_whole_array_version(f: Feet, data: st.DataObject) -> None:
    m = f.on.shape[0]
    j = np.array(data.draw(st.lists(st.integers(0, max(m - 1, 0)), max_size=m)), np.int64)
    gaps = np.array(data.draw(st.lists(st.sampled_from([0.5, 1.1, 2.0, 4.75]), max_size=2)))
    starts, ends = np.sort(gaps), np.sort(gaps) + 0.3
    k, min_count = data.draw(st.sampled_from([(1, 1), (2, 1), (3, 2), (8, 3)]))
    before = None
    if data.draw(st.booleans()):
        before = other_before(f, *span(j, k))
    got = references(f, j, starts, ends, k, min_count, before)
    want = references_reference(f, j, starts, ends, k, min_count, before)
    for a, b in zip(got, want, strict=True):
        assert _same(a, b)


def test_counts_of_the_other_foot_beyond_it_are_refused() -> None:
    z = np.zeros(2)
    f = Feet(z, z, np.ones(2, np.bool_), z, z, np.ones(2, np.bool_))
    with pytest.raises(ValueError):
        references(f, np.array([0, 1]), np.zeros(0), np.zeros(0), 8, 3, np.array([0, 3]))
