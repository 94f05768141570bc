"""A whole record's steps table without gaps in one kernel call
(``stride.core.steps_whole``) against the numpy path of ``side_rows`` it stands for (the
same rows asked for one by one), bit for bit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_steps import Contacts  # type: ignore[import-not-found]

from stride.core.belt import BeltTrack
from stride.core.kernels import _as_python
from stride.core.steps import FLOAT_COLUMNS, StepParams, StepTable, side_rows
from stride.core.steps_whole import whole_rows
from stride.errors import InputError

NO_GAPS = np.zeros(0)
#: values with every special case the columns can hold
_VALUES = st.sampled_from([0.0, -0.0, 0.25, 1.0, 7.5, np.nan, np.inf])
_TOLERANCES = st.sampled_from([0.1, 0.3])
_PLACES = st.sampled_from(
    [["foot"], ["heel", "toe"], ["toe", "heel"], ["heel", "lateral", "medial", "x"], ["heel"]]
)


@contextmanager
def step_kernels_as_python() -> Iterator[None]:
    """Within: the steps table's kernels and the kernels they call run as plain Python
    (their own functions: the reference the compiled kernels must match), also where
    other modules imported them by name."""
    from stride.core import _step_kernels, _step_whole, step_intervals, steps, steps_whole

    with _as_python([_step_kernels, _step_whole]):
        aliases = (step_intervals._k_previous_median_mad, step_intervals._k_intervals,
                   step_intervals._k_reference_series, steps._row_marks,
                   steps_whole._whole_rows)  # fmt: skip
        step_intervals._k_previous_median_mad = _step_kernels._previous_median_mad
        step_intervals._k_intervals = _step_kernels._intervals
        step_intervals._k_reference_series = _step_kernels._reference_series
        steps._row_marks = _step_kernels._row_marks
        steps_whole._whole_rows = _step_whole._whole_rows
        try:
            yield
        finally:
            (step_intervals._k_previous_median_mad, step_intervals._k_intervals,
             step_intervals._k_reference_series, steps._row_marks,
             steps_whole._whole_rows) = aliases  # fmt: skip


@st.composite
def _foot(draw: st.DrawFn, k: int) -> Contacts:
    """Contacts on a coarse grid (ties within and between feet are common), any flags."""
    on = np.sort(np.array(draw(st.lists(st.integers(0, 40), max_size=14))) * 0.25)
    m = on.shape[0]

    def column(values: st.SearchStrategy[float], n: int = m) -> np.ndarray:
        return np.array(draw(st.lists(values, min_size=n, max_size=n)), np.float64)

    def flags(p: float) -> np.ndarray:
        return np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), np.bool_) | (p > 0.5)

    dur = column(st.sampled_from([0.0, 0.25, 0.5, 1.0, 3.0, 4.0, np.nan]))
    onsets = column(st.sampled_from([0.0, 0.005, 0.02, -0.02, np.nan]), m * k).reshape(m, k)
    return Contacts(on, on + dur, flags(0.0), flags(0.0), on[:, None] + onsets,
                    column(_VALUES), column(_VALUES), flags(0.6), flags(0.0),
                    column(st.sampled_from([0.0, 0.3, 0.8, 1.0, np.nan])))  # fmt: skip


@st.composite
def _belt(draw: st.DrawFn) -> BeltTrack | None:
    if draw(st.booleans()):
        return None
    t = np.arange(-1.0, 12.0, 0.05)
    if draw(st.booleans()):  # a silence: an unusable segment
        t = np.concatenate((t[t < 4.0], t[t >= 5.5]))
    speed = np.array(draw(st.lists(st.sampled_from([0.8, 1.0, 1.3]), min_size=4, max_size=4)))
    b = BeltTrack()
    b.append(t, speed[(np.arange(t.shape[0]) // 70) % 4])
    return b


def _numpy_path(
    own: Contacts, other: Contacts, places: list[str], belt: BeltTrack | None, p: StepParams
) -> StepTable:
    """``side_rows`` of every row asked for by index: the path of a stream's rows."""
    rows = np.arange(own.on_t.shape[0], dtype=np.int64)
    return side_rows(own, other, 1, places, 100.0, belt, NO_GAPS, NO_GAPS, p, rows)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Bit for bit: the same values, signs of zero and NaNs, and dtype."""
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _assert_same_table(got: StepTable, want: StepTable) -> None:
    for name in ("side", "contact", "flags", "contact_type", "on_target"):
        assert _same(getattr(got, name), getattr(want, name)), name
    for name in FLOAT_COLUMNS:
        assert _same(got[name], want[name]), name


@settings(max_examples=400, deadline=None)
@given(st.data(), _PLACES, _belt(), st.integers(1, 9), st.integers(0, 5))
def test_a_whole_record_in_one_call_equals_the_numpy_path(
    data: st.DataObject, places: list[str], belt: BeltTrack | None, ref: int, least: int
) -> None:
    own, other = data.draw(_foot(len(places))), data.draw(_foot(2))
    longest, tolerance = data.draw(st.sampled_from([1.2, 3.0])), data.draw(_TOLERANCES)
    p = StepParams(ref_strides=ref, min_ref_strides=least, max_stride_s=longest,
                   turn_tolerance=tolerance)  # fmt: skip
    limits = (p.max_stride_s, p.stop_factor, p.turn_tolerance, p.flat_s)
    # the kernel is called (not the numpy path's fallback)
    assert whole_rows(own, other, places, 100.0, belt, ref, least, limits) is not None
    got = side_rows(own, other, 1, places, 100.0, belt, NO_GAPS, NO_GAPS, p)
    _assert_same_table(got, _numpy_path(own, other, places, belt, p))


@settings(max_examples=40, deadline=None)
@given(st.data(), _PLACES, _belt())
def test_the_kernel_run_as_python_gives_the_same_rows(
    data: st.DataObject, places: list[str], belt: BeltTrack | None
) -> None:
    """The kernels' own Python functions (``step_kernels_as_python``) give the rows the
    compiled kernels give."""
    own, other = data.draw(_foot(len(places))), data.draw(_foot(2))
    p = StepParams()
    want = side_rows(own, other, 0, places, 100.0, belt, NO_GAPS, NO_GAPS, p)
    with step_kernels_as_python():
        got = side_rows(own, other, 0, places, 100.0, belt, NO_GAPS, NO_GAPS, p)
    _assert_same_table(got, want)


def test_arrays_that_do_not_fit_take_the_numpy_path_and_its_errors() -> None:
    on = np.arange(5.0)
    ones = np.ones(5, np.bool_)
    own = Contacts(on, on + 0.6, ones, ~ones, on[:, None], on, on, ones, ones, np.ones(5))
    limits = (3.0, 2.0, 0.3, 0.01)
    assert whole_rows(own, own, ["foot"], 100.0, None, 8, 3, limits) is not None
    short = Contacts(on, on[:4], ones, ~ones, on[:, None], on, on, ones, ones, np.ones(5))
    assert whole_rows(short, own, ["foot"], 100.0, None, 8, 3, limits) is None
    few = Contacts(on, on + 0.6, ones, ~ones, on[:3, None], on, on, ones, ones, np.ones(5))
    assert whole_rows(few, own, ["foot"], 100.0, None, 8, 3, limits) is None
    with pytest.raises(IndexError):  # the numpy path's roll-over says so
        side_rows(few, own, 0, ["foot"], 100.0, None, NO_GAPS, NO_GAPS, StepParams())
    assert whole_rows(own, own, ["foot"], 100.0, None, 0, 3, limits) is None
    with pytest.raises(InputError):
        side_rows(own, own, 0, ["foot"], 100.0, None, NO_GAPS, NO_GAPS, StepParams(ref_strides=0))


@pytest.mark.parametrize("cached", [False, True])
def test_a_first_run_makes_a_whole_record_s_rows_without_its_kernel(
    monkeypatch: pytest.MonkeyPatch, cached: bool
) -> None:
    """On an empty numba cache the kernel is not compiled for one record (seconds): the
    steps table's kernels one by one make its rows; once cached, the kernel is called."""
    import types

    from stride.core import kernels, steps, steps_whole

    on, yes = np.arange(12) * 1.1, np.ones(12, np.bool_)
    own = Contacts(on, on + 0.7, yes, ~yes, on[:, None], on * 0 + 5.0, on * 0 + 9.0, yes,
                   yes, on * 0 + 0.9)  # fmt: skip
    want = _numpy_path(own, own, ["foot"], None, StepParams())
    # the kernel neither compiled in this process nor (as mocked) in numba's cache
    monkeypatch.setattr(steps_whole, "_whole_rows", types.SimpleNamespace(overloads={}))
    monkeypatch.setattr(steps_whole, "_missing", False)
    monkeypatch.setattr(kernels, "whole_rows_ready", lambda: cached)
    called = []

    def kernel(*args: object) -> None:
        called.append(args)
        return None  # the numpy path from here: the rows are checked all the same

    monkeypatch.setattr(steps, "whole_rows", kernel)
    for _ in range(2):  # the cache asked once a process
        got = side_rows(own, own, 1, ["foot"], 100.0, None, NO_GAPS, NO_GAPS, StepParams())
        _assert_same_table(got, want)
    assert len(called) == (2 if cached else 0)
    assert steps_whole._missing is not cached
