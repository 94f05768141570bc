"""Fractional Gaussian noise: stride-interval fluctuations with long-range correlations.

Healthy stride intervals are not white noise: their detrended fluctuation analysis (DFA)
exponent alpha is about 0.85 in young adults and 0.6-0.7 in the elderly and in Parkinson's
disease (Hausdorff 1995, 1997). For fractional Gaussian noise with Hurst exponent H, DFA-1
measures alpha = H, so the generator takes the target alpha directly.

Exact synthesis by circulant embedding (Davies & Harte 1987; Dietrich & Newsam 1997): the
autocovariance of fGn embeds in a circulant matrix whose eigenvalues are non-negative for
every 0 < H < 1, so one FFT of complex Gaussian noise gives an exact sample.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError

MIN_ALPHA = 0.05
MAX_ALPHA = 0.99


def check_alpha(alpha: float) -> float:
    """Return ``alpha`` if fGn can have it as its DFA exponent, else raise InputError."""
    if not (MIN_ALPHA <= alpha <= MAX_ALPHA) or not np.isfinite(alpha):
        raise InputError(
            f"DFA alpha {alpha!r} is outside {MIN_ALPHA}..{MAX_ALPHA}",
            fix="give a stride-interval alpha such as 0.85 (healthy) or 0.65 (elderly)",
        )
    return float(alpha)


def fgn_autocovariance(hurst: float, n: int) -> NDArray[np.float64]:
    """Autocovariance of unit-variance fGn at lags 0..n-1."""
    k = np.arange(n, dtype=np.float64)
    h2 = 2.0 * hurst
    return 0.5 * (np.abs(k + 1) ** h2 - 2.0 * np.abs(k) ** h2 + np.abs(k - 1) ** h2)


def fgn(n: int, alpha: float, rng: np.random.Generator) -> NDArray[np.float64]:
    """``n`` samples of zero-mean, unit-variance fGn whose DFA exponent is ``alpha``."""
    if n < 1:
        raise InputError(f"cannot generate {n} noise samples", fix="ask for at least one")
    hurst = check_alpha(alpha)
    if n == 1:
        return rng.standard_normal(1)
    gamma = fgn_autocovariance(hurst, n + 1)
    row = np.concatenate([gamma, gamma[-2:0:-1]])  # first row of the 2n circulant
    eig = np.fft.fft(row).real
    eig = np.clip(eig, 0.0, None)  # non-negative in theory; clip rounding errors
    m = row.shape[0]
    z = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    x = np.fft.fft(np.sqrt(eig / m) * z)
    return np.asarray(x.real[:n], dtype=np.float64)


def fgn_stream(alpha: float, rng: np.random.Generator, block: int = 4096) -> Iterator[float]:
    """Endless fGn for open-ended walks: exact within each ``block``, blocks independent.

    A block of 4096 strides is over an hour of walking, longer than any scale DFA uses.
    """
    check_alpha(alpha)
    while True:
        yield from (float(v) for v in fgn(block, alpha, rng))
