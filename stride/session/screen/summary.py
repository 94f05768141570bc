"""The summary printed when a session ends: the figures a therapist writes down."""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from stride.core.norms import NORMAL_SI, STRIDE_CV_NORMAL_PCT, SYMMETRY_SOURCE, si_within
from stride.session.protocols import SessionResult

#: A figure the session did not give, in words (as the reports: no dash placeholder).
NOT_MEASURED = "not measured"


def _ms(d: Any, key: str = "mean", scale: float = 1.0, unit: str = "") -> str:
    if not isinstance(d, dict) or d.get(key) is None:
        return NOT_MEASURED
    return f"{d[key] * scale:.1f}{unit}"


def _side_rows(t: Table, left: dict[str, Any], right: dict[str, Any]) -> None:
    """Each foot's mean step length, step time and stance; a row neither foot has (no
    step length without a belt speed) is left out, said below the table."""
    for label, key, scale, unit in (
        ("step length", "step_length_m", 100, " cm"),
        ("step time", "step_time_s", 1000, " ms"),
        ("stance", "stance_s", 1000, " ms"),
    ):
        cells = [_ms(side.get(key), scale=scale, unit=unit) for side in (left, right)]
        if cells != [NOT_MEASURED, NOT_MEASURED]:
            t.add_row(label, *cells, "")


def summary_table(
    result: SessionResult, *, events: bool = False, replay: bool = False
) -> RenderableType:
    """A compact table of the final summary and the session's device figures; ``events``:
    what happened to the devices, at its times (after a dashboard, whose alerts went with
    its screen; without one each was printed when it happened); ``replay``: the events are
    the recording's, at its times, and no latency row (a replay's latency is its own
    feeding of recorded chunks, at --speed max hundreds of ms: no device's); the recording's path
    below, whole however narrow the terminal (folded, never cut)."""
    s: dict[str, Any] = result.analysis.get("summary") or {}
    sess = result.session
    t = Table(
        title="replay summary" if replay else "session summary",
        show_header=True,
        header_style="bold",
        box=None,
    )
    t.add_column("")
    t.add_column("L", justify="right")
    t.add_column("R", justify="right")
    t.add_column("", justify="right", overflow="fold")
    left: dict[str, Any] = s.get("L") or {}
    right: dict[str, Any] = s.get("R") or {}
    cad = s.get("cadence_spm")
    t.add_row("steps", "", "", str(s.get("steps", 0)))
    cadence = f"{cad:.1f} steps/min" if isinstance(cad, int | float) else NOT_MEASURED
    t.add_row("cadence", "", "", cadence)
    _side_rows(t, left, right)
    sym: dict[str, Any] = s.get("symmetry") or {}
    judged = False
    for key in ("step_length", "step_time", "stance", "loading"):
        si = (sym.get(key) or {}).get("si") if isinstance(sym.get(key), dict) else None
        if si is not None:
            t.add_row(f"symmetry {key.replace('_', ' ')} (SI)", "", "", _judged(si))
            judged = True
    if judged:  # what the ticks mean, and the range's source, whole at 80 columns
        t.caption = f"SI ✓ within the normal range, |SI| ≤ {NORMAL_SI:.1f} % ({SYMMETRY_SOURCE})"
        t.caption_justify = "left"
    target: dict[str, Any] = s.get("target") or {}
    within = target.get("within") or {}
    if within:
        t.add_row(
            "on target",
            f"{100 * within['L']:.0f} %" if within.get("L") is not None else NOT_MEASURED,
            f"{100 * within['R']:.0f} %" if within.get("R") is not None else NOT_MEASURED,
            f"target {100 * target['step_length_m']:.0f} cm" if target.get("step_length_m") else "",
        )
    cv = (s.get("variability") or {}).get("stride_time_cv") or {}
    if cv:
        t.add_row(
            "stride-time CV",
            f"{cv['L']:.1f} %" if cv.get("L") is not None else NOT_MEASURED,
            f"{cv['R']:.1f} %" if cv.get("R") is not None else NOT_MEASURED,
            "healthy adults {:g}-{:g} %".format(*STRIDE_CV_NORMAL_PCT),
        )
    lat = sess.get("latency_ms") or {}
    t.add_row(
        "session",
        "",
        "",
        Figures(
            [
                *_received(sess),
                f"gaps {sess.get('gaps', 0)}",
                f"reconnects {sess.get('reconnects', 0)}",
                *([f"box restarts {sess['restarts']}"] if sess.get("restarts") else []),
            ]
        ),
    )
    if lat.get("p99") is not None and not replay:
        t.add_row("latency", "", "", f"p50 {lat['p50']:.1f} ms, p99 {lat['p99']:.1f} ms")
    heading = "in the recording" if replay else "during the session"
    parts: list[RenderableType] = [t, *_events(sess.get("events") if events else None, heading)]
    if sess.get("no_belt_speed"):  # said at the start too; the missing row needs its why
        parts.append(Text(sess["no_belt_speed"][:1].upper() + sess["no_belt_speed"][1:]))
    if result.recording is not None:
        path = Text.assemble(("recording ", "bold"), str(result.recording), overflow="fold")
        parts.append(path)
    return Group(*parts)


def _signed(si: float) -> str:
    """A symmetry index with its sign said in words, as on the dashboard and the reports."""
    return "0.0 %" if abs(si) < 0.05 else f"{si:+.1f} % ({'left' if si > 0 else 'right'} larger)"


def _judged(si: float) -> str:
    """:func:`_signed` and whether it is within the normal range, judged as shown (as on
    the dashboard: -9.53 is shown -9.5, within): ✓ or ✗, a shape as well as a word."""
    return f"{_signed(si)} {'✓' if si_within(si) else '✗'}"


_MAX_EVENTS = 8


def _received(sess: dict[str, Any]) -> list[str]:
    """A board's CSV lines and bad lines (``lines`` in the session), else the box's frames
    and CRC errors; then the bytes that made no line or frame and were skipped, if any."""
    skipped = sess.get("discarded_bytes")
    extra = [f"bytes skipped {skipped}"] if skipped else []
    if "lines" in sess:
        return [f"lines {sess['lines']}", f"bad lines {sess.get('bad_lines', 0)}", *extra]
    return [f"frames {sess.get('frames', 0)}", f"CRC errors {sess.get('crc_errors', 0)}", *extra]


class Figures:
    """Labelled figures ("gaps 0") joined by commas, broken into lines only between two
    figures: a label is never left at a line's end without its value."""

    def __init__(self, figures: list[str]) -> None:
        self.figures = figures

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        widest = max(len(f) + 1 for f in self.figures)
        return Measurement(widest, len(", ".join(self.figures)))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines: list[str] = []
        for i, fig in enumerate(self.figures):
            piece = fig + ("," if i < len(self.figures) - 1 else "")
            if lines and len(lines[-1]) + 1 + len(piece) <= options.max_width:
                lines[-1] += " " + piece
            else:
                lines.append(piece)
        for line in lines:
            yield Text(line, justify=options.justify or "right", overflow="fold")


def _events(events: Any, heading: str) -> list[Text]:
    """What happened to the devices during the session (a box unplugged and never back, a
    treadmill that stopped answering), each at its session time (a replay's: its time in
    the recording), where the summary is read. At most a few lines; session.json keeps
    them all."""
    if not isinstance(events, list) or not events:
        return []
    lines = [Text(heading, style="bold")]
    for e in events[:_MAX_EVENTS]:
        at = e.get("elapsed_s") if isinstance(e, dict) else None
        when = f"{int(at // 60)}:{int(at % 60):02d}" if isinstance(at, int | float) else "?"
        lines.append(Text(f"  {when} {e.get('event', '')}", overflow="fold"))
    if len(events) > _MAX_EVENTS:
        lines.append(Text(f"  ... and {len(events) - _MAX_EVENTS} more (session.json)"))
    return lines
