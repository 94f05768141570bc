"""``stride history``: sessions per subject, their trends, and sudden changes of symmetry.

Imports only typer and the standard library at module level.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

_MAX_ROWS = 200  # per-session rows shown on screen; --json always has every session

app = typer.Typer(
    name="history",
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback(invoke_without_command=True)
def history(
    ctx: typer.Context,
    subject: str | None = typer.Option(None, "--subject", help="Only this subject's sessions."),
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    json_out: bool = typer.Option(
        False, "--json", help='Print {"sessions": [...], "warnings": [...]} as JSON.'
    ),
) -> None:
    """Show stored sessions, trends and any sudden change of a subject's symmetry.

    `stride history add DIR` stores a recording whose session was not stored.
    """
    if ctx.invoked_subcommand is not None:
        return
    _not_blank(subject)
    from stride.history.db import list_sessions, resolve_db_path
    from stride.history.trends import subject_changes

    path = resolve_db_path(db)
    if db is None and not path.exists():  # nothing recorded yet: not an error
        if json_out:
            typer.echo(json.dumps({"sessions": [], "warnings": []}))
        else:
            typer.echo(f"No sessions recorded yet (the history will be kept in {path}).")
        return
    records = list_sessions(path, subject=subject)
    by_subject: dict[str | None, list[Any]] = {}
    for r in records:
        by_subject.setdefault(r.subject, []).append(r)
    warnings = [w for recs in by_subject.values() for w in subject_changes(recs)]
    if json_out:
        doc = {
            "sessions": [r.to_json() for r in records],
            "warnings": [w.as_json() for w in warnings],
        }
        typer.echo(json.dumps(doc))
        return
    _show(records, by_subject, warnings, str(path), subject)


def _not_blank(subject: str | None) -> None:
    """``--subject ""`` refused as ``stride live`` refuses it (it read as "no sessions", and
    ``add`` stored a session under a blank id)."""
    from stride.session.checks import check_subject

    check_subject(subject)


@app.command("add")
def add(
    recording: Annotated[
        Path, typer.Argument(help="Recording directory (stride live, demo or sim session).")
    ],
    db: Annotated[Path | None, typer.Option("--db", help="History database file.")] = None,
    subject: str | None = typer.Option(
        None, "--subject", help="Subject id, when the recording has none."
    ),
) -> None:
    """Store a recording in the history (a session that could not be stored when it ended).

    The recording is analysed as `stride analyze DIR` does; adding it again replaces its row.
    """
    import shlex

    from stride.history.recordings import register_recording

    _not_blank(subject)
    got = register_recording(recording, db=db, subject=subject)
    for note in got.notes:  # what the stored figures rest on, as stride analyze says it
        typer.echo(f"stride: warning: {note}", err=True)
    who = got.subject or "no subject"
    typer.echo(
        f"stored {recording} ({got.steps} steps, {got.source}) as history session "
        f"{got.session_id} ({who})" + ("; it replaces the row stored before" * got.replaced)
    )
    if got.subject:
        db_opt = f" --db {shlex.quote(str(db))}" if db is not None else ""
        typer.echo(f"next: stride history --subject {shlex.quote(got.subject)}{db_opt}")


def _fmt(value: float | None, spec: str, scale: float = 1.0) -> str:
    """A figure, or nothing where it was not measured (as the reports leave such a cell
    empty: a "-" read as a minus sign or a figure of its own)."""
    if value is None:
        return ""
    text = format(value * scale, spec)
    return format(0.0, spec) if float(text) == 0 else text  # never "-0.0"


def _show(
    records: list[Any],
    by_subject: dict[str | None, list[Any]],
    warnings: list[Any],
    db: str,
    subject: str | None,
) -> None:
    from rich.console import Console
    from rich.table import Table

    from stride.cli.shown import shown
    from stride.core.norms import MIN_SESSIONS_FOR_TREND
    from stride.history.trends import points, session_dates, trends

    console = Console()
    if not records:
        who = f" for subject {shown(repr(subject))}" if subject else ""
        console.print(f"No sessions{who} in {shown(db)}.")
        return
    if len(by_subject) > 1:
        overview = Table(title=f"Subjects ({len(records)} sessions in {shown(db)})")
        for col in ("subject", "sessions", "first", "last", "step length SI", "on target"):
            # a subject id is folded onto more lines, never cut: "López-Ferná…" was two ids
            left = col == "subject"
            overview.add_column(col, justify="left" if left else "right", overflow="fold")
        for subj, recs in by_subject.items():
            pts = points(recs)
            overview.add_row(
                shown(subj) if subj else "(none)",
                str(len(recs)),
                session_dates(pts[:1])[0],
                session_dates(pts[-1:])[0],
                _si_span([p.step_length_si for p in pts]),
                "no target"
                if pts[-1].target_within is None
                else f"{_fmt(pts[-1].target_within, '.0f', 100)} %",
            )
            if overview.row_count >= _MAX_ROWS:
                break
        console.print(overview)
    else:
        ((subj, recs),) = by_subject.items()
        who = shown(subj) if subj else "(no subject)"
        table = Table(title=f"Sessions of {who} ({shown(db)})")
        pts = points(recs)
        _fill(table, pts)
        whole = console.measure(table, options=console.options.update_width(1000)).maximum
        if whole > console.width:
            # too narrow for rich's outer border (80 columns): the border goes, the cells
            # keep their padding (cells against the frame were hard to read)
            table.show_edge = False
        console.print(table)
        if all(p.target_within is None for p in pts[-_MAX_ROWS:]):
            console.print("No session had a step-length target.", highlight=False)
        for t in trends(pts):
            console.print(_trend_line(t), highlight=False)
        if len(pts) < MIN_SESSIONS_FOR_TREND:
            console.print(
                f"No trends yet: a slope needs at least {MIN_SESSIONS_FOR_TREND} sessions.",
                highlight=False,
            )
    for w in warnings[:50]:
        console.print(f"[yellow]Note:[/yellow] {shown(w.message)}", highlight=False)
    if len(warnings) > 50:
        console.print(f"... and {len(warnings) - 50} more notes (see --json).")


def _fill(table: Any, pts: list[Any]) -> None:
    """The sessions' rows; a column with nothing to say is left out (no feedback recorded,
    no target ever), as in the subject report."""
    from stride.cli.shown import shown
    from stride.history.trends import session_dates

    # headers wrapped at spaces into widths that fit 80 columns, so none is cut
    columns = {"date": None, "source": None, "feedback": 8, "steps": 5, "cadence": 7}
    columns |= {"step length SI %": 6, "on target %": 6, "stride CV %": 6}
    rows = [
        [
            date.replace(" ", "\n"),  # a time of day below its date
            shown(p.source),
            {True: "yes", False: "no", None: ""}[p.feedback],
            "" if p.steps is None else str(p.steps),
            _fmt(p.cadence_spm, ".1f"),
            _fmt(p.step_length_si, "+.1f"),
            "no\ntarget" if p.target_within is None else _fmt(p.target_within, ".0f", 100),
            _fmt(p.stride_time_cv, ".1f"),
        ]
        for p, date in list(zip(pts, session_dates(pts), strict=True))[-_MAX_ROWS:]
    ]
    names = list(columns)
    kept = [i for i, name in enumerate(names) if any(_says(row[i]) for row in rows)]
    for i in kept:
        col, width = names[i], columns[names[i]]
        left = col in ("date", "source")
        table.add_column(col, justify="left" if left else "right", no_wrap=left, width=width)
    for row in rows:
        table.add_row(*(row[i] for i in kept))


def _says(cell: str) -> bool:
    return bool(cell) and cell != "no\ntarget"


def _si_span(values: list[float | None]) -> str:
    """The first and last measured step-length SI ("+8.0 -> +4.0"), one alone, or nothing."""
    measured = [v for v in values if v is not None]
    if not measured:
        return ""
    if len(measured) == 1:
        return _fmt(measured[0], "+.1f")
    return f"{_fmt(measured[0], '+.1f')} -> {_fmt(measured[-1], '+.1f')}"


#: How each tracked number reads: label, unit of the value, unit of its change, scale, and
#: the normal range to read it against (docs/history.md).
_TRENDS = {
    "step_length_si": ("step-length symmetry index", "%", "percentage points", 1.0),
    "target_within": ("steps on target", "%", "percentage points", 100.0),
    "cadence_spm": ("cadence", "steps/min", "steps/min", 1.0),
    "stride_time_cv": ("stride-time variability (CV)", "%", "percentage points", 1.0),
}


def _trend_line(t: Any) -> str:
    """One trend as a sentence: first -> last over n sessions, the slope in the units of a
    change (percentage points, not per cent), and the normal range where there is one."""
    from stride.core.norms import CADENCE_NORMAL_SPM, NORMAL_SI, STRIDE_CV_NORMAL_PCT

    label, unit, change, k = _TRENDS[t.metric]
    normal = {
        "step_length_si": f"normal within ±{NORMAL_SI:.1f} %",
        "cadence_spm": f"healthy adults {CADENCE_NORMAL_SPM[0]:g}-{CADENCE_NORMAL_SPM[1]:g}",
        "stride_time_cv": (
            f"healthy adults about {STRIDE_CV_NORMAL_PCT[0]:g}-{STRIDE_CV_NORMAL_PCT[1]:g} %"
        ),
    }.get(t.metric)
    return (
        f"Trend, {label}: {t.first * k:.1f} -> {t.last * k:.1f} {unit} over {t.n} sessions "
        f"({t.slope_per_session * k:+.2f} {change} per session, least squares"
        + (f"; {normal})" if normal else ")")
    )
