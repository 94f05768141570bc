"""``stride live``: a session built from command-line arguments, run, and finished.

Everything device-specific is assembled here (the box port, the treadmill driver, the
recording) around the pipeline :func:`stride.ingest.pipeline.build_pipeline` makes from
the session's three decisions (target, belt source, treadmill protocol), which are stored
in session.json so that analyze, replay and report decide the same. The end (summary on
screen, final JSON document, history) is shared with ``stride demo`` and ``stride replay``.
"""

from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console

from devices.csvlines import PROTOCOL_NAME as CSV_PROTOCOL
from devices.csvlines import CsvLineConfig
from devices.errors import InputError, StrideError
from devices.registry import parse_spec
from devices.timebase import WALL, Clock
from devices.units import parse_speed
from stride import __version__
from stride.core.targets import Target, target_meta
from stride.history import register_session
from stride.ingest.belt_source import TREADMILL, BeltSource
from stride.ingest.pipeline import (
    BOX_PROTOCOL,
    BOX_STREAM,
    RX_STREAM,
    TX_STREAM,
    SessionPipeline,
    build_pipeline,
)
from stride.session.checks import (
    check_history_db,
    check_port_exists,
    check_record_dir,
    check_subject,
    default_record_dir,
    waiting_for_history,
)
from stride.session.clock import check_speedup, clock_meta, session_clock
from stride.session.devices import BoxPort, open_box, open_treadmill
from stride.session.ended import print_fault_document, recording_lost, write_document
from stride.session.interrupts import saving
from stride.session.live import Session
from stride.session.observers import SessionObserver
from stride.session.protocols import SessionOptions, SessionResult
from stride.session.recorder import SessionRecorder, open_recorder
from stride.session.screen.summary import summary_table
from stride.session.screen.terminal import run_dashboard
from stride.session.sources import Source
from stride.session.state import SessionState
from stride.session.treadmill import TreadmillBelt, TreadmillSource

if TYPE_CHECKING:
    from collections.abc import Callable

    from stride.view import ViewAddress
    from stride.view.attach import SessionView


@dataclass
class LiveArgs:
    port: str
    treadmill: str = "box"
    #: The walking target (:meth:`Target.from_options`), None without one.
    target: Target | None = None
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
    #: Told what happens in the session (:mod:`stride.session.observers`).
    observers: tuple[SessionObserver, ...] = ()
    #: ``--view``: where to serve the walker's view, or a view already started (its
    #: owner stops it); None: no view.
    view: ViewAddress | SessionView | None = None
    #: How much faster than real time simulated devices in another process run (``stride
    #: sim serve --speedup``); None: real time, or the clock a sim:// box brings.
    speedup: float | None = None
    #: Where JSON lines go without a dashboard (None: standard output).
    out: TextIO | None = None
    #: ``--csv-map``: the box is a board printing CSV lines, read with this column map.
    csv: CsvLineConfig | None = None
    #: Called once the arguments are checked, before anything opens (the CLI's first-run
    #: compile: a typo is said at once, not after it).
    prepare: Callable[[], None] | None = None


def want_ui(no_ui: bool) -> bool:
    """The dashboard needs a terminal on both ends; otherwise JSON lines."""
    return not no_ui and sys.stdout.isatty() and sys.stdin.isatty()


def _check_args(args: LiveArgs) -> float | None:
    """Refuse bad values before anything is opened; returns the ``--speed`` in m/s."""
    if not args.port.strip():
        raise InputError(
            "--port is empty", fix="give the sensor box's port; `stride ports` lists them"
        )
    speed_mps = parse_speed(args.speed) if args.speed else None
    if args.duration_s is not None and not 0 < args.duration_s < math.inf:
        raise InputError(
            f"--duration {args.duration_s} is not a length in seconds", fix="e.g. --duration 60"
        )
    check_subject(args.subject)
    if not args.baud > 0:
        raise InputError(f"--baud {args.baud} is not a baud rate", fix="e.g. --baud 115200")
    check_speedup(args.speedup)
    return speed_mps


@dataclass
class _Devices:
    box: BoxPort
    treadmill: TreadmillBelt | None
    spec: str | None  # the treadmill's DRIVER:TARGET
    recorder: SessionRecorder | None = None
    clock: Clock = WALL

    @property
    def driver(self) -> str | None:
        """The treadmill's registry name: its recorded stream's protocol."""
        return None if self.spec is None else parse_spec(self.spec).driver

    def use_clock(self, clock: Clock) -> None:
        """One clock for the box's reader and port and the treadmill's driver."""
        self.clock = clock
        self.box.use_clock(clock)
        if self.treadmill is not None:
            self.treadmill.driver.use_clock(clock)

    def close(self) -> None:
        self.box.close()
        if self.treadmill is not None:
            self.treadmill.close()


def _open_devices(
    args: LiveArgs, belt: BeltSource, state: SessionState, record_dir: Path | None
) -> _Devices:
    """The box, the treadmill (the belt source's, or the one only driven), the session's
    clock (:func:`~stride.session.clock.session_clock`) and the recording; whatever was
    opened is closed again if a later step fails."""
    box = open_box(args.port, args.baud, state, BOX_STREAM)
    devices = _Devices(box, None, args.treadmill if belt.kind == TREADMILL else args.control)
    try:
        if devices.spec is not None:
            devices.treadmill = open_treadmill(devices.spec)
            state.health.treadmill = devices.driver
        devices.use_clock(session_clock(args.speedup, box.port.device_clock))
        if record_dir is not None:
            streams = {BOX_STREAM: BOX_PROTOCOL if args.csv is None else CSV_PROTOCOL}
            if devices.driver is not None:
                streams[RX_STREAM] = devices.driver
                streams[TX_STREAM] = f"{devices.driver}-tx"
            devices.recorder = open_recorder(
                args.record, record_dir, streams, force=args.force, clock=devices.clock.monotonic
            )
    except BaseException:
        devices.close()
        raise
    return devices


def _meta(
    args: LiveArgs, belt: BeltSource, devices: _Devices, started: datetime, clock: Clock
) -> dict[str, Any]:
    """session.json: what the session was, and the decisions a recording is read back with."""
    protocol = BOX_PROTOCOL if args.csv is None else CSV_PROTOCOL
    device_list: list[dict[str, Any]] = [
        {"kind": "box", "port": args.port, "baudrate": args.baud, "protocol": protocol}
    ]
    if devices.treadmill is not None:
        device_list.append({"kind": "treadmill", "driver": devices.driver, "spec": devices.spec})
    csv = {} if args.csv is None else {"csvlines": {BOX_STREAM: args.csv.to_dict()}}
    return {
        **csv,
        "kind": args.source,
        "software": {"name": "stride", "version": __version__},
        "subject": args.subject,
        "started_utc": started.isoformat(timespec="seconds"),
        "devices": device_list,
        **belt.meta(),
        "target": target_meta(args.target),
        "clock": clock_meta(clock),
        **args.extra_meta,
    }


@dataclass
class LiveRun:
    """A finished live session: its result, its session.json and when it started."""

    result: SessionResult
    meta: dict[str, Any]
    started: datetime
    ui: bool


def run_live(args: LiveArgs) -> int:
    """``stride live``: returns the exit code (errors raise a StrideError: one line, exit 1)."""
    try:
        run = live_session(args)
    except StrideError as err:  # stopped by a fault once it ran: its document, then the line
        print_fault_document(err, json_doc=args.json_doc)
        raise
    with saving(ctrl_c=False):  # SIGTERM held until the session is stored too
        with saving():
            finish_output(run.result, json_doc=args.json_doc, ui=run.ui)
        if args.history:
            register(args, run.result, run.meta, run.started)
    if run.result.recording_failure is not None:
        raise recording_lost(run.result)
    return 0


def live_session(args: LiveArgs) -> LiveRun:
    """The session of ``args`` from start to end (JSON lines to ``args.out`` without a
    dashboard), without the summary, the final document or the history: what ``stride
    live`` runs, and what a test runs in its own process (``stride.testing``)."""
    speed_mps = _check_args(args)
    belt = BeltSource.from_treadmill_spec(args.treadmill)
    if args.control is not None:
        parse_spec(args.control)
    if speed_mps is not None and belt.kind != TREADMILL and args.control is None:
        raise InputError(
            f"--speed {args.speed}: with --treadmill {args.treadmill} there is no treadmill "
            "for stride to set the speed of",
            fix="set the speed at the treadmill's console and leave --speed out, or give "
            "--treadmill DRIVER:PORT of one that takes speed commands (trackmaster:PORT, "
            "csafe:PORT)",
        )
    if speed_mps is not None and parse_spec(args.treadmill).driver == "rsc":
        raise InputError(  # a foot pod measures the walker: there is no belt to set
            f"--speed {args.speed}: with --speed-source {args.treadmill} the walker is "
            "overground, with no treadmill for stride to set the speed of",
            fix="leave --speed out",
        )
    record_dir = None if args.no_record else (args.record or default_record_dir())
    if record_dir is not None:
        check_record_dir(record_dir, force=args.force)
    if args.history:
        check_history_db(args.db)
    check_port_exists(args.port)
    if args.prepare is not None:
        args.prepare()
    ui = want_ui(args.no_ui)
    view, owned = start_view(args.view, json_lines=not ui)  # before any device: a bad port
    try:  # is one line and nothing recorded
        return _run_live(args, belt, record_dir, speed_mps, ui, view)
    finally:
        if owned and view is not None:
            view.stop()


def start_view(
    view: ViewAddress | SessionView | None, *, json_lines: bool
) -> tuple[SessionView | None, bool]:
    """The walker's view of ``--view`` started (its URL announced), or the one given;
    and whether this command owns it (stops it at the end)."""
    if view is None:
        return None, False
    from stride.view.attach import SessionView

    if isinstance(view, SessionView):
        return view, False
    return SessionView.start(view, json_lines=json_lines), True


def _run_live(
    args: LiveArgs,
    belt: BeltSource,
    record_dir: Path | None,
    speed_mps: float | None,
    ui: bool,
    view: SessionView | None,
) -> LiveRun:
    # The pipeline first: warming the kernels takes a moment and must not stall the screen.
    pipeline = build_pipeline(args.target, belt, parse_spec(args.treadmill).driver, args.csv)
    pipeline.warm()
    state = SessionState(args.target)
    state.belt_set_mps = belt.fixed_speed_mps
    if view is not None:
        state.view_url = view.url
        args = replace(args, on_metronome=view.metronome_hook(args.on_metronome))
    devices = _open_devices(args, belt, state, record_dir)
    clock = devices.clock
    started = datetime.now(UTC)
    meta = _meta(args, belt, devices, started, clock)
    if devices.recorder is not None:
        devices.recorder.write_meta(meta)
    session = _session(args, pipeline, devices, state, ui, speed_mps, clock)
    if view is not None:
        view.show(session, args.target, belt_source=belt.kind, pipeline=pipeline)
    try:
        result = session.run(ui=args.ui_hook) if args.ui_hook else run_session(session, ui)
    except StrideError:  # e.g. a silent port: a folder of nothing received is not left
        if devices.recorder is not None:
            devices.recorder.discard_if_nothing_received()
        raise
    finally:
        devices.box.close()
    full_meta = {**meta, "box": pipeline.describe(), "speed_changes": result.speed_changes}
    if devices.recorder is not None and result.recording_failure is None:
        try:
            with saving():
                devices.recorder.write_meta(full_meta)
        except OSError as err:  # the disk filled at the very end
            result.recording_failure = str(err)
            result.not_written.append("session.json")
    return LiveRun(result, full_meta, started, ui)


def _session(
    args: LiveArgs,
    pipeline: SessionPipeline,
    devices: _Devices,
    state: SessionState,
    ui: bool,
    speed_mps: float | None,
    clock: Clock,
) -> Session:
    sources: list[Source] = [devices.box.reader]
    if devices.treadmill is not None:
        sources.append(TreadmillSource(devices.treadmill))
    options = SessionOptions(
        title=args.title,
        duration_s=args.duration_s,
        json_lines=not ui,
        diagnose_s=args.diagnose_s,
        box_url=args.port,
        box_baudrate=args.baud,
        speed_mps=speed_mps,
        on_metronome=args.on_metronome,
        clock=clock,
    )
    port, treadmill = devices.box.port, devices.treadmill

    def reconnects() -> int:  # the box's and the treadmill driver's own
        return port.stats.reconnects + (treadmill.reconnects if treadmill is not None else 0)

    return Session(
        pipeline,
        sources,
        state,
        options,
        out=args.out,
        recorder=devices.recorder,
        belt=devices.treadmill,
        reconnects=reconnects,
        box_connected=devices.box.status,
        observers=args.observers,
    )


def run_session(session: Session, ui: bool) -> SessionResult:
    """Run with the full-screen dashboard on a terminal, else with JSON lines."""
    if not ui:
        return session.run()
    console = Console()
    return session.run(ui=lambda s: run_dashboard(s, console, title=s.options.title))


def finish_output(result: SessionResult, *, json_doc: bool, ui: bool, replay: bool = False) -> None:
    """Human summary (stdout with a dashboard, else stderr) and the final JSON document."""
    Console(stderr=not ui).print(summary_table(result, events=ui, replay=replay))
    if json_doc:
        write_document(result.document())


def register(
    args: LiveArgs, result: SessionResult, meta: dict[str, Any], started: datetime
) -> None:
    """Store the session in the history database (a session without steps is not)."""
    summary = result.analysis.get("summary") or {}
    if not summary.get("steps"):  # said: a clinician would look for it in the history
        print(
            "stride: note: no steps were detected, so the session is not stored in the history",
            file=sys.stderr,
        )
        return
    feedback = args.target is not None and args.target.step_length_m is not None
    complete = result.recording_failure is None
    try:
        with waiting_for_history(args.db, "the session is stored in it"):
            register_session(
                args.db,
                subject=args.subject,
                started_at=started,
                source=args.source,
                devices=meta.get("devices", []),
                target=target_meta(args.target),
                summary=summary,
                recording_path=str(result.recording) if result.recording else None,
                meta={
                    "feedback": feedback,
                    "session": result.session,
                    "recording_complete": complete,
                },
            )
    except (StrideError, KeyboardInterrupt) as err:  # the session itself succeeded: say so
        later = ""
        if result.recording is not None:
            later = (
                f"; store it later with: stride history add {shlex.quote(str(result.recording))}"
            )
        why = "interrupted (Ctrl-C)" if isinstance(err, KeyboardInterrupt) else err
        print(f"stride: warning: session not stored in the history: {why}{later}", file=sys.stderr)
        if isinstance(err, KeyboardInterrupt):
            raise
