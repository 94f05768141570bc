"""The simulated sensor box: samples the forces on its own (drifting) clock and sends
docs/protocol.md frames: HELLO at power-up and once a second, SAMPLES blocks, BELT frames
from an encoder on the belt, STATUS once a second.

The box renders successive spans of its clock on request (:meth:`SensorBox.render`), so a
recorded session (hours at once, in blocks of a minute) and a live virtual port (a few
milliseconds at a time) use the same code. Frames are encoded by :mod:`devices.sensorbox`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError
from devices.sensorbox import (
    FLAG_DROPPED,
    FLAG_SATURATED,
    ChannelSpec,
    Hello,
    encode_belt,
    encode_hello,
    encode_samples_many,
    encode_status,
)
from sim.forces import SensorChannel, Shape, layout, render_forces
from sim.sensors import Adc, SensorNoise, bounce, channel_gains, to_counts
from sim.walker import Contact

# Frames go out in the order of their header times (so device time never steps back in seq
# order, which a receiver would take for a restart); ties in this order.
_PRIO_HELLO, _PRIO_STATUS, _PRIO_BELT, _PRIO_SAMPLES = 0, 1, 2, 3


@dataclass(frozen=True)
class BoxConfig:
    """How the box is built: sample rate, sensors, converter, belt encoder, imperfections."""

    rate_hz: int = 1000
    sensors: str = "heel-toe"
    adc: Adc = field(default_factory=Adc)
    noise: SensorNoise = field(default_factory=SensorNoise)
    belt_counts_per_m: float = 10000.0  # 0 = no encoder (overground)
    belt_interval_s: float = 0.02
    device_id: bytes = b"SIMBOX01"
    supply_mv: int = 5000

    def __post_init__(self) -> None:
        if not (10 <= self.rate_hz <= 10000):
            raise InputError(
                f"sample rate {self.rate_hz} Hz is outside 10..10000",
                fix="give a rate such as 100, 500 or 1000 Hz",
            )
        layout(self.sensors)  # validates the name
        if not (0.002 <= self.belt_interval_s <= 1.0):
            raise InputError(
                f"belt interval {self.belt_interval_s} s is outside 0.002..1",
                fix="give a belt frame interval such as 0.02 s",
            )

    @property
    def period_us(self) -> int:
        return round(1e6 / self.rate_hz)

    @property
    def samples_per_frame(self) -> int:
        """About 10 ms of samples per frame (1..64)."""
        return max(1, min(64, round(self.rate_hz * 0.01)))

    @property
    def clock_scale(self) -> float:
        """Box seconds per true second."""
        return 1.0 + self.noise.clock_ppm * 1e-6

    def channels(self) -> tuple[SensorChannel, ...]:
        return layout(self.sensors)

    def hello(self) -> Hello:
        specs = tuple(
            ChannelSpec.of(c.side, c.place, self.adc.offset, self.adc.scale_n_per_count)
            for c in self.channels()
        )
        return Hello(
            channels=specs,
            sample_rate_hz=self.rate_hz,
            adc_bits=self.adc.bits,
            belt_counts_per_m=self.belt_counts_per_m,
            device_id=self.device_id,
            firmware=(1, 0),
        )


@dataclass
class BoxOutput:
    """Frames of one rendered span: wire bytes and, per frame, the box time it is ready to
    send (in send order; not necessarily increasing) and its length."""

    data: bytes
    emit_us: NDArray[np.int64]
    lengths: NDArray[np.int64]
    gaps: list[tuple[float, float]] = field(default_factory=list)  # true-time sample gaps


class SensorBox:
    """Box state across spans: sequence number, clocks, counters, the belt encoder.

    ``contacts`` returns the contacts that may overlap a true-time span (sorted by IC);
    ``belt_position(t_true)`` the belt displacement in metres (None overground).
    """

    def __init__(
        self,
        config: BoxConfig,
        *,
        body_mass_kg: float,
        heel_to_toe_s: float,
        contacts: Callable[[float, float], Sequence[Contact]],
        belt_position: Callable[[NDArray[np.float64]], NDArray[np.float64]] | None,
        rng: np.random.Generator,
        shape: Shape | None = None,
    ) -> None:
        self.cfg = config
        self.body_mass_kg = body_mass_kg
        self.heel_to_toe_s = heel_to_toe_s
        self.contacts = contacts
        self.belt_position = belt_position if config.belt_counts_per_m > 0 else None
        self.rng = rng
        self.shape = shape or Shape()
        self.channels = config.channels()
        self.hello = config.hello()
        n = len(self.channels)
        self.gains = channel_gains(n, config.noise, rng)
        self.drift_phase = rng.uniform(0, 2 * np.pi, n)
        self.seq = 0
        self.next_sample = 0  # index of the next sample to take
        self.next_hello_us = 0
        self.next_status_us = 1_000_000
        self.next_belt_us = round(config.belt_interval_s * 1e6)
        self.last_belt_counts = 0
        self.saturated = False
        self.dropped_samples = 0
        self.dropped_since_status = False
        self.bounces = 0
        self._bounced: set[tuple[str, float]] = set()

    def true_time(self, box_us: NDArray[np.int64] | int) -> NDArray[np.float64]:
        """True seconds of box times (microseconds)."""
        return np.asarray(box_us, dtype=np.float64) * 1e-6 / self.cfg.clock_scale

    def box_us(self, t_true: float) -> int:
        return math.floor(t_true * self.cfg.clock_scale * 1e6)

    def render(self, until_us: int) -> BoxOutput:
        """All frames the box emits up to box time ``until_us`` (whole SAMPLES frames only)."""
        cfg = self.cfg
        n = cfg.samples_per_frame
        period = cfg.period_us
        k0 = self.next_sample
        # A SAMPLES frame is emitted when its last sample's period has passed.
        n_frames = max(0, (until_us // period - k0) // n)
        k1 = k0 + n_frames * n
        parts: list[tuple[int, int, int, bytes | None]] = []  # (emit_us, prio, idx, bytes)
        gaps: list[tuple[float, float]] = []
        values: NDArray[np.int16] | None = None
        keep = np.ones(n_frames, dtype=bool)
        if n_frames:
            values = self._samples(k0, k1).reshape(n_frames, n, len(self.channels))
            if cfg.noise.dropout_prob > 0:
                keep = self.rng.random(n_frames) >= cfg.noise.dropout_prob
                for j in np.flatnonzero(~keep):
                    a = self.true_time(int((k0 + j * n) * period))
                    gaps.append((float(a), float(a) + n * period * 1e-6))
                lost = int((~keep).sum()) * n
                if lost:
                    self.dropped_samples += lost
                    self.dropped_since_status = True
        frame_t = (k0 + np.arange(n_frames) * n) * period  # header time: first sample
        for j in np.flatnonzero(keep):
            parts.append((int(frame_t[j]), _PRIO_SAMPLES, int(j), None))
        end_us = int(k1 * period) if n_frames else until_us
        while self.next_hello_us <= end_us:
            t = self.next_hello_us
            parts.append((t, _PRIO_HELLO, 0, b"H"))
            self.next_hello_us += 1_000_000
        while self.next_status_us <= end_us:
            parts.append((self.next_status_us, _PRIO_STATUS, 0, b"S"))
            self.next_status_us += 1_000_000
        belt_times: list[int] = []
        if self.belt_position is not None:
            step = round(cfg.belt_interval_s * 1e6)
            while self.next_belt_us <= end_us:
                belt_times.append(self.next_belt_us)
                self.next_belt_us += step
            for i, t in enumerate(belt_times):
                parts.append((t, _PRIO_BELT, i, b"B"))
        parts.sort(key=lambda p: (p[0], p[1], p[2]))
        # Assign sequence numbers in emission order, then encode.
        seqs = (self.seq + np.arange(len(parts))) & 0xFFFF
        self.seq = (self.seq + len(parts)) & 0xFFFF
        sample_seq = np.zeros(n_frames, dtype=np.int64)
        for s, p in zip(seqs, parts, strict=True):
            if p[1] == _PRIO_SAMPLES:
                sample_seq[p[2]] = s
        belt_counts = self._belt_counts(belt_times)
        encoded: list[bytes] = []
        samples_blob = b""
        sample_len = 0
        if values is not None and keep.any():
            kept = np.flatnonzero(keep)
            samples_blob = encode_samples_many(
                sample_seq[kept], (k0 + kept * n) * period, period, values[kept]
            )
            sample_len = -1  # lengths vary only with rare COBS block splits: split by 0x00
        sample_frames = _split_frames(samples_blob) if sample_len else []
        si = 0
        for s, (t, prio, idx, _) in zip(seqs, parts, strict=True):
            if prio == _PRIO_SAMPLES:
                encoded.append(sample_frames[si])
                si += 1
            elif prio == _PRIO_HELLO:
                encoded.append(encode_hello(int(s), t, self.hello))
            elif prio == _PRIO_STATUS:
                flags = (FLAG_SATURATED if self.saturated else 0) | (
                    FLAG_DROPPED if self.dropped_since_status else 0
                )
                encoded.append(encode_status(int(s), t, flags, self.dropped_samples, cfg.supply_mv))
                self.saturated = False
                self.dropped_since_status = False
            else:
                interval = round(cfg.belt_interval_s * 1e6)
                encoded.append(encode_belt(int(s), t, int(belt_counts[idx]), interval))
        self.next_sample = k1
        # A SAMPLES frame is ready once its last sample is taken; others when due.
        ready = np.array(
            [p[0] + (n * period if p[1] == _PRIO_SAMPLES else 0) for p in parts], dtype=np.int64
        )
        return BoxOutput(
            data=b"".join(encoded),
            emit_us=ready,
            lengths=np.array([len(e) for e in encoded], dtype=np.int64),
            gaps=gaps,
        )

    def _samples(self, k0: int, k1: int) -> NDArray[np.int16]:
        cfg = self.cfg
        t = self.true_time(np.arange(k0, k1, dtype=np.int64) * cfg.period_us)
        t0, t1 = float(t[0]), float(t[-1])
        contacts = self.contacts(t0, t1)
        force = render_forces(
            contacts, t, self.channels, self.body_mass_kg, self.heel_to_toe_s, self.shape
        )
        if cfg.noise.bounce_prob > 0:
            self._bounce(force, t, contacts)
        counts, sat = to_counts(
            force, t, cfg.adc, cfg.noise, self.gains, self.drift_phase, self.rng
        )
        self.saturated |= sat
        return counts

    def _bounce(
        self, force: NDArray[np.float64], t: NDArray[np.float64], contacts: Sequence[Contact]
    ) -> None:
        """Chatter at a random share of contacts (each contact decided once)."""
        ics: list[float] = []
        cols: list[list[int]] = []
        for c in contacts:
            key = (c.side, c.ic)
            if key in self._bounced or not (t[0] <= c.ic <= t[-1]):
                continue
            self._bounced.add(key)
            if self.rng.random() < self.cfg.noise.bounce_prob:
                ics.append(c.ic)
                cols.append([i for i, ch in enumerate(self.channels) if ch.side == c.side])
        if ics:
            self.bounces += bounce(force, t, np.asarray(ics), cols, self.rng)

    def _belt_counts(self, times_us: list[int]) -> NDArray[np.int64]:
        if not times_us or self.belt_position is None:
            return np.zeros(0, dtype=np.int64)
        cpm = self.cfg.belt_counts_per_m
        pos = self.belt_position(self.true_time(np.asarray(times_us, dtype=np.int64)))
        total = np.floor(pos * cpm).astype(np.int64)
        counts = np.diff(np.concatenate([[self.last_belt_counts], total]))
        self.last_belt_counts = int(total[-1])
        return counts


def _split_frames(blob: bytes) -> list[bytes]:
    """Split concatenated wire frames at their 0x00 delimiters (kept on each frame)."""
    if not blob:
        return []
    arr = np.frombuffer(blob, dtype=np.uint8)
    ends = np.flatnonzero(arr == 0) + 1
    starts = np.concatenate([[0], ends[:-1]])
    return [blob[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
