"""The step-time ratios' running median against a slow, obviously correct reference (one
window at a time, as course mode first computed it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_steps import contacts, table  # type: ignore[import-not-found]

from stride.core.step_ratios import running_median, step_ratios

values = st.lists(
    st.one_of(
        st.floats(0.2, 3.0),
        st.just(float("nan")),
        st.just(float("inf")),
    ),
    max_size=40,
)


def _slow_median(x: np.ndarray, window: int) -> np.ndarray:
    out = np.full(x.size, np.nan)
    for k in range(x.size):
        seg = x[max(0, k - window) : k + window + 1]
        seg = seg[np.isfinite(seg)]
        if seg.size:
            out[k] = float(np.median(seg))
    return out


@settings(max_examples=300, deadline=None)
@given(values, st.integers(0, 6))
def test_running_median_matches_the_window_by_window_reference(xs: list[float], w: int) -> None:
    x = np.array(xs, dtype=np.float64)
    np.testing.assert_array_equal(running_median(x, w), _slow_median(x, w))


def test_running_median_golden_values() -> None:
    x = np.array([1.0, 5.0, np.nan, 2.0, 4.0])
    # windows of one either side: [1,5] [1,5] [5,2] [2,4] [2,4]
    np.testing.assert_array_equal(running_median(x, 1), [3.0, 3.0, 3.5, 3.0, 3.0])


def test_a_slow_step_stands_out_against_its_own_foot_s_neighbours() -> None:
    ics = np.cumsum([0.0] + [0.5] * 10 + [0.9] + [0.5] * 10)
    left, right = contacts(list(ics[0::2]), stance=0.3), contacts(list(ics[1::2]), stance=0.3)
    r = step_ratios(table(left, right))
    assert np.nanargmax(r) == 11 and r[11] == pytest.approx(0.9 / 0.5)
    assert np.nanmax(np.delete(r, 11)) <= 1.0 + 1e-12
