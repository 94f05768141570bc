"""``stride live``, ``stride demo`` and ``stride replay``: the live session commands.

Imports only typer and the standard library at module level; the session machinery
(numpy, numba, rich, pyserial) loads inside each command, so ``stride --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stride.cli import targets

_UI_HELP = "No dashboard: one JSON line per step on stdout (automatic without a terminal)."
_JSON_HELP = "End with the final JSON document {summary, steps, session} as the last line."


def live(
    port: Annotated[str, typer.Option("--port", help="Sensor box port or URL (sim://box...).")],
    treadmill: str = typer.Option(
        "box",
        "--treadmill",
        help="Belt-speed source DRIVER:URL: trackmaster:/dev/ttyUSB0, csafe:COM3, "
        "bertec:tcp://HOST:4000, fixed:3.5kmh, or box (belt frames from the sensor box).",
    ),
    spacing: targets.Spacing = None,
    lines_per_step: targets.LinesPerStep = None,
    step_length: targets.StepLength = None,
    tolerance: targets.Tolerance = None,
    cadence: targets.Cadence = None,
    speed: str | None = typer.Option(
        None, "--speed", help="Bring the belt to this speed (e.g. 3.5kmh) if the driver can."
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
    speedup: float | None = typer.Option(
        None,
        "--speedup",
        help="The devices are simulated S times faster than real time (`stride sim serve "
        "--speedup S`): the session runs on their clock. Not for real devices.",
    ),
) -> None:
    """Live treadmill session: dashboard, per-step feedback, recording."""
    _check_record_options(record, no_record)
    target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
    from stride.session.run import LiveArgs, run_live

    args = LiveArgs(
        port=port,
        treadmill=treadmill,
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
        speedup=speedup,
    )
    raise typer.Exit(run_live(args))


def demo(
    duration: float = typer.Option(60.0, "--duration", help="Length in seconds (or until q)."),
    profile: str = typer.Option(
        "antalgic-left:0.3", "--profile", help="Simulated walker NAME:SEVERITY."
    ),
    seed: int = typer.Option(1, "--seed", help="Seed of the simulated world."),
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
    no_record: bool = typer.Option(False, "--no-record", help="Do not keep a recording."),
    no_ui: bool = typer.Option(False, "--no-ui", help=_UI_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    no_history: bool = typer.Option(False, "--no-history", help="Do not register in history."),
) -> None:
    """A live session on the simulated treadmill and sensors: no hardware needed.

    Without target options the walker sees lines 0.30 m apart, two per step.
    """
    _check_record_options(record, no_record)
    target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
    from stride.session.demo import DemoArgs, run_demo

    args = DemoArgs(
        duration_s=duration,
        profile=profile,
        seed=seed,
        speedup=speedup,
        target=target,
        record=record,
        no_record=no_record,
        no_ui=no_ui,
        json_doc=json_out,
        db=db,
        history=not no_history,
    )
    raise typer.Exit(run_demo(args))


def replay(
    recording: Annotated[Path, typer.Argument(help="A session directory.")],
    speed: str = typer.Option("1x", "--speed", help="Playback speed: 1x, 4x, ... or max."),
    no_ui: bool = typer.Option(False, "--no-ui", help=_UI_HELP),
    json_out: bool = typer.Option(False, "--json", help=_JSON_HELP),
) -> None:
    """Play a recording through the live dashboard."""
    from stride.session.replay import ReplayArgs, run_replay

    raise typer.Exit(run_replay(ReplayArgs(recording, speed, no_ui=no_ui, json_doc=json_out)))


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
