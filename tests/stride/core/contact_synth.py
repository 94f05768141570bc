"""Synthetic foot forces with known contact times, for the contact-detection tests.

Each stance is a smooth double hump (heel peak, mid-stance dip, push-off peak) with ramps of
``ramp_s``; the true contact is where the force leaves zero. Baseline, gain and noise are
set per call, so tests can check what the detector must not depend on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


@dataclass
class Truth:
    on: NDArray[np.float64]  # true contact starts (s)
    off: NDArray[np.float64]  # true contact ends (s)


def stance_shape(u: NDArray[np.float64], ramp: float, dip: float = 0.35) -> NDArray[np.float64]:
    """Force over a stance of unit length at phase ``u`` in [0, 1] (0 outside)."""
    up = np.clip(u / ramp, 0, 1)
    down = np.clip((1 - u) / ramp, 0, 1)
    env = np.sin(0.5 * np.pi * up) ** 2 * np.sin(0.5 * np.pi * down) ** 2
    hump = 1.0 - dip * np.sin(np.pi * np.clip(u, 0, 1)) ** 2
    return np.where((u > 0) & (u < 1), env * hump, 0.0)


def foot_force(
    rng: np.random.Generator,
    duration: float,
    fs: float,
    *,
    stride: float = 1.1,
    stance_frac: float = 0.62,
    phase: float = 0.3,
    ramp_s: float = 0.06,
    jitter: float = 0.02,
) -> tuple[NDArray[np.float64], NDArray[np.float64], Truth]:
    """(t, unit force, truth) for one foot walking steadily."""
    n = round(duration * fs)
    t = np.arange(n) / fs
    f = np.zeros(n)
    ons, offs = [], []
    start = phase
    while start < duration:
        st = stride * (1 + jitter * rng.standard_normal())
        stance = st * stance_frac
        m = (t >= start) & (t <= start + stance)
        f[m] = stance_shape((t[m] - start) / stance, ramp_s / stance)
        ons.append(start)
        offs.append(start + stance)
        start += st
    return t, f, Truth(np.array(ons), np.array(offs))


def adc(
    f: NDArray[np.float64],
    rng: np.random.Generator,
    *,
    base: float = -1900.0,
    gain: float = 2200.0,
    noise: float = 2.0,
    drift: float = 0.0,
    bits: int = 12,
) -> NDArray[np.int16]:
    """A force as a saturating signed ADC would read it (baseline, gain, drift, noise)."""
    n = f.shape[0]
    y = base + drift * np.linspace(0, 1, n) + gain * f + noise * rng.standard_normal(n)
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return np.clip(np.round(y), lo, hi).astype(np.int16)
