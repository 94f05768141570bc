"""``stride replay``: a recording played through the live pipeline and dashboard.

The recorded chunks of the box (and of a treadmill used as the belt-speed source) are
merged by host time -- the order the live analysis took them in, since a live session stamps
every device's chunks with strictly increasing host times -- and fed, paced by their host
times over ``--speed``, through the pipeline the live session built from the same metadata
(:func:`stride.ingest.recording.pipeline_for`). So a replay shows the live session's steps
exactly.
"""

from __future__ import annotations

import sys
import threading
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devices.errors import InputError, StrideError
from devices.recording import SessionReader
from stride.analysis import no_strides
from stride.core.targets import Target
from stride.ingest.pipeline import SessionPipeline
from stride.ingest.rate_check import check_replay_rate
from stride.ingest.recording import (
    belt_warnings,
    check_streams,
    decoded_words,
    pipeline_for,
    recorded_chunks,
    replayed_damage,
)
from stride.session.ended import print_fault_document, with_result
from stride.session.live import Session
from stride.session.observers import SessionObserver
from stride.session.protocols import SessionOptions
from stride.session.run import finish_output, run_session, start_view, want_ui
from stride.session.screen.alerts import fmt_clock
from stride.session.sources import Chunk, ReplaySource
from stride.session.state import SessionState

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

    from stride.view import ViewAddress
    from stride.view.attach import SessionView

WARNING = "stride: warning: "


@dataclass
class ReplayArgs:
    recording: Path
    speed: str = "1x"
    no_ui: bool = False
    json_doc: bool = False
    observers: tuple[SessionObserver, ...] = ()
    #: ``--view`` (see :class:`stride.session.run.LiveArgs`); the view runs in recording
    #: time (belt and steps on the recording's clock, the lines at the replay's pace).
    view: ViewAddress | SessionView | None = None
    #: Called once the recording is found readable, before it plays (the CLI's first-run
    #: compile: a wrong path or speed is said at once, not after it).
    prepare: Callable[[], None] | None = None


def parse_replay_speed(text: str) -> float:
    """``4x``/``4``/``0.5x`` -> factor; ``max`` -> 0 (as fast as the analysis goes)."""
    s = text.strip().lower()
    if s in ("max", "0", "0x", "inf"):
        return 0.0
    try:
        v = float(s[:-1] if s.endswith("x") else s)
    except ValueError:
        v = -1.0
    if not (0.01 <= v <= 1000.0):
        raise InputError(f"cannot read replay speed {text!r}", fix="write e.g. 1x, 4x or max")
    return v


def run_replay(args: ReplayArgs) -> int:
    """``stride replay``: the recording's bytes through the live pipeline and dashboard."""
    speed = parse_replay_speed(args.speed)
    reader = SessionReader(args.recording)
    pipeline, streams, target = pipeline_for(reader)
    check_replay_rate(reader, streams[0])  # refused as analyze refuses it, before playing
    if args.prepare is not None:
        args.prepare()
    ui = want_ui(args.no_ui)
    view, owned = start_view(args.view, json_lines=not ui)
    try:
        return _replay(args, speed, reader, (pipeline, streams, target), ui, view)
    except StrideError as err:  # stopped by a fault once it played: its document, the line
        print_fault_document(err, json_doc=args.json_doc)
        raise
    finally:
        if owned and view is not None:
            view.stop()


def _outages(
    chunks: Iterable[Chunk], box: str, found: deque[tuple[float, float]]
) -> Iterator[Chunk]:
    """The recorded chunks; each reopening of the box's port (an empty chunk: the mark the
    live session recorded) put in ``found`` as (from, to) in the recording's seconds."""
    t0: float | None = None
    last: float | None = None
    for stream, data, host_t in chunks:
        t0 = host_t if t0 is None else t0
        if stream == box:
            if not data and last is not None:
                found.append((last - t0, host_t - t0))
            last = host_t
        yield stream, data, host_t


def _note_outages(state: SessionState, found: deque[tuple[float, float]]) -> None:
    """The stretches without the box the analysis has reached, noted as the recording holds
    them (from when to when, nothing to plug back in now), at their time in it."""
    now = state.recording_s or 0.0
    while found and found[0][1] <= now:
        start, end = found.popleft()
        state.recorded_outage = (start, end)
        state.note(
            f"the sensor box was unplugged or not answering from {fmt_clock(start)} to "
            f"{fmt_clock(end)} of the recording ({end - start:.1f} s); steps across it are "
            "flagged",
            at=start,
        )


def _played(
    reader: SessionReader,
    streams: list[str],
    state: SessionState,
    speed: float,
) -> tuple[ReplaySource, Callable[[float], None]]:
    """The recording's chunks as a source, and what the analysis calls with each chunk's
    host time once it has read it (``SessionOptions.on_fed``): the replay's clock. While a
    paced replay waits for its next chunk (a stretch the recording holds nothing in, as
    the box's time away) and the analysis has read every chunk played, the clock moves on
    at the replay's speed as the recording's time does, up to that chunk's time."""
    outages: deque[tuple[float, float]] = deque()  # found as the source reads ahead
    fed: list[float] = []  # the host time of the last chunk the analysis has read
    lock = threading.Lock()  # the analysis's thread and the source's move the clock

    def move(host_t: float) -> None:
        # the time in the recording reached (at --speed max the source plays ahead of the
        # analysis: the analysis's), in the recording's seconds: the clock and the alerts
        with lock:
            if source.t0 is not None:
                state.recording_s = max(state.recording_s or 0.0, host_t - source.t0)
                _note_outages(state, outages)

    def at(host_t: float) -> None:
        fed[:] = [host_t]
        move(host_t)

    def waiting(host_t: float) -> None:
        if fed and source.played_t is not None and fed[0] >= source.played_t:
            move(host_t)

    source = ReplaySource(
        _outages(recorded_chunks(reader, streams), streams[0], outages),
        speed=speed,
        on_wait=waiting,
    )
    return source, at


def _replay(
    args: ReplayArgs,
    speed: float,
    reader: SessionReader,
    made: tuple[SessionPipeline, list[str], Target | None],
    ui: bool,
    view: SessionView | None,
) -> int:
    pipeline, streams, target = made
    said = [line.removeprefix(WARNING) for line in check_streams(reader, streams)]
    said += belt_warnings(reader, pipeline)
    for line in said:
        print(f"{WARNING}{line}", file=sys.stderr)
    pipeline.warm()
    state = SessionState(target)
    state.recording_s = 0.0  # the dashboard's clock: time in the recording
    source, at = _played(reader, streams, state, speed)
    options = SessionOptions(
        title=f"replay {args.speed}",
        json_lines=not ui,
        diagnose_s=0.0,
        restamp=False,
        end_when_sources_done=True,
        on_fed=at,
    )
    if view is not None:
        state.view_url = view.url
        options.on_metronome = view.metronome_hook()
    session = Session(pipeline, [source], state, options, observers=args.observers)
    if view is not None:
        kind = pipeline.belt.kind
        view.show(session, target, belt_source=kind, pipeline=pipeline, clock_rate=speed)
    result = run_session(session, ui)
    if source.failure is not None:  # the recording stopped being readable mid-replay
        stopped = InputError(
            f"replay of {args.recording} stopped: {source.failure}", fix="check the recording"
        )
        raise with_result(stopped, result) from source.failure
    played = result.session.get("ended_by") == "end of recording"
    if played and not result.session.get("frames"):  # as `stride analyze` refuses it
        what = "line fitting its column map" if "lines" in result.session else "frame"
        skipped = result.session.get("discarded_bytes", 0)
        raise InputError(
            f"{args.recording}: the sensor-box stream decodes to no {what} "
            f"({skipped} bytes skipped): nothing to replay",
            fix="the recording holds another device's bytes, or the box's at another baud "
            "rate: record the session again",
        )
    # what reading and decoding the recording skipped, counted over all of it: the same
    # whatever the speed, and as `stride analyze` gives it (its JSON's `recording`, its words)
    damage = replayed_damage(reader, streams[0], pipeline.counters())
    decoded = None if damage is None else decoded_words(args.recording, damage, "replayed")
    summary = result.analysis.get("summary") or {}
    if played and not summary.get("steps_used"):  # as `stride analyze` refuses it
        detected = summary.get("warnings")
        said += [decoded] if decoded is not None else []
        said += [str(w) for w in detected] if isinstance(detected, list) else []
        damaged = damage is not None and bool(damage.get("skipped_chunks"))
        steps = int(summary.get("steps") or 0)
        raise no_strides(args.recording, steps, summary, said, damaged=damaged)
    if decoded is not None:
        print(f"{WARNING}{decoded}", file=sys.stderr)
    if damage is not None:
        result.analysis["recording"] = damage
    result.session["recording"] = str(args.recording)
    result.recording = args.recording
    finish_output(result, json_doc=args.json_doc, ui=ui, replay=True)
    return 0
