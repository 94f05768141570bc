"""``stride report``: a self-contained HTML report of one session or of one subject.

Imports only typer and the standard library at module level.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stride.cli import targets


def report(
    session_dir: Annotated[
        Path | None, typer.Argument(help="Session directory (omit with --subject).")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="HTML file to write.")] = Path("report.html"),
    subject: str | None = typer.Option(None, "--subject", help="Report on a subject's history."),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --out file."),
    spacing: targets.Spacing = None,
    lines_per_step: targets.LinesPerStep = None,
    step_length: targets.StepLength = None,
    tolerance: targets.Tolerance = None,
    cadence: targets.Cadence = None,
    adherence_goal: float | None = typer.Option(
        None,
        "--adherence-goal",
        help="With --subject: the goal line for steps on target, % (80 unless given).",
    ),
) -> None:
    """Write one self-contained HTML report (plots embedded, nothing fetched).

    A session is reported against the target it was recorded with, or against the one the
    target options give (the recording is then analysed again).
    """
    if (session_dir is None) == (subject is None):
        # A usage error (exit 2, with the usage line), like every option that does not fit.
        raise typer.BadParameter(
            "give either a SESSION_DIR or --subject ID (e.g. stride report "
            "sessions/2026-11-25 --out r.html, or stride report --subject P1 --out r.html)",
            param_hint="SESSION_DIR / --subject",
        )
    from devices.files import check_path

    check_path(out, "--out")  # a name the page and the file system can both hold
    target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
    if session_dir is not None:
        check_path(session_dir, "SESSION_DIR")  # the page names it
        if db is not None:
            raise typer.BadParameter(
                "--db is only used with --subject (drop --db)", param_hint="--db"
            )
        if adherence_goal is not None:
            raise typer.BadParameter(
                "--adherence-goal is only used with --subject (drop --adherence-goal)",
                param_hint="--adherence-goal",
            )
        from stride.report.session import session_report

        written = session_report(
            session_dir,
            out,
            force=force,
            target=target,
            say=lambda note: typer.echo(f"stride: warning: {note}", err=True),
        )
    else:
        if target is not None:
            raise typer.BadParameter(
                "target options apply to a SESSION_DIR, not to --subject", param_hint="--subject"
            )
        from stride.report.subject import subject_report

        assert subject is not None
        if adherence_goal is None:
            adherence_goal = 80.0
        if not 0 < adherence_goal <= 100:
            raise typer.BadParameter(
                f"{adherence_goal} is not a share of steps: give 1-100",
                param_hint="--adherence-goal",
            )
        written = subject_report(db, subject, out, force=force, adherence_goal=adherence_goal / 100)
    typer.echo(f"wrote {written}")
