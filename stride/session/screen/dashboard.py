"""The full-screen dashboard: one pure function from :class:`SessionState` to a rich layout.

Rendering never touches devices, so the same view serves ``stride live``, ``stride demo``
and ``stride replay``, and a test can render it into a recording console and read it.
"""

from __future__ import annotations

import textwrap

from rich.console import RenderableType
from rich.layout import Layout
from rich.panel import Panel
from rich.text import Text

from stride.core.flag_words import why_no_length
from stride.core.norms import si_within
from stride.core.targets import Target
from stride.session.screen.alerts import current_alerts, fmt_clock
from stride.session.state import Rolling, SessionState

KMH = 3.6
_STYLE = {"error": "bold white on red", "warning": "bold yellow", "info": "cyan"}


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


#: On / off target: a shape as well as a colour (colour-blind safe), on the lines and in
#: the header's cadence.
ON_MARK, OFF_MARK = "●", "✕"
ON_TICK, OFF_TICK = "✓", "✗"


def pack(items: list[Text], width: int, gap: str = "  ") -> Text:
    """Items side by side, starting a new line where the next would pass ``width``: on a
    narrow terminal the header wraps between items, never inside one or off the edge."""
    out = Text(no_wrap=True, overflow="crop")
    used = 0
    for item in items:
        if used and used + len(gap) + item.cell_len > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(gap)
            used += len(gap)
        out.append_text(item)
        used += item.cell_len
    return out


def _metronome_item(state: SessionState) -> Text:
    """The metronome's rate and its beat (the bell clicks on each: ``terminal``)."""
    cad = target_cadence(state)
    item = Text("♪ ", style="bold")
    if not cad:
        item.append("no target cadence to beat", style="yellow")
        return item
    item.append(f"{cad:.0f}/min ")
    item.append("●" if beat_on(state) else "○", style="bold magenta")
    return item


def _cadence_item(state: SessionState, cad: float | None) -> Text:
    """ "cadence 97, target 98 /min ✗": the target named, on/off by colour and shape."""
    cad_t = target_cadence(state)
    item = Text("cadence ")
    if cad_t and cad is not None:
        on = abs(cad - cad_t) <= 0.05 * cad_t
        item.append(f"{cad:.0f}", style="bold green" if on else "bold yellow")
        item.append(f", target {cad_t:.0f} /min ")
        item.append(ON_TICK if on else OFF_TICK, style="green" if on else "bold yellow")
    else:
        item.append(f"{cad:.0f}" if cad is not None else "—", style="bold")
        item.append(f", target {cad_t:.0f} /min" if cad_t else " /min")
    return item


def header_items(state: SessionState) -> list[Text]:
    """Modes first (so they lead the first line), the clock (a replay's is the time in
    the recording), belt speed (measured / set), cadence against its target, steps."""
    h = state.health
    items = [Text(" stride ", style="bold white on blue")]
    if state.paused:
        items.append(Text("PAUSED", style="bold black on yellow"))
    if state.metronome:
        items.append(_metronome_item(state))
    if state.recording_s is not None:
        items.append(Text.assemble("recording ", (fmt_clock(state.recording_s), "bold")))
    else:
        items.append(Text(fmt_clock(state.elapsed_s), style="bold"))
    belt = Text("belt ")
    if state.belt_mps is None:
        unknown = bool(h.treadmill) and not h.treadmill_answering
        belt.append("unknown" if unknown else "—", style="bold red" if unknown else "dim")
    else:
        belt.append(f"{state.belt_mps * KMH:.1f} km/h", style="bold")
    if state.belt_set_mps is not None:
        belt.append(f" (set {state.belt_set_mps * KMH:.1f})")
    items.append(belt)
    if state.heart_rate_bpm is not None:
        items.append(Text.assemble("HR ", (f"{state.heart_rate_bpm:.0f}", "bold red"), " bpm"))
    items.append(_cadence_item(state, state.rolling().cadence_spm))
    items.append(Text(f"steps {state.steps_total}"))
    return items


def header(state: SessionState, width: int = 120) -> Text:
    """The header for a ``width``-column screen (one line, or more where it is narrow)."""
    return pack(header_items(state), width)


def _lengths_view(state: SessionState, per_side: int) -> Text:
    """Without a step-length target: each foot's last step lengths, no empty track."""
    out = Text(no_wrap=True, overflow="crop")
    out.append("no step-length target: step lengths\n", style="dim")
    out.append("newest step at the bottom\n", style="dim")
    for side in ("L", "R"):
        out.append(f"{side}\n", style="bold")
        steps = state.last_steps(side)[-per_side:]
        if not steps:
            out.append("  —\n", style="dim")
        for st in steps:
            length = st.get("step_length_m")
            if isinstance(length, int | float):
                out.append(f"  {length * 100:5.1f} cm\n")
            else:  # why it has no length, in words ("start", not the flag "edge")
                out.append(f"  {why_no_length(st.get('flags'))}\n", style="yellow")
    out.rstrip()
    return out


def _has_lines(state: SessionState) -> bool:
    """Whether there is a step-length target to draw the landings against."""
    return state.target is not None and state.target.step_length_m is not None


def lines_view(state: SessionState, width: int = 41, per_side: int = 8) -> Text:
    """The last steps of each foot against the parallel lines: landing error in cm, the
    newest at the bottom; on target a dot, off target a cross. Without a step-length
    target, the last step lengths.

    Built as one styled Text (not a Table): it is redrawn ten times a second.
    """
    t = state.target or Target()
    if t.step_length_m is None:
        return _lengths_view(state, per_side)
    tol_cm = t.tolerance_m * 100.0
    span = max(15.0, 3.0 * tol_cm)  # cm shown either side of the target line
    half = width // 2
    out = Text(no_wrap=True, overflow="crop")
    title = f"target {t.step_length_m * 100:.0f} cm ±{tol_cm:.0f}"
    if t.spacing_m and t.lines_per_step:
        title += f" ({t.lines_per_step} lines × {t.spacing_m * 100:.0f} cm)"
    out.append(title + "\n", style="dim")
    out.append(f"{ON_MARK} in {OFF_MARK} out · newest at bottom\n", style="dim")
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
            out.append("  ")
            _landing(out, st, blank, span, tol_cm)
    out.rstrip()
    return out


def _landing(out: Text, st: dict[str, object], blank: str, span: float, tol_cm: float) -> None:
    """One step on the track: where it landed against the target line, and by how much."""
    err = st.get("target_error_m")
    length = st.get("step_length_m")
    half = len(blank) // 2
    if isinstance(err, int | float):
        cm = err * 100.0
        pos = min(len(blank) - 1, max(0, half + round(cm / span * half)))
        ok = abs(cm) <= tol_cm + 1e-9
        out.append(blank[:pos], style="blue")
        out.append(ON_MARK if ok else OFF_MARK, style="bold green" if ok else "bold red")
        out.append(blank[pos + 1 :], style="blue")
        out.append(f" {cm:+5.1f} cm\n", style="green" if ok else "red")
    elif isinstance(length, int | float):
        out.append(blank, style="blue")
        out.append(f" {length * 100:5.1f} cm\n")
    else:
        out.append(blank, style="blue")
        out.append(f" {why_no_length(st.get('flags'))}\n", style="yellow")


def _ms(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds * 1000:.0f} ms"


#: The figures' rows that give way first where the body is short (a small terminal, many
#: alerts), least needed first: the share of heel-first landings, then the share on target
#: (each landing's on / off is on the lines panel beside it), then the stride CV. The
#: step length, step time, stance and loading rows and their symmetry indices stay.
DROP_FIRST = ("heel first", "on target", "stride CV")


def si_legend(state: SessionState) -> str:
    """What the SI column means, in the symmetry panel's bottom border (no row of its own,
    so the height never cuts it)."""
    return f"SI > 0 left larger, {ON_TICK} |SI| ≤ {state.symmetry_tolerance_pct:.1f} %"


def strides_heading(roll: Rolling) -> str:
    """Over how many strides the figures are: "last 20 strides" once each foot has 20
    (a figure is over each foot's own), "last 3/2 strides" (left/right) before."""
    n = [roll.strides.get(side, 0) for side in ("L", "R")]
    return f"last {n[0]} strides" if n[0] == n[1] else f"last {n[0]}/{n[1]} strides"


def figures_view(state: SessionState, roll: Rolling, rows: int | None = None) -> Text:
    """Rolling symmetry, share on target, variability, roll-over and loading (one Text),
    in at most ``rows`` lines: where fewer fit, the rows of :data:`DROP_FIRST` go first."""
    tol = state.symmetry_tolerance_pct
    lines: list[tuple[str, Text]] = []

    def row(label: str, left: str = "", right: str = "", si: float | None = None) -> None:
        line = Text(f"{label:<12}{left:>8}{right:>8}")
        if si is not None or label in ("step length", "step time", "stance", "loading"):
            shown = None if si is None else round(si, 1)  # judged as shown: -9.53 is -9.5 ✓
            style = _sym_style(shown, tol)
            line.append("     —" if shown is None else f"{shown:+6.1f}", style=style)
            if shown is not None:  # within the normal range or not: a shape, not only colour
                line.append(f" {ON_TICK if si_within(shown, tol) else OFF_TICK}", style=style)
        lines.append((label, line))

    def pct(x: float | None) -> str:
        return fmt_pct(None if x is None else 100 * x)

    sl = roll.step_length_m
    row(
        "step length",
        f"{sl['L'] * 100:.1f} cm" if sl["L"] is not None else "—",
        f"{sl['R'] * 100:.1f} cm" if sl["R"] is not None else "—",
        roll.si_step_length,
    )
    row("step time", _ms(roll.step_time_s.get("L")), _ms(roll.step_time_s.get("R")),
        roll.si_step_time)  # fmt: skip
    row("stance", _ms(roll.stance_s.get("L")), _ms(roll.stance_s.get("R")), roll.si_stance)
    if state.target is not None and state.target.step_length_m is not None:
        # without a target: no row of dashes; over the same strides as the other rows
        within = roll.on_target_share
        row("on target", pct(within.get("L")), pct(within.get("R")))
    cv = roll.stride_time_cv
    row("stride CV", fmt_pct(cv["L"], digits=1), fmt_pct(cv["R"], digits=1))
    hf = roll.heel_first_share
    row("heel first", pct(hf["L"]), pct(hf["R"]))
    row("loading", si=roll.si_loading)
    for label in DROP_FIRST:  # the column headings take a line too
        if rows is None or len(lines) + 1 <= rows:
            break
        lines = [(name, line) for name, line in lines if name != label]
    out = Text(no_wrap=True, overflow="crop")
    out.append(f"{strides_heading(roll):<19}L{'R':>8}{'SI %':>6}", style="bold")
    for _, line in lines:
        out.append("\n")
        out.append_text(line)
    return out


def health_view(state: SessionState, width: int = 116) -> Text:
    """The devices' figures, each line wrapped between two figures at ``width`` (a busy
    machine's "latency p50 10.3 p99 101.2 ms" was cut at 80 columns)."""
    h = state.health
    frames, errors = ("lines", "bad lines") if h.csv_lines else ("frames", "CRC errors")
    box = [
        Text.assemble(("box ", "bold"), ("connected", "green"))
        if h.box_connected
        else Text.assemble(("box ", "bold"), ("UNPLUGGED", "bold white on red")),
        Text(f"{h.frames_per_s:.0f} {frames}/s"),
        Text(f"{errors} {h.crc_errors}", style="yellow" if h.crc_errors else ""),
        *([Text(f"bytes skipped {h.skipped_bytes}", style="yellow")] if h.skipped_bytes else []),
        Text(f"gaps {h.gaps}", style="yellow" if h.gaps else ""),
        Text(f"reconnects {h.reconnects}", style="yellow" if h.reconnects else ""),
    ]
    host: list[Text] = []
    if h.treadmill:
        host.append(
            Text.assemble(
                (f"treadmill {h.treadmill} ", "bold"),
                ("answering", "green")
                if h.treadmill_answering
                else ("NOT ANSWERING", "bold white on red"),
            )
        )
        if h.treadmill_read_only:
            host.append(Text("read-only", style="yellow"))
    host.append(Text(f"CPU {h.cpu_percent:.0f} %"))
    if h.latency_p99_ms is not None and not state.replay:  # a replay's: its own feeding
        host.append(Text(f"latency p50 {h.latency_p50_ms:.1f} p99 {h.latency_p99_ms:.1f} ms"))
    text = pack(box, width)
    text.append("\n")
    text.append_text(pack(host, width))
    return text


#: Most alerts shown at once, and most lines they take (a long one wraps, never cut).
MAX_ALERTS, MAX_ALERT_ROWS = 3, 6


def alerts_view(state: SessionState, now: float, width: int = 116) -> tuple[Text, int, int]:
    """The most serious alerts, wrapped at word boundaries to ``width``; their lines; and
    how many were left out. An alert is shown whole or not at all (at 80 columns a second
    alert was cut after its third line): those that do not fit, and the less serious ones
    after them, are counted for the panel's title."""
    alerts = current_alerts(state, now)
    if not alerts:
        return Text("all well", style="green"), 1, 0
    out = Text(no_wrap=True, overflow="crop")
    rows = shown = 0
    for a in alerts[:MAX_ALERTS]:
        lines = textwrap.wrap(a.text, max(20, width), break_long_words=True)
        if rows and rows + len(lines) > MAX_ALERT_ROWS:
            break
        if len(lines) > MAX_ALERT_ROWS:  # the most serious alone passes the panel: its start
            lines = [*lines[: MAX_ALERT_ROWS - 1], lines[MAX_ALERT_ROWS - 1][: width - 1] + "…"]
        if rows:
            out.append("\n")
        out.append("\n".join(lines), style=_STYLE[a.level])
        rows += len(lines)
        shown += 1
    return out, rows, len(alerts) - shown


def footer(state: SessionState, width: int = 120) -> Text:
    """The keys that do something here (a replay has no belt to drive nor a walker to
    pace: only pause, quit and a walker's view's metronome; a live session without a
    treadmill, or with one that is read-only, no belt keys), and where the walker's view
    is served (``--view``), on as many lines as the width needs: the address is never cut."""
    if state.replay:
        keys = ["space pause scoring", "q end replay"]
        if state.view_url:  # the walker's view clicks the metronome, even in a replay
            keys.insert(1, "m view's metronome")
    else:  # the belt keys only where a treadmill takes speed commands now
        h = state.health
        drive = ["+ / - belt speed"] if h.treadmill and not h.treadmill_read_only else []
        keys = [*drive, "space pause scoring", "m metronome", "q end session"]
    items = [Text(k, style="dim") for k in keys]
    items[0] = Text.assemble(" ", items[0])
    if state.view_url:
        items.append(Text.assemble(("walker's view ", "dim"), (state.view_url, "bold")))
    return pack(items, width, gap="   ")


def render(
    state: SessionState, now: float, *, title: str = "live", width: int = 120, height: int = 40
) -> RenderableType:
    """The whole screen for the state at host time ``now`` on a ``width`` x ``height`` screen."""
    roll = state.rolling()
    head = header(state, width)
    head_rows = head.plain.count("\n") + 1
    alerts, alert_rows, hidden = alerts_view(state, now, width - 4)
    alert_rows = max(alert_rows, 3)
    foot = footer(state, width)
    foot_rows = foot.plain.count("\n") + 1
    devices = health_view(state, width - 4)
    device_rows = devices.plain.count("\n") + 1
    # the lines panel's inner rows: minus header, devices, alerts, footer and its borders
    inner = height - head_rows - (device_rows + 2) - (alert_rows + 2) - foot_rows - 2
    per_side = max(1, (inner - 4) // 2)  # two title lines, a scale line per foot
    ruler = 41 if width >= 110 else 25
    layout = Layout(name="root")
    layout.split_column(
        Layout(head, name="header", size=head_rows),
        Layout(name="body", ratio=1),
        Layout(Panel(devices, title="devices", border_style="blue"), size=device_rows + 2),
        Layout(
            Panel(
                alerts,
                title=f"alerts ({hidden} more not shown)" if hidden else "alerts",
                border_style="blue",
            ),
            size=alert_rows + 2,
        ),
        Layout(foot, size=foot_rows),
    )
    layout["body"].split_row(
        Layout(
            Panel(
                lines_view(state, ruler, per_side),
                title=f"{title}: {'parallel lines' if _has_lines(state) else 'step lengths'}",
                border_style="blue",
            )
        ),
        Layout(
            Panel(
                figures_view(state, roll, inner),
                title="symmetry and targets",
                subtitle=Text(si_legend(state), style="dim"),
                border_style="blue",
            )
        ),
    )
    return layout
