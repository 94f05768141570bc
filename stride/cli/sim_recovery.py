"""``stride sim recovery``: simulate injured-gait recovery over weeks of training sessions.

Imports only typer and the standard library at module level; the model, the engines and the
database load inside the command.
"""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from stride.cli.profile_help import profile_help


def recovery(
    profile: str = typer.Option(
        ..., "--profile", help=profile_help("Gait profile at the first session")
    ),
    seed: int = typer.Option(..., "--seed", help="Random seed: the same seed, the same cohort."),
    weeks: int = typer.Option(8, "--weeks", help="Weeks of training."),
    sessions_per_week: int = typer.Option(3, "--sessions-per-week", help="Sessions per week."),
    feedback: bool = typer.Option(
        True, "--feedback/--no-feedback", help="Show parallel-line and symmetry targets."
    ),
    subject: str | None = typer.Option(
        None, "--subject", help="Subject id (with --patients N: a prefix; ids get -0001...)."
    ),
    patients: int = typer.Option(1, "--patients", help="Number of simulated patients."),
    fast: bool = typer.Option(
        False, "--fast", help="Summary-level simulation (no signals, no recordings)."
    ),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    minutes: float = typer.Option(5.0, "--minutes", help="Length of each session, minutes."),
    speed: str = typer.Option("3.6kmh", "--speed", help="Belt speed, e.g. 3.6kmh."),
    step_length: float = typer.Option(0.60, "--step-length", help="Target step length (m)."),
    tolerance: float = typer.Option(0.05, "--tolerance", help="Target tolerance (m)."),
    start: str | None = typer.Option(
        None, "--start", help="Date of the first session (default: --weeks before today)."
    ),
    recordings: Annotated[
        Path | None,
        typer.Option(
            "--recordings",
            help="Keep each session's recording under this directory (DIR/SUBJECT-sNNN; the "
            "same command again completes it, anything else there is never replaced).",
        ),
    ] = None,
    engine: str = typer.Option("local", "--engine", help="local (all cores) or dask."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."
    ),
    workers: int | None = typer.Option(None, "--workers", help="Local processes (default: all)."),
    json_out: bool = typer.Option(False, "--json", help="Print the run's result as JSON."),
) -> None:
    """Simulate recovery over weeks of sessions and store every session in the history."""
    from stride.cohort.recovery_run import CohortInterrupted, RecoveryOptions, run_recovery

    options = RecoveryOptions(
        profile=profile,
        seed=seed,
        weeks=weeks,
        sessions_per_week=sessions_per_week,
        feedback=feedback,
        subject=subject,
        patients=patients,
        fast=fast,
        db=db,
        minutes=minutes,
        speed=speed,
        step_length=step_length,
        tolerance=tolerance,
        start=_start(start, weeks),
        recordings=recordings,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        progress=not json_out,
    )
    try:
        result = run_recovery(options)
    except CohortInterrupted as stop:  # Ctrl-C or SIGTERM: exit 130, and what was stored
        typer.echo(f"stride: interrupted: {stop}", err=True)
        raise typer.Exit(130) from None
    if json_out:
        typer.echo(json.dumps(result))
        return
    _say(result, patients, db)


def _say(result: dict[str, Any], patients: int, db: Path | None) -> None:
    """What the run stored, the asymmetry it ended at, and the command to look at it."""
    si = result["step_length_si_abs"]
    who = result["subject"] + ("-0001..." if patients > 1 else "")
    before = result["stored_before"]
    had = f"; {before} were stored by an earlier run" if before else ""
    typer.echo(
        f"stored {result['sessions']} sessions of {who} in {result['db']} "
        f"({result['mode']} mode, {result['elapsed_s']:.1f} s{had})"
    )
    if si["first_session"] is not None and si["last_session"] is not None:
        typer.echo(
            f"step-length asymmetry |SI|: {si['first_session']:.1f} % at the first session, "
            f"{si['last_session']:.1f} % at the last (mean over patients)"
        )
    db_opt = f" --db {shlex.quote(str(db))}" if db is not None else ""
    first = result["subject"] + ("-0001" if patients > 1 else "")
    typer.echo(f"next: stride history --subject {shlex.quote(first)}{db_opt}")


def _start(text: str | None, weeks: int) -> str:
    """ISO start time: the given date at 09:00 UTC, or ``weeks`` weeks before today."""
    from stride.errors import InputError

    if text is None:
        # clamped: an out-of-range --weeks is refused with its own line by the planner
        day = datetime.now(UTC).date() - timedelta(weeks=min(max(weeks, 0), 520))
    else:
        try:
            day = datetime.fromisoformat(text).date()
        except ValueError as err:
            raise InputError(
                f"--start {text!r} is not a date", fix="write e.g. 2026-01-05"
            ) from err
    started: Any = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    return str(started.isoformat())
