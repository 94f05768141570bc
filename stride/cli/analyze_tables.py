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
            table.add_row(shown(d["path"]), "", "", "", shown(d["error"]))  # the error says why
            continue
        s = d["summary"]
        si = s.get("symmetry", {}).get("step_length", {}).get("si")
        cells = [shown(d["path"]), str(s["steps"]), _f(s.get("cadence_spm"), ".1f"), _f(si, ".1f")]
        table.add_row(*cells, *([""] if errors else []))
    Console().print(table)


def _f(value: Any, spec: str = ".3f") -> str:
    """A figure, or nothing where there is none (as the reports: no "-" placeholder, which
    reads as a minus sign); a sentence says "not measured" in words instead (:func:`_w`)."""
    return "" if value is None else format(value, spec)


def _w(value: Any, spec: str = ".3f", unit: str = "") -> str:
    """A figure with its unit in a sentence, or "not measured"."""
    return "not measured" if value is None else format(value, spec) + unit


def show(path: str, s: dict[str, Any], timing: dict[str, Any], fs: float, units: str) -> None:
    """One record's summary as tables and lines on the terminal."""
    console = Console()
    console.print(
        f"[bold]{shown(path)}[/bold]: {s['steps']} steps ({s['steps_used']} used), cadence "
        f"{_w(s['cadence_spm'], '.1f', ' steps/min')}, {timing['samples']} samples at {fs:g} Hz, "
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
        if key not in s["L"] or not (s["L"][key]["n"] or s["R"][key]["n"]):
            continue  # neither side measured it (e.g. no belt speed: no step length)
        cells = []
        for side in ("L", "R"):
            v = s[side][key]
            sd = "" if v["sd"] is None else f" ± {_f(v['sd'])}"
            cells.append(f"{_f(v['mean'])}{sd} ({v['n']})" if v["n"] else "not measured")
        table.add_row(label, *cells)
    if "heel_first_share" in s["L"]:
        table.add_row(
            "heel-first contacts",
            *(_w(s[side]["heel_first_share"], ".0%") for side in ("L", "R")),
        )
    return table


def _symmetry_table(s: dict[str, Any]) -> Table:
    sym = Table(  # each measure's sign as published (docs/metrics.md)
        title="Symmetry (SI > 0: left larger)",
        caption="GA >= 0; SA as published: < 0 when left larger",
    )
    for col in ("quantity", "SI %", "GA %", "SA %", "ratio L/R"):
        sym.add_column(col, justify="right" if col != "quantity" else "left")
    for key, val in s["symmetry"].items():
        if isinstance(val, dict) and any(val[k] is not None for k in ("si", "ga", "sa", "ratio")):
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
    from stride.core.norms import NORMAL_SI, STRIDE_CV_NORMAL_PCT, SYMMETRY_SOURCE, dfa_reading

    lo, hi = STRIDE_CV_NORMAL_PCT
    pci = s["symmetry"]["pci"]
    out = [  # the symmetry table's range first, under it, with its source
        f"normal symmetry: ratio L/R 0.9-1.1, |SI| ≤ {NORMAL_SI:.1f} % ({SYMMETRY_SOURCE})",
        ("" if pci is None else f"PCI {pci:.1f} %; ")
        + f"stride-time CV L {_w(cv['L'], '.1f', ' %')} R {_w(cv['R'], '.1f', ' %')} "
        f"(healthy adults about {lo:g}-{hi:g} %)",
        dfa_reading(dfa),
    ]
    sl = [s[side].get("step_length_m") or {} for side in ("L", "R")]
    if not any(v.get("n") for v in sl):  # its row left out of the table: said in words
        out.append("step length not measured in this record (no belt speed or course)")
    b = s.get("belt_speed_mps")
    if b and b["mean"] is not None:
        out.append(
            f"belt speed {_f(b['mean'])}"
            + ("" if b["sd"] is None else f" ± {_f(b['sd'])}")
            + " m/s"
        )
    if "target" in s:
        t = s["target"]
        tol = "" if t["tolerance_m"] is None else f" ± {t['tolerance_m']:.2f}"
        line = (
            f"target step length {t['step_length_m']:.2f}{tol} m:"
            f" within L {_w(t['within']['L'], '.0%')}, R {_w(t['within']['R'], '.0%')}"
            if t.get("step_length_m") is not None
            else "no step-length target"
        )
        if t.get("cadence_spm") is not None:
            line += f"; cadence target {t['cadence_spm']:.0f} steps/min"
        if t.get("matching_cadence_spm") is not None:
            line += f"; matching cadence at this belt speed {t['matching_cadence_spm']:.0f}"
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
