"""``stride live``, ``stride demo`` and ``stride replay``: the live session commands.

Imports only typer and the standard library at module level; the session machinery
(numpy, numba, rich, pyserial) loads inside each command, so ``stride --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from stride.cli import targets
from stride.cli.profile_help import profile_help

if TYPE_CHECKING:
    from stride.view.address import ViewAddress

_UI_HELP = "No dashboard: one JSON line per step on stdout (automatic without a terminal)."
_JSON_HELP = "End with the final JSON document {summary, steps, session} as the last line."
View = Annotated[
    str | None,
    typer.Option(
        "--view",
        metavar="[HOST:]PORT",
        help="Serve the walker's view (a web page for a screen or projector) here: "
        "--view 8765 is 127.0.0.1:8765; --view 0.0.0.0:8765 lets other devices in, with a "
        "token in the printed URL; port 0 picks a free one. Needs the view extra.",
    ),
]

#: ``--csv-map``, on ``stride live`` and ``stride check`` (:mod:`stride.session.csvboard`).
CsvMap = Annotated[
    str | None,
    typer.Option(
        "--csv-map",
        metavar="MAP",
        help="The box is a board printing CSV lines: its column map, inline "
        "(time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100), 'default' (that "
        "layout: time_ms,frame,ch0..ch3 at 100 Hz) or a JSON file (docs/hardware.md).",
    ),
]


def live(
    port: Annotated[str, typer.Option("--port", help="Sensor box port or URL (sim://box...).")],
    treadmill: str = typer.Option(
        "box",
        "--treadmill",
        help="Belt-speed source DRIVER:URL: trackmaster:/dev/ttyUSB0, csafe:COM3, "
        "bertec:tcp://HOST:4000, a Bluetooth FTMS treadmill ftms:NAME_OR_ADDRESS "
        "(`stride ports --ble` lists them; ftms:sim is the simulated one), fixed:3.5kmh, "
        "or box (belt frames from the sensor box).",
    ),
    speed_source: str | None = typer.Option(
        None,
        "--speed-source",
        help="Overground: a Bluetooth RSC foot pod's speed as the belt, rsc:NAME_OR_ADDRESS "
        "(or rsc:sim), with the box's foot sensors for the contacts. Instead of --treadmill.",
    ),
    spacing: targets.Spacing = None,
    lines_per_step: targets.LinesPerStep = None,
    step_length: targets.StepLength = None,
    tolerance: targets.Tolerance = None,
    cadence: targets.Cadence = None,
    speed: str | None = typer.Option(
        None,
        "--speed",
        help="Bring the belt to this speed (e.g. 3.5kmh). Refused without a treadmill to "
        "drive; a treadmill whose speed cannot be set from here says how to enable it.",
    ),
    subject: str | None = typer.Option(None, "--subject", help="Subject id for the history."),
    duration: float | None = typer.Option(None, "--duration", help="End after S seconds."),
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Session directory (default ./sessions/YYYYmmdd-HHMMSS)."),
    ] = None,
    force: bool = typer.Option(False, "--force", help="Replace an existing --record directory."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not keep a recording."),
    baud: int = typer.Option(115200, "--baud", help="Sensor box baud rate."),
    no_ui: bool = typer.Option(False, "--no-ui", help=_UI_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    no_history: bool = typer.Option(False, "--no-history", help="Do not register in history."),
    view: View = None,
    speedup: float | None = typer.Option(
        None,
        "--speedup",
        help="The devices are simulated S times faster than real time (`stride sim serve "
        "--speedup S`): the session runs on their clock. Not for real devices.",
    ),
    csv_map: CsvMap = None,
) -> None:
    """Live treadmill session: dashboard, per-step feedback, recording."""
    _check_record_options(record, no_record)
    target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
    address = _view_address(view)
    from stride.session.csvboard import csv_map as read_csv_map
    from stride.session.run import LiveArgs, run_live

    args = LiveArgs(
        port=port,
        treadmill=_belt_spec(treadmill, speed_source),
        target=target,
        speed=speed,
        subject=subject,
        duration_s=duration,
        record=record,
        force=force,
        no_record=no_record,
        baud=baud,
        no_ui=no_ui,
        json_doc=json_out,
        db=db,
        history=not no_history,
        view=address,
        speedup=speedup,
        csv=None if csv_map is None else read_csv_map(csv_map),
        prepare=_announce_kernels,  # once the arguments are checked: a typo is said at once
    )
    raise typer.Exit(run_live(args))


def demo(
    duration: float = typer.Option(60.0, "--duration", help="Length in seconds (or until q)."),
    profile: str = typer.Option(
        "antalgic-left:0.3", "--profile", help=profile_help("Simulated walker")
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the simulated world."),
    treadmill: str = typer.Option(
        "trackmaster:sim",
        "--treadmill",
        help="The simulated treadmill: trackmaster:sim (serial; the belt speed from the box), "
        "ftms:sim (Bluetooth FTMS over a virtual radio: belt speed, heart rate, +/- through "
        "its control point; e.g. ftms:sim?control=refuse) or rsc:sim (a foot pod's speed).",
    ),
    speedup: float = typer.Option(
        1.0,
        "--speedup",
        help="Run the simulated world this many times faster (tests).",
        hidden=True,
    ),
    spacing: targets.Spacing = None,
    lines_per_step: targets.LinesPerStep = None,
    step_length: targets.StepLength = None,
    tolerance: targets.Tolerance = None,
    cadence: targets.Cadence = None,
    record: Annotated[
        Path | None,
        typer.Option("--record", help="Session directory (default ./sessions/YYYYmmdd-HHMMSS)."),
    ] = None,
    force: bool = typer.Option(False, "--force", help="Replace an existing --record directory."),
    no_record: bool = typer.Option(False, "--no-record", help="Do not keep a recording."),
    no_ui: bool = typer.Option(False, "--no-ui", help=_UI_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    no_history: bool = typer.Option(False, "--no-history", help="Do not register in history."),
    view: View = None,
) -> None:
    """A live session on the simulated treadmill and sensors: no hardware needed.

    Without target options the walker sees lines 0.30 m apart, two per step.
    """
    _check_record_options(record, no_record)
    target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
    address = _view_address(view)
    from stride.session.demo import DemoArgs, run_demo

    args = DemoArgs(
        duration_s=duration,
        profile=profile,
        seed=seed,
        treadmill=treadmill,
        speedup=speedup,
        target=target,
        record=record,
        force=force,
        no_record=no_record,
        no_ui=no_ui,
        json_doc=json_out,
        db=db,
        history=not no_history,
        view=address,
        prepare=_announce_kernels,
    )
    raise typer.Exit(run_demo(args))


def replay(
    recording: Annotated[Path, typer.Argument(help="A session directory.")],
    speed: str = typer.Option("1x", "--speed", help="Playback speed: 1x, 4x, ... or max."),
    no_ui: bool = typer.Option(False, "--no-ui", help=_UI_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    view: View = None,
) -> None:
    """Play a recording through the live dashboard (and the walker's view, in recording time)."""
    address = _view_address(view)
    from stride.session.replay import ReplayArgs, run_replay

    args = ReplayArgs(
        recording, speed, no_ui=no_ui, json_doc=json_out, view=address, prepare=_announce_kernels
    )
    raise typer.Exit(run_replay(args))


def _view_address(text: str | None) -> ViewAddress | None:
    """``--view [HOST:]PORT`` parsed (a bad one is a one-line error, exit 1); None without."""
    if text is None:
        return None
    from stride.view.address import parse_view_address

    return parse_view_address(text)


def _belt_spec(treadmill: str, speed_source: str | None) -> str:
    """The belt-speed source's spec: ``--treadmill``, or a foot pod's ``--speed-source``
    (both at once contradict each other: a usage error)."""
    if speed_source is None:
        return treadmill
    if treadmill.strip().lower() != "box":
        raise typer.BadParameter(
            "--speed-source and --treadmill both name where the belt speed comes from "
            "(give one of them)",
            param_hint="--speed-source",
        )
    from devices.errors import InputError
    from devices.registry import parse_spec

    if parse_spec(speed_source).driver != "rsc":
        raise InputError(
            f"--speed-source {speed_source!r} is not a foot pod",
            fix="give rsc:POD_NAME (`stride ports --ble` lists them) or rsc:sim; "
            "a treadmill goes on --treadmill",
        )
    return speed_source


def _check_record_options(record: Path | None, no_record: bool) -> None:
    """--record DIR with --no-record contradicts itself: a usage error (exit 2)."""
    if record is not None and no_record:
        raise typer.BadParameter(
            "--record and --no-record contradict each other (give one of them)",
            param_hint="--record",
        )


def register(app: typer.Typer) -> None:
    """Add the three commands to the ``stride`` application."""
    app.command("demo")(demo)
    app.command("live")(live)
    app.command("replay")(replay)


def _announce_kernels() -> None:
    """On a first run, the line before the session's kernels compile, on two cores when
    there are two (:mod:`stride.cli.first_run`)."""
    from stride.cli.first_run import prepare_streaming

    prepare_streaming()
