"""Decoded sensor-box events -> :class:`GaitSignals` chunks, incrementally.

The live session and ``stride analyze RECORDING`` both use this assembler, so they give
the same samples, hence the same steps. Conventions:

- ``t`` = seconds since the first sample, ``(t_us - t_us_first) / 1e6`` elementwise (the
  same floats whatever the chunking). Lost frames leave a jump in ``t`` (a gap that the
  analysis never bridges); nothing is interpolated.
- Channels come from the HELLO's roles; channels without a known side are left out (and
  counted). Samples that arrive before the first HELLO are held until it comes.
- Forces stay raw int16 ADC counts (units "adu") unless every kept channel is calibrated
  in the HELLO (scale > 0): then newtons, ``(count - offset) * scale``.
- Belt speed (m/s) is stamped at the middle of its counting interval; readings without a
  known counts-per-metre, or not later than the previous one, are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from devices.sensorbox import BeltBlock, Event, HelloEvent, SampleBlock
from devices.sensorbox.frames import Hello
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError


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

    def __init__(self) -> None:
        self.hello: Hello | None = None
        self.counts = AssemblerCounts()
        self._t0_us: int | None = None
        self._last_t_us: int | None = None
        self._last_belt_t: float = -np.inf
        self._held: list[SampleBlock] = []
        self._held_belt: list[BeltBlock] = []
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

    def _flush(self) -> GaitSignals | None:
        blocks, self._held = self._held, []
        belts, self._held_belt = self._held_belt, []
        if blocks and self._t0_us is None:
            self._t0_us = int(blocks[0].t_us[0]) if blocks[0].t_us.size else None
        if self._t0_us is None:
            self._held_belt = belts  # no time origin yet: keep them
            return None
        t_parts, v_parts = [], []
        nch = len(self.hello.channels) if self.hello else 0
        for b in blocks:
            if b.t_us.size == 0 or b.values.ndim != 2 or b.values.shape[1] != nch:
                continue
            if b.gap_before and self._last_t_us is not None:
                self.counts.gaps += 1
            t_us = b.t_us
            if self._last_t_us is not None and int(t_us[0]) <= self._last_t_us:
                keep = t_us > self._last_t_us
                self.counts.samples_out_of_order += int((~keep).sum())
                t_us, vals = t_us[keep], b.values[keep]
            else:
                vals = b.values
            if t_us.size == 0:
                continue
            t_parts.append(t_us)
            v_parts.append(vals)
            self._last_t_us = int(t_us[-1])
        bt_list, bv_list = [], []
        for bb in belts:
            if bb.speed_mps is None:
                self.counts.belt_without_scale += 1
                continue
            tb = (bb.t_us - 0.5 * bb.interval_us - self._t0_us) / 1e6
            if tb <= self._last_belt_t:
                self.counts.belt_out_of_order += 1
                continue
            self._last_belt_t = tb
            bt_list.append(tb)
            bv_list.append(bb.speed_mps)
        if not t_parts and not bt_list:
            return None
        if t_parts:
            t_us_all = np.concatenate(t_parts)
            t = (t_us_all - self._t0_us) / 1e6
            raw = np.concatenate(v_parts)[:, self._cols]
        else:
            t = np.zeros(0)
            raw = np.zeros((0, self._cols.size), np.int16)
        forces: NDArray[np.generic]
        if self._scale is not None and self._offset is not None:
            forces = (raw - self._offset) * self._scale
        else:
            forces = np.ascontiguousarray(raw)
        belt_t = np.asarray(bt_list, np.float64) if self.belts else None
        belt_v = np.asarray(bv_list, np.float64)[:, None] if self.belts else None
        return GaitSignals(t, forces, self._channels, self.fs, belt_t, belt_v, units=self.units)


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
    )
