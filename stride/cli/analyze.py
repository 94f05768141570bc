"""``stride analyze PATH [PATH ...]``: steps, summary and symmetry of records, with optional
target. One path: its tables (or one JSON document). Several: each analysed on the cohort
engine (``--engine local|dask``), one row (or one JSON line) per recording.

Imports only typer and the standard library at module level (``stride --help`` stays fast).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer


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
        typer.Option("--plot", help="Draw contacts, events and step lengths to this PNG file."),
    ] = None,
    spacing: Annotated[
        float | None,
        typer.Option("--spacing", help="Parallel-line spacing, m (target = spacing x lines/step)."),
    ] = None,
    lines_per_step: Annotated[
        int | None, typer.Option("--lines-per-step", help="Lines per step (with --spacing).")
    ] = None,
    step_length: Annotated[
        float | None,
        typer.Option("--step-length", help="Target step length, m (instead of --spacing)."),
    ] = None,
    tolerance: Annotated[
        float | None, typer.Option("--tolerance", help="Target tolerance, m (default 0.05).")
    ] = None,
    cadence: Annotated[
        float | None, typer.Option("--cadence", help="Target cadence, steps/min.")
    ] = None,
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

    Several paths (or --engine dask) analyse each on the cohort engine: a table with one
    row per recording, or with --json one JSON document per line, {"path", "summary",
    "steps", "timing"} or {"path", "error"}; exit 1 if any failed.
    """
    from stride.analysis import (
        check_output,
        check_step_target,
        document,
        run,
        steps_csv_text,
        target_from_options,
        write_text_atomic,
    )
    from stride.core.analyzer import AnalysisConfig
    from stride.errors import InputError
    from stride.readers.session import recording_damage, skipped_warning

    try:
        target = target_from_options(spacing, lines_per_step, step_length, tolerance, cadence)
    except InputError as err:  # a wrong mix of options is a usage error (exit 2)
        raise typer.BadParameter(str(err)) from err
    check_step_target(spacing, lines_per_step, step_length)  # implausible values: exit 1
    if pass_length is not None and not pass_length > 0:
        raise typer.BadParameter(f"--pass-length {pass_length} must be a length in metres > 0")
    config = AnalysisConfig(target=target, pass_length_m=pass_length)
    if len(paths) > 1 or engine != "local" or scheduler is not None:
        if steps_csv is not None or plot is not None:
            raise typer.BadParameter("--steps-csv and --plot take one recording")
        _many(paths, config, engine, scheduler, workers, json_out)
        return
    path = paths[0]
    for out in (steps_csv, plot):
        if out is not None:
            check_output(out, force)
    signals, result, timing = run(path, config)
    damage = recording_damage(signals.meta)
    warning = None
    if damage is not None:
        probs = signals.meta.get("read_problems") or {}
        warning = skipped_warning(str(damage["stream"]), path, probs, rest="analysed")
    if warning is not None:
        typer.echo(warning, err=True)
    if steps_csv is not None:
        write_text_atomic(steps_csv, steps_csv_text(result))
    if plot is not None:
        from stride.plots import plot_analysis

        plot_analysis(signals, result, plot, target)
    if json_out:
        doc = document(result, timing)
        if damage is not None:
            doc["recording"] = damage
        typer.echo(json.dumps(doc, allow_nan=False))
        return
    _show(str(path), result.summary, timing.as_dict(), signals.fs, signals.units)


def _many(
    paths: list[Path],
    config: Any,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    json_out: bool,
) -> None:
    """Each recording on the cohort engine; JSON lines as they finish, or one table."""
    from stride.cohort import analyse_many

    docs: list[dict[str, Any] | None] = [None] * len(paths)
    failed = 0
    for i, doc in analyse_many(
        [str(p) for p in paths], config, engine=engine, scheduler=scheduler, workers=workers
    ):
        docs[i] = doc
        failed += "error" in doc
        if json_out:
            typer.echo(json.dumps(doc, allow_nan=False))
    if not json_out:
        _show_many([d for d in docs if d is not None])
    if failed:
        raise typer.Exit(1)


def _show_many(docs: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    errors = any("error" in d for d in docs)
    table = Table(title=f"{len(docs)} recordings")
    table.add_column("path", overflow="fold")
    table.add_column("steps", justify="right")
    table.add_column("cadence (steps/min)", justify="right")
    table.add_column("step-length SI (%)", justify="right")
    if errors:
        table.add_column("error", style="red", overflow="fold")
    for d in docs:
        if "error" in d:
            table.add_row(d["path"], "-", "-", "-", d["error"])
            continue
        s = d["summary"]
        si = s.get("symmetry", {}).get("step_length", {}).get("si")
        cells = [d["path"], str(s["steps"]), _f(s.get("cadence_spm"), ".1f"), _f(si, ".1f")]
        table.add_row(*cells, *([""] if errors else []))
    Console().print(table)


def _f(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def _show(path: str, s: dict[str, Any], timing: dict[str, Any], fs: float, units: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(
        f"[bold]{path}[/bold]: {s['steps']} steps ({s['steps_used']} used), cadence "
        f"{_f(s['cadence_spm'], '.1f')} steps/min, {timing['samples']} samples at {fs:g} Hz, "
        f"read {timing['read_s']:.2f} s, analysis {timing['analysis_s']:.2f} s"
    )
    table = Table(title="Per side: mean ± SD (n)")
    table.add_column("quantity")
    table.add_column("left", justify="right")
    table.add_column("right", justify="right")
    names = {
        "step_length_m": "step length (m)",
        "step_time_s": "step time (s)",
        "stride_time_s": "stride time (s)",
        "stance_s": "stance (s)",
        "swing_s": "swing (s)",
        "impulse": f"impulse ({units}·s)",
        "heel_toe_s": "heel-to-toe (s)",
    }
    for key, label in names.items():
        if key not in s["L"]:
            continue
        cells = []
        for side in ("L", "R"):
            v = s[side][key]
            cells.append(f"{_f(v['mean'])} ± {_f(v['sd'])} ({v['n']})" if v["n"] else "-")
        table.add_row(label, *cells)
    if "heel_first_share" in s["L"]:
        table.add_row(
            "heel-first contacts",
            *(_f(s[side]["heel_first_share"], ".0%") for side in ("L", "R")),
        )
    console.print(table)
    sym = Table(title="Symmetry (positive = left larger)")
    for col in ("quantity", "SI %", "GA %", "SA %", "ratio L/R"):
        sym.add_column(col, justify="right" if col != "quantity" else "left")
    for key, val in s["symmetry"].items():
        if isinstance(val, dict):
            sym.add_row(
                key.replace("_", " "),
                _f(val["si"], ".1f"),
                _f(val["ga"], ".1f"),
                _f(val["sa"], ".1f"),
                _f(val["ratio"], ".3f"),
            )
    console.print(sym)
    var = s["variability"]
    cv, dfa = var["stride_time_cv"], var["dfa_alpha"]
    from stride.core.norms import STRIDE_CV_NORMAL_PCT, dfa_reading

    lo, hi = STRIDE_CV_NORMAL_PCT
    console.print(
        f"PCI {_f(s['symmetry']['pci'], '.1f')} %; stride-time CV L {_f(cv['L'], '.1f')} % "
        f"R {_f(cv['R'], '.1f')} % (healthy adults about {lo:g}-{hi:g} %)",
        highlight=False,
    )
    console.print(dfa_reading(dfa), highlight=False)
    if "belt_speed_mps" in s:
        b = s["belt_speed_mps"]
        console.print(f"belt speed {_f(b['mean'])} ± {_f(b['sd'])} m/s")
    if "target" in s:
        t = s["target"]
        line = (
            f"target step length {_f(t['step_length_m'], '.2f')} ± {_f(t['tolerance_m'], '.2f')} m:"
            f" within L {_f(t['within']['L'], '.0%')}, R {_f(t['within']['R'], '.0%')}"
        )
        if "cadence_spm" in t:
            line += f"; cadence target {_f(t['cadence_spm'], '.0f')} steps/min"
        if "matching_cadence_spm" in t:
            line += f"; matching cadence at this belt speed {_f(t['matching_cadence_spm'], '.0f')}"
        console.print(line)
    if "course" in s:
        passes = s["course"]["passes"]
        ok = [p for p in passes if p["measured"]]
        length = s["course"]["pass_length_m"]
        line = f"course: {len(passes)} passes of {length:g} m, {len(ok)} measured"
        missed = [p["reason"] for p in passes if not p["measured"]]
        if missed:
            line += f" (not measured: {missed[0]}{' ...' if len(missed) > 1 else ''})"
        console.print(line)
    flags = {k: v for k, v in s.get("flags", {}).items() if v}
    if flags:
        console.print("left out of the summary: " + ", ".join(f"{v} {k}" for k, v in flags.items()))
    for note in s.get("assumptions", []):
        console.print(f"[dim]assumption: {note}[/dim]")
