"""The devices' health at each refresh of a session, and what it alone would hide.

:class:`HealthWatch` copies the devices' counters into the state's
:class:`~stride.session.state.Health` (the figures on screen change once a second), and says
once, as a notice (the dashboard's alerts panel, the session's event log, and stderr
without a dashboard), what a counter would otherwise only count:

- the sensor box restarted while its port stayed open (its clock and frame counter back to
  the start: a loose power contact, a brown-out, a watchdog), at each restart, with the
  count so far (a reopened port is said by the reader and not counted here);
- a live session whose belt speed comes from the box (``--treadmill box``, the default) on
  a box that cannot measure it (a CSV board, or a box whose HELLO says it has no belt
  encoder): step lengths stay empty, and the option that gives the speed is named (once
  the first frame or line is read: a box that never decodes gets its one-line diagnosis).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from stride.ingest.belt_source import BOX
from stride.session.screen.alerts import STOPPED_MPS, fmt_clock
from stride.session.stats import RateMeter, StallWatch, rss_mb

if TYPE_CHECKING:
    from stride.session.live import Session

#: What gives step lengths a belt speed when the box has none.
GIVE_SPEED = (
    "give the belt's speed with --treadmill fixed:SPEED (the speed set at its console, e.g. "
    "--treadmill fixed:3.5kmh) or --treadmill DRIVER:PORT (a treadmill with a port, e.g. "
    "trackmaster:/dev/ttyUSB0)"
)


def no_belt_speed(pipeline: Any, csv_lines: bool) -> str | None:
    """Why step lengths stay empty, where the belt's speed is to come from the box and the
    box cannot measure it (a CSV board; a box whose HELLO says it has no encoder); None
    otherwise, and before a box's HELLO came."""
    belt = getattr(pipeline, "belt", None)
    if getattr(belt, "kind", None) != BOX:
        return None
    if csv_lines:
        what = "a board that prints CSV lines has no belt encoder"
    else:
        info: Any = getattr(pipeline, "info", None)
        if info is None or info.sample_rate_hz is None or info.belt_counts_per_m:
            return None
        what = "the sensor box has no belt encoder (its HELLO says so)"
    return f"no belt speed, so step lengths stay empty: {what}; {GIVE_SPEED}"


class HealthWatch:
    """The session's device health (see the module docstring); ``update`` at each refresh."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.rate, self.crc_rate, self.stall = RateMeter(), RateMeter(), StallWatch()
        self.skip_rate = RateMeter()
        self._published = 0.0
        self._restarts = 0
        #: The belt's last known speed was a stopped belt's (its start is a resumption).
        self._belt_stopped = False
        #: The frame count while the decoder was stalled, until frames decode again.
        self._stalled_at_frames: int | None = None
        #: Why step lengths stay empty (said once), None while a belt speed is measured.
        self.no_belt_speed: str | None = None

    def _count(self, now: float) -> tuple[dict[str, int], float]:
        """The decoder's counts into the state's health; (the counts, frames per second)."""
        c = self.session.pipeline.counters()
        h = self.session.state.health
        h.frames = c.get("frames", 0)
        h.crc_errors = c.get("crc_errors", 0)
        h.csv_lines = "lines" in c
        h.gaps = c.get("gaps", 0)
        h.skipped_bytes = c.get("discarded_bytes", 0)
        # a replay's rates are over the recording's seconds, not the real ones its --speed sets
        st = self.session.state
        now = st.recording_s if st.recording_s is not None else now
        self.skip_rate.update(now, h.skipped_bytes)
        h.skipped_recent, h.recent_since = self.skip_rate.recent, self.skip_rate.since
        h.crc_errors_per_s = self.crc_rate.update(now, h.crc_errors)
        return c, self.rate.update(now, h.frames)

    def at_end(self, now: float) -> None:
        """The counts once the analysis has read every byte the session received, so that
        what came in its last moments (a burst of bytes that decode to nothing, a restart:
        a replay at --speed max reads all of a short recording between two refreshes) is
        said before its summary, not lost with the last refresh."""
        c, _ = self._count(now)
        self._say(c.get("restarts", 0), self.session.state.health.csv_lines)

    def update(self, now: float) -> None:
        s = self.session
        st = s.state
        h = st.health
        c, rate = self._count(now)
        h.reconnects = s.reconnects()
        wall = time.monotonic()
        if wall - self._published >= 1.0:  # the figures on screen change once a second
            self._published = wall
            moved = None if s.recorder is None else s.recorder.check()
            if moved is not None:
                st.note(moved)
            h.frames_per_s = rate
            h.cpu_percent = s.cpu.percent()
            h.latency_p50_ms = s.latency.percentile(50)
            h.latency_p99_ms = s.latency.percentile(99)
        h.box_errors = s.pipeline.box_errors()
        if s.box_connected is not None:
            was_connected = h.box_connected
            h.box_connected, h.box_message = s.box_connected()
            if h.box_connected and not was_connected:
                st.resume("the sensor box came back", now)
        # a replay's seconds are those its analysis has reached: chunks waiting do not hide
        # a stall there (live, they mean the analysis is behind)
        at = st.recording_s
        stalled_at, pending = (wall, s.pending) if at is None else (at, 0)
        h.decoder_stalled = self.stall.update(stalled_at, h.frames, s.box_bytes, pending)
        if h.decoder_stalled:
            self._stalled_at_frames = h.frames
        elif self._stalled_at_frames is not None and h.frames > self._stalled_at_frames:
            self._stalled_at_frames = None  # frames again (not the analysis lagging)
            st.resume("the box's frames decoded again", now)
        h.stalled_since = self.stall.since
        belt = s.belt
        if belt is not None:
            h.treadmill_answering = belt.answering
            h.treadmill_read_only = not belt.can_set_speed
            h.treadmill_can_start = bool(getattr(belt, "can_start_stop", True))
            st.heart_rate_bpm = getattr(belt, "heart_rate_bpm", None)
        if belt is None or getattr(getattr(s.pipeline, "belt", None), "kind", None) == BOX:
            # the box's encoder is the belt the analysis uses (a treadmill only driven, as
            # in the demo, reports its speed in coarser steps: 0.1 mph on a Trackmaster)
            shown = s.pipeline.belt_mps
        else:
            shown = belt.speed_mps if belt.answering else None
        # one assignment: the screen's thread reads it at any moment, and must never see
        # the driven treadmill's figure on its way to being replaced by the encoder's
        st.belt_mps = shown
        if shown is not None:  # a speed unknown for a while neither stops nor starts it
            stopped = abs(shown) <= STOPPED_MPS
            if self._belt_stopped and not stopped:
                st.resume("the belt started", now)
            self._belt_stopped = stopped
        s.peak_rss_mb = max(s.peak_rss_mb, rss_mb())
        self._say(c.get("restarts", 0), h.csv_lines)

    def _say(self, restarts: int, csv_lines: bool) -> None:
        """The box's restarts (each, with the count) and a missing belt speed (once)."""
        st = self.session.state
        if restarts > self._restarts:
            self._restarts = restarts
            times = "once" if restarts == 1 else f"{restarts} times"
            where, fix, at = "this session", " - check its power supply and cable", None
            if st.recording_s is not None:  # what the recording holds: nothing to check now
                # where the box's clock says it restarted, whatever chunks the analysis joined
                at = getattr(self.session.pipeline, "restarted_s", None)
                at = at if isinstance(at, float) else st.recording_s
                where, fix = f"in this recording, at {fmt_clock(at)}", ""
            st.note(
                f"sensor box restarted ({times} {where}): its clock and frame counter "
                f"started again while its port stayed open{fix}",
                at=at,
            )
        if self.no_belt_speed is None and st.recording_s is None and st.health.frames:
            self.no_belt_speed = no_belt_speed(self.session.pipeline, csv_lines)
            if self.no_belt_speed is not None:
                st.note(self.no_belt_speed)
