"""The step engine: decoded box events (+ belt readings) -> the core's streaming analyzer.

Box SampleBlocks become sample chunks on the box's clock (seconds since the first sample,
by :class:`~stride.ingest.assembler.BlockAssembler`, the one ``stride analyze`` reads
recordings with); the belt speed comes from the session's :class:`BeltSource` (the box's
BELT frames, treadmill readings mapped to box time, or the fixed speed's samples) and
:class:`~stride.core.analyzer.StreamingAnalyzer` turns them into step rows. Nothing here is
tuned: the analyzer's defaults are the batch defaults, so a recording analysed later gives
the same steps.

Every belt sample fed to the analyzer can be watched (``belt_listener``): time on the box
clock, speed and the belt's cumulative travel, integrated as the step lengths are.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.sensorbox import Event, SampleBlock
from devices.treadmill.base import BeltReading
from stride.core.analyzer import AnalysisConfig, StreamingAnalyzer
from stride.core.belt import MAX_BELT_GAP_S, BeltTrack
from stride.core.rows import StepRow, json_safe
from stride.core.signals import Channel, GaitSignals
from stride.core.steps import StepTable
from stride.core.targets import Target
from stride.ingest.assembler import BlockAssembler
from stride.ingest.belt_source import BOX, FIXED, TREADMILL, BeltSource, fixed_samples
from stride.ingest.treadmill_clock import STALE_S, TreadmillBeltClock, with_treadmill

Floats = NDArray[np.float64]
#: Told of belt samples as they are fed: times (s, box clock), speed (m/s, NaN unknown),
#: cumulative belt travel (m).
BeltListener = Callable[[Floats, Floats, Floats], None]


class CoreEngine:
    """Streams a box's events through the block assembler into the streaming analyzer."""

    def __init__(
        self,
        target: Target | None,
        belt: BeltSource | None = None,
        *,
        stale_s: float = STALE_S,
        belts: int = 1,
    ) -> None:
        self.belt = belt or BeltSource()
        # a treadmill's readings may be up to its silence limit apart and still be the belt
        gap = stale_s if self.belt.kind == TREADMILL else MAX_BELT_GAP_S
        self.config = AnalysisConfig(target=target, belt_max_gap_s=max(gap, MAX_BELT_GAP_S))
        self.assembler = BlockAssembler()
        self.analyzer: StreamingAnalyzer | None = None
        # treadmill readings -> box time, outages after ``stale_s`` of silence, heart rates
        # ... with a split-belt treadmill's belts apart (``belts`` 2: left, right)
        self.clock = TreadmillBeltClock(stale_s, belts=belts)
        self.belt_listener: BeltListener | None = None
        self._odometer = BeltTrack()
        self._fixed_t = -np.inf  # time of the last fixed-speed sample fed
        self._last_t = -np.inf  # time of the last force sample fed
        self._with_target = target is not None

    def warm(self) -> None:
        """Compile and run the numba kernels once on a few seconds of synthetic walking."""
        chans = (
            Channel("L", "heel"),
            Channel("L", "toe"),
            Channel("R", "heel"),
            Channel("R", "toe"),
        )
        fs = 1000.0
        t = np.arange(6000) / fs
        f = np.full((t.size, 4), 10, np.int16)
        for col, shift in ((0, 0.0), (2, 0.5)):
            ph = (t + shift) % 1.0
            f[ph < 0.6, col] = 800
            f[(ph > 0.1) & (ph < 0.62), col + 1] = 700
        # raw int16 counts and calibrated float32 newtons alike: the analyzer reads chunks
        # as float64, so one scan is compiled
        cfg = AnalysisConfig(target=Target(step_length_m=0.6))
        a = StreamingAnalyzer(cfg, chans, fs, belts=1)
        for i in range(0, t.size, 500):
            a.feed(t[i : i + 500], f[i : i + 500], t[i : i + 500 : 100], np.full(5, 1.0))
        a.finish().step_rows()
        BeltTrack().append(np.arange(3.0), np.ones(3))

    # -- StepEngine protocol -------------------------------------------------------------
    def feed(self, events: list[Event], readings: list[BeltReading]) -> list[StepRow]:
        rows: list[StepRow] = []
        if events:
            chunk = self.assembler.feed(events)
            if chunk is not None:
                rows.extend(self._feed_chunk(chunk, events))
        if readings and self.belt.kind == TREADMILL:
            rows.extend(self._feed_readings(readings))
        return rows

    def finish(self) -> dict[str, Any]:
        """The whole analysis as the final document's ``summary`` and ``steps``."""
        an = self.analyzer
        if an is None:
            return {"summary": {"steps": 0}, "steps": []}
        speed = self.belt.fixed_speed_mps
        if self.belt.kind == FIXED and speed is not None and self._last_t > self._fixed_t:
            end = np.asarray([self._last_t])  # the last sample's belt, as the batch reader
            self._feed(np.zeros(0), np.zeros((0, len(an.channels))), end, np.asarray([[speed]]))
        # a treadmill's belt is unknown past its last reading too (the steps there flagged)
        unknown = self.clock.unknown_spans() if self.belt.kind == TREADMILL else []
        analysis = with_treadmill(an.finish(), unknown, self.clock.heart_rates)
        return {"summary": json_safe(analysis.summary), "steps": analysis.step_rows()}

    # -- internals -----------------------------------------------------------------------
    def _ensure_analyzer(self) -> StreamingAnalyzer:
        if self.analyzer is None:
            a = self.assembler
            belts = self.belt.analyzer_belts(a.belts)
            if self.belt.kind == TREADMILL:
                belts = self.clock.belts
            self.analyzer = StreamingAnalyzer(self.config, a.channels, a.fs, belts)
        return self.analyzer

    def _feed(
        self,
        t: Floats,
        forces: Any,
        belt_t: Floats | None,
        belt_v: Floats | None,
        breaks: Floats | None = None,
    ) -> list[StepRow]:
        an = self._ensure_analyzer()
        table: StepTable = an.feed(t, forces, belt_t, belt_v, breaks)
        if belt_t is not None and belt_v is not None and len(belt_t):
            self._tell_belt(belt_t, belt_v)
        rows = table.rows(with_target=self._with_target)
        return [self.clock.flag(r) for r in rows]

    def _tell_belt(self, belt_t: Floats, belt_v: Floats) -> None:
        if self.belt_listener is None:
            return
        v = np.asarray(belt_v, np.float64).reshape(len(belt_t), -1).mean(axis=1)
        travelled = self._odometer.append(np.asarray(belt_t, np.float64), v)
        self.belt_listener(np.asarray(belt_t, np.float64), v, travelled)

    def _feed_chunk(self, chunk: GaitSignals, events: list[Event]) -> list[StepRow]:
        an = self._ensure_analyzer()
        belt_t = belt_v = None
        if self.belt.kind == BOX and an.n_belts:
            belt_t, belt_v = chunk.belt_t, chunk.belt_speed
        if chunk.n:
            t_last = float(chunk.t[-1])
            self._last_t = t_last
            host = max((ev.host_t for ev in events if isinstance(ev, SampleBlock)), default=0.0)
            if host and self.belt.kind == TREADMILL and an.n_belts:
                got = self.clock.box_chunk(float(host), t_last)
                if got is not None:
                    belt_t, belt_v = got
            speed = self.belt.fixed_speed_mps
            if self.belt.kind == FIXED and speed is not None and t_last > self._fixed_t:
                belt_t, belt_v = fixed_samples(self._fixed_t, t_last, speed)
                if belt_t.size:
                    self._fixed_t = float(belt_t[-1])
        return self._feed(chunk.times(), chunk.forces, belt_t, belt_v, chunk.breaks)

    def _feed_readings(self, readings: list[BeltReading]) -> list[StepRow]:
        an = self.analyzer
        if an is None or not an.n_belts:
            return []
        got = self.clock.readings(readings)
        if got is None:
            return []
        return self._feed(np.zeros(0), np.zeros((0, len(an.channels))), got[0], got[1])
