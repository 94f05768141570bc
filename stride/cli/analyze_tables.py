"""The terminal tables of ``stride analyze``: one record's summary, or one row per record.

Loaded only when a table is printed (rich is not needed for ``--json``).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from stride.cli.shown import shown


def show_many(docs: list[dict[str, Any]]) -> None:
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
            table.add_row(shown(d["path"]), "-", "-", "-", shown(d["error"]))
            continue
        s = d["summary"]
        si = s.get("symmetry", {}).get("step_length", {}).get("si")
        cells = [shown(d["path"]), str(s["steps"]), _f(s.get("cadence_spm"), ".1f"), _f(si, ".1f")]
        table.add_row(*cells, *([""] if errors else []))
    Console().print(table)


def _f(value: Any, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def show(path: str, s: dict[str, Any], timing: dict[str, Any], fs: float, units: str) -> None:
    """One record's summary as tables and lines on the terminal."""
    console = Console()
    console.print(
        f"[bold]{shown(path)}[/bold]: {s['steps']} steps ({s['steps_used']} used), cadence "
        f"{_f(s['cadence_spm'], '.1f')} steps/min, {timing['samples']} samples at {fs:g} Hz, "
        f"read {timing['read_s']:.2f} s, analysis {timing['analysis_s']:.2f} s"
    )
    console.print(_side_table(s, units))
    console.print(_symmetry_table(s))
    for line in _lines(s):
        console.print(line)


def _side_table(s: dict[str, Any], units: str) -> Table:
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
    return table


def _symmetry_table(s: dict[str, Any]) -> Table:
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
    return sym


def _lines(s: dict[str, Any]) -> list[str]:
    """Variability, belt, target, course, what was left out and the assumptions."""
    var = s["variability"]
    cv, dfa = var["stride_time_cv"], var["dfa_alpha"]
    from stride.core.norms import STRIDE_CV_NORMAL_PCT, dfa_reading

    lo, hi = STRIDE_CV_NORMAL_PCT
    out = [
        f"PCI {_f(s['symmetry']['pci'], '.1f')} %; stride-time CV L {_f(cv['L'], '.1f')} % "
        f"R {_f(cv['R'], '.1f')} % (healthy adults about {lo:g}-{hi:g} %)",
        dfa_reading(dfa),
    ]
    if "belt_speed_mps" in s:
        b = s["belt_speed_mps"]
        out.append(f"belt speed {_f(b['mean'])} ± {_f(b['sd'])} m/s")
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
        out.append(line)
    if "course" in s:
        passes = s["course"]["passes"]
        ok = [p for p in passes if p["measured"]]
        length = s["course"]["pass_length_m"]
        line = f"course: {len(passes)} passes of {length:g} m, {len(ok)} measured"
        missed = [p["reason"] for p in passes if not p["measured"]]
        if missed:
            line += f" (not measured: {missed[0]}{' ...' if len(missed) > 1 else ''})"
        out.append(line)
    flags = {k: v for k, v in s.get("flags", {}).items() if v}
    if flags:
        out.append("left out of the summary: " + ", ".join(f"{v} {k}" for k, v in flags.items()))
    out.extend(f"[dim]assumption: {note}[/dim]" for note in s.get("assumptions", []))
    return out
