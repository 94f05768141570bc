"""The session loop's contract: what it is given (options, a pipeline, a recorder, a belt)
and what it gives back (:class:`SessionResult`).

The loop (:class:`stride.session.live.Session`) is written against these alone, so a test
can hand it stand-ins and a new device or recording format needs no change to the loop.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from devices.timebase import WALL, Clock
from stride.core.rows import StepRow
from stride.ingest.engine import BeltListener

KMH = 1.0 / 3.6


class Pipeline(Protocol):
    """Bytes of each stream in, newly completed step rows out
    (:class:`stride.ingest.pipeline.SessionPipeline`)."""

    belt_listener: BeltListener | None

    def feed(self, stream: str, data: bytes, host_t: float) -> list[StepRow]: ...

    def finish(self) -> dict[str, Any]: ...

    def counters(self) -> dict[str, int]: ...

    @property
    def belt_mps(self) -> float | None: ...

    def describe(self) -> dict[str, Any]: ...

    def box_errors(self) -> list[str]: ...


class Recorder(Protocol):
    """Where raw chunks go first; finished with the derived files at the end. A write that
    fails never raises into the session: ``failure`` says what stopped the recording and
    ``on_failure`` (set by the session) is told at once; ``finish`` returns the files it
    could not write (:class:`stride.session.recorder.SessionRecorder`). An empty chunk is a
    device's port reopened after an unplug: it is recorded too, as the stream's mark of a
    new connection."""

    path: Path
    failure: str | None
    on_failure: Callable[[str], None] | None

    def append(self, stream: str, data: bytes, host_t: float) -> None: ...

    def check(self) -> str | None: ...

    def finish(self, meta: dict[str, Any], analysis: dict[str, Any]) -> list[str]: ...


class Belt(Protocol):
    """A treadmill the session reads and, where the driver can, controls
    (:class:`stride.session.treadmill.TreadmillBelt`)."""

    name: str
    #: Readings received so far (0 after the first seconds: the treadmill never answered).
    readings: int

    @property
    def can_set_speed(self) -> bool: ...

    @property
    def answering(self) -> bool: ...

    @property
    def speed_mps(self) -> float | None: ...

    def start(self, speed_mps: float) -> None: ...

    def set_speed(self, speed_mps: float) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


@dataclass
class SessionOptions:
    """How the loop behaves; the devices and files are given separately."""

    title: str = "live"
    duration_s: float | None = None
    json_lines: bool = True
    diagnose_s: float = 3.0
    box_stream: str = "box"
    box_url: str = ""
    box_baudrate: int = 115200
    speed_mps: float | None = None
    speed_step_mps: float = 0.2 * KMH
    refresh_hz: float = 12.0
    end_when_sources_done: bool = False
    #: Live: stamp chunks with strictly increasing wall-clock times. Replay: keep recorded ones.
    restamp: bool = True
    #: Called with (on, cadence) when the metronome is toggled (the demo's walker hears it).
    on_metronome: Callable[[bool, float | None], None] | None = None
    #: The session's clock (:mod:`stride.session.clock`): chunk stamps, ``duration_s``,
    #: elapsed times. ``diagnose_s``, latency and the refresh rate are real time.
    clock: Clock = WALL
    #: Called with each chunk's host time once the analysis has read it, before its steps
    #: are taken (a replay's clock: the time in the recording the analysis has reached).
    on_fed: Callable[[float], None] | None = None


@dataclass
class SessionResult:
    """What a finished session hands to the command line."""

    analysis: dict[str, Any]
    session: dict[str, Any]
    recording: Path | None
    speed_changes: list[dict[str, Any]] = field(default_factory=list)
    reason: str = ""
    #: What stopped the recording mid-session (None: recorded to the end).
    recording_failure: str | None = None
    #: The end-of-session files that could not be written.
    not_written: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The final ``--json`` document: summary, steps and session (docs/formats.md)."""
        doc = dict(self.analysis)
        doc["session"] = self.session
        return doc
