"""Clock alignment from host receive times: drift, bursty USB delays, outliers."""

from __future__ import annotations

import numpy as np
import pytest

from devices.clock import ClockFit, ClockTracker, fit_clock, map_time
from devices.errors import InputError


def usb_arrivals(
    rng: np.random.Generator, device_s: np.ndarray, drift_ppm: float, offset: float
) -> np.ndarray:
    """Host arrival times: drifted device clock + a 1 ms floor + jitter, in bursts of up
    to 16 frames that all arrive when the last of them is ready."""
    true_host = offset + device_s * (1 + drift_ppm * 1e-6)
    arrive = true_host + 0.001 + rng.exponential(0.002, device_s.size)
    i = 0
    while i < device_s.size:
        n = int(rng.integers(1, 17))
        arrive[i : i + n] = arrive[min(i + n, device_s.size) - 1]
        i += n
    return arrive


@pytest.mark.parametrize("method", ["robust", "envelope"])
@pytest.mark.parametrize("drift", [-80.0, 0.0, 35.0])
def test_drift_and_offset_recovered(rng: np.random.Generator, method: str, drift: float) -> None:
    device = np.arange(0, 600, 0.01) + 1234.0  # 10 minutes of 10 ms frames
    host = usb_arrivals(rng, device, drift, 5000.0)
    fit = fit_clock(device, host, method=method)
    assert fit.drift_ppm == pytest.approx(drift, abs=3.0)
    # The envelope is the fastest delivery: the true clock line + the 1 ms floor.
    want = 5000.0 + device * (1 + drift * 1e-6) + 0.001
    assert np.max(np.abs(fit.to_host(device) - want)) < 0.0015
    assert np.all(host - fit.to_host(device) > -0.0015)
    assert 0 < fit.delay_p50_s < fit.delay_p95_s < 0.2  # bursts of up to 16 frames
    assert np.allclose(fit.to_device(fit.to_host(device)), device)


def test_golden_envelope_on_a_tiny_example() -> None:
    # Points above the line y = 10 + 2x except two that lie on it: the envelope is exact.
    x = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    y = 10 + 2 * x + np.array([0.0, 0.5, 0.3, 0.4, 0.0])
    fit = fit_clock(x, y, method="envelope")
    assert fit.slope == pytest.approx(2.0) and fit.offset_s == pytest.approx(10.0)
    assert fit.x0_s == 0.0 and fit.n == 5


def test_robust_ignores_a_host_clock_glitch(rng: np.random.Generator) -> None:
    device = np.arange(0, 300, 0.01)
    host = usb_arrivals(rng, device, 20.0, 0.0)
    host[1000:1010] -= 0.5  # a host clock step back for a moment
    robust = fit_clock(device, host)
    envelope = fit_clock(device, host, method="envelope")
    assert robust.drift_ppm == pytest.approx(20.0, abs=3.0)
    assert abs(envelope.drift_ppm - 20.0) > 10 or abs(envelope.offset_s) > 0.1


def test_map_time_between_two_devices(rng: np.random.Generator) -> None:
    t = np.arange(0, 300, 0.02)
    box_dev = t * (1 - 40e-6) + 17.0  # box clock: slow by 40 ppm, own origin
    other_dev = t * (1 + 25e-6) + 900.0  # another device's clock
    box = fit_clock(box_dev, t + 0.001 + rng.exponential(0.002, t.size))
    other = fit_clock(other_dev, t + 0.001 + rng.exponential(0.002, t.size))
    mapped = map_time(box_dev, box, other)
    assert np.max(np.abs(mapped - other_dev)) < 0.002


def test_bad_input() -> None:
    with pytest.raises(InputError, match="too few"):
        fit_clock([1.0], [2.0])
    with pytest.raises(InputError, match="too few"):
        fit_clock([1.0, 1.0, 1.0], [2.0, 3.0, 4.0])
    with pytest.raises(InputError, match="length"):
        fit_clock([1.0, 2.0], [2.0])
    with pytest.raises(InputError, match="method"):
        fit_clock([1.0, 2.0], [2.0, 3.0], method="magic")
    fit = fit_clock([0.0, np.nan, 1.0, 2.0], [5.0, 1.0, 6.0, np.inf])
    assert fit.n == 2 and fit.slope == pytest.approx(1.0)


def test_tracker_follows_changing_drift(rng: np.random.Generator) -> None:
    tr = ClockTracker(window_s=60.0)
    assert tr.fit() is None
    t = np.arange(0, 240, 0.05)
    drift = np.where(t < 120, 10e-6, 60e-6)
    host = np.cumsum(np.r_[0, np.diff(t) * (1 + drift[1:])]) + 0.001
    host += rng.exponential(0.002, t.size)
    for d, h in zip(t, host, strict=True):
        tr.add(float(d), float(h))
    fit = tr.fit()
    assert isinstance(fit, ClockFit) and len(tr) <= 60 / 0.05 + 1
    assert fit.drift_ppm == pytest.approx(60.0, abs=5.0)
    with pytest.raises(ValueError):
        ClockTracker(window_s=0)
