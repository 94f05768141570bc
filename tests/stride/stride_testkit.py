"""Helpers for the gait-core tests (importable as ``stride_testkit`` from tests/stride).

``walk``: synthetic walking with known contacts; ``box_wire``/``write_box_session``: the
same as sensor-box frames in a session recording.

Contacts are trapezoids (load ramps of ``ramp_s``) on a baseline with a little seeded
noise, so any reasonable contact detector finds them within a sample or two of the
true times. Returns the signals and the true contact times per foot.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from stride.core.signals import Channel, GaitSignals


def walk(
    *,
    seconds: float = 60.0,
    fs: float = 200.0,
    stride_s: float = 1.1,
    stance_frac: float = 0.62,
    left_lag: float = 0.0,
    right_phase: float = 0.5,
    belt_mps: float | None = 1.0,
    split: bool = False,
    heel_toe: bool = False,
    toe_delay_s: float = 0.05,
    stride_jitter: float = 0.0,
    seed: int = 1,
    dtype: type = np.float64,
) -> tuple[GaitSignals, dict[str, NDArray[np.float64]]]:
    rng = np.random.default_rng(seed)
    n = int(seconds * fs)
    t = np.arange(n) / fs
    truth: dict[str, NDArray[np.float64]] = {}
    cols = []
    channels: list[Channel] = []
    for side, phase in (("L", left_lag + 0.3), ("R", left_lag + 0.3 + right_phase * stride_s)):
        starts = []
        s = phase
        while s < seconds:
            starts.append(s)
            s += stride_s * (1.0 + stride_jitter * rng.standard_normal())
        ons = np.asarray(starts)
        offs = ons + stance_frac * stride_s
        truth[side] = np.stack([ons, offs], axis=1)
        places = [("heel", 0.0), ("toe", toe_delay_s)] if heel_toe else [("foot", 0.0)]
        for place, delay in places:
            x = np.zeros(n)
            for on, off in zip(ons, offs, strict=True):
                a = on + delay
                ramp = 0.03
                x += np.clip(np.minimum((t - a) / ramp, (off - t) / ramp), 0.0, 1.0)
            x = 100.0 + 800.0 * x + rng.normal(0.0, 3.0, n)
            cols.append(x)
            channels.append(Channel(side, place))  # type: ignore[arg-type]
    forces: NDArray[np.generic] = np.stack(cols, axis=1).astype(dtype)
    belt_t = belt_v = None
    if belt_mps is not None:
        belt_t = np.arange(0.0, seconds, 0.02)
        v = belt_mps * (1.0 - 0.02 * np.sin(2 * np.pi * belt_t / stride_s))
        belt_v = np.stack([v, 1.3 * v], axis=1) if split else v[:, None]
    sig = GaitSignals(t, forces, tuple(channels), fs, belt_t, belt_v)
    return sig, truth


def box_wire(
    sig: GaitSignals,
    *,
    per_frame: int = 10,
    drop: frozenset[int] = frozenset(),
    hello_every: int = 100,
    counts_per_m: float = 1000.0,
    t0_us: int = 5_000_000,
) -> list[bytes]:
    """The sensor-box wire frames (HELLO, SAMPLES, BELT) of ``sig``'s forces (as int16
    counts) and belt; SAMPLES frames whose number is in ``drop`` are lost."""
    from devices.sensorbox import encode_belt, encode_hello, encode_samples
    from devices.sensorbox.frames import ChannelSpec, Hello

    hello = Hello(
        tuple(ChannelSpec.of(c.side, c.place) for c in sig.channels),
        sample_rate_hz=int(sig.fs),
        belt_counts_per_m=counts_per_m if sig.belt_t is not None else 0.0,
    )
    period = round(1e6 / sig.fs)
    counts = np.asarray(sig.forces).round().astype(np.int16)
    frames: list[bytes] = []
    seq = 0
    belt_i = 0
    interval = 20_000
    for k, a in enumerate(range(0, sig.n, per_frame)):
        t_us = t0_us + a * period
        # belt readings whose counting interval ended by now, in device-time order
        while sig.belt_t is not None and sig.belt_speed is not None and belt_i < sig.belt_t.size:
            end = t0_us + int(sig.belt_t[belt_i] * 1e6) + interval // 2
            if end > t_us:
                break
            c = round(sig.belt_speed[belt_i, 0] * counts_per_m * interval / 1e6)
            frames.append(encode_belt(seq, end, c, interval))
            seq += 1
            belt_i += 1
        if k % hello_every == 0:
            frames.append(encode_hello(seq, t_us, hello))
            seq += 1
        if k not in drop:
            frames.append(encode_samples(seq, t_us, period, counts[a : a + per_frame]))
        seq += 1
    return frames


def write_box_session(
    path: object, frames: list[bytes], per_chunk: int = 7, meta: dict[str, object] | None = None
) -> None:
    """A session directory holding ``frames`` as the box stream, ``per_chunk`` per read."""
    from devices.recording import SessionWriter

    with SessionWriter(str(path)) as w:
        if meta:
            w.write_meta(meta)
        rec = w.add_stream("box", "sensorbox-v1")
        for i in range(0, len(frames), per_chunk):
            rec.append(b"".join(frames[i : i + per_chunk]), 1000.0 + i * 0.01)
