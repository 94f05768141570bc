"""Realistic signals for the speed benchmarks: simulated sessions and real records.

- :func:`simulated`: a session of the simulator (any profile, ``heel-toe`` or ``insole8``
  sensors, 1 kHz, nominal noise) as the sensor box recorded it: the frames decoded by the
  whole-stream decoder into the recorded int16 counts, sample times from the box's clock,
  belt speed from its encoder frames. No float copy of the forces is made.
- :func:`gaitndd_concatenated`: every gaitndd record shipped in ``data/physionet`` (or
  those of ``--data``) joined end to end: real FSR signals at 300 Hz, int16.
- :func:`square_wave`: the best case (a clean square wave with +/-4 counts of noise: the
  contact scan skips almost all of it), kept for comparison and labelled as such.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.session import SimulatedSession
    from stride.core.signals import GaitSignals

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "data" / "physionet"


def simulated(profile: str, sensors: str, minutes: float, seed: int = 3) -> GaitSignals:
    """A simulated treadmill session at 3.6 km/h as recorded: int16 counts, box time."""
    return simulated_with_truth(profile, sensors, minutes, seed)[0]


def simulated_with_truth(
    profile: str, sensors: str, minutes: float, seed: int = 3, rate_hz: int = 1000
) -> tuple[GaitSignals, SimulatedSession]:
    """:func:`simulated` and the simulation itself (its truth and contacts)."""
    from devices.sensorbox.fast import decode_stream
    from sim.box import BoxConfig
    from sim.profiles import parse_profile
    from sim.session import SessionSpec, simulate
    from stride.core.signals import Channel, GaitSignals

    prof = parse_profile(profile)
    box = BoxConfig(rate_hz=rate_hz, sensors=sensors)
    spec = SessionSpec(minutes=minutes, speed_mps=1.0, params=prof.params, profile=profile,
                       seed=seed, box=box)  # fmt: skip
    run = simulate(spec)
    dec = decode_stream(run.data)
    c = dec.channels
    values = dec.values_flat.reshape(-1, c)
    t = (dec.t_us - dec.t_us[0]) / 1e6
    channels = tuple(Channel(ch.side, ch.place) for ch in box.channels())  # type: ignore[arg-type]
    belt_ok = np.isfinite(dec.belt_speed_mps)
    belt_t = (dec.belt_t_us[belt_ok] - dec.t_us[0]) / 1e6
    belt_v = dec.belt_speed_mps[belt_ok][:, None]
    return GaitSignals(t, values, channels, float(rate_hz), belt_t, belt_v), run


def gaitndd_records(data: Path | None = None) -> list[Path]:
    """The gaitndd headers to use: those of ``data`` if given, else the shipped ones."""
    for root in [data] if data else [SHIPPED]:
        heads = sorted((root / "gaitndd").glob("*.hea"))
        if heads:
            return heads
    return []


def gaitndd_concatenated(data: Path | None = None) -> GaitSignals:
    """All gaitndd records joined end to end (300 Hz, one FSR per foot, int16)."""
    from stride.core.signals import GaitSignals
    from stride.readers import read_signals

    parts = [read_signals(h) for h in gaitndd_records(data)]
    if not parts:
        raise SystemExit("no gaitndd records found (data/physionet/gaitndd)")
    x = np.concatenate([np.asarray(p.forces) for p in parts])
    fs = parts[0].fs
    t = np.arange(x.shape[0]) / fs
    return GaitSignals(t, x, parts[0].channels, fs)


def square_wave(points: int, fs: float = 1000.0, seed: int = 7) -> GaitSignals:
    """Best case: heel and toe per foot, int16 square waves at 1.1 s strides, +/-4 counts."""
    from stride.core.signals import Channel, GaitSignals

    rng = np.random.default_rng(seed)
    t = np.arange(points) / fs
    stride = 1.1 + 0.02 * rng.standard_normal(int(points / fs / 1.1) + 2)
    ics = np.concatenate([[0.2], 0.2 + np.cumsum(stride)])
    forces = np.empty((points, 4), np.int16)
    for k, (shift, delay) in enumerate(((0.0, 0.0), (0.0, 0.06), (0.55, 0.0), (0.55, 0.06))):
        idx = np.searchsorted(ics + shift, t, side="right") - 1
        phase = t - (ics + shift)[np.maximum(idx, 0)] - delay
        load = (idx >= 0) & (phase >= 0) & (phase < 0.62 * 1.1 - delay)
        forces[:, k] = np.where(load, 700, 40) + rng.integers(-4, 5, points)
    belt_t = np.arange(0.0, points / fs, 0.02)
    belt_v = (1.0 + 0.01 * np.sin(belt_t))[:, None]
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "heel"), Channel("R", "toe"))
    return GaitSignals(t, forces, chans, fs, belt_t, belt_v)
