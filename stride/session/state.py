"""What the dashboard shows, kept up to date step by step: rolling figures over 20 strides
(fewer until each foot has taken 20: :attr:`Rolling.strides` says how many).

:class:`SessionState` is fed the step rows of the streaming analyzer and device health;
the dashboard, the alerts and the session's observers only read it. The rolling figures
come from :class:`stride.core.rolling.RollingWindow` (the report's curves use the same
windows and formulas); flagged steps stay out of them, as out of the summary. Memory stays
flat: only each foot's last 20 strides and a few running totals are kept.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from stride.core.norms import NORMAL_SI
from stride.core.rolling import ROLLING_STRIDES, RollingWindow
from stride.core.rows import StepRow
from stride.core.targets import Target, matching_cadence_spm

_SIDES = ("L", "R")
#: Quantities whose rolling figures are kept.
_ROLLING_KEYS = ("step_length_m", "step_time_s", "stride_time_s", "stance_s", "impulse")


@dataclass
class Health:
    """Device counters shown in the health panel (copied from decoder and readers)."""

    frames: int = 0
    frames_per_s: float = 0.0
    crc_errors: int = 0
    #: Frames failing their CRC per second over the last seconds (a damaged link).
    crc_errors_per_s: float = 0.0
    #: The box stream is a board's CSV lines (protocol ``csvlines``): ``frames`` counts its
    #: lines and ``crc_errors`` its bad lines, and they are shown so.
    csv_lines: bool = False
    gaps: int = 0
    #: Bytes of the box's stream that decoded to nothing (no frame, or a CRC error) and were
    #: skipped: this session's, and over the last seconds (``RateMeter`` window).
    skipped_bytes: int = 0
    skipped_recent: int = 0
    #: Since when (the session's seconds; a replay's: the recording's) the last seconds'
    #: figures are counted, and since when no frame decoded (``decoder_stalled``).
    recent_since: float = 0.0
    stalled_since: float = 0.0
    reconnects: int = 0
    box_connected: bool = True
    box_message: str = ""
    #: What stopped the recording (a full disk, its folder removed); "" while recording.
    recording_error: str = ""
    treadmill: str | None = None  # driver name, None = belt from the box or no belt
    treadmill_answering: bool = True
    #: The treadmill's speed cannot be set from the session (refused or no control).
    treadmill_read_only: bool = False
    #: The driver can start the belt (a CSAFE one is started at its console).
    treadmill_can_start: bool = True
    decoder_stalled: bool = False
    cpu_percent: float = 0.0
    latency_p50_ms: float | None = None
    latency_p99_ms: float | None = None
    box_errors: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Rolling:
    """The rolling figures over each foot's last 20 strides (None where not measurable)."""

    n_steps: int
    cadence_spm: float | None
    step_length_m: dict[str, float | None]
    si_step_length: float | None
    si_step_time: float | None
    si_stance: float | None
    stride_time_cv: dict[str, float | None]
    heel_first_share: dict[str, float | None]
    si_loading: float | None
    step_time_s: dict[str, float | None] = field(default_factory=dict)
    stance_s: dict[str, float | None] = field(default_factory=dict)
    #: Each foot's strides the figures are over: its unflagged steps, up to 20.
    strides: dict[str, int] = field(default_factory=dict)
    #: Share of each foot's scored steps within tolerance over those strides (the
    #: session's is :meth:`SessionState.within_share`).
    on_target_share: dict[str, float | None] = field(default_factory=dict)


class SessionState:
    """Thread-safe store of steps and health; the analysis thread writes, the UI reads.

    ``symmetry_tolerance_pct``: |SI| up to this counts as symmetric (green and ticked;
    yellow up to twice it): the normal range the reports use (ratio 0.9-1.1, 9.5 %).
    ``asymmetry_alert_pct``: |step-length SI| beyond this raises an alert.
    """

    def __init__(
        self,
        target: Target | None,
        *,
        last_steps: int = 8,
        symmetry_tolerance_pct: float = NORMAL_SI,
        asymmetry_alert_pct: float = 15.0,
    ) -> None:
        self.target = target
        self.symmetry_tolerance_pct = symmetry_tolerance_pct
        self.asymmetry_alert_pct = asymmetry_alert_pct
        self.lock = threading.Lock()
        self._window = RollingWindow(ROLLING_STRIDES)
        self._recent: deque[str] = deque(maxlen=2 * ROLLING_STRIDES)  # sides, unflagged
        self._kinds: dict[str, deque[str]] = {s: deque(maxlen=ROLLING_STRIDES) for s in _SIDES}
        self._strides = {s: 0 for s in _SIDES}  # unflagged steps, each foot's
        self._on: dict[str, deque[bool]] = {s: deque(maxlen=ROLLING_STRIDES) for s in _SIDES}
        self.last: dict[str, deque[dict[str, Any]]] = {s: deque(maxlen=last_steps) for s in _SIDES}
        self.steps_total = 0
        self.scored = {s: 0 for s in _SIDES}
        self.within = {s: 0 for s in _SIDES}
        self.paused = False
        self.metronome = False
        self.elapsed_s = 0.0
        self.belt_mps: float | None = None
        self.belt_set_mps: float | None = None
        #: The heart rate the treadmill relays (beats/min), None where it sends none.
        self.heart_rate_bpm: float | None = None
        self.last_step_host_t: float | None = None  # session clock (monotonic) seconds
        self.started_host_t: float | None = None
        self._clock: Callable[[], float] = time.monotonic
        self.health = Health()
        self.notices: deque[str] = deque(maxlen=3)
        self.events: deque[dict[str, Any]] = deque(maxlen=500)
        self.notes_total = 0
        self.finished = False
        #: A replay's position in the recording (s since its first chunk); None live.
        self.recording_s: float | None = None
        #: Where in the recording the last step came (a replay's "no steps" counts from it).
        self.last_step_recording_s: float | None = None
        #: A replay's last stretch without the box (its port reopened), in the recording's s.
        self.recorded_outage: tuple[float, float] | None = None
        #: When steps could come again after they could not (the belt started moving after
        #: standing still, the box came back after being lost, its bytes decoded to frames
        #: again after a stall): the session's clock, a replay's recording seconds, and what
        #: happened. "No steps" counts from the later of it and the last step: the walker
        #: gets the seconds to walk again that the start gives, and is never blamed for the
        #: time the belt or the box was away.
        self.resumed_host_t: float | None = None
        self.resumed_recording_s: float | None = None
        self.resumed_by = ""
        #: The walker's view's address (``--view``), shown on the dashboard.
        self.view_url: str | None = None

    # -- writers -------------------------------------------------------------------------
    def use_clock(self, monotonic: Callable[[], float]) -> None:
        """Take times from the session's clock (:mod:`stride.session.clock`)."""
        self._clock = monotonic

    def now(self) -> float:
        """Now on the session's clock: what the dashboard's "no steps for N s" counts in."""
        return self._clock()

    def add_steps(self, steps: Iterable[StepRow | dict[str, Any]], host_t: float) -> None:
        """Take newly completed steps; scoring counts only while not paused."""
        with self.lock:
            for step in steps:
                s = dict(step)
                side = s.get("side")
                if side not in _SIDES:
                    continue
                self.steps_total += 1
                self.last_step_host_t = host_t
                self.last_step_recording_s = self.recording_s
                self.last[side].append(s)
                if self.paused or s.get("flags"):
                    continue  # flagged steps stay out of every figure, as in the summary
                self._recent.append(side)
                self._strides[side] += 1
                self._window.add(side, {k: s.get(k) for k in _ROLLING_KEYS})
                if s.get("contact_type"):
                    self._kinds[side].append(str(s["contact_type"]))
                on = s.get("on_target")
                if isinstance(on, bool) and self.target is not None and self.target.step_length_m:
                    self.scored[side] += 1
                    self.within[side] += on
                    self._on[side].append(on)

    def note(self, message: str, *, at: float | None = None) -> None:
        """A short event for the alerts panel (e.g. "box reconnected"), also kept in the
        session's event log with the elapsed time (a replay's: the time in the recording),
        or ``at`` (what a replay notes where the event began)."""
        with self.lock:
            self.notices.append(message)
            self.notes_total += 1
            if at is None:
                at = self.elapsed_s if self.recording_s is None else self.recording_s
            self.events.append({"elapsed_s": round(at, 3), "event": message})

    def resume(self, what: str, host_t: float) -> None:
        """Steps can come again from now: ``host_t`` on the session's clock (a replay's
        moment in the recording is its ``recording_s``); ``what`` made them possible ("the
        belt started")."""
        with self.lock:
            self.resumed_host_t = host_t
            self.resumed_recording_s = self.recording_s
            self.resumed_by = what

    # -- readers -------------------------------------------------------------------------
    def within_share(self) -> dict[str, float | None]:
        """Share of scored steps within tolerance, per side, over the session."""
        return {s: (self.within[s] / self.scored[s] if self.scored[s] else None) for s in _SIDES}

    def rolling(self) -> Rolling:
        """Figures over each foot's last 20 strides of unflagged steps."""
        with self.lock:
            w = self._window
            heel = {
                side: (sum(k == "heel" for k in kinds) / len(kinds)) if kinds else None
                for side, kinds in self._kinds.items()
            }
            return Rolling(
                n_steps=len(self._recent),
                cadence_spm=w.cadence_spm(),
                step_length_m={s: w.mean("step_length_m", s) for s in _SIDES},
                si_step_length=w.symmetry_index("step_length_m"),
                si_step_time=w.symmetry_index("step_time_s"),
                si_stance=w.symmetry_index("stance_s"),
                stride_time_cv={s: w.cv("stride_time_s", s) for s in _SIDES},
                heel_first_share=heel,
                si_loading=w.symmetry_index("impulse"),
                step_time_s={s: w.mean("step_time_s", s) for s in _SIDES},
                stance_s={s: w.mean("stance_s", s) for s in _SIDES},
                strides={s: min(n, ROLLING_STRIDES) for s, n in self._strides.items()},
                on_target_share={s: sum(v) / len(v) if v else None for s, v in self._on.items()},
            )

    @property
    def replay(self) -> bool:
        """Whether a recording is played (no belt to drive, no metronome to walk to)."""
        return self.recording_s is not None

    def target_cadence(self) -> float | None:
        """The cadence to aim at: the target's, else the one that gives the target step
        length at the belt speed set (or measured)."""
        t = self.target
        if t is None:
            return None
        if t.cadence_spm is not None:
            return t.cadence_spm
        v = self.belt_set_mps if self.belt_set_mps is not None else self.belt_mps
        if t.step_length_m and v:
            return matching_cadence_spm(v, t.step_length_m)
        return None

    def last_steps(self, side: str) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.last[side])
