"""Building and running sessions from command-line arguments: live, demo and replay.

Everything device-specific is assembled here (ports, treadmill driver, recording, step
engine) and handed to :class:`stride.session.live.Session`; the end (summary on screen,
final JSON document, history) is the same for all three commands.
"""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from devices.errors import InputError
from devices.units import parse_speed
from stride import __version__
from stride.session.live import Session, SessionOptions, SessionResult, default_record_dir
from stride.session.state import SessionState, Targets


@dataclass
class LiveArgs:
    port: str
    treadmill: str = "box"
    spacing_m: float | None = None
    lines_per_step: int = 2
    step_length_m: float | None = None
    tolerance_m: float = 0.05
    cadence_spm: float | None = None
    speed: str | None = None
    subject: str | None = None
    duration_s: float | None = None
    record: Path | None = None
    force: bool = False
    baud: int = 115200
    no_ui: bool = False
    json_doc: bool = False
    db: Path | None = None
    history: bool = True
    no_record: bool = False
    source: str = "live"
    title: str = "live"
    diagnose_s: float = 3.0
    extra_meta: dict[str, Any] = field(default_factory=dict)
    #: A treadmill driven and shown but not used as the belt-speed source (the demo's).
    control: str | None = None
    #: Drives the loop instead of the terminal dashboard (tests render frames with it).
    ui_hook: Any = None
    #: Told when the metronome is toggled: (on, cadence in steps/min).
    on_metronome: Any = None


@dataclass
class DemoArgs:
    duration_s: float = 60.0
    profile: str = "antalgic-left:0.3"
    seed: int = 1
    speedup: float = 1.0
    record: Path | None = None
    no_record: bool = False
    no_ui: bool = False
    json_doc: bool = False
    db: Path | None = None
    history: bool = True


def make_targets(
    *,
    spacing_m: float | None,
    lines_per_step: int,
    step_length_m: float | None,
    tolerance_m: float,
    cadence_spm: float | None,
) -> Targets:
    """The session's targets; refuses contradictory or impossible values with the fix."""
    if spacing_m is not None and step_length_m is not None:
        raise InputError(
            "both --spacing and --step-length given", fix="give the lines or the step length"
        )
    from stride.analysis import check_step_target

    check_step_target(spacing_m, lines_per_step, step_length_m)
    if not (0.0 <= tolerance_m <= 1.0):
        raise InputError(f"--tolerance {tolerance_m} m is implausible", fix="e.g. 0.05")
    if cadence_spm is not None and not (20.0 <= cadence_spm <= 300.0):
        raise InputError(f"--cadence {cadence_spm} is implausible", fix="steps/min, e.g. 100")
    length = step_length_m if spacing_m is None else spacing_m * lines_per_step
    return Targets(
        step_length_m=length,
        tolerance_m=tolerance_m,
        cadence_spm=cadence_spm,
        spacing_m=spacing_m,
        lines_per_step=lines_per_step if spacing_m is not None else None,
    )


def core_target(t: Targets) -> Any:
    """The core's ``Target`` for the analyzer (None without any target)."""
    from stride.core.targets import Target

    if t.step_length_m is None and t.cadence_spm is None:
        return None
    return Target(
        step_length_m=t.step_length_m,
        tolerance_m=t.tolerance_m,
        cadence_spm=t.cadence_spm,
        spacing_m=t.spacing_m,
        lines_per_step=t.lines_per_step,
    )


def want_ui(no_ui: bool) -> bool:
    """The dashboard needs a terminal on both ends; otherwise JSON lines."""
    return not no_ui and sys.stdout.isatty() and sys.stdin.isatty()


# -- live -------------------------------------------------------------------------------
def run_live(args: LiveArgs) -> int:
    """``stride live``: returns the exit code (errors raise a StrideError: one line, exit 1)."""
    from devices.registry import parse_spec
    from devices.transport import ReconnectingPort
    from stride.ingest.engine import BELT_BOX, BELT_FIXED, BELT_TREADMILL, CoreEngine
    from stride.ingest.pipeline import BOX_PROTOCOL, BOX_STREAM, SessionPipeline
    from stride.session.recorder import SessionRecorder
    from stride.session.sources import PortReader
    from stride.session.treadmill import RX_STREAM, TX_STREAM, BeltSource, TreadmillBelt

    targets = make_targets(
        spacing_m=args.spacing_m,
        lines_per_step=args.lines_per_step,
        step_length_m=args.step_length_m,
        tolerance_m=args.tolerance_m,
        cadence_spm=args.cadence_spm,
    )
    if not args.port.strip():
        raise InputError(
            "--port is empty", fix="give the sensor box's port; `stride ports` lists them"
        )
    speed_mps = parse_speed(args.speed) if args.speed else None
    if args.duration_s is not None and not 0 < args.duration_s < math.inf:
        raise InputError(
            f"--duration {args.duration_s} is not a length in seconds", fix="e.g. --duration 60"
        )
    if args.subject is not None and not args.subject.strip():
        raise InputError("--subject is blank", fix="give the subject's id, e.g. --subject P01")
    if not args.baud > 0:
        raise InputError(f"--baud {args.baud} is not a baud rate", fix="e.g. --baud 115200")
    spec = parse_spec(args.treadmill)
    record_dir = None if args.no_record else (args.record or default_record_dir())
    if record_dir is not None:
        check_record_dir(record_dir, force=args.force)
    if args.history:
        check_history_db(args.db)

    # The engine first: warming the kernels takes a moment and must not stall the dashboard.
    fixed = None
    if spec.driver == "fixed":
        fixed = parse_speed(spec.target)
        belt_kind = BELT_FIXED
    elif spec.driver == "box":
        from devices.registry import parse_treadmill_spec

        parse_treadmill_spec(args.treadmill)  # `box:/dev/x` or a bad option: said, not ignored
        belt_kind = BELT_BOX
    else:
        belt_kind = BELT_TREADMILL
    engine = CoreEngine(core_target(targets), belt=belt_kind, fixed_speed_mps=fixed)
    engine.warm()

    ui = want_ui(args.no_ui)
    state = SessionState(targets)
    state.belt_set_mps = fixed

    # Devices: a wrong port fails here, before anything is written.
    events: dict[str, Any] = {}

    def on_disconnect(url: str, host_t: float, reason: str) -> None:
        events["lost"] = reason
        state.note(f"sensor box unplugged ({reason}); waiting for it on {url}")

    def on_gap(gap: Any) -> None:
        events.pop("lost", None)
        state.note(f"sensor box back after {gap.duration_s:.1f} s; session resumed")

    port = ReconnectingPort(
        args.port,
        baudrate=args.baud,
        timeout=0.02,
        on_disconnect=on_disconnect,
        on_gap=on_gap,
    ).open()
    reader = PortReader(BOX_STREAM, port)
    sources: list[Any] = [reader]
    belt = None
    treadmill_parser = None
    driven = args.treadmill if belt_kind == BELT_TREADMILL else args.control
    if driven is not None:
        from devices.registry import parse_treadmill_spec

        driven_spec = parse_spec(driven)
        try:
            driver = parse_treadmill_spec(driven)
        except BaseException:
            port.close()
            raise
        belt = TreadmillBelt(driver)
        sources.append(BeltSource(belt))
        if belt_kind == BELT_TREADMILL:
            treadmill_parser = replay_function(driven_spec.driver)
        state.health.treadmill = driven_spec.driver

    streams = {BOX_STREAM: BOX_PROTOCOL}
    if belt is not None:
        streams[RX_STREAM] = belt.name
        streams[TX_STREAM] = f"{belt.name}-tx"
    recorder = None
    if record_dir is not None:
        try:
            recorder = SessionRecorder(record_dir, streams, force=args.force)
        except BaseException:
            port.close()
            if belt is not None:
                belt.close()
            raise
    started = datetime.now(UTC)
    meta: dict[str, Any] = {
        "kind": args.source,
        "software": {"name": "stride", "version": __version__},
        "subject": args.subject,
        "started_utc": started.isoformat(timespec="seconds"),
        "devices": [
            {"kind": "box", "port": args.port, "baudrate": args.baud, "protocol": BOX_PROTOCOL},
            *(
                [{"kind": "treadmill", "driver": belt.name, "spec": driven}]
                if belt is not None
                else []
            ),
        ],
        "belt_source": belt_kind,
        "fixed_speed_mps": fixed,
        "target": _targets_meta(targets),
        **args.extra_meta,
    }
    if recorder is not None:
        recorder.write_meta(meta)

    pipeline = SessionPipeline(
        engine,
        treadmill_stream=RX_STREAM if belt is not None else None,
        treadmill_parser=treadmill_parser,
    )

    def box_status() -> tuple[bool, str]:
        if not port.connected:
            return False, events.get("lost", "")
        silent = time.monotonic() - reader.last_data_mono
        if silent > 2.0:
            return False, f"no bytes for {silent:.0f} s"
        return True, ""

    options = SessionOptions(
        title=args.title,
        duration_s=args.duration_s,
        ui=ui,
        json_lines=not ui,
        diagnose_s=args.diagnose_s,
        box_url=args.port,
        box_baudrate=args.baud,
        speed_mps=speed_mps,
        on_metronome=args.on_metronome,
    )
    session = Session(
        pipeline,
        sources,
        state,
        options,
        recorder=recorder,
        belt=belt,
        reconnects=lambda: port.stats.reconnects,
        box_connected=box_status,
    )
    try:
        if args.ui_hook is not None:
            result = session.run(ui=args.ui_hook)
        else:
            result = run_session(session, ui, args.title)
    finally:
        port.close()
    full_meta = {**meta, "box": pipeline.describe(), "speed_changes": result.speed_changes}
    if recorder is not None:
        recorder.write_meta(full_meta)
    finish_output(result, json_doc=args.json_doc, ui=ui)
    if args.history:
        _register(args, result, targets, full_meta, started)
    return 0


def run_demo(args: DemoArgs) -> int:
    """``stride demo``: a live session on the simulated box and treadmill of one world.

    The walker is mildly asymmetric (antalgic) and sees the parallel lines (0.30 m apart,
    2 lines per step), so it moves toward the 0.60 m target as the session goes on. The belt
    speed comes from the box's encoder (so ``stride analyze`` of the recording gives the
    same steps); the simulated Trackmaster is driven by ``+``/``-`` and shown.
    """
    import os
    import urllib.parse

    if not 0 < args.duration_s < math.inf:
        raise InputError(
            f"--duration {args.duration_s} is not a length in seconds", fix="e.g. --duration 60"
        )
    if args.seed < 0:
        raise InputError(f"--seed {args.seed} is negative", fix="give a seed >= 0, e.g. --seed 1")
    from sim.profiles import parse_profile

    parse_profile(args.profile)  # a bad profile is named here, not as a port that failed
    world = f"demo-{os.getpid()}-{time.monotonic_ns()}"
    query = urllib.parse.urlencode(
        {
            "world": world,
            "profile": args.profile,
            "seed": args.seed,
            "speedup": args.speedup,
            "speed": "3.6kmh",
            "target": 0.60,
        }
    )
    live_args = LiveArgs(
        port=f"sim://box?{query}",
        treadmill="box",
        control=f"trackmaster:sim://trackmaster?world={world}",
        spacing_m=0.30,
        lines_per_step=2,
        duration_s=args.duration_s,
        record=args.record,
        no_record=args.no_record,
        no_ui=args.no_ui,
        json_doc=args.json_doc,
        db=args.db,
        history=args.history,
        subject="demo",
        source="demo",
        title="demo",
        extra_meta={"simulated": {"profile": args.profile, "seed": args.seed}},
        on_metronome=lambda on, cadence: _demo_metronome(world, on, cadence),
    )
    return run_live(live_args)


def _demo_metronome(world_key: str, on: bool, cadence: float | None) -> None:
    """The simulated walker hears the metronome (its stride times become anti-persistent)."""
    from sim.params import Feedback
    from sim.world import worlds

    world = worlds().get(world_key)
    if world is None:
        return
    spm = cadence if on and cadence and 40.0 <= cadence <= 200.0 else None
    world.set_feedback(Feedback(step_length_m=0.60, metronome_spm=spm))


def check_record_dir(record_dir: Path, *, force: bool) -> None:
    """Refuse a --record path that would lose something or cannot be a session directory."""
    if record_dir.exists() and not record_dir.is_dir():
        raise InputError(
            f"{record_dir} exists and is not a directory",
            fix="give --record a new directory name",
        )
    for parent in record_dir.absolute().parents:  # e.g. a file called ./sessions
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    f"cannot record to {record_dir}: {parent} is a file, not a folder",
                    fix=f"rename {parent}, or give --record a directory elsewhere",
                )
            break
    if not force and record_dir.is_dir() and any(record_dir.iterdir()):
        raise InputError(
            f"{record_dir} already exists and is not empty",
            fix="choose another --record directory, or pass --force to replace it",
        )


def check_history_db(db: Path | None) -> None:
    """Refuse an unusable --db before the session starts, not after it (read-only check)."""
    try:
        from stride.history.db import open_db, resolve_db_path
    except ImportError:
        return
    path = resolve_db_path(db)
    for parent in path.absolute().parents:  # the file will be created: can its folder be?
        if parent.exists():
            if not parent.is_dir():
                raise InputError(
                    f"cannot keep the history in {str(path)!r}: {parent} is a file",
                    fix="pass --db a file in a folder, or --no-history",
                )
            break
    if path.exists():
        with open_db(db, create=False) as con:
            # The header alone can look fine over damaged pages; the quick check reads them.
            verdict = con.execute("PRAGMA quick_check").fetchone()
        if verdict is not None and verdict[0] != "ok":
            raise InputError(
                f"history database {str(path)!r} is damaged ({verdict[0]})",
                fix="pass another file with --db, or --no-history; this one was left untouched",
            )


def replay_function(driver: str) -> Any:
    import importlib

    try:
        mod = importlib.import_module(f"devices.treadmill.{driver}")
    except ImportError:
        return None
    return getattr(mod, "replay", None)


def _targets_meta(t: Targets) -> dict[str, Any]:
    return {
        "step_length_m": t.step_length_m,
        "tolerance_m": t.tolerance_m,
        "cadence_spm": t.cadence_spm,
        "spacing_m": t.spacing_m,
        "lines_per_step": t.lines_per_step,
    }


def run_session(session: Session, ui: bool, title: str) -> SessionResult:
    if not ui:
        return session.run()
    from rich.console import Console

    from stride.session.screen.terminal import run_dashboard

    console = Console()
    return session.run(ui=lambda s: run_dashboard(s, console, title=title))


def finish_output(result: SessionResult, *, json_doc: bool, ui: bool) -> None:
    """Human summary (stdout with a dashboard, else stderr) and the final JSON document."""
    from rich.console import Console

    from stride.session.screen.summary import summary_table

    console = Console(stderr=not ui)
    console.print(summary_table(result))
    if json_doc:
        from stride.session.live import jsonable

        sys.stdout.write(json.dumps(jsonable(result.document())) + "\n")
        sys.stdout.flush()


def _register(
    args: LiveArgs, result: SessionResult, targets: Targets, meta: dict[str, Any], started: datetime
) -> None:
    """Store the session in the history database, if the history module is installed."""
    try:
        from stride.history import register_session
    except ImportError:
        return
    summary = result.analysis.get("summary") or {}
    if not summary.get("steps"):
        return
    from devices.errors import StrideError

    try:
        _store(register_session, args, result, targets, meta, started, summary)
    except StrideError as err:  # the session itself succeeded: say so, keep exit code 0
        print(f"stride: warning: session not stored in the history: {err}", file=sys.stderr)


def _store(
    register_session: Any,
    args: LiveArgs,
    result: SessionResult,
    targets: Targets,
    meta: dict[str, Any],
    started: datetime,
    summary: dict[str, Any],
) -> None:
    register_session(
        args.db,
        subject=args.subject,
        started_at=started,
        source=args.source,
        devices=meta.get("devices", []),
        target=_targets_meta(targets),
        summary=summary,
        recording_path=str(result.recording) if result.recording else None,
        meta={"feedback": targets.step_length_m is not None, "session": result.session},
    )
