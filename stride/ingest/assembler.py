"""Decoded sensor-box events -> :class:`GaitSignals` chunks, incrementally.

The live session and ``stride analyze RECORDING`` both use this assembler, so they give
the same samples, hence the same steps. Conventions:

- ``t`` = seconds since the first sample, ``(t_us - t_us_first) / 1e6`` elementwise (the
  same floats whatever the chunking). Lost frames leave a jump in ``t`` (a gap that the
  analysis never bridges); nothing is interpolated.
- Channels come from the HELLO's roles; channels without a known side are left out (and
  counted). Samples that arrive before the first HELLO are held until it comes.
- Forces stay raw int16 ADC counts (units "adu") unless every kept channel is calibrated
  in the HELLO (scale > 0): then float32 newtons, ``(count - offset) * scale``. Times
  are float64 seconds (an hour to the microsecond needs more than float32's 24 bits).
- Belt speed (m/s) is stamped at the middle of its counting interval; readings without a
  known counts-per-metre, or not later than the previous one, are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.memory import return_freed_memory
from devices.sensorbox import BeltBlock, Event, HelloEvent, SampleBlock
from devices.sensorbox.frames import Hello
from stride.core.clock import SampleClock
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError
from stride.ingest.breaks import block_breaks, decoded_breaks, joined, on_clock

#: Belt readings as arrays: device time (us), counting interval (us), speed (m/s, NaN unknown).
_BeltArrays = tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]
#: Arrival host times of blocks and the device time of each one's last sample.
_HostPart = tuple[NDArray[np.float64], NDArray[np.int64]]
#: How held samples become (times, forces): :meth:`BlockAssembler._keep_samples` or its
#: in-place version for a whole decoded stream.
_KeepSamples = Callable[
    [NDArray[np.int64], NDArray[np.int16]],
    tuple[NDArray[np.float64] | SampleClock, NDArray[np.int16] | NDArray[np.float32]],
]


@dataclass
class AssemblerCounts:
    """What the assembler had to leave out (visible recoveries, never silent)."""

    channels_without_side: int = 0
    samples_out_of_order: int = 0
    belt_without_scale: int = 0
    belt_out_of_order: int = 0
    gaps: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class BlockAssembler:
    """Feed decoded events in arrival order; get the new samples as a GaitSignals chunk."""

    #: Fewest samples whose times :meth:`feed_decoded` gives as a clock. Below it the
    #: times are an array: a float64 a sample is at most 8 MB there, and each foot's scan
    #: then reads its times instead of expanding them chunk by chunk (with the feet on two
    #: threads a 5-minute analysis took 1.04-1.10x the time from a clock).
    clock_min_samples: int = 1 << 20

    def __init__(self) -> None:
        self.hello: Hello | None = None
        self.counts = AssemblerCounts()
        self._t0_us: int | None = None
        self._last_t_us: int | None = None
        self._last_belt_t: float = -np.inf
        self._held: list[SampleBlock] = []
        self._held_belt: list[BeltBlock] = []
        self._held_arrays: _BeltArrays | None = None
        #: host time - box time (s), smallest seen: maps host-stamped readings onto ``t``.
        self.host_offset_s: float | None = None
        self._cols: NDArray[np.int64] = np.zeros(0, np.int64)
        self._channels: tuple[Channel, ...] = ()
        self._offset: NDArray[np.float64] | None = None
        self._scale: NDArray[np.float64] | None = None

    @property
    def ready(self) -> bool:
        """A HELLO has arrived: channels and sample rate are known."""
        return self.hello is not None

    @property
    def channels(self) -> tuple[Channel, ...]:
        return self._channels

    @property
    def fs(self) -> float:
        if self.hello is None:
            raise InputError("no HELLO from the sensor box yet", fix="wait for it (1 s)")
        return float(self.hello.sample_rate_hz)

    @property
    def belts(self) -> int:
        """1 if the box measures the belt (it gave counts per metre), else 0."""
        return 1 if self.hello is not None and self.hello.belt_counts_per_m > 0 else 0

    @property
    def units(self) -> str:
        return "N" if self._scale is not None else "adu"

    def _set_hello(self, hello: Hello) -> None:
        if self.hello is not None:
            if hello.channels != self.hello.channels or (
                hello.sample_rate_hz != self.hello.sample_rate_hz
            ):
                raise InputError(
                    "the sensor box changed its channel map or sample rate mid-stream",
                    fix="record the new configuration as a new session",
                )
            return
        if hello.sample_rate_hz <= 0:
            raise InputError("the sensor box reports a sample rate of 0 Hz", fix="fix its HELLO")
        cols, chans = [], []
        for i, spec in enumerate(hello.channels):
            side, place = spec.side, spec.place
            if side not in ("L", "R"):
                self.counts.channels_without_side += 1
                continue
            cols.append(i)
            chans.append(Channel(side, place or "foot"))  # type: ignore[arg-type]
        if not {c.side for c in chans} >= {"L", "R"}:
            raise InputError(
                "the sensor box's channel map has no channel for one foot "
                f"({', '.join(s.name for s in hello.channels)})",
                fix="map at least one channel to each foot in the box's HELLO",
            )
        self.hello = hello
        self._cols = np.asarray(cols, np.int64)
        self._channels = tuple(chans)
        kept = [hello.channels[i] for i in cols]
        if all(s.scale > 0 for s in kept):
            self._offset = np.asarray([s.offset for s in kept], np.float64)
            self._scale = np.asarray([s.scale for s in kept], np.float64)

    def feed(self, events: Iterable[Event]) -> GaitSignals | None:
        """Take events; return the samples (and belt readings) they completed, if any."""
        for ev in events:
            if isinstance(ev, HelloEvent):
                self._set_hello(ev.hello)
            elif isinstance(ev, SampleBlock):
                self._held.append(ev)
            elif isinstance(ev, BeltBlock):
                self._held_belt.append(ev)
        if self.hello is None or not (self._held or self._held_belt):
            return None
        return self._flush()

    def feed_decoded(
        self, box: Any, consume: bool = False, clock: bool = False
    ) -> GaitSignals | None:
        """A whole decoded stream (``devices.sensorbox.fast.decode_stream``) at once: the
        same result as feeding its ``events()``, without building an event per frame.
        ``consume``: the box is given over (its sample arrays are reused in place for the
        result, so an hour of samples costs the result's memory only). ``clock`` (with
        ``consume``): the times as a :class:`~stride.core.clock.SampleClock` where every
        sample comes in order, every channel is kept and there are at least
        :attr:`clock_min_samples` (the same times, from the blocks: no time per sample is
        ever written), else as an array."""
        if box.channels < 0:
            return self.feed(box.events())  # channel count changed: block by block
        for hello in box.distinct_hellos():  # a repeat of the one before changes nothing
            self._set_hello(hello)
        if self.hello is None:
            return None
        nch = len(self.hello.channels)
        n = box.n_samples
        if n and box.channels != nch:
            return self.feed(box.events())
        n_blocks = box.block_seq.size
        gaps = int(np.count_nonzero((box.block_missing > 0) | box.block_restart))
        if n_blocks and (box.block_missing[0] > 0 or box.block_restart[0]):
            gaps -= 1 if self._last_t_us is None else 0
        host = _block_hosts(box) if n_blocks and n else None
        keep: _KeepSamples | None = None
        blocks_done = runs = None
        if consume and n:
            runs = self._runs(box, nch) if clock and n >= self.clock_min_samples else None
            if runs is None:
                keep = lambda _t, _v: self._keep_in_place(box)  # noqa: E731
            else:
                keep = lambda _t, _v: self._keep_clocked(box, runs)  # noqa: E731
            blocks_done = lambda: _let_go_of_blocks(box)  # noqa: E731
        return self._ingest(
            box.t_us.astype(np.int64, copy=False) if runs is None else runs[1][:1],
            box.values.reshape(-1, nch) if n else np.zeros((0, nch), np.int16),
            gaps,
            box.belt_t_us.astype(np.int64, copy=False),
            box.belt_interval_us.astype(np.int64, copy=False),
            box.belt_speed_mps.astype(np.float64, copy=False),
            host,
            keep,
            blocks_done,
            decoded_breaks(box, self._last_t_us),
        )

    def _flush(self) -> GaitSignals | None:
        blocks, self._held = self._held, []
        belts, self._held_belt = self._held_belt, []
        nch = len(self.hello.channels) if self.hello else 0
        good = [
            b for b in blocks if b.t_us.size and b.values.ndim == 2 and b.values.shape[1] == nch
        ]
        gaps = 0
        host = None
        if good:
            gaps = sum(1 for b in good if b.gap_before)
            if self._last_t_us is None and good[0].gap_before:
                gaps -= 1
            t_us = np.concatenate([b.t_us for b in good]).astype(np.int64, copy=False)
            vals = np.concatenate([b.values for b in good])
            host = [
                (
                    np.asarray([b.host_t for b in good], np.float64),
                    np.asarray([b.t_us[-1] for b in good], np.int64),
                )
            ]
        else:
            t_us, vals = np.zeros(0, np.int64), np.zeros((0, nch), np.int16)
        return self._ingest(
            t_us,
            vals,
            gaps,
            np.asarray([b.t_us for b in belts], np.int64),
            np.asarray([b.interval_us for b in belts], np.int64),
            np.asarray([np.nan if b.speed_mps is None else b.speed_mps for b in belts], np.float64),
            host,
            breaks=block_breaks(good, self._last_t_us),
        )

    def _note_host(self, host: Iterable[_HostPart]) -> None:
        """Smallest (arrival host time - device time of the block's last sample): the clock
        offset that maps host-stamped readings (a treadmill) onto the box's time axis.
        ``host``: the blocks' arrival host times and last sample times, in parts (the
        minimum of the parts' minimums is the minimum of the whole, NaN included)."""
        if self._t0_us is None:
            return
        t0 = self._t0_us
        least = [np.min(h - (last - t0) / 1e6) for h, last in host if h.size]
        if not least:
            return
        off = float(np.min(least))
        self.host_offset_s = off if self.host_offset_s is None else min(self.host_offset_s, off)

    def _ingest(
        self,
        t_us: NDArray[np.int64],
        vals: NDArray[np.int16],
        gaps: int,
        belt_t_us: NDArray[np.int64],
        belt_interval_us: NDArray[np.int64],
        belt_speed: NDArray[np.float64],
        host: Iterable[_HostPart] | None = None,
        keep: _KeepSamples | None = None,
        blocks_done: Callable[[], None] | None = None,
        breaks: list[int] | None = None,  # the last sample (device us) before each restart
    ) -> GaitSignals | None:
        """Samples and belt readings (NaN speed = unknown scale) in arrival order; ``host``:
        arrival host time and last sample time of each block, in parts (for the clock
        offset); ``keep``: how the samples become times and forces (:meth:`_keep_samples`);
        ``blocks_done``: called once ``host`` is read (a decoded stream given over lets
        its per-block and belt arrays go there, before the belt readings are converted).
        The belt readings are taken first and their arrays let go before the samples are
        kept: with ``keep`` in place, the forces are widened without them in memory."""
        if self._held_arrays is not None:  # belt readings that came before any sample
            bt0, bi0, bs0 = self._held_arrays
            belt_t_us = np.concatenate([bt0, belt_t_us])
            belt_interval_us = np.concatenate([bi0, belt_interval_us])
            belt_speed = np.concatenate([bs0, belt_speed])
            self._held_arrays = None
        if self._t0_us is None:
            if not t_us.size:
                if belt_t_us.size:
                    self._held_arrays = (belt_t_us, belt_interval_us, belt_speed)
                return None
            self._t0_us = int(t_us[0])
        self.counts.gaps += gaps
        if host is not None:
            self._note_host(host)
        del host
        if blocks_done is not None:
            blocks_done()
        tb, vb = self._belt_readings(belt_t_us, belt_interval_us, belt_speed)
        del belt_t_us, belt_interval_us, belt_speed  # freed as the samples are kept
        t, forces = (keep or self._keep_samples)(t_us, vals)
        if not t.shape[0] and not tb.size:
            return None
        belt_t = tb.astype(np.float64, copy=False) if self.belts else None
        belt_v = vb.astype(np.float64, copy=False)[:, None] if self.belts else None
        ch, cut = self._channels, on_clock(breaks, self._t0_us)  # cut: restarts, on t's clock
        return GaitSignals(t, forces, ch, self.fs, belt_t, belt_v, self.units, breaks=cut)

    def _belt_readings(
        self,
        belt_t_us: NDArray[np.int64],
        belt_interval_us: NDArray[np.int64],
        belt_speed: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The belt readings kept (a known scale, later than every one before them) as
        seconds since the first sample (the middle of each counting interval) and m/s;
        those left out are counted."""
        assert self._t0_us is not None
        known = ~np.isnan(belt_speed)
        unknown = int((~known).sum())
        self.counts.belt_without_scale += unknown
        if unknown:  # (all known, the usual case: no copies of them picked out)
            belt_t_us, belt_interval_us, belt_speed = (
                belt_t_us[known],
                belt_interval_us[known],
                belt_speed[known],
            )
        tb = np.multiply(belt_interval_us, 0.5)  # (t - 0.5 * interval - t0) / 1e6, in place
        np.subtract(belt_t_us, tb, out=tb)
        tb -= self._t0_us
        tb /= 1e6
        vb = belt_speed if unknown else belt_speed.copy()  # not the caller's array
        if tb.size:
            if not (tb[0] > self._last_belt_t and bool(np.all(tb[1:] > tb[:-1]))):
                before_b = np.maximum.accumulate(np.concatenate([[self._last_belt_t], tb[:-1]]))
                ok = tb > before_b
                self.counts.belt_out_of_order += int((~ok).sum())
                tb, vb = tb[ok], vb[ok]
            if tb.size:
                self._last_belt_t = float(tb[-1])
        return tb, vb

    def _keep_samples(
        self, t_us: NDArray[np.int64], vals: NDArray[np.int16]
    ) -> tuple[NDArray[np.float64], NDArray[np.int16] | NDArray[np.float32]]:
        """Times (s since the first sample) and forces of the samples later than every one
        before them (device time only moves forward; a late duplicate would break the
        analysis' time order): the dropped ones are counted."""
        assert self._t0_us is not None
        t_keep = np.zeros(0, np.int64)
        v_keep = vals[:0]
        if t_us.size:
            prev = np.iinfo(np.int64).min if self._last_t_us is None else self._last_t_us
            if not (t_us[0] > prev and bool(np.all(t_us[1:] > t_us[:-1]))):
                before = np.maximum.accumulate(np.concatenate([[prev], t_us[:-1]]))
                keep = t_us > before
                self.counts.samples_out_of_order += int((~keep).sum())
                t_us, vals = t_us[keep], vals[keep]
            if t_us.size:
                t_keep, v_keep = t_us, vals
                self._last_t_us = int(t_us[-1])
        return (t_keep - self._t0_us) / 1e6, self._forces(v_keep)

    def _keep_in_place(
        self, box: Any
    ) -> tuple[NDArray[np.float64], NDArray[np.int16] | NDArray[np.float32]]:
        """:meth:`_keep_samples` of a whole decoded stream, computed by one numba pass over
        the decoder's own arrays (the box is used up): no new memory."""
        assert self._t0_us is not None
        prev = np.iinfo(np.int64).min if self._last_t_us is None else self._last_t_us
        off = None if self._offset is None else self._offset.astype(np.float32)
        scale = None if self._scale is None else self._scale.astype(np.float32)
        t, forces, dropped, last = box.samples_in_place(self._cols, off, scale, self._t0_us, prev)
        self.counts.samples_out_of_order += dropped
        if t.size:
            self._last_t_us = last
        return t, forces

    def _runs(self, box: Any, nch: int) -> tuple[NDArray[np.int64], ...] | None:
        """A decoded stream's sample times as runs (``DecodedBox.sample_runs``, with the
        first sample's time second) where every channel is kept in order and no sample
        would be dropped; None otherwise (the samples are then kept one by one)."""
        if not np.array_equal(self._cols, np.arange(nch)):
            return None
        prev = np.iinfo(np.int64).min if self._last_t_us is None else self._last_t_us
        return box.sample_runs(prev)

    def _keep_clocked(
        self, box: Any, runs: tuple[NDArray[np.int64], ...]
    ) -> tuple[SampleClock, NDArray[np.int16] | NDArray[np.float32]]:
        """:meth:`_keep_in_place` of a stream whose samples all come in order, every
        channel kept (:meth:`_runs`): the times as a clock of microsecond ticks since the
        first sample (each sample's seconds ``(t_us - t0) / 1e6``, as kept one by one),
        the forces widened over the counts; the box is used up."""
        assert self._t0_us is not None
        starts, first, step, last = runs
        off = None if self._offset is None else self._offset.astype(np.float32)
        scale = None if self._scale is None else self._scale.astype(np.float32)
        forces = box.counts_in_place(off, scale)
        self._last_t_us = int(last)
        return SampleClock(starts, first - self._t0_us, step, 1e6), forces

    def _forces(self, vals: NDArray[np.int16]) -> NDArray[np.int16] | NDArray[np.float32]:
        """The kept channels as recorded (int16 counts) or, calibrated, float32 newtons
        ``(count - offset) * scale`` computed in place: never a float64 copy (an hour at
        1 kHz of 4 channels is 29 MB of counts, 58 MB as float32, 115 MB as float64)."""
        every = self._cols.size == vals.shape[1] and bool(
            np.all(self._cols == np.arange(vals.shape[1]))
        )
        raw = vals if every else vals[:, self._cols]
        if self._scale is None or self._offset is None:
            return np.ascontiguousarray(raw)
        out = raw.astype(np.float32)
        out -= self._offset.astype(np.float32)
        out *= self._scale.astype(np.float32)
        return out


#: Blocks per part of :func:`_block_hosts` (small arrays, not an hour's at once).
_HOST_PART = 1 << 16


def _let_go_of_blocks(box: Any) -> None:
    """A decoded stream given over, its blocks read: its per-block and belt arrays go, and
    their memory back to the system at once (the C heap keeps what numba's kernels freed
    otherwise), before the belt readings are converted and the forces widened."""
    box.drop_blocks()
    return_freed_memory()


def _block_hosts(box: Any) -> Iterator[_HostPart]:
    """A decoded stream's blocks' arrival host times and last sample times, a part at a
    time, read when the clock offset is noted (before the box is used up)."""
    n = int(box.block_seq.size)
    for a in range(0, n, _HOST_PART):
        b = min(n, a + _HOST_PART)
        last = box.block_last_t_us(a, b)
        yield box.block_host_t[a:b].astype(np.float64, copy=False), last


def concat_chunks(chunks: list[GaitSignals]) -> GaitSignals:
    """Join consecutive chunks from one assembler into one record."""
    if not chunks:
        raise InputError("the recording holds no force samples", fix="record a session first")
    first = chunks[0]
    belt_t = belt_v = None
    if first.belt_t is not None:
        belt_t = np.concatenate([c.belt_t for c in chunks if c.belt_t is not None])
        belt_v = np.concatenate([c.belt_speed for c in chunks if c.belt_speed is not None])
    return GaitSignals(
        np.concatenate([c.t for c in chunks]),
        np.concatenate([np.asarray(c.forces) for c in chunks]),
        first.channels,
        first.fs,
        belt_t,
        belt_v,
        units=first.units,
        breaks=joined([c.breaks for c in chunks]),
    )
