"""Fractional Gaussian noise: exact covariance, and the DFA alpha it is generated for."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import ArrayLike

from devices.errors import InputError
from sim.fgn import fgn, fgn_autocovariance, fgn_stream


def test_autocovariance_golden_values() -> None:
    assert np.allclose(fgn_autocovariance(0.5, 3), [1.0, 0.0, 0.0])
    # H = 0.75: gamma(1) = (2^1.5 - 2) / 2 = 0.41421, gamma(2) = (3^1.5 - 2*2^1.5 + 1) / 2
    g = fgn_autocovariance(0.75, 3)
    assert g[1] == pytest.approx(0.414214, abs=1e-6)
    assert g[2] == pytest.approx(0.5 * (3**1.5 - 2 * 2**1.5 + 1), abs=1e-12)


def test_sample_covariance_matches_theory() -> None:
    rng = np.random.default_rng(1)
    x = np.stack([fgn(64, 0.8, rng) for _ in range(3000)])
    emp = np.array([np.mean(x[:, : -k or None] * x[:, k:]) for k in range(4)])
    assert np.allclose(emp, fgn_autocovariance(0.8, 4), atol=0.03)


@pytest.mark.parametrize("alpha", [0.5, 0.65, 0.85, 0.99])
def test_600_samples_measure_their_alpha(
    alpha: float, nolds_dfa: Callable[[ArrayLike], float], dfa: Callable[..., float]
) -> None:
    """The issue's requirement, per series; over 8 seeds the mean sits within 0.04."""
    ours, theirs = [], []
    for seed in range(8):
        x = fgn(600, alpha, np.random.default_rng(seed))
        ours.append(dfa(x))
        theirs.append(nolds_dfa(x))
    assert abs(np.mean(ours) - alpha) < 0.04
    assert abs(np.mean(theirs) - alpha) < 0.04
    assert np.median(np.abs(np.array(ours) - alpha)) < 0.08
    # Our reference and nolds agree on the same series.
    assert np.max(np.abs(np.array(ours) - np.array(theirs))) < 0.08


def test_anti_persistent_noise_measures_below_half(dfa: Callable[..., float]) -> None:
    """DFA-1 over-reads alpha < 0.5 at short scales (by about 0.05 at 600 samples)."""
    vals = [dfa(fgn(600, 0.3, np.random.default_rng(s))) for s in range(8)]
    assert 0.3 < np.mean(vals) < 0.42


def test_dfa_reference_on_white_and_shuffled_noise(dfa: Callable[..., float]) -> None:
    rng = np.random.default_rng(3)
    assert dfa(rng.standard_normal(2000)) == pytest.approx(0.5, abs=0.06)
    x = fgn(2000, 0.9, rng)
    assert dfa(x) > 0.8
    assert dfa(rng.permutation(x)) == pytest.approx(0.5, abs=0.08)
    # A random walk (integrated white noise) has alpha 1.5.
    assert dfa(np.cumsum(rng.standard_normal(2000))) == pytest.approx(1.5, abs=0.08)


def test_stream_continues_past_a_block() -> None:
    it = fgn_stream(0.85, np.random.default_rng(0), block=16)
    vals = [next(it) for _ in range(40)]
    assert len(set(vals)) == 40


@pytest.mark.parametrize("alpha", [0.0, 1.0, 1.5, -0.2, float("nan")])
def test_alpha_out_of_range_is_refused(alpha: float) -> None:
    with pytest.raises(InputError, match="alpha"):
        fgn(10, alpha, np.random.default_rng(0))


def test_bad_length_is_refused() -> None:
    with pytest.raises(InputError):
        fgn(0, 0.8, np.random.default_rng(0))
    assert fgn(1, 0.8, np.random.default_rng(0)).shape == (1,)
