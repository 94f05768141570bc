"""The step engine of a session: decoded box events (+ belt readings) -> the core's analyzer.

Box SampleBlocks become sample chunks on the box's clock (seconds since the first sample),
belt speed comes from the box's BELT frames, from treadmill readings (host time mapped to
box time) or from a fixed speed, and the core's :class:`StreamingAnalyzer` turns them into
steps. Nothing here is tuned: the analyzer's defaults are the batch defaults, so a
recording analysed later gives the same steps.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.sensorbox import Event, SampleBlock
from devices.treadmill.base import BeltReading
from stride.core.analyzer import AnalysisConfig, StreamingAnalyzer
from stride.core.signals import Channel, GaitSignals
from stride.core.targets import Target
from stride.ingest.assembler import BlockAssembler
from stride.ingest.treadmill_clock import TreadmillBeltClock
from stride.session.live import jsonable

#: Where the belt speed comes from.
BELT_BOX = "box"
BELT_TREADMILL = "treadmill"
BELT_FIXED = "fixed"
BELT_NONE = "none"


class CoreEngine:
    """Streams a box's events through the block assembler into :class:`StreamingAnalyzer`.

    The assembler (:class:`stride.blocks.BlockAssembler`) is the one ``stride analyze``
    reads recordings with, so a box-belt or overground session analysed later gives the
    same steps. With a treadmill or a fixed speed as the belt source, the box's own BELT
    readings are ignored and the treadmill's (host time mapped to box time) or the fixed
    speed are fed instead.
    """

    def __init__(
        self,
        target: Target | None,
        *,
        belt: str = BELT_BOX,
        fixed_speed_mps: float | None = None,
    ) -> None:
        self.config = AnalysisConfig(target=target)
        self.belt = belt
        self.fixed_speed_mps = fixed_speed_mps
        self.assembler = BlockAssembler()
        self.analyzer: StreamingAnalyzer | None = None
        self.clock = TreadmillBeltClock()  # treadmill readings -> box time, outages
        self._last_belt_t = -np.inf  # of the fixed speed
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
        for forces in (f, f.astype(np.float64)):  # raw counts, and newtons when calibrated
            cfg = AnalysisConfig(target=Target(step_length_m=0.6))
            a = StreamingAnalyzer(cfg, chans, fs, belts=1)
            for i in range(0, t.size, 500):
                a.feed(t[i : i + 500], forces[i : i + 500], t[i : i + 500 : 100], np.full(5, 1.0))
            a.finish().step_rows()

    # -- StepEngine protocol -------------------------------------------------------------
    def feed(self, events: list[Event], readings: list[BeltReading]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        if events:
            chunk = self.assembler.feed(events)
            if chunk is not None:
                rows.extend(self._feed_chunk(chunk, events))
        if readings and self.belt == BELT_TREADMILL:
            rows.extend(self._feed_readings(readings))
        return rows

    def finish(self) -> dict[str, Any]:
        if self.analyzer is None:
            return {"summary": {"steps": 0}, "steps": []}
        analysis = self.analyzer.finish()
        steps = [self._flag(r) for r in jsonable(analysis.step_rows())]
        return {"summary": jsonable(analysis.summary), "steps": steps}

    # -- internals -----------------------------------------------------------------------
    def _ensure_analyzer(self) -> StreamingAnalyzer:
        if self.analyzer is None:
            a = self.assembler
            belts = a.belts if self.belt == BELT_BOX else (0 if self.belt == BELT_NONE else 1)
            self.analyzer = StreamingAnalyzer(self.config, a.channels, a.fs, belts)
        return self.analyzer

    def _rows(self, table: Any) -> list[dict[str, Any]]:
        return [self._flag(jsonable(r)) for r in table.rows(with_target=self._with_target)]

    def _feed_chunk(self, chunk: GaitSignals, events: list[Event]) -> list[dict[str, Any]]:
        an = self._ensure_analyzer()
        belt_t = belt_v = None
        if self.belt == BELT_BOX and an.n_belts:
            belt_t, belt_v = chunk.belt_t, chunk.belt_speed
        if chunk.n:
            host = max((ev.host_t for ev in events if isinstance(ev, SampleBlock)), default=0.0)
            if host and self.belt == BELT_TREADMILL and an.n_belts:
                got = self.clock.box_chunk(float(host), float(chunk.t[-1]))
                if got is not None:
                    belt_t, belt_v = got
            if self.belt == BELT_FIXED and self.fixed_speed_mps is not None:
                tb = float(chunk.t[-1])
                if tb > self._last_belt_t:
                    self._last_belt_t = tb
                    belt_t = np.asarray([tb])
                    belt_v = np.asarray([[self.fixed_speed_mps]])
        return self._rows(an.feed(chunk.t, chunk.forces, belt_t, belt_v))

    def _flag(self, row: dict[str, Any]) -> dict[str, Any]:
        """``belt-unknown`` on a step without length whose interval met a treadmill outage."""
        return self.clock.flag(row)

    def _feed_readings(self, readings: list[BeltReading]) -> list[dict[str, Any]]:
        an = self.analyzer
        if an is None or not an.n_belts:
            return []
        got = self.clock.readings(readings)
        if got is None:
            return []
        empty = np.zeros((0, len(an.channels)))
        return self._rows(an.feed(np.zeros(0), empty, got[0], got[1]))
