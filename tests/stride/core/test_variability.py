"""CV golden values; DFA against the independent ``nolds.dfa`` with its defaults."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from variability_reference import dfa_alpha_reference

from stride.core._dfa_kernel import _dfa_fluctuations
from stride.core.variability import (
    coefficient_of_variation,
    dfa_alpha,
    dfa_alpha_of_finite,
    dfa_window_sizes,
)
from stride.errors import InputError


def _nolds_measures() -> ModuleType:
    """nolds.measures without nolds/__init__ (which fails to load its bundled datasets
    on some Python 3.11 builds); the DFA code itself is what we compare with."""
    spec = importlib.util.find_spec("nolds")
    if spec is None or spec.origin is None:
        pytest.fail("nolds is a test dependency (pyproject [test] extra)")
    path = Path(spec.origin).parent / "measures.py"
    mspec = importlib.util.spec_from_file_location("_nolds_measures", path)
    assert mspec is not None and mspec.loader is not None
    mod = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(mod)
    return mod


def test_cv_golden() -> None:
    # 1.0, 1.1, 1.2: mean 1.1, sd 0.1 -> 9.0909 %
    assert coefficient_of_variation([1.0, 1.1, 1.2]) == pytest.approx(9.090909)
    assert coefficient_of_variation([1.0, float("nan"), 1.2]) == pytest.approx(
        100 * math.sqrt(0.02) / 1.1
    )
    assert coefficient_of_variation([1.0]) is None
    assert coefficient_of_variation([2.0, 2.0, 2.0]) == 0.0


def test_window_sizes_match_nolds() -> None:
    measures = _nolds_measures()
    for n in (71, 100, 250, 500, 1234):
        assert dfa_window_sizes(n) == measures.logarithmic_n(4, 0.1 * n, 1.2)


def _fgn(n: int, hurst: float, rng: np.random.Generator) -> np.ndarray:
    """Fractional Gaussian noise by the Davies-Harte method (exact, seeded)."""
    k = np.arange(n + 1)
    gamma = 0.5 * ((k + 1.0) ** (2 * hurst) - 2 * k ** (2 * hurst) + np.abs(k - 1.0) ** (2 * hurst))
    row = np.concatenate([gamma, gamma[-2:0:-1]])
    lam = np.fft.fft(row).real
    lam[lam < 0] = 0
    w = rng.standard_normal(2 * n) + 1j * rng.standard_normal(2 * n)
    return np.asarray(np.fft.fft(np.sqrt(lam / (2 * n)) * w).real[:n])


@pytest.mark.parametrize("hurst", [0.5, 0.75, 0.9])
@pytest.mark.parametrize("n", [120, 400])
def test_dfa_agrees_with_nolds_defaults(hurst: float, n: int, rng: np.random.Generator) -> None:
    measures = _nolds_measures()
    x = 1.1 + 0.03 * _fgn(n, hurst, rng)
    ours = dfa_alpha(x)
    theirs = measures.dfa(x, fit_exp="poly", fit_trend="poly")
    assert ours is not None
    assert abs(ours - theirs) < 0.03
    # it measures what it should: near the generating exponent for long series
    if n == 400:
        assert abs(ours - hurst) < 0.25


def test_dfa_shuffled_is_near_half(rng: np.random.Generator) -> None:
    x = 1.0 + 0.03 * _fgn(600, 0.9, rng)
    shuffled = rng.permutation(x)
    a, b = dfa_alpha(x), dfa_alpha(shuffled)
    assert a is not None and b is not None
    assert a > b + 0.2 and abs(b - 0.5) < 0.2


def test_dfa_needs_enough_points() -> None:
    assert dfa_alpha(np.ones(50)) is None
    # constant series: all fluctuations zero -> no line to fit
    assert dfa_alpha(np.ones(200)) is None


@pytest.mark.parametrize("seed", range(12))
def test_dfa_matches_reference(seed: int) -> None:
    """The kernel gives the reference's alpha on random series: lengths around the
    DFA_MIN_POINTS threshold and long ones, scales from tiny to large, NaNs scattered in."""
    rng = np.random.default_rng(seed)
    n = int(rng.choice([70, 71, 72, 90, 150, 333, 1000, 4000]))
    x = rng.uniform(0.1, 1000.0) + rng.uniform(1e-4, 10.0) * _fgn(n, rng.uniform(0.3, 0.95), rng)
    if seed % 3 == 0:
        x[rng.integers(0, n, size=5)] = rng.choice([np.nan, np.inf, -np.inf])
    ours, ref = dfa_alpha(x), dfa_alpha_reference(x)
    if ref is None:
        assert ours is None
    else:
        assert ours == pytest.approx(ref, rel=1e-9, abs=0.0)


@pytest.mark.parametrize(
    "sizes", [[2, 3], [4, 5, 6], [3, 7, 20, 49], [4, 8, 16, 32, 64, 98], [10, 99], [5, 200]]
)
def test_dfa_given_sizes_match_reference(sizes: list[int], rng: np.random.Generator) -> None:
    """Explicit window sizes, odd and even, up to one short of the series (few windows)."""
    x = 1.1 + 0.03 * rng.standard_normal(100)
    ours, ref = dfa_alpha(x, sizes), dfa_alpha_reference(x, sizes)
    if ref is None:
        assert ours is None
    else:
        assert ours == pytest.approx(ref, rel=1e-9, abs=0.0)


@pytest.mark.parametrize("value", [0.0, 1.0, 0.5, 1.1, 1234.5678])
@pytest.mark.parametrize("n", [0, 1, 70, 71, 500])
def test_dfa_constant_and_short_like_reference(value: float, n: int) -> None:
    """Short series and constant series (no fluctuation) give no alpha, as in the reference."""
    x = np.full(n, value)
    assert dfa_alpha_reference(x) is None
    assert dfa_alpha(x) is None


def test_dfa_all_nan_and_drift_like_reference(rng: np.random.Generator) -> None:
    assert dfa_alpha(np.full(200, np.nan)) is None
    # a slow drift (fatigue): near-linear profile windows, residuals small next to the sums
    x = np.linspace(1.0, 1.3, 800) + 1e-3 * rng.standard_normal(800)
    assert dfa_alpha(x) == pytest.approx(dfa_alpha_reference(x), rel=1e-9, abs=0.0)


def test_dfa_rejects_window_size_below_two() -> None:
    with pytest.raises(InputError, match="at least 2"):
        dfa_alpha(np.arange(100.0), [1, 4])


def _alpha_per_call(x: np.ndarray, sizes: list[int] | None = None) -> float | None:
    """DFA alpha as it was computed before the fit's terms of the sizes were kept: every
    mean by ``ndarray.mean``, the log sizes and their fit terms made on each call."""
    a = np.asarray(x, dtype=np.float64)
    a = a[np.isfinite(a)]
    if sizes is None:
        if a.size < 71:
            return None
        sizes = dfa_window_sizes(a.size)
    if len(sizes) < 2 or max(sizes) >= a.size:
        return None
    walk = np.cumsum(a - a.mean())
    sz = np.asarray(sizes, dtype=np.int64)
    f = _dfa_fluctuations(walk, sz)
    keep = f > 0.0
    if int(keep.sum()) < 2:
        return None
    lx = np.log(sz[keep].astype(np.float64))
    ly = np.log(f[keep])
    lxm = lx.mean()
    return float(((lx - lxm) * (ly - ly.mean())).sum() / ((lx - lxm) ** 2).sum())


@settings(max_examples=150, deadline=None)
@given(
    n=st.integers(0, 700),
    level=st.floats(1e-3, 1e4),
    spread=st.floats(1e-6, 10.0),
    alternating=st.booleans(),
    lost=st.integers(0, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_dfa_bit_for_bit_as_computed_per_call(
    n: int, level: float, spread: float, alternating: bool, lost: int, seed: int
) -> None:
    """The summary's DFA (finite series, fit terms of the sizes kept from call to call)
    and ``dfa_alpha`` give the per-call computation's alpha bit for bit: default sizes
    and given ones (size 2 on an alternating series: windows without fluctuation, so the
    fit keeps only some sizes), series with values that are not finite."""
    rng = np.random.default_rng(seed)
    x = level + spread * rng.standard_normal(n)
    if alternating:
        x = level + spread * (np.arange(n) % 2)
    if n and lost:
        x[rng.integers(0, n, lost)] = rng.choice([np.nan, np.inf, -np.inf], lost)
    want = _alpha_per_call(x)
    assert dfa_alpha(x) == want
    finite = x[np.isfinite(x)]
    assert dfa_alpha_of_finite(finite) == want
    for sizes in ([2, 3, 5], [4, 6, 9, 13]):
        assert dfa_alpha(x, sizes) == _alpha_per_call(x, sizes)
