"""The simulated sensor box: samples the forces on its own (drifting) clock and sends
docs/protocol.md frames: HELLO at power-up and once a second, SAMPLES blocks, BELT frames
from an encoder on the belt, STATUS once a second.

The box renders successive spans of its clock on request (:meth:`SensorBox.render`), so a
recorded session (hours at once, in blocks of a minute) and a live virtual port (a few
milliseconds at a time) use the same code. Frames are encoded by :mod:`devices.sensorbox`.
"""

from __future__ import annotations

import math
import time
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


# Protocol v1 (docs/protocol.md): HELLO carries the rate as uint16 Hz and SAMPLES the period
# as uint16 microseconds, so a box samples at 1e6 / 65535 = 15.3 Hz or faster.
RATE_MIN_HZ = math.ceil(1e6 / 0xFFFF)  # 16
RATE_MAX_HZ = 0xFFFF


def check_rate(rate_hz: int) -> int:
    """The sample rate if protocol v1 can carry it; else an InputError naming the range.

    Checked where the user gives the rate (``--rate``, ``sim://box?rate=``, BoxConfig), so a
    rate the wire format cannot encode never reaches the frame encoder.
    """
    if isinstance(rate_hz, bool) or not isinstance(rate_hz, int):
        raise InputError(
            f"sample rate {rate_hz!r} is not a whole number of Hz",
            fix=f"give a rate from {RATE_MIN_HZ} to {RATE_MAX_HZ} Hz, e.g. 1000",
        )
    if not (RATE_MIN_HZ <= rate_hz <= RATE_MAX_HZ):
        raise InputError(
            f"sample rate {rate_hz} Hz is outside {RATE_MIN_HZ}..{RATE_MAX_HZ} Hz, what "
            "sensor-box protocol v1 can carry",
            fix=f"give a rate from {RATE_MIN_HZ} to {RATE_MAX_HZ} Hz, e.g. 1000",
        )
    return rate_hz


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
        check_rate(self.rate_hz)
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


@dataclass
class _Frames:
    """SAMPLES frames of one span: first-sample box times (us), which are kept, the kept
    frames' counts, which saturated, and the true-time gaps the dropped ones leave."""

    t: NDArray[np.int64]
    keep: NDArray[np.bool_]
    values: NDArray[np.int16]
    saturated: NDArray[np.bool_]
    gaps: list[tuple[float, float]] = field(default_factory=list)


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
        t_power_on: float = 0.0,
    ) -> None:
        self.cfg = config
        self.t_power_on = float(t_power_on)  # true time of box time zero
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
        self.dropped_samples = 0  # reported in STATUS (since power-up)
        self._pending_lost = 0  # frames lost since the last STATUS
        self.bounces = 0
        self.timing = {"render_s": 0.0, "encode_s": 0.0}  # where the time goes (benchmarks)
        self._bounced: set[tuple[str, float]] = set()

    def true_time(self, box_us: NDArray[np.int64] | int) -> NDArray[np.float64]:
        """True seconds of box times (microseconds)."""
        return self.t_power_on + np.asarray(box_us, dtype=np.float64) * 1e-6 / self.cfg.clock_scale

    def box_us(self, t_true: float) -> int:
        return math.floor((t_true - self.t_power_on) * self.cfg.clock_scale * 1e6)

    def next_due_us(self) -> int:
        """Box time at which :meth:`render` would next produce a frame."""
        frame_end = (self.next_sample + self.cfg.samples_per_frame) * self.cfg.period_us
        due = [frame_end, self.next_hello_us, self.next_status_us]
        if self.belt_position is not None:
            due.append(self.next_belt_us)
        return min(due)

    def render(self, until_us: int) -> BoxOutput:
        """All frames the box emits up to box time ``until_us`` (whole SAMPLES frames only)."""
        t_start = time.perf_counter()
        cfg = self.cfg
        n, period = cfg.samples_per_frame, cfg.period_us
        k0 = self.next_sample
        n_frames = max(0, (until_us // period - k0) // n)
        k1 = k0 + n_frames * n
        frames = self._sample_frames(k0, n_frames)
        end_us = int(k1 * period) if n_frames else until_us
        hello_t = _due(self.next_hello_us, 1_000_000, end_us)
        self.next_hello_us += 1_000_000 * hello_t.size
        status_t = _due(self.next_status_us, 1_000_000, end_us)
        self.next_status_us += 1_000_000 * status_t.size
        belt_t = np.zeros(0, dtype=np.int64)
        if self.belt_position is not None:
            step = round(cfg.belt_interval_s * 1e6)
            belt_t = _due(self.next_belt_us, step, end_us)
            self.next_belt_us += step * belt_t.size
        sample_t = frames.t[frames.keep]
        # Send order: header time, then type priority (so device time never steps back).
        kinds = [
            (hello_t, _PRIO_HELLO),
            (status_t, _PRIO_STATUS),
            (belt_t, _PRIO_BELT),
            (sample_t, _PRIO_SAMPLES),
        ]
        t_all = np.concatenate([k[0] for k in kinds])
        prio = np.concatenate([np.full(k[0].size, k[1], dtype=np.int64) for k in kinds])
        local = np.concatenate([np.arange(k[0].size, dtype=np.int64) for k in kinds])
        order = np.lexsort((local, prio, t_all))
        m = order.size
        seq_of = np.empty(m, dtype=np.int64)
        seq_of[order] = (self.seq + np.arange(m, dtype=np.int64)) & 0xFFFF
        self.seq = (self.seq + m) & 0xFFFF
        t_encode = time.perf_counter()
        self.timing["render_s"] += t_encode - t_start
        data, lengths = self._encode(seq_of, order, (hello_t, status_t, belt_t), frames)
        self.next_sample = k1
        ready = t_all + np.where(prio == _PRIO_SAMPLES, n * period, 0)
        self.timing["encode_s"] += time.perf_counter() - t_encode
        return BoxOutput(data=data, emit_us=ready[order], lengths=lengths, gaps=frames.gaps)

    def _sample_frames(self, k0: int, n_frames: int) -> _Frames:
        """The next ``n_frames`` SAMPLES frames from sample ``k0``: their first sample's box
        time, which of them the box keeps (dropouts leave gaps), their counts."""
        cfg = self.cfg
        n, period = cfg.samples_per_frame, cfg.period_us
        frames = _Frames(
            t=(k0 + np.arange(n_frames, dtype=np.int64) * n) * period,
            keep=np.ones(n_frames, dtype=bool),
            values=np.zeros((0, n, len(self.channels)), dtype=np.int16),
            saturated=np.zeros(n_frames, dtype=bool),
        )
        if n_frames:
            counts = self._samples(k0, k0 + n_frames * n).reshape(n_frames, n, len(self.channels))
            frames.saturated = np.asarray((counts >= cfg.adc.full_scale).any(axis=(1, 2)))
            if cfg.noise.dropout_prob > 0:
                frames.keep = self.rng.random(n_frames) >= cfg.noise.dropout_prob
                for j in np.flatnonzero(~frames.keep).tolist():
                    a = float(self.true_time(int(frames.t[j])))
                    frames.gaps.append((a, a + n * period * 1e-6 / cfg.clock_scale))
            frames.values = counts[frames.keep]
        return frames

    def _encode(
        self,
        seq_of: NDArray[np.int64],
        order: NDArray[np.int64],
        times: tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]],
        frames: _Frames,
    ) -> tuple[bytes, NDArray[np.int64]]:
        """Wire bytes of every frame in send ``order`` and their lengths: each kind encoded
        into one blob (samples vectorised), then gathered into send order."""
        hello_t, status_t, belt_t = times
        m = order.size
        o_h, o_s = hello_t.size, hello_t.size + status_t.size
        o_b = m - int(frames.keep.sum())
        pieces: list[bytes] = [
            encode_hello(int(s), int(t), self.hello)
            for s, t in zip(seq_of[:o_h].tolist(), hello_t.tolist(), strict=True)
        ]
        pieces += self._statuses(
            seq_of[o_h:o_s].tolist(), status_t.tolist(), frames.t, frames.saturated, frames.keep
        )
        interval = round(self.cfg.belt_interval_s * 1e6)
        counts_b = self._belt_counts(belt_t)
        pieces.extend(
            encode_belt(s, t, c, interval)
            for s, t, c in zip(
                seq_of[o_s:o_b].tolist(), belt_t.tolist(), counts_b.tolist(), strict=True
            )
        )
        small = b"".join(pieces)
        small_len = np.array([len(p) for p in pieces], dtype=np.int64)
        blob = b""
        sample_len = np.zeros(0, dtype=np.int64)
        if m > o_b:
            sample_t = frames.t[frames.keep]
            blob = encode_samples_many(seq_of[o_b:], sample_t, self.cfg.period_us, frames.values)
            ends = np.flatnonzero(np.frombuffer(blob, dtype=np.uint8) == 0) + 1
            sample_len = np.diff(np.concatenate([[0], ends]))
        lengths_src = np.concatenate([small_len, sample_len])
        src_start = np.concatenate([[0], np.cumsum(lengths_src)[:-1]])
        src = np.frombuffer(small + blob, dtype=np.uint8)
        lengths = lengths_src[order]
        out_start = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        gather = np.repeat(src_start[order] - out_start, lengths) + np.arange(
            int(lengths.sum()), dtype=np.int64
        )
        return src[gather].tobytes(), lengths

    def _statuses(
        self,
        seqs: list[int],
        times: list[int],
        frame_t: NDArray[np.int64],
        saturated: NDArray[np.bool_],
        keep: NDArray[np.bool_],
    ) -> list[bytes]:
        """STATUS frames: flags and counters for the frames since the previous STATUS
        (what is left after the last one carries over to the next span)."""
        out: list[bytes] = []
        lo = 0
        for seq, t in zip(seqs, times, strict=True):
            hi = int(np.searchsorted(frame_t, t, side="left"))
            sat = self.saturated or bool(saturated[lo:hi].any())
            lost = self._pending_lost + int((~keep[lo:hi]).sum())
            self.dropped_samples += lost * self.cfg.samples_per_frame
            flags = (FLAG_SATURATED if sat else 0) | (FLAG_DROPPED if lost else 0)
            out.append(encode_status(seq, t, flags, self.dropped_samples, self.cfg.supply_mv))
            self.saturated = False
            self._pending_lost = 0
            lo = hi
        self.saturated = self.saturated or bool(saturated[lo:].any())
        self._pending_lost += int((~keep[lo:]).sum())
        return out

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
        if len(self._bounced) > 64:  # forget contacts long past (live boxes run for hours)
            self._bounced = {k for k in self._bounced if k[1] >= t[0] - 10.0}
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

    def _belt_counts(self, times_us: NDArray[np.int64]) -> NDArray[np.int64]:
        """Encoder counts in each interval ending at ``times_us`` (box time)."""
        if times_us.size == 0 or self.belt_position is None:
            return np.zeros(0, dtype=np.int64)
        cpm = self.cfg.belt_counts_per_m
        pos = self.belt_position(self.true_time(np.asarray(times_us, dtype=np.int64)))
        total = np.floor(pos * cpm).astype(np.int64)
        counts = np.diff(np.concatenate([[self.last_belt_counts], total]))
        self.last_belt_counts = int(total[-1])
        return counts


def _due(first: int, step: int, end: int) -> NDArray[np.int64]:
    """Times ``first, first + step, ...`` up to and including ``end``."""
    if first > end:
        return np.zeros(0, dtype=np.int64)
    return first + step * np.arange((end - first) // step + 1, dtype=np.int64)
