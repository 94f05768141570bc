"""``stride replay``: a recording played through the live pipeline and dashboard.

The recorded chunks of the box (and of a treadmill used as the belt-speed source) are
merged by host time -- the order the live analysis took them in, since a live session stamps
every device's chunks with strictly increasing host times -- and fed, paced by their host
times over ``--speed``, through the same pipeline the live session built from the same
metadata. So a replay shows the live session's steps exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.errors import InputError
from stride.session.live import Session, SessionOptions
from stride.session.run import (
    core_target,
    finish_output,
    replay_function,
    run_session,
    want_ui,
)
from stride.session.state import SessionState, Targets


@dataclass
class ReplayArgs:
    recording: Path
    speed: str = "1x"
    no_ui: bool = False
    json_doc: bool = False


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


def recorded_chunks(reader: Any, streams: list[str]) -> Any:
    """Chunks of several recorded streams merged by host time (ties: the order given).

    A live session stamps the chunks of all its devices with strictly increasing host
    times in the order its analysis took them, so this is that order exactly.
    """
    import heapq

    def tagged(rank: int, name: str) -> Any:
        for host_t, data in reader.chunks(name):
            yield (host_t, rank, name, data)

    iters = [tagged(i, n) for i, n in enumerate(streams)]
    for host_t, _rank, name, data in heapq.merge(*iters, key=lambda c: (c[0], c[1])):
        yield name, data, host_t


def replay_pipeline(reader: Any) -> tuple[Any, list[str], Targets]:
    """The pipeline a recording was analysed with live, rebuilt from its metadata."""
    from stride.ingest.engine import BELT_BOX, BELT_FIXED, BELT_NONE, BELT_TREADMILL, CoreEngine
    from stride.ingest.pipeline import BOX_PROTOCOL, BOX_STREAM, SessionPipeline
    from stride.session.treadmill import RX_STREAM

    meta = reader.meta
    if reader.streams.get(BOX_STREAM) != BOX_PROTOCOL:
        raise InputError(
            f"{reader.path} has no sensor-box stream (streams: {reader.streams})",
            fix="replay a session recorded by `stride live`, `stride demo` or `stride sim`",
        )
    targets = _recorded_targets(reader)
    belt_kind = str(meta.get("belt_source") or BELT_BOX)
    fixed = meta.get("fixed_speed_mps")
    if belt_kind not in (BELT_BOX, BELT_FIXED, BELT_TREADMILL, BELT_NONE) or (
        belt_kind == BELT_FIXED and not _positive(fixed)
    ):
        raise InputError(
            f"session.json of {reader.path} has a corrupt belt source "
            f"({belt_kind!r}, fixed speed {fixed!r})",
            fix="restore session.json from a backup",
        )
    engine = CoreEngine(core_target(targets), belt=belt_kind, fixed_speed_mps=fixed)
    streams = [BOX_STREAM]
    parser = None
    if RX_STREAM in reader.streams:
        parser = replay_function(reader.streams[RX_STREAM])
        if parser is not None:
            streams.append(RX_STREAM)
    pipeline = SessionPipeline(
        engine, treadmill_stream=RX_STREAM if parser else None, treadmill_parser=parser
    )
    return pipeline, streams, targets


def check_streams(reader: Any, streams: list[str]) -> None:
    """Read the streams before playing them: a missing, foreign or empty stream is an
    error (not a silent replay of nothing); skipped damage is said once on stderr."""
    import sys

    from stride.ingest.recording import skipped_warning

    for name in streams:
        data = reader.read_stream(name)  # InputError for a missing or foreign file
        if not data.offsets.size:
            raise InputError(
                f"stream {name!r} of {reader.path} holds no intact data (empty or truncated)",
                fix="replay another recording; this one has nothing to play",
            )
        probs = reader.problems.get(name)
        line = None if probs is None else skipped_warning(name, reader.path, probs)
        if line is not None:
            print(line, file=sys.stderr)


def _positive(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < float("inf")


def _recorded_targets(reader: Any) -> Targets:
    """The live session's targets from session.json; a damaged entry is named, not guessed."""
    t = reader.meta.get("target") or {}
    numbers = ("step_length_m", "tolerance_m", "cadence_spm", "spacing_m", "lines_per_step")
    bad = not isinstance(t, dict) or any(
        t.get(k) is not None and not _positive(t[k]) and not (k == "tolerance_m" and t[k] == 0)
        for k in numbers
    )
    if bad:
        raise InputError(
            f"session.json of {reader.path} has a corrupt target ({t!r})",
            fix="restore session.json from a backup, or analyse the recording with "
            "`stride analyze` and your own target",
        )
    lps, tol = t.get("lines_per_step"), t.get("tolerance_m")
    return Targets(
        step_length_m=t.get("step_length_m"),
        tolerance_m=0.05 if tol is None else tol,  # a recorded 0 stays 0
        cadence_spm=t.get("cadence_spm"),
        spacing_m=t.get("spacing_m"),
        lines_per_step=int(lps) if lps is not None else None,
    )


def run_replay(args: ReplayArgs) -> int:
    """``stride replay``: the recording's bytes through the live pipeline and dashboard."""
    from devices.recording import SessionReader
    from stride.session.sources import ReplaySource

    speed = parse_replay_speed(args.speed)
    reader = SessionReader(args.recording)
    pipeline, streams, targets = replay_pipeline(reader)
    check_streams(reader, streams)
    pipeline.engine.warm()
    ui = want_ui(args.no_ui)
    state = SessionState(targets)
    source = ReplaySource(recorded_chunks(reader, streams), speed=speed)
    options = SessionOptions(
        title=f"replay {args.speed}",
        ui=ui,
        json_lines=not ui,
        diagnose_s=0.0,
        restamp=False,
        end_when_sources_done=True,
    )
    session = Session(pipeline, [source], state, options)
    result = run_session(session, ui, options.title)
    if source.failure is not None:  # the recording stopped being readable mid-replay
        raise InputError(
            f"replay of {args.recording} stopped: {source.failure}", fix="check the recording"
        ) from source.failure
    result.session["recording"] = str(args.recording)
    result.recording = args.recording
    finish_output(result, json_doc=args.json_doc, ui=ui)
    return 0
