"""What the dashboard shows, kept up to date step by step: rolling figures over 20 strides.

:class:`SessionState` is fed the steps of the streaming analyzer (DESIGN.md step dicts) and
device health; the dashboard and the alerts only read it. Memory stays flat: only the last
20 strides (40 steps) and a few running totals are kept.
"""

from __future__ import annotations

import math
import threading
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ROLLING_STRIDES = 20
_SIDES = ("L", "R")

Step = Mapping[str, Any]


def symmetry_index(left: float | None, right: float | None) -> float | None:
    """SI = (L - R) / (0.5 (L + R)) x 100 % (positive: left larger); None if undefined."""
    if left is None or right is None or not math.isfinite(left + right) or left + right == 0:
        return None
    return (left - right) / (0.5 * (left + right)) * 100.0


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _cv_percent(values: list[float]) -> float | None:
    """100 x sample SD / mean, as the core's summary; None below two values."""
    if len(values) < 2:
        return None
    m = sum(values) / len(values)
    if m <= 0:
        return None
    var = sum((v - m) ** 2 for v in values) / (len(values) - 1)
    return 100.0 * math.sqrt(var) / m


def _num(step: Step, key: str) -> float | None:
    v = step.get(key)
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        return None
    return float(v)


@dataclass(frozen=True)
class Targets:
    """What the walker aims at: step length (parallel lines), its tolerance, a cadence."""

    step_length_m: float | None = None
    tolerance_m: float = 0.05
    cadence_spm: float | None = None
    spacing_m: float | None = None
    lines_per_step: int | None = None
    #: |SI| up to this (percent) counts as symmetric (green); up to twice it, yellow.
    symmetry_tolerance_pct: float = 10.0
    #: |step-length SI| beyond this raises an alert.
    asymmetry_alert_pct: float = 15.0


@dataclass
class Health:
    """Device counters shown in the health panel (copied from decoder and readers)."""

    frames: int = 0
    frames_per_s: float = 0.0
    crc_errors: int = 0
    gaps: int = 0
    reconnects: int = 0
    box_connected: bool = True
    box_message: str = ""
    treadmill: str | None = None  # driver name, None = belt from the box or no belt
    treadmill_answering: bool = True
    decoder_stalled: bool = False
    cpu_percent: float = 0.0
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    box_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rolling:
    """The rolling figures over the last 20 strides (None where not measurable yet)."""

    n_steps: int
    cadence_spm: float | None
    step_length_m: dict[str, float | None]
    si_step_length: float | None
    si_step_time: float | None
    si_stance: float | None
    stride_time_cv: dict[str, float | None]
    heel_first_share: dict[str, float | None]
    si_loading: float | None


class SessionState:
    """Thread-safe store of steps and health; the analysis thread writes, the UI reads."""

    def __init__(self, targets: Targets, *, last_steps: int = 8) -> None:
        self.targets = targets
        self.lock = threading.Lock()
        self._recent: deque[dict[str, Any]] = deque(maxlen=2 * ROLLING_STRIDES)
        self.last: dict[str, deque[dict[str, Any]]] = {s: deque(maxlen=last_steps) for s in _SIDES}
        self.steps_total = 0
        self.scored = {s: 0 for s in _SIDES}
        self.within = {s: 0 for s in _SIDES}
        self.paused = False
        self.metronome = False
        self.elapsed_s = 0.0
        self.belt_mps: float | None = None
        self.belt_set_mps: float | None = None
        self.last_step_host_t: float | None = None
        self.started_host_t: float | None = None
        self.health = Health()
        self.notices: deque[str] = deque(maxlen=3)
        self.events: deque[dict[str, Any]] = deque(maxlen=500)
        self.notes_total = 0
        self.finished = False

    # -- writers -------------------------------------------------------------------------
    def add_steps(self, steps: Iterable[Step], host_t: float) -> None:
        """Take newly completed steps; scoring counts only while not paused."""
        with self.lock:
            for step in steps:
                s = dict(step)
                side = s.get("side")
                if side not in _SIDES:
                    continue
                self.steps_total += 1
                self.last_step_host_t = host_t
                self.last[side].append(s)
                if self.paused:
                    continue
                self._recent.append(s)
                if s.get("flags"):
                    continue  # flagged steps stay out of every figure, as in the summary
                on = s.get("on_target")
                if on is None:
                    err = _num(s, "target_error_m")
                    on = None if err is None else abs(err) <= self.targets.tolerance_m + 1e-12
                if on is not None and self.targets.step_length_m is not None:
                    self.scored[side] += 1
                    self.within[side] += bool(on)

    def note(self, message: str) -> None:
        """A short event for the alerts panel (e.g. "box reconnected"), also kept in the
        session's event log with the elapsed time."""
        with self.lock:
            self.notices.append(message)
            self.notes_total += 1
            self.events.append({"elapsed_s": round(self.elapsed_s, 3), "event": message})

    # -- readers -------------------------------------------------------------------------
    def within_share(self) -> dict[str, float | None]:
        """Share of scored steps within tolerance, per side, over the session."""
        return {s: (self.within[s] / self.scored[s] if self.scored[s] else None) for s in _SIDES}

    def rolling(self) -> Rolling:
        """Figures over the last 20 strides of unflagged steps."""
        with self.lock:
            recent = [s for s in self._recent if not (s.get("flags") or [])]
        by = {side: [s for s in recent if s.get("side") == side] for side in _SIDES}

        def side_mean(side: str, key: str) -> float | None:
            return _mean([v for s in by[side] if (v := _num(s, key)) is not None])

        def si(key: str) -> float | None:
            return symmetry_index(side_mean("L", key), side_mean("R", key))

        step_times = [v for s in recent if (v := _num(s, "step_time_s")) is not None]
        mean_step = _mean(step_times)
        cadence = 60.0 / mean_step if mean_step else None  # as the summary: 60 / mean step
        heel: dict[str, float | None] = {}
        for side in _SIDES:
            kinds = [s.get("contact_type") for s in by[side] if s.get("contact_type")]
            heel[side] = (sum(k == "heel" for k in kinds) / len(kinds)) if kinds else None
        return Rolling(
            n_steps=len(recent),
            cadence_spm=cadence,
            step_length_m={side: side_mean(side, "step_length_m") for side in _SIDES},
            si_step_length=si("step_length_m"),
            si_step_time=si("step_time_s"),
            si_stance=si("stance_s"),
            stride_time_cv={
                side: _cv_percent(
                    [v for s in by[side] if (v := _num(s, "stride_time_s")) is not None]
                )
                for side in _SIDES
            },
            heel_first_share=heel,
            si_loading=si("impulse"),
        )

    def last_steps(self, side: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.last[side])
