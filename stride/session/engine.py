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

from devices.sensorbox import BeltBlock, Event, HelloEvent, SampleBlock
from devices.treadmill.base import BeltReading
from stride.core.analyzer import AnalysisConfig, StreamingAnalyzer
from stride.core.signals import Channel, Side
from stride.core.targets import Target
from stride.session.live import jsonable

#: Where the belt speed comes from.
BELT_BOX = "box"
BELT_TREADMILL = "treadmill"
BELT_FIXED = "fixed"
BELT_NONE = "none"


def channels_of(hello: Any) -> tuple[Channel, ...]:
    """The core's channel map from a HELLO (side L/R, place name)."""
    out = []
    for spec in hello.channels:
        side: Side = "R" if spec.side == "R" else "L"
        out.append(Channel(side, spec.place or "foot"))
    return tuple(out)


class CoreEngine:
    """Streams a box's events into :class:`StreamingAnalyzer` (see the module docstring).

    Samples that arrive before the first HELLO (a host joining mid-stream) are kept, up to
    ``max_early`` blocks, and fed once the channel map is known.
    """

    def __init__(
        self,
        target: Target | None,
        *,
        belt: str = BELT_BOX,
        fixed_speed_mps: float | None = None,
        max_early: int = 2000,
    ) -> None:
        self.config = AnalysisConfig(target=target)
        self.belt = belt
        self.fixed_speed_mps = fixed_speed_mps
        self.analyzer: StreamingAnalyzer | None = None
        self.t0_us: int | None = None
        self._early: list[Event] = []
        self._max_early = max_early
        self._offset: float | None = None  # host_t - box time (s), smallest seen
        self._last_t = -np.inf
        self._last_belt_t = -np.inf

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
        phase = (t % 1.0)[:, None]
        f = np.zeros((t.size, 4), np.int16)
        f[:, 0] = np.where(phase[:, 0] < 0.6, 800, 10)
        f[:, 1] = np.where((phase[:, 0] > 0.1) & (phase[:, 0] < 0.62), 700, 10)
        ph2 = (t + 0.5) % 1.0
        f[:, 2] = np.where(ph2 < 0.6, 800, 10)
        f[:, 3] = np.where((ph2 > 0.1) & (ph2 < 0.62), 700, 10)
        a = StreamingAnalyzer(AnalysisConfig(target=Target(step_length_m=0.6)), chans, fs, belts=1)
        for i in range(0, t.size, 500):
            a.feed(t[i : i + 500], f[i : i + 500], t[i : i + 500 : 100], np.full(5, 1.0))
        a.finish()

    # -- StepEngine protocol -------------------------------------------------------------
    def feed(self, events: list[Event], readings: list[BeltReading]) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        if events:
            if self.analyzer is None:
                events = self._start(events)
            if self.analyzer is not None and events:
                rows.extend(self._feed_events(events))
        if readings and self.belt == BELT_TREADMILL:
            rows.extend(self._feed_readings(readings))
        return rows

    def finish(self) -> dict[str, Any]:
        if self.analyzer is None:
            return {"summary": {"steps": 0}, "steps": []}
        analysis = self.analyzer.finish()
        return {"summary": jsonable(analysis.summary), "steps": jsonable(analysis.step_rows())}

    # -- internals -----------------------------------------------------------------------
    def _start(self, events: list[Event]) -> list[Event]:
        hello = next((e for e in events if isinstance(e, HelloEvent)), None)
        if hello is None:
            room = self._max_early - len(self._early)
            self._early.extend(e for e in events[: max(0, room)] if not isinstance(e, HelloEvent))
            return []
        h = hello.hello
        belts = 1 if self.belt != BELT_NONE else 0
        if self.belt == BELT_BOX and not h.belt_counts_per_m:
            belts = 0
        self.analyzer = StreamingAnalyzer(
            self.config, channels_of(h), float(h.sample_rate_hz), belts
        )
        early, self._early = self._early, []
        return early + events

    def _time(self, t_us: Any) -> Any:
        if self.t0_us is None:
            self.t0_us = int(np.asarray(t_us).flat[0])
        return (np.asarray(t_us, np.int64) - self.t0_us) * 1e-6

    def _feed_events(self, events: list[Event]) -> list[dict[str, Any]]:
        assert self.analyzer is not None
        rows: list[dict[str, Any]] = []
        ts: list[Any] = []
        fs: list[Any] = []
        bt: list[float] = []
        bv: list[float] = []
        for ev in events:
            if isinstance(ev, SampleBlock) and len(ev.t_us):
                t = self._time(ev.t_us)
                keep = t > self._last_t
                if not keep.all():
                    t = t[keep]
                    vals = ev.values[keep]
                else:
                    vals = ev.values
                if not t.size:
                    continue
                self._last_t = float(t[-1])
                ts.append(t)
                fs.append(vals)
                if ev.host_t:
                    off = ev.host_t - float(t[-1])
                    self._offset = off if self._offset is None else min(self._offset, off)
                if self.belt == BELT_FIXED and self.fixed_speed_mps is not None:
                    bt.append(float(t[-1]))
                    bv.append(self.fixed_speed_mps)
            elif isinstance(ev, BeltBlock) and self.belt == BELT_BOX and ev.speed_mps is not None:
                bt.append(float(self._time(ev.t_us)))
                bv.append(ev.speed_mps)
        if ts:
            t_all = np.concatenate(ts)
            f_all = np.concatenate(fs)
            table = self.analyzer.feed(
                t_all,
                f_all,
                np.asarray(bt) if bt and self.analyzer.n_belts else None,
                np.asarray(bv) if bv and self.analyzer.n_belts else None,
            )
            rows.extend(table.rows(with_target=self.config.target is not None))
        elif bt and self.analyzer.n_belts:
            table = self.analyzer.feed(
                np.zeros(0),
                np.zeros((0, len(self.analyzer.channels))),
                np.asarray(bt),
                np.asarray(bv),
            )
            rows.extend(table.rows(with_target=self.config.target is not None))
        return [jsonable(r) for r in rows]

    def _feed_readings(self, readings: list[BeltReading]) -> list[dict[str, Any]]:
        if self.analyzer is None or self._offset is None or not self.analyzer.n_belts:
            return []
        bt_list: list[float] = []
        bv_list: list[float] = []
        for r in readings:
            t = r.host_t - self._offset
            if t > self._last_belt_t:  # belt samples must move forward in time
                self._last_belt_t = t
                bt_list.append(t)
                bv_list.append(sum(r.speeds_mps) / len(r.speeds_mps))
        if not bt_list:
            return []
        bt = np.asarray(bt_list)
        bv = np.asarray(bv_list)
        table = self.analyzer.feed(np.zeros(0), np.zeros((0, len(self.analyzer.channels))), bt, bv)
        return [jsonable(r) for r in table.rows(with_target=self.config.target is not None)]
