"""Treadmill readings -> belt samples on the sensor box's clock, for live and recorded sessions.

A treadmill driver's readings carry host times; the analysis runs on the box's device time.
:class:`TreadmillBeltClock` maps one onto the other and decides, from host times only, when
the treadmill is "not answering" (a NaN belt sample, and a ``belt-unknown`` flag on the steps
whose interval met the outage) after the stream's silence limit
(:func:`stride.ingest.streams.silence_limit`: the driver's), and keeps the heart rates the
readings carry. The live session (:mod:`stride.ingest.engine`) feeds it as the bytes
arrive; ``stride analyze`` (:func:`treadmill_belt`) feeds it the recorded chunks in the
same order (merged by host time), so both get the same belt samples, hence the same steps.
Both finish one way: :func:`with_treadmill` (``belt-unknown`` flags by :func:`flag_row`,
the summary's ``heart_rate_bpm``).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import cast

import numpy as np
from numpy.typing import NDArray

from devices.treadmill.base import BeltReading
from stride.core.analyzer import Analysis
from stride.core.rows import StepRow
from stride.core.summary import stats
from stride.ingest.streams import (
    DEFAULT_CARRY_BYTES,
    DEFAULT_SILENCE_S,
    IncrementalReadings,
    ReadingParser,
)

#: A treadmill silent this long (host seconds) is "not answering": the belt speed becomes
#: unknown (NaN samples), so steps go on being emitted with their lengths flagged. The
#: default; each stream's own comes from :func:`stride.ingest.streams.silence_limit`.
STALE_S = DEFAULT_SILENCE_S
FLAG_BELT_UNKNOWN = "belt-unknown"

#: Belt samples: times (s, box clock) and speeds (m/s): one column, or for a split-belt
#: treadmill (``Treadmill.belts`` 2) two, left then right.
BeltSamples = tuple[NDArray[np.float64], NDArray[np.float64]]


@dataclass
class TreadmillBeltClock:
    """Box chunk arrivals and treadmill readings in arrival order -> belt samples.

    ``box_chunk(host_t, t_box)``: a box chunk that arrived at host time ``host_t`` with its
    last sample at box time ``t_box``; a chunk arrives after its last sample was taken, so
    the smallest ``host_t - t_box`` is the tightest clock offset. ``readings(...)``: new
    treadmill readings (host-stamped), placed at ``host_t - offset``. Belt samples only move
    forward in time; readings before the first box chunk have no clock and are dropped.
    ``belts``: 2 keeps a split-belt treadmill's belts apart (left, right), 1 takes their mean.
    """

    stale_s: float = STALE_S
    belts: int = 1
    offset: float | None = None
    outages: list[list[float]] = field(default_factory=list)  # [start, end] (inf: ongoing)
    heart_rates: list[float] = field(default_factory=list)  # of the readings placed
    _last_t: float = -math.inf
    _last_reading_host: float | None = None
    _first_host: float | None = None

    def box_chunk(self, host_t: float, t_box: float) -> BeltSamples | None:
        """Note a box chunk's arrival; a NaN sample if the treadmill has gone silent."""
        if not host_t:
            return None
        off = host_t - t_box
        self.offset = off if self.offset is None else min(self.offset, off)
        if self._first_host is None:
            self._first_host = host_t
        last = self._last_reading_host if self._last_reading_host is not None else self._first_host
        if host_t - last <= self.stale_s or t_box <= self._last_t + 0.25:
            return None
        if not self.outages or self.outages[-1][1] != math.inf:
            start = self._last_t if math.isfinite(self._last_t) else 0.0
            self.outages.append([start, math.inf])
        self._last_t = t_box
        return np.asarray([t_box]), np.full((1, self.belts), np.nan)

    def readings(self, readings: Iterable[BeltReading]) -> BeltSamples | None:
        """Belt samples from new readings (split belts apart with ``belts`` 2, else their
        mean), None if none is new."""
        if self.offset is None:
            return None
        bt: list[float] = []
        bv: list[tuple[float, ...]] = []
        for r in readings:
            self._last_reading_host = r.host_t
            t = r.host_t - self.offset
            if t > self._last_t:
                if self.outages and self.outages[-1][1] == math.inf:
                    self.outages[-1][1] = t  # answering again
                self._last_t = t
                bt.append(t)
                mean = sum(r.speeds_mps) / len(r.speeds_mps)
                bv.append((r.left_mps, r.right_mps) if self.belts == 2 else (mean,))
                if r.heart_rate_bpm is not None:
                    self.heart_rates.append(float(r.heart_rate_bpm))
        if not bt:
            return None
        return np.asarray(bt), np.asarray(bv, np.float64).reshape(len(bt), self.belts)

    def flag(self, row: StepRow) -> StepRow:
        """Add ``belt-unknown`` to a step row without a length whose interval met an outage."""
        return flag_row(row, self.outages)

    def unknown_spans(self) -> list[list[float]]:
        """Where the belt is unknown once the session has ended: the outages and, from the
        last reading on, ``[last reading, inf]`` (from 0 without any reading).

        A step whose IC comes after the treadmill's last reading has no length (the belt is
        integrated between readings only), and this says why: it is flagged
        ``belt-unknown``, never left without a length and without a reason. Holding the last
        reading past it instead was weighed and not taken: between two readings the belt's
        speed is bounded by both ends, but after the last one nothing bounds it. The session
        ends by stopping the belt (a Trackmaster stops by itself 0.5 s after its host falls
        silent; the walker or the operator presses stop), a belt changes speed at up to its
        acceleration limit (``sim.treadmill`` accepts 0.05..5 m/s^2, Bertec takes any up to
        65 m/s^2), and the poll period that would bound a hold is the driver's and the
        session's (5..10 Hz Trackmaster, about 1 Hz FTMS notifications): a held reading
        would be a guessed length, and a step later than any hold would still need the flag.
        """
        spans = [list(o) for o in self.outages]
        if not (spans and spans[-1][1] == math.inf):
            spans.append([self._last_t if math.isfinite(self._last_t) else 0.0, math.inf])
        return spans


def flag_row(row: StepRow, outages: Iterable[Iterable[float]]) -> StepRow:
    """``belt-unknown`` on a step without length whose interval (from one stride before its
    IC, or its step time, or 2.5 s) met a treadmill outage ``[start, end]``."""
    length = row.get("step_length_m")
    if length is not None and not (isinstance(length, float) and math.isnan(length)):
        return row
    ic = row.get("ic_s")
    if not isinstance(ic, float) or math.isnan(ic):
        return row
    st = _num(row.get("stride_time_s")) or _num(row.get("step_time_s")) or 2.5
    for a, b in outages:
        if ic - st <= b and ic >= a:
            row["flags"] = [*row.get("flags", []), FLAG_BELT_UNKNOWN]
            break
    return row


@dataclass(frozen=True)
class BeltFlagged(Analysis):
    """An analysis whose step rows carry ``belt-unknown`` where the treadmill used as the
    belt source was not answering (its outages, box seconds), as the live session flags
    them row by row."""

    outages: tuple[tuple[float, ...], ...] = ()

    def iter_step_rows(self) -> Iterator[StepRow]:
        return (flag_row(r, self.outages) for r in super().iter_step_rows())

    def step_flags(self) -> list[list[str]]:
        """The rows' flags with ``belt-unknown`` where :meth:`iter_step_rows` adds it:
        :func:`flag_row` on just the values it reads."""
        flags = super().step_flags()
        keys = ("ic_s", "step_time_s", "stride_time_s", "step_length_m")
        cols = [self.steps[k].tolist() for k in keys]
        for i, values in enumerate(zip(*cols, strict=True)):
            row = {k: None if v != v else v for k, v in zip(keys, values, strict=True)}
            flags[i] = flag_row(cast(StepRow, {**row, "flags": flags[i]}), self.outages)["flags"]
        return flags

    @classmethod
    def of(cls, analysis: Analysis, outages: Iterable[Iterable[float]]) -> Analysis:
        """``analysis`` flagged by ``outages`` (itself when there are none)."""
        spans = tuple(tuple(o) for o in outages)
        return cls(**vars(analysis), outages=spans) if spans else analysis


def _num(x: object) -> float | None:
    """A finite non-zero number, else None (so ``or`` falls through as for JSON nulls)."""
    if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) and x:
        return float(x)
    return None


def heart_rate_summary(bpm: Iterable[float]) -> dict[str, float | int | None]:
    """``{"mean", "sd", "min", "max", "n"}`` of the heart rates a treadmill sent during
    the session (beats/min, sample SD): the summary's ``heart_rate_bpm``."""
    a = np.asarray(list(bpm), dtype=np.float64)
    a = a[np.isfinite(a)]
    out: dict[str, float | int | None] = dict(stats(a))
    out["min"] = float(a.min()) if a.size else None
    out["max"] = float(a.max()) if a.size else None
    return out


def with_treadmill(
    analysis: Analysis, outages: Iterable[Iterable[float]], heart_rates: Iterable[float] = ()
) -> Analysis:
    """``analysis`` with what its treadmill added: ``belt-unknown`` flags where it was not
    answering (:class:`BeltFlagged`) and, where it sent any, the summary's
    ``heart_rate_bpm``. The live session and ``stride analyze`` both finish with this."""
    rates = list(heart_rates)
    if rates:
        summary = {**analysis.summary, "heart_rate_bpm": heart_rate_summary(rates)}
        analysis = replace(analysis, summary=summary)
    return BeltFlagged.of(analysis, outages)


@dataclass
class RecordedTreadmill:
    """What :func:`treadmill_belt` found: belt samples, outages, the readings count and
    the heart rates they carried."""

    belt_t: NDArray[np.float64]
    belt_v: NDArray[np.float64]
    outages: list[list[float]]
    readings: int
    heart_rates: list[float] = field(default_factory=list)
    #: the outages and the span past the last reading (:meth:`TreadmillBeltClock.unknown_spans`)
    unknown: list[list[float]] = field(default_factory=list)


def treadmill_belt(
    box_chunks: Iterable[tuple[float, float]],
    rx_chunks: Iterable[tuple[float, bytes]],
    parser: ReadingParser,
    stale_s: float = STALE_S,
    carry: int = DEFAULT_CARRY_BYTES,
    belts: int = 1,
) -> RecordedTreadmill:
    """A recorded session's treadmill belt samples, exactly as the live session made them.

    ``box_chunks``: ``(host_t, t_box)`` of each recorded box chunk that added samples, in
    order; ``rx_chunks``: the recorded ``treadmill.rx`` chunks ``(host_t, bytes)``. Both are
    merged by host time (box first on a tie: the live session stamps every chunk with a
    distinct host time) and fed to a :class:`TreadmillBeltClock` with the stream's silence
    limit ``stale_s``, its chunks parsed with ``carry`` earlier bytes, as live, with its
    ``belts`` (:func:`stride.ingest.streams.belt_columns`).
    """
    clock = TreadmillBeltClock(stale_s, belts=belts)
    incremental = IncrementalReadings(parser, max_carry=carry)
    ts: list[NDArray[np.float64]] = []
    vs: list[NDArray[np.float64]] = []
    count = 0
    for host_t, kind, item in _merged(box_chunks, rx_chunks):
        if kind == 0:
            assert isinstance(item, float)
            got = clock.box_chunk(host_t, item)
        else:
            assert isinstance(item, bytes)
            new = incremental.feed(item, host_t)
            count += len(new)
            got = clock.readings(new) if new else None
        if got is not None:
            ts.append(got[0])
            vs.append(got[1])
    bt = np.concatenate(ts) if ts else np.zeros(0)
    bv = np.concatenate(vs) if vs else np.zeros((0, belts))
    return RecordedTreadmill(bt, bv, clock.outages, count, clock.heart_rates, clock.unknown_spans())


def _merged(
    box_chunks: Iterable[tuple[float, float]], rx_chunks: Iterable[tuple[float, bytes]]
) -> Iterator[tuple[float, int, float | bytes]]:
    box = ((h, 0, t) for h, t in box_chunks)
    rx = ((h, 1, d) for h, d in rx_chunks)
    return heapq.merge(box, rx, key=lambda c: (c[0], c[1]))
