"""The live session loop: sources -> recorder -> analysis thread -> dashboard or JSON lines.

:class:`Session` owns the life cycle and nothing device-specific: it gets a pipeline (bytes
-> steps), sources (reader threads or a recording), an optional recorder and belt, and runs
until ``q``, Ctrl-C, SIGTERM, ``--duration`` or the end of a replay. It then stops the belt
if it started it, drains the analysis, finishes the recording and returns the result.
"""

from __future__ import annotations

import contextlib
import json
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TextIO

from devices.errors import DeviceError, StrideError
from devices.timebase import holding
from stride.core.rows import StepRow, json_safe
from stride.session.belt_control import change_speed, start_belt, stop_belt
from stride.session.chunks import Chunk, chunking_is_free, join_runs
from stride.session.diagnose import diagnose
from stride.session.ended import with_result
from stride.session.health import HealthWatch
from stride.session.interrupts import saving, stopping_on_signals
from stride.session.notices import NoticePrinter, device_logs_to
from stride.session.observers import (
    MAX_PENDING,
    ObserverHub,
    SessionObserver,
    SessionPublisher,
    Status,
    StatusChanged,
    Subscription,
)
from stride.session.protocols import (
    Belt,
    Pipeline,
    Recorder,
    SessionOptions,
    SessionResult,
)
from stride.session.sources import Source
from stride.session.state import SessionState
from stride.session.stats import CpuMeter, LatencyHistogram
from stride.session.stderr_alerts import StderrAlerts

__all__ = ["Chunk", "Session", "chunking_is_free", "join_runs"]

#: How far (session seconds) simulated devices that can wait may run ahead of the analysis.
MAX_LAG_S = 0.25


class Session:
    """One session run: see the module docstring for the life cycle."""

    def __init__(
        self,
        pipeline: Pipeline,
        sources: list[Source],
        state: SessionState,
        options: SessionOptions,
        *,
        recorder: Recorder | None = None,
        belt: Belt | None = None,
        out: TextIO | None = None,
        reconnects: Callable[[], int] | None = None,
        box_connected: Callable[[], tuple[bool, str]] | None = None,
        observers: Sequence[SessionObserver] = (),
    ) -> None:
        self.pipeline = pipeline
        self.sources = sources
        self.state = state
        self.options = options
        self.clock = options.clock
        state.use_clock(self.clock.monotonic)
        self.recorder = recorder
        self.belt = belt
        self.out = out if out is not None else sys.stdout
        #: The box's and the treadmill driver's reconnections; the box's port's state.
        self.reconnects = reconnects or (lambda: 0)
        self.box_connected = box_connected
        self.latency = LatencyHistogram()
        self.cpu = CpuMeter()
        self.speed_changes: list[dict[str, Any]] = []
        self.belt_started = False
        self.stop_reason = ""
        self._queue: queue.SimpleQueue[Chunk | None] = queue.SimpleQueue()
        self._stop_requested = threading.Event()
        self._box_sample = bytearray()
        self.box_bytes = 0
        self._analysis_error: BaseException | None = None
        self._out_lock = threading.Lock()
        self.pending = 0  # chunks queued for the analysis, not yet fed
        self._pending_lock = threading.Lock()
        self._sink_lock = threading.Lock()
        self._last_host_t = 0.0
        self._emitted = 0
        self.bytes_in: dict[str, int] = {}
        self._t0 = 0.0  # session clock
        self._t0_wall = 0.0
        self.peak_rss_mb = 0.0
        self.hub = ObserverHub()
        for observer in observers:
            self.hub.subscribe(observer)
        self.publisher = SessionPublisher(self.hub)
        self.notes = NoticePrinter(self.state, sys.stderr if options.json_lines else None)
        self.health = HealthWatch(self)
        self.alerts = StderrAlerts(sys.stderr) if options.json_lines else None
        self._checked = 0.0
        if recorder is not None:
            recorder.on_failure = self._recording_failed

    def _recording_failed(self, message: str) -> None:
        """The recording stopped (a full disk): said at once, on the dashboard and, without
        one, on stderr; the devices are still read and the steps still computed."""
        self.state.health.recording_error = message
        self.notes.warn(message, "the session goes on, its steps kept in memory")

    def subscribe(
        self, observer: SessionObserver, *, max_pending: int = MAX_PENDING
    ) -> Subscription:
        """Have ``observer`` told what happens (:mod:`stride.session.observers`); it can
        never stall the session."""
        return self.hub.subscribe(observer, max_pending=max_pending)

    # -- data path (reader threads -> analysis thread) -------------------------------------
    def _sink(self, stream: str, data: bytes, host_t: float, arrival: float) -> None:
        # One lock for stamping, recording and queueing: chunks of all devices get strictly
        # increasing host times in the order the analysis sees them, so a replay that merges
        # the recorded streams by host time feeds the analysis in exactly the live order.
        with self._sink_lock:
            if self.options.restamp:
                host_t = max(self.clock.now(), self._last_host_t + 1e-6)
                self._last_host_t = host_t
            if self.recorder is not None:
                self.recorder.append(stream, data, host_t)  # first, before anything else
            self.bytes_in[stream] = self.bytes_in.get(stream, 0) + len(data)
            if stream == self.options.box_stream:
                self.box_bytes += len(data)
                if len(self._box_sample) < 4096:
                    self._box_sample += data[: 4096 - len(self._box_sample)]
            with self._pending_lock:
                self.pending += 1
            self._queue.put((stream, data, host_t, arrival))

    def _report(self, stream: str, message: str) -> None:
        self.state.note(message)

    def _analysis_loop(self) -> None:
        # Each pass takes everything waiting, joined where that is free (chunks.py), so the
        # queue cannot back up into thousands of chunks. Simulated devices that can wait
        # (devices.timebase.HoldingClock) are kept at most MAX_LAG_S ahead of the chunk
        # being analysed: a host slower than the simulation slows the simulation down.
        join = chunking_is_free(self.pipeline)
        hold = holding(self.clock)
        origin = self.clock.now() - self.clock.monotonic()  # host_t -> clock.monotonic()
        while True:
            items = [self._queue.get()]
            while join and items[-1] is not None:
                try:
                    items.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            chunks = [i for i in items if i is not None]
            if hold is not None:
                if chunks:
                    hold.hold(chunks[0][2] - origin + MAX_LAG_S)
                else:
                    hold.release()
            try:
                for stream, data, host_t, arrival in join_runs(chunks) if join else chunks:
                    if self._analysis_error is not None:
                        break
                    steps = self.pipeline.feed(stream, data, host_t)
                    if self.options.on_fed is not None:  # before its steps are taken
                        self.options.on_fed(host_t)
                    if steps:
                        self._emit(steps)
                        now = time.perf_counter()
                        for _ in steps:  # from the arrival of the last chunk fed
                            self.latency.add((now - arrival) * 1000.0)
            except Exception as err:  # the recording already holds the bytes; show and stop
                self._analysis_error = err
                self.state.note(f"analysis stopped: {err}")
            finally:
                with self._pending_lock:
                    self.pending -= len(chunks)
                if hold is not None and (self._queue.empty() or items[-1] is None):
                    hold.release()
            if items[-1] is None:
                return

    def _emit(self, steps: list[StepRow]) -> None:
        self._emitted += len(steps)
        self.state.add_steps(steps, self.clock.monotonic())
        if self.options.json_lines:
            lines = "".join(json.dumps(json_safe(s)) + "\n" for s in steps)
            with self._out_lock, contextlib.suppress(BrokenPipeError, ValueError):
                self.out.write(lines)
                self.out.flush()
        self.publisher.steps(steps, self.clock.monotonic() - self._t0)

    # -- control ---------------------------------------------------------------------------
    def request_stop(self, reason: str = "stopped") -> None:
        """Ask the loop to end (thread- and signal-safe)."""
        if not self.stop_reason:
            self.stop_reason = reason
        self._stop_requested.set()

    def change_speed(self, delta_mps: float) -> None:
        """``+``/``-``: move the set point where the driver can set the speed."""
        change_speed(self, delta_mps)

    def handle(self, action: str) -> None:
        """Apply one key action."""
        if action == "faster":
            self.change_speed(self.options.speed_step_mps)
        elif action == "slower":
            self.change_speed(-self.options.speed_step_mps)
        elif action == "pause":
            with self.state.lock:
                self.state.paused = not self.state.paused
        elif action == "metronome":
            with self.state.lock:
                self.state.metronome = not self.state.metronome
            hook = self.options.on_metronome
            if hook is not None:
                hook(self.state.metronome, self.state.target_cadence())
        elif action == "quit":
            self.request_stop("q pressed")

    def _refresh(self) -> None:
        """Copy counters into the state for the dashboard (without one, say its alerts on
        stderr); check the stop conditions; tell the observers what changed."""
        now = self.clock.monotonic()
        self.state.elapsed_s = now - self._t0
        self.health.update(now)
        self.notes.flush()
        # before the first frame, a box that never decodes gets its one-line diagnosis
        if self.alerts is not None and (self.state.health.frames or self.options.diagnose_s <= 0):
            self.alerts.update(self.state, now)
        self._check_stops()
        self.publisher.changes(self.state, self.belt.name if self.belt else None)

    def _check_stops(self) -> None:
        """The duration (session clock), the end of a replay, and devices that never spoke
        (real seconds: how long the host waits, whatever the devices' speedup)."""
        o, st, belt = self.options, self.state, self.belt
        ended = o.duration_s is not None and st.elapsed_s >= o.duration_s
        ended = ended and not self._stop_requested.is_set()  # the duration ends here
        if ended:
            self.request_stop("duration reached")
        waited = time.monotonic() - self._t0_wall
        waiting = o.diagnose_s > 0 and waited >= o.diagnose_s
        waiting = waiting and not self._stop_requested.is_set()
        # a session over before that wait, not a byte from the box: said all the same
        silent = ended and o.diagnose_s > 0 and self.box_bytes == 0
        if (waiting or silent) and st.health.frames == 0:
            raise diagnose(
                o.box_url,
                bytes(self._box_sample),
                total_bytes=self.box_bytes,
                seconds=waited,
                baudrate=o.box_baudrate,
                csv=getattr(getattr(self.pipeline, "decoder", None), "config", None),
            )
        if waiting and belt is not None and belt.readings == 0:
            said = getattr(belt, "last_problem", None) or "no answer was a speed"
            answered = getattr(belt, "rx_bytes", 0)  # answers, but refusals or noise
            raise DeviceError(
                (
                    f"the {belt.name} treadmill sent {answered} bytes in {waited:.0f} s but "
                    f"no belt speed ({said})"
                    if answered
                    else f"the {belt.name} treadmill never answered in {waited:.0f} s"
                )
                + ": wrong port or address, wrong protocol (driver) or wrong baud rate",
                fix="check the --treadmill DRIVER:TARGET (`stride ports` lists the ports); "
                "the box goes on --port",
            )
        if o.end_when_sources_done and all(s.done for s in self.sources):
            with self._pending_lock:
                idle = self.pending == 0
            if idle:
                self.request_stop("end of recording")

    def _said_at_end(self) -> None:
        """Without a dashboard, the alerts of the session's last moments, once the analysis
        has read all it received (with one, the summary's figures say them)."""
        now = self.clock.monotonic()
        self.health.at_end(now)
        self.notes.flush()
        if self.alerts is not None and self.state.health.frames:
            self.alerts.update(self.state, now)

    # -- life cycle ------------------------------------------------------------------------
    def run(self, *, ui: Callable[[Session], None] | None = None) -> SessionResult:
        """Run until stopped; ``ui`` (if given) drives the screen and keys from this thread."""
        self.cpu.reset()
        self._t0 = self.clock.monotonic()
        self._t0_wall = time.monotonic()
        self.state.started_host_t = self._t0
        analysis_thread = threading.Thread(target=self._analysis_loop, name="analysis")
        analysis_thread.start()
        failure: BaseException | None = None
        self.pipeline.belt_listener = self.publisher.belt
        try:
            with stopping_on_signals(self.request_stop), device_logs_to(self.state):
                if self.belt is not None and self.options.speed_mps is not None:
                    record_to = getattr(self.belt, "record_to", None)
                    if record_to is not None:  # --speed's commands are recorded too
                        record_to(self._sink, self._report)
                    start_belt(self, self.options.speed_mps)
                for src in self.sources:
                    src.start(self._sink, self._report)
                self.hub.publish(StatusChanged(Status.RUNNING, 0.0, detail=self.options.title))
                if ui is not None:
                    ui(self)
                else:
                    self.wait()
        except KeyboardInterrupt:
            self.request_stop("Ctrl-C")
        except BaseException as err:
            failure = err
        with saving():
            result = self._shutdown(analysis_thread, failure)
        if failure is not None:
            raise with_result(failure, result)
        return result

    def ticks(self) -> Iterator[float]:
        """Yield at the refresh rate until a stop is requested (for UI loops)."""
        period = 1.0 / self.options.refresh_hz
        while not self._stop_requested.is_set():
            self._refresh()
            if self._stop_requested.is_set():
                return
            yield period

    def wait(self) -> None:
        """The loop without a screen: refresh the state, wait for a stop (woken in time
        for ``duration_s`` whatever the clock's speedup)."""
        duration = self.options.duration_s
        for period in self.ticks():
            if duration is not None:
                left = (duration - self.state.elapsed_s) / self.clock.speedup
                period = min(period, max(left, 0.001))
            self._stop_requested.wait(period)

    def _shutdown(
        self, analysis_thread: threading.Thread, failure: BaseException | None
    ) -> SessionResult:
        self.state.finished = True
        self.notes.flush()
        stop_belt(self)
        for src in self.sources:
            src.stop()
        for src in self.sources:
            src.join(2.0)
        if self.belt is not None:
            with contextlib.suppress(StrideError, OSError):
                self.belt.close()
        self._queue.put(None)
        analysis_thread.join()
        elapsed = self.clock.monotonic() - self._t0
        wall = time.monotonic() - self._t0_wall
        analysis: dict[str, Any] = {"summary": {}, "steps": []}
        if self._analysis_error is None:
            analysis = self.pipeline.finish()
            rest = list(analysis.get("steps") or [])[self._emitted :]
            if rest:  # the last steps become final only at the end of the stream
                self._emit(rest)
        self._said_at_end()
        c = self.pipeline.counters()
        session: dict[str, Any] = {
            "frames": c.get("frames", 0),
            "crc_errors": c.get("crc_errors", 0),
            "discarded_bytes": c.get("discarded_bytes", 0),
            "gaps": c.get("gaps", 0),
            **({"lines": c["lines"], "bad_lines": c["bad_lines"]} if "lines" in c else {}),
            "reconnects": self.reconnects(),
            "restarts": c.get("restarts", 0),
            **({"no_belt_speed": self.health.no_belt_speed} if self.health.no_belt_speed else {}),
            "latency_ms": self.latency.summary(),
            "recording": str(self.recorder.path) if self.recorder is not None else None,
            "duration_s": round(elapsed, 3),
            "wall_s": round(wall, 3),
            "clock": dict(self.clock.describe()),
            "cpu_percent": round(self.cpu.percent(), 2),
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "ended_by": self.stop_reason or ("error" if failure else "stopped"),
            "bytes": dict(self.bytes_in),
            "events": list(self.state.events),
        }
        not_written: list[str] = []
        if self.recorder is not None:
            meta = {"speed_changes": self.speed_changes, "session": session}
            not_written = self.recorder.finish(meta, analysis)
            if self.recorder.failure is not None:
                session["recording_problem"] = self.recorder.failure
                session["not_written"] = not_written
        self.publisher.changes(self.state, self.belt.name if self.belt else None)
        ended = self.stop_reason or ("error" if failure else "stopped")
        self.hub.publish(StatusChanged(Status.ENDED, elapsed, detail=ended))
        self.hub.close(drain_s=1.0)
        result = SessionResult(
            analysis,
            session,
            self.recorder.path if self.recorder else None,
            self.speed_changes,
            self.stop_reason,
            recording_failure=self.recorder.failure if self.recorder else None,
            not_written=not_written,
        )
        if self._analysis_error is not None and failure is None:
            where = f"; the recording in {self.recorder.path} is complete" if self.recorder else ""
            raise with_result(
                DeviceError(
                    f"the analysis failed mid-session ({self._analysis_error}){where}",
                    fix="run `stride analyze` on the recording and report the problem",
                ),
                result,
            ) from self._analysis_error
        return result
