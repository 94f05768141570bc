"""``stride analyze PATH [PATH ...]``: steps, summary and symmetry of records, with optional
target. One path: its tables (or one JSON document). Several: each analysed on the cohort
engine (``--engine local|dask``), one row (or one JSON line) per recording.

Imports only typer and the standard library at module level (``stride --help`` stays fast).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from stride.cli import start_up, targets

if TYPE_CHECKING:
    from stride.cli.first_run import Helper


_PLOT_HELP = "Draw contacts, events and step lengths to this image file (.png, .svg or .pdf)."


def analyze(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="Recording directories, PhysioNet WFDB .hea records or gaitpdb .txt files.",
            show_default=False,
        ),
    ],
    json_out: Annotated[
        bool,
        typer.Option("--json", help='Print {"summary", "steps", "timing"} as one JSON document.'),
    ] = False,
    steps_csv: Annotated[
        Path | None, typer.Option("--steps-csv", help="Write the steps table as CSV to this file.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help=_PLOT_HELP),
    ] = None,
    spacing: targets.Spacing = None,
    lines_per_step: targets.LinesPerStep = None,
    step_length: targets.StepLength = None,
    tolerance: targets.Tolerance = None,
    cadence: targets.Cadence = None,
    pass_length: Annotated[
        float | None,
        typer.Option(
            "--pass-length",
            help="Overground course mode: length of each pass, m (step lengths from passes).",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite existing output files.")
    ] = False,
    engine: Annotated[
        str,
        typer.Option(
            "--engine",
            help="Several recordings: where they run, local (all cores) or dask (a cluster).",
        ),
    ] = "local",
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address, e.g. tcp://host:8786."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Local engine: processes (default: all cores)."),
    ] = None,
) -> None:
    """Analyse records: gait events, steps, step length, symmetry, targets.

    Several paths (or --engine dask) analyse each on the cohort engine (locally one
    process per core unless --workers says otherwise): a table with one row per
    recording, or with --json one JSON document per line (each as for one record, with
    its "path"; or {"path", "error"}), in the order given; exit 1 if any failed.
    """
    start_up.pause()  # until just before the recordings are read (stride.cli.start_up)
    from stride.cli.first_run import Helper, start_early

    early = Helper(None)
    try:
        if len(paths) == 1 and engine == "local" and scheduler is None:
            early = start_early(paths[0])  # a first run: its helper before the imports below
        target = targets.target_from_cli(spacing, lines_per_step, step_length, tolerance, cadence)
        if pass_length is not None and not 0 < pass_length < float("inf"):
            raise typer.BadParameter(f"--pass-length {pass_length} must be a length in metres > 0")
        from stride.core.analyzer import AnalysisConfig

        config = AnalysisConfig(target=target, pass_length_m=pass_length)
        if len(paths) > 1 or engine != "local" or scheduler is not None:
            if steps_csv is not None or plot is not None:
                raise typer.BadParameter("--steps-csv and --plot take one recording")
            _many(paths, config, engine, scheduler, workers, json_out)
            return
        _one(paths[0], config, json_out, steps_csv, plot, force, early)
    finally:
        early.stop()  # done already, unless the command failed before its helper was waited for
        start_up.resume()
        start_up.finished()  # what is left is freed with the process, not object by object


def _one(
    path: Path,
    config: Any,
    json_out: bool,
    steps_csv: Path | None,
    plot: Path | None,
    force: bool,
    early: Helper,
) -> None:
    """One record: its tables or its JSON document; the CSV and the plot if asked.
    ``early``: a first run's helper started already (:func:`~stride.cli.first_run.start_early`)."""
    helper = _prepare(path, steps_csv, plot, force, early)
    _analyse(path, config, json_out, steps_csv, plot, helper)


def _prepare(
    path: Path, steps_csv: Path | None, plot: Path | None, force: bool, early: Helper
) -> Helper:
    """The outputs checked, the threads chosen by the load, and on a first run the line
    and the helper (:func:`stride.cli.first_run.prepare_analysis`)."""
    from devices.cores import set_frame_ahead, set_read_threads
    from stride.cli.first_run import (
        framing_kernel_ready,
        idle_core,
        prepare_analysis,
        reading_kernels_ready,
    )
    from stride.core.contacts import set_foot_threads
    from stride.outputs import check_output

    for out, option in ((steps_csv, "--steps-csv"), (plot, "--plot")):
        if out is not None:
            check_output(out, force=force, option=option, records=(path,))
    if plot is not None:
        from stride.plots import plot_format

        plot_format(plot)  # a name no figure format has: said before the analysis
    idle = idle_core()
    set_foot_threads(2 if idle else 1)  # the two feet side by side on an idle core
    # The recording read on both cores too, once its kernels are cached (a first run
    # reads with one thread: the framing kernel then compiles on a later run, in 1 s).
    set_read_threads(2 if idle and reading_kernels_ready() else 1)
    set_frame_ahead(framing_kernel_ready())  # one thread too, once that kernel is cached
    helper = prepare_analysis(path, early)  # a first run: the line, and a second core compiling
    helper.compile_reading(path)  # a first run's: the collector still paused
    return helper


def _analyse(
    path: Path,
    config: Any,
    json_out: bool,
    steps_csv: Path | None,
    plot: Path | None,
    helper: Helper,
) -> None:
    """Read and analyse the record (the helper waited for before the analysis), then
    say what was found."""
    from stride.analysis import (
        read_notes,
        run,
        with_session_defaults,
        write_text_atomic,
    )
    from stride.cli.kernel_notice import announce_kernels
    from stride.core.rows import steps_csv_text
    from stride.ingest.recording import incomplete_warning

    def before_analysis(signals: Any) -> None:
        helper.wait()
        if not helper.announced:  # the signals read: their dtype's kernels, and course mode's
            course = (  # course mode runs only without a belt
                with_session_defaults(config, signals.meta).pass_length_m is not None
                and signals.belt_speed is None
            )
            announce_kernels((signals.forces.dtype,), course=course)

    start_up.resume()  # the collector on while reading and analysing
    try:
        signals, result, timing = run(path, config, before_analysis, keep_samples=plot is not None)
    finally:
        helper.stop()  # done already, unless reading failed
    meta, fs, units = signals.meta, signals.fs, signals.units
    samples = signals if plot is not None else None  # kept by run() for the plot alone
    del signals
    notes = read_notes(path, meta, config)
    _say(str(path), notes.sentences(path, result.summary))
    if steps_csv is not None:
        write_text_atomic(steps_csv, steps_csv_text(result.step_rows()))
    if plot is not None:
        from stride.plots import plot_analysis

        assert samples is not None
        plot_analysis(samples, result, plot, config.target)
        del samples
    if json_out:
        from stride.document import document_text, write_out

        write_out(document_text(result, timing, notes))
        return
    from stride.cli.analyze_tables import show

    show(str(path), result.summary, timing.as_dict(), fs, units)
    cut_short = None if notes.damage is None else incomplete_warning(path, notes.damage)
    if cut_short is not None:  # in the summary's own words too, not only on stderr
        typer.echo(f"Note: {cut_short}.")


def _say(path: str, sentences: list[str], *, named: bool = False) -> None:
    """Say on stderr what reading a record met and what the detector saw
    (:meth:`stride.analysis.ReadNotes.sentences`). ``named``: among several recordings,
    each line names its record."""
    for line in sentences:
        where = f"{path}: " if named and path not in line else ""
        typer.echo(f"stride: warning: {where}{line}", err=True)


def _many(
    paths: list[Path],
    config: Any,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    json_out: bool,
) -> None:
    """Each recording on the cohort engine; JSON lines in the order given (each printed
    once it and those before it are done), or one table."""
    from stride.analysis import ReadNotes
    from stride.cli.first_run import prepare_many
    from stride.cohort.many import analyse_many
    from stride.document import write_out

    if engine == "local" and workers != 1:
        prepare_many(paths[0])  # a first run: the line, and both cores compiling
    docs: list[dict[str, Any] | None] = [None] * len(paths)
    failed = 0
    for i, doc in analyse_many(
        [str(p) for p in paths],
        config,
        engine=engine,
        scheduler=scheduler,
        workers=workers,
        # the kernels loaded (or compiled, collector off): start-up frozen, collector on,
        # before the workers are forked, so they inherit both
        ready=start_up.resume,
        output="text" if json_out else "summary",  # no step rows sent back for a table
    ):
        docs[i] = doc
        failed += "error" in doc
        if "error" not in doc:  # what reading it met, as one record's command says it
            notes = ReadNotes(doc.get("recording"), doc.get("warnings", []))
            _say(doc["path"], notes.sentences(doc["path"], doc["summary"]), named=True)
        if json_out:
            write_out(doc.pop("json") if "json" in doc else json.dumps(doc, allow_nan=False))
    if not json_out:
        from stride.cli.analyze_tables import show_many

        show_many([d for d in docs if d is not None])
    if failed:  # one line on stderr too, so a script reading only the exit code and stderr knows
        bad = [d["path"] for d in docs if d is not None and "error" in d]
        where = "their JSON lines say" if json_out else "the table says"
        typer.echo(
            f"stride: error: {failed} of {len(paths)} records could not be analysed"
            f" ({', '.join(map(str, bad))}): {where} why",
            err=True,
        )
        raise typer.Exit(1)
