"""The full-screen dashboard: one pure function from :class:`SessionState` to a rich layout.

Rendering never touches devices, so the same view serves ``stride live``, ``stride demo``
and ``stride replay``, and a test can render it into a recording console and read it.
"""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.layout import Layout
from rich.panel import Panel
from rich.text import Text

from stride.core.targets import Target
from stride.session.screen.alerts import current_alerts
from stride.session.state import Rolling, SessionState

KMH = 3.6
_STYLE = {"error": "bold white on red", "warning": "bold yellow", "info": "cyan"}


def fmt_clock(seconds: float) -> str:
    s = max(0, int(seconds))
    return (
        f"{s // 3600:d}:{s // 60 % 60:02d}:{s % 60:02d}"
        if s >= 3600
        else f"{s // 60:02d}:{s % 60:02d}"
    )


def fmt_pct(x: float | None, signed: bool = False, digits: int = 0) -> str:
    if x is None:
        return "—"
    return f"{x:+.1f} %" if signed else f"{x:.{digits}f} %"


def target_cadence(state: SessionState) -> float | None:
    """The cadence to aim at (:meth:`SessionState.target_cadence`)."""
    return state.target_cadence()


def beat_on(state: SessionState) -> bool:
    """Whether the metronome's visual beat is lit now (the first 20 % of each beat)."""
    cad = target_cadence(state)
    if not state.metronome or not cad:
        return False
    return (state.elapsed_s * cad / 60.0) % 1.0 < 0.2


def _sym_style(si: float | None, tol: float) -> str:
    if si is None:
        return "dim"
    return "green" if abs(si) <= tol else ("yellow" if abs(si) <= 2 * tol else "red")


def header(state: SessionState) -> Text:
    """Belt speed (measured / set), elapsed time, cadence against its target, modes."""
    h = state.health
    text = Text(no_wrap=True, overflow="crop")
    text.append(" stride ", style="bold white on blue")
    if state.paused:  # modes first, so a narrow terminal never hides them
        text.append(" PAUSED", style="bold black on yellow")
    if state.metronome:
        text.append(" ♪", style="bold")
        text.append("●" if beat_on(state) else "○", style="bold magenta")
    text.append(f"  {fmt_clock(state.elapsed_s)}", style="bold")
    text.append("  belt ")
    if state.belt_mps is None:
        unknown = bool(h.treadmill) and not h.treadmill_answering
        text.append("unknown" if unknown else "—", style="bold red" if unknown else "dim")
    else:
        text.append(f"{state.belt_mps * KMH:.1f} km/h", style="bold")
    if state.belt_set_mps is not None:
        text.append(f" (set {state.belt_set_mps * KMH:.1f})")
    if state.heart_rate_bpm is not None:
        text.append("  HR ")
        text.append(f"{state.heart_rate_bpm:.0f}", style="bold red")
        text.append(" bpm")
    roll = state.rolling()
    cad_t = target_cadence(state)
    text.append("  cadence ")
    cad = roll.cadence_spm
    style = "bold"
    if cad is not None and cad_t:
        style = "bold green" if abs(cad - cad_t) <= 0.05 * cad_t else "bold yellow"
    text.append(f"{cad:.0f}" if cad is not None else "—", style=style)
    text.append(f" / {cad_t:.0f} per min" if cad_t else " per min")
    text.append(f"  steps {state.steps_total}")
    return text


def lines_view(state: SessionState, width: int = 41, per_side: int = 8) -> Text:
    """The last steps of each foot against the parallel lines: landing error in cm.

    Built as one styled Text (not a Table): it is redrawn ten times a second.
    """
    t = state.target or Target()
    tol_cm = t.tolerance_m * 100.0
    span = max(15.0, 3.0 * tol_cm)  # cm shown either side of the target line
    half = width // 2
    out = Text(no_wrap=True, overflow="crop")
    if t.step_length_m is None:
        out.append("no step-length target: step lengths in cm\n", style="dim")
    else:
        title = f"target {t.step_length_m * 100:.0f} cm ±{tol_cm:.0f}"
        if t.spacing_m and t.lines_per_step:
            title += f" ({t.lines_per_step} lines × {t.spacing_m * 100:.0f} cm)"
        out.append(title + "\n", style="dim")
    ruler = [" "] * width
    ruler[half] = "┃"
    for edge in (-tol_cm, tol_cm):
        pos = half + round(edge / span * half)
        if 0 <= pos < width and pos != half:
            ruler[pos] = "┆"
    blank = "".join(ruler)
    scale = f"-{span:.0f} cm".ljust(half) + f"+{span:.0f} cm".rjust(width - half)
    for side in ("L", "R"):
        out.append(f"{side} ", style="bold")
        out.append(scale + "\n", style="dim")
        steps = state.last_steps(side)[-per_side:]
        if not steps:
            out.append("  " + blank, style="dim")
            out.append("  —\n", style="dim")
        for st in steps:
            err = st.get("target_error_m")
            length = st.get("step_length_m")
            out.append("  ")
            if isinstance(err, int | float):
                cm = err * 100.0
                pos = min(width - 1, max(0, half + round(cm / span * half)))
                ok = abs(cm) <= tol_cm + 1e-9
                mark = "bold green" if ok else "bold red"
                out.append(blank[:pos], style="blue")
                out.append("●", style=mark)
                out.append(blank[pos + 1 :], style="blue")
                out.append(f" {cm:+5.1f} cm\n", style="green" if ok else "red")
            elif isinstance(length, int | float):
                out.append(blank, style="blue")
                out.append(f" {length * 100:5.1f} cm\n")
            else:
                out.append(blank, style="blue")
                flags = ",".join(st.get("flags") or []) or "no length"
                out.append(f" {flags}\n", style="yellow")
    out.rstrip()
    return out


def figures_view(state: SessionState, roll: Rolling) -> Text:
    """Rolling symmetry, share on target, variability, roll-over and loading (one Text)."""
    tol = state.symmetry_tolerance_pct
    out = Text(no_wrap=True, overflow="crop")
    out.append(f"{'20 strides':<12}{'L':>8}{'R':>8}{'SI':>8}\n", style="bold")

    def row(label: str, left: str = "", right: str = "", si: float | None = None) -> None:
        out.append(f"{label:<12}{left:>8}{right:>8}")
        if si is not None or label in ("step length", "step time", "stance", "loading"):
            out.append(f"{fmt_pct(si, signed=True):>8}", style=_sym_style(si, tol))
        out.append("\n")

    def pct(x: float | None) -> str:
        return fmt_pct(None if x is None else 100 * x)

    sl = roll.step_length_m
    row(
        "step length",
        f"{sl['L'] * 100:.1f} cm" if sl["L"] is not None else "—",
        f"{sl['R'] * 100:.1f} cm" if sl["R"] is not None else "—",
        roll.si_step_length,
    )
    row("step time", si=roll.si_step_time)
    row("stance", si=roll.si_stance)
    within = state.within_share()
    row("on target", pct(within["L"]), pct(within["R"]))
    cv = roll.stride_time_cv
    row("stride CV", fmt_pct(cv["L"], digits=1), fmt_pct(cv["R"], digits=1))
    hf = roll.heel_first_share
    row("heel first", pct(hf["L"]), pct(hf["R"]))
    row("loading", si=roll.si_loading)
    out.append("SI > 0: left larger", style="dim")
    return out


def health_view(state: SessionState) -> Text:
    h = state.health
    text = Text(no_wrap=True, overflow="crop")
    text.append("box ", style="bold")
    if h.box_connected:
        text.append("connected", style="green")
    else:
        text.append("UNPLUGGED", style="bold white on red")
    text.append(f"  {h.frames_per_s:.0f} frames/s")
    text.append(f"  CRC errors {h.crc_errors}", style="yellow" if h.crc_errors else "")
    text.append(f"  gaps {h.gaps}", style="yellow" if h.gaps else "")
    text.append(f"  reconnects {h.reconnects}", style="yellow" if h.reconnects else "")
    text.append("\n")
    if h.treadmill:
        text.append(f"treadmill {h.treadmill} ", style="bold")
        if h.treadmill_answering:
            text.append("answering  ", style="green")
        else:
            text.append("NOT ANSWERING", style="bold white on red")
            text.append("  ")
        if h.treadmill_read_only:
            text.append("read-only  ", style="yellow")
    text.append(f"CPU {h.cpu_percent:.0f} %")
    if h.latency_p99_ms is not None:
        text.append(f"  latency p50 {h.latency_p50_ms:.1f} p99 {h.latency_p99_ms:.1f} ms")
    return text


def alerts_view(state: SessionState, now: float) -> RenderableType:
    alerts = current_alerts(state, now)
    if not alerts:
        return Text("all well", style="green")
    return Group(*(Text(a.text, style=_STYLE[a.level]) for a in alerts[:3]))


def footer(state: SessionState) -> Text:
    """The keys, and where the walker's view is served (``--view``)."""
    keys = " + / - belt speed   space pause scoring   m metronome   q end session"
    text = Text(keys, style="dim", no_wrap=True, overflow="crop")
    if state.view_url:
        text.append("   walker's view ", style="dim")
        text.append(state.view_url, style="bold")
    return text


def render(
    state: SessionState, now: float, *, title: str = "live", width: int = 120, height: int = 40
) -> RenderableType:
    """The whole screen for the state at host time ``now`` on a ``width`` x ``height`` screen."""
    roll = state.rolling()
    body_rows = max(6, height - 1 - 4 - 5 - 1 - 2)  # minus header, panels, footer, borders
    per_side = max(1, (body_rows - 3) // 2)
    ruler = 41 if width >= 110 else 25
    layout = Layout(name="root")
    layout.split_column(
        Layout(header(state), name="header", size=1),
        Layout(name="body", ratio=1),
        Layout(Panel(health_view(state), title="devices", border_style="blue"), size=4),
        Layout(Panel(alerts_view(state, now), title="alerts", border_style="blue"), size=5),
        Layout(footer(state), size=1),
    )
    layout["body"].split_row(
        Layout(
            Panel(
                lines_view(state, ruler, per_side),
                title=f"{title}: parallel lines",
                border_style="blue",
            )
        ),
        Layout(Panel(figures_view(state, roll), title="symmetry and targets", border_style="blue")),
    )
    return layout
