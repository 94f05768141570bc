"""The rolling-median kernel of the steps table against the window-matrix reference."""

from __future__ import annotations

import numpy as np
import pytest
from steps_reference import previous_median_mad_reference

from stride.core.step_intervals import _previous_median, _previous_median_mad
from stride.errors import InputError


def _series(rng: np.random.Generator, m: int) -> np.ndarray:
    """Stride-like values with NaN, +-inf, repeats and runs of missing values."""
    x = 1.1 + 0.05 * rng.standard_normal(m)
    x[rng.random(m) < 0.15] = np.nan
    x[rng.random(m) < 0.03] = np.inf
    x[rng.random(m) < 0.03] = -np.inf
    x[rng.random(m) < 0.1] = 1.1
    if m > 20:
        x[5:15] = np.nan
    return x


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize(("k", "min_count"), [(1, 0), (1, 1), (2, 1), (3, 3), (8, 3), (8, 0)])
def test_rolling_median_and_mad_equal_reference(seed: int, k: int, min_count: int) -> None:
    rng = np.random.default_rng(seed)
    m = int(rng.choice([1, 2, 5, 9, 40, 500]))
    x = _series(rng, m)
    med, mad = _previous_median_mad(x, k, min_count)
    ref_med, ref_mad = previous_median_mad_reference(x, k, min_count)
    np.testing.assert_array_equal(med, ref_med)  # same operations: bit-identical
    np.testing.assert_array_equal(mad, ref_mad)
    np.testing.assert_array_equal(_previous_median(x, k, min_count), ref_med)


@pytest.mark.parametrize("m", [0, 1, 3, 50])
def test_rolling_median_constant_and_empty(m: int) -> None:
    x = np.full(m, 0.9)
    med, mad = _previous_median_mad(x, 8, 3)
    ref_med, ref_mad = previous_median_mad_reference(x, 8, 3)
    np.testing.assert_array_equal(med, ref_med)
    np.testing.assert_array_equal(mad, ref_mad)
    assert np.all(med[3:] == 0.9) and np.all(mad[3:] == 0.0)  # from the 4th row on


def test_rolling_median_extremes_equal_reference() -> None:
    """Spreads that overflow, signed zeros and runs of equal values."""
    x = np.array([1e308, -1e308, 0.0, -0.0, 5.0, 5.0, 5.0, -1e308, np.inf, 2.0, 2.0, 1e308])
    for k, min_count in ((3, 1), (4, 2), (8, 0)):
        med, mad = _previous_median_mad(x, k, min_count)
        ref_med, ref_mad = previous_median_mad_reference(x, k, min_count)
        np.testing.assert_array_equal(med, ref_med)
        np.testing.assert_array_equal(mad, ref_mad)


def test_rolling_median_golden() -> None:
    x = np.array([1.0, 3.0, np.nan, 2.0, 10.0])
    med, mad = _previous_median_mad(x, 3, 2)
    # rows: [] [1] [1,3] [1,3,nan] [3,nan,2]
    np.testing.assert_array_equal(med, [np.nan, np.nan, 2.0, 2.0, 2.5])
    np.testing.assert_array_equal(mad, [np.nan, np.nan, 1.0, 1.0, 0.5])


def test_rolling_median_rejects_empty_window() -> None:
    with pytest.raises(InputError, match="ref_strides"):
        _previous_median(np.ones(5), 0, 0)
