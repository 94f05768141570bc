"""From newtons to ADC counts: gain, baseline and its drift, noise, bouncing contacts,
saturation and quantisation, as a force-sensing-resistor front end does.

Noise levels are named so that sessions and the accuracy table in docs/simulation.md can
refer to them: ``clean`` (ideal), ``nominal`` (a well-built box) and ``noisy`` (poor
wiring, worn sensors).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError

DRIFT_PERIOD_S = 240.0  # baseline drift: a slow sine, a few minutes long


@dataclass(frozen=True)
class SensorNoise:
    """Imperfections of the sensors and the box (counts are ADC counts).

    - ``noise_counts``: white noise SD; ``drift_counts``: amplitude of slow baseline drift
      (temperature, sensor creep), a few minutes' period.
    - ``gain_spread``: per-channel gain error (SD, fraction); the box still reports the
      nominal scale, as an uncalibrated box would.
    - ``bounce_prob``: share of contacts whose first-loaded sensor chatters once (loses load
      for 2-4 ms within the first 10 ms).
    - ``dropout_prob``: share of sample blocks the box loses to buffer overflow (counted in
      STATUS, seen as a time jump).
    - ``clock_ppm``: box crystal error (positive = box clock runs fast).
    """

    noise_counts: float = 2.0
    drift_counts: float = 5.0
    gain_spread: float = 0.03
    bounce_prob: float = 0.0
    dropout_prob: float = 0.0
    clock_ppm: float = 30.0

    def with_(self, **changes: float) -> SensorNoise:
        return replace(self, **changes)


NOISE_LEVELS: dict[str, SensorNoise] = {
    "clean": SensorNoise(0.0, 0.0, 0.0, 0.0, 0.0, 0.0),
    "nominal": SensorNoise(),
    "noisy": SensorNoise(15.0, 40.0, 0.10, 0.10, 0.001, 100.0),
}


def noise_level(name: str) -> SensorNoise:
    try:
        return NOISE_LEVELS[name]
    except KeyError:
        raise InputError(
            f"unknown noise level {name!r}", fix=f"use one of {', '.join(NOISE_LEVELS)}"
        ) from None


@dataclass(frozen=True)
class Adc:
    """The box's converter: ``bits`` resolution, ``offset`` counts at no load, ``scale``
    newtons per count above the offset (what HELLO reports)."""

    bits: int = 12
    offset: int = 150
    scale_n_per_count: float = 0.3

    @property
    def full_scale(self) -> int:
        return (1 << self.bits) - 1


def channel_gains(n: int, noise: SensorNoise, rng: np.random.Generator) -> NDArray[np.float64]:
    """Per-channel true gain relative to nominal (fixed for a session)."""
    return 1.0 + noise.gain_spread * rng.standard_normal(n)


def to_counts(
    force_n: NDArray[np.float64],
    t_true: NDArray[np.float64],
    adc: Adc,
    noise: SensorNoise,
    gains: NDArray[np.float64],
    drift_phase: NDArray[np.float64],
    rng: np.random.Generator,
) -> tuple[NDArray[np.int16], bool]:
    """ADC counts (N, C) int16 for forces (N, C); also whether any sample saturated."""
    x = force_n * (gains / adc.scale_n_per_count)
    x += adc.offset
    if noise.drift_counts:
        # sin(w t + p) = sin(w t) cos p + cos(w t) sin p: two sines per sample, not one per value
        w = 2 * np.pi * t_true[:, None] / DRIFT_PERIOD_S
        x += noise.drift_counts * (
            np.sin(w) * np.cos(drift_phase) + np.cos(w) * np.sin(drift_phase)
        )
    if noise.noise_counts:
        x += noise.noise_counts * rng.standard_normal(x.shape, dtype=np.float32)
    np.rint(x, out=x)
    saturated = bool((x > adc.full_scale).any())
    np.clip(x, 0, adc.full_scale, out=x)
    return x.astype(np.int16), saturated


def bounce(
    force_n: NDArray[np.float64],
    t_true: NDArray[np.float64],
    ics: NDArray[np.float64],
    cols: list[list[int]],
    rng: np.random.Generator,
) -> int:
    """Make the load of each listed contact's columns drop to zero for 2-4 ms once, within
    its first 10 ms (chattering contact). Returns how many contacts bounced."""
    n = 0
    for ic, cc in zip(ics, cols, strict=True):
        start = ic + rng.uniform(0.003, 0.008)
        stop = start + rng.uniform(0.002, 0.004)
        i0, i1 = np.searchsorted(t_true, [start, stop])
        if i1 > i0:
            force_n[i0:i1, cc] = 0.0
            n += 1
    return n
