"""The simulated box speaks protocol v1: decoded by devices.sensorbox exactly as sent."""

from __future__ import annotations

import numpy as np
import pytest

from devices.sensorbox import (
    FLAG_DROPPED,
    BeltBlock,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    StreamDecoder,
)
from sim.box import BoxConfig
from sim.sensors import NOISE_LEVELS, Adc
from sim.session import SessionSpec, SimulatedSession, simulate


def decode(sim: SimulatedSession) -> tuple[list[object], StreamDecoder]:
    dec = StreamDecoder()
    events: list[object] = []
    for host_t, chunk in sim.chunks():
        events += dec.feed(chunk, host_t)
    events += dec.flush()
    return events, dec


@pytest.fixture(scope="module")
def one_minute() -> SimulatedSession:
    return simulate(SessionSpec(minutes=1.0, speed_mps=1.0, seed=5))


def test_stream_decodes_cleanly(one_minute: SimulatedSession) -> None:
    events, dec = decode(one_minute)
    s = dec.stats
    assert s.crc_errors == s.gaps == s.restarts == s.bytes_discarded == 0
    assert s.samples == 60_000
    hellos = [e for e in events if isinstance(e, HelloEvent)]
    assert len(hellos) == 61  # at power-up and every second
    hello = hellos[0].hello
    assert hello.sample_rate_hz == 1000 and hello.adc_bits == 12
    assert hello.belt_counts_per_m == 10000.0
    assert [c.name for c in hello.channels] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert len([e for e in events if isinstance(e, StatusEvent)]) == 60


def test_samples_are_contiguous_and_show_the_walk(one_minute: SimulatedSession) -> None:
    events, _ = decode(one_minute)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    t = np.concatenate([b.t_us for b in blocks])
    v = np.concatenate([b.values for b in blocks])
    assert np.all(np.diff(t) == 1000)
    assert v.min() >= 0 and v.max() <= 4095
    # The left heel loads once per left step (threshold well above the baseline and tails).
    loaded = v[:, 0] > 1000
    onsets = np.count_nonzero(np.diff(loaded.astype(int)) == 1)
    truth_left = sum(1 for s in one_minute.truth if s.side == "L")
    assert abs(onsets - truth_left) <= 1


def test_belt_frames_give_the_belt_speed(one_minute: SimulatedSession) -> None:
    events, _ = decode(one_minute)
    belts = [e for e in events if isinstance(e, BeltBlock)]
    assert len(belts) == 60 * 50
    speeds = np.array([b.speed_mps for b in belts])
    assert speeds.mean() == pytest.approx(1.0, abs=0.01)
    assert speeds.min() < 0.99  # heel-strike dips are visible
    total = sum(b.counts for b in belts) / 10000.0
    assert total == pytest.approx(one_minute.treadmill.positions([60.0])[0], abs=0.01)  # type: ignore[union-attr]


def test_box_clock_drift_is_in_device_time() -> None:
    box = BoxConfig(noise=NOISE_LEVELS["nominal"].with_(clock_ppm=1000.0))
    sim = simulate(SessionSpec(minutes=0.5, seed=1, box=box))
    events, _ = decode(sim)
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    dev = np.array([b.t_us[-1] * 1e-6 for b in blocks])
    lag = np.array([b.host_t for b in blocks]) - dev  # latency minus clock error
    early, late = lag[dev < 5].min(), lag[dev > 25].min()
    # The fast box clock gains 1 ms per second on the host's: 1000 ppm over ~25 s.
    assert early - late == pytest.approx(0.025, abs=0.004)
    last_ic = max(c.ic for c in sim.contacts if c.ic < 30.0)
    assert sim.truth[-1].ic_s == pytest.approx(last_ic * 1.001, abs=1e-9)  # box time


def test_dropouts_are_reported_in_status() -> None:
    box = BoxConfig(noise=NOISE_LEVELS["nominal"].with_(dropout_prob=0.01))
    sim = simulate(SessionSpec(minutes=0.5, seed=1, box=box))
    events, dec = decode(sim)
    statuses = [e for e in events if isinstance(e, StatusEvent)]
    dropped = statuses[-1].dropped
    assert dropped == sim.box_stats["samples_dropped"] - _after_last_status(sim)
    assert dropped > 0
    assert any(s.flags & FLAG_DROPPED for s in statuses)
    assert dec.stats.samples + sim.box_stats["samples_dropped"] == 30_000
    assert sim.gaps


def _after_last_status(sim: SimulatedSession) -> int:
    # Samples dropped after the last STATUS (at 30 s) are not yet reported.
    return sum(10 for a, _ in sim.gaps if a >= 30.0 - 1e-9)


def test_saturation_clips_at_full_scale() -> None:
    box = BoxConfig(adc=Adc(bits=10, offset=100, scale_n_per_count=0.3))
    sim = simulate(SessionSpec(minutes=0.2, seed=2, box=box))
    events, _ = decode(sim)
    v = np.concatenate([e.values for e in events if isinstance(e, SampleBlock)])
    assert v.max() == 1023
    assert any(e.flags & 1 for e in events if isinstance(e, StatusEvent))


def test_bit_flips_are_caught_by_the_decoder() -> None:
    from sim.link import Faults

    sim = simulate(SessionSpec(minutes=0.5, seed=3, faults=Faults(bit_flip_rate=1e-4)))
    _, dec = decode(sim)
    assert dec.stats.crc_errors + dec.stats.cobs_errors > 0
    assert dec.stats.samples < 30_000


def test_noise_drift_and_quantisation_of_the_baseline() -> None:
    from sim.sensors import SensorNoise, to_counts

    rng = np.random.default_rng(0)
    t = np.arange(0.0, 240.0, 0.01)
    force = np.zeros((t.size, 2))
    noise = SensorNoise(noise_counts=3.0, drift_counts=10.0)
    counts, sat = to_counts(force, t, Adc(), noise, np.ones(2), np.zeros(2), rng)
    assert counts.dtype == np.int16 and not sat
    assert np.all(counts == np.rint(counts))
    # The drift is a slow sine of 10 counts around the offset; what is left is the noise.
    drift = 150 + 10 * np.sin(2 * np.pi * t / 240.0)
    assert np.std(counts[:, 0] - drift) == pytest.approx(3.0, rel=0.1)
    assert counts[:, 0].max() - counts[:, 0].min() > 20


def test_bouncing_contacts_chatter_once_after_touch_down() -> None:
    box = BoxConfig(noise=NOISE_LEVELS["clean"].with_(bounce_prob=1.0))
    sim = simulate(SessionSpec(minutes=0.2, seed=6, box=box))
    events, _ = decode(sim)
    v = np.concatenate([e.values for e in events if isinstance(e, SampleBlock)])
    t = np.concatenate([e.t_us for e in events if isinstance(e, SampleBlock)]) * 1e-6
    assert sim.box_stats["bounces"] >= len(sim.truth) - 2
    step = next(s for s in sim.truth if s.side == "L" and s.ic_s > 2)
    i0 = int(np.searchsorted(t, step.ic_s))
    heel = v[i0 : i0 + 15, 0].astype(int) - 150
    assert heel.max() > 100 and np.any(heel[heel.argmax() :] == 0)  # load, drop to zero, load
