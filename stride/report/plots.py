"""The reports' plots: matplotlib (Agg backend, no display) figures rendered to PNG bytes.

Each function takes plain arrays and returns PNG bytes, so the HTML layer only embeds them.
Colours: left blue, right orange in every plot (a colour-blind safe pair), and no other
line uses them; left is drawn with circles, right with squares. Legends sit outside the axes,
so they never cover a line; belt speed changes are dashed vertical lines.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stride.core.rolling import rolling_cv as core_rolling_cv
from stride.core.signals import SIDE_NAMES

LEFT, RIGHT = "#1f77b4", "#ff7f0e"
SIDE_COLOURS = {"L": LEFT, "R": RIGHT}
SIDE_MARKERS = {"L": "o", "R": "s"}
#: Lines that are not a side (conditions, symmetry curves): never blue or orange.
OTHER_COLOURS = ("#222222", "#9467bd", "#8c564b")
TARGET_COLOUR = "#2ca02c"


def _legend_outside(fig: Any) -> None:
    """The figure's legend to the right of the plot, where it covers nothing."""
    fig.legend(loc="outside right upper", fontsize=8)


def _mark_speed_changes(ax: Any, times: Sequence[float]) -> None:
    for k, t in enumerate(times):
        ax.axvline(t, color="grey", ls="--", lw=1.0, label="belt speed change" if k == 0 else None)


def _figure(height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


def _whole_sessions(ax: Any) -> None:
    """Session numbers on the x axis as whole numbers (one session gave 0.96 ... 1.04)."""
    from matplotlib.ticker import MaxNLocator

    lo, hi = ax.get_xlim()
    if hi - lo < 2.0:  # a session or two: room for whole numbers around them
        mid = (lo + hi) / 2
        ax.set_xlim(mid - 1.0, mid + 1.0)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def _date_axis(fig: Any, ax: Any, dates: Sequence[Any]) -> None:
    """Session dates on the x axis, spanning a week at least (one session's date was drawn
    with four years of ticks around it)."""
    if len(dates):
        lo, hi = min(dates), max(dates)
        if hi - lo < timedelta(days=7):
            pad = (timedelta(days=7) - (hi - lo)) / 2
            ax.set_xlim(lo - pad, hi + pad)
    fig.autofmt_xdate()


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def rolling_mean(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """Trailing mean over up to ``window`` finite values (NaN where none yet)."""
    out = np.full(x.shape, np.nan)
    for i in range(x.size):
        seg = x[max(0, i - window + 1) : i + 1]
        seg = seg[np.isfinite(seg)]
        if seg.size:
            out[i] = seg.mean()
    return out


def rolling_cv(x: NDArray[np.float64], window: int) -> NDArray[np.float64]:
    """CV (%) over the last ``window`` finite values (NaN below three):
    :func:`stride.core.rolling.rolling_cv`, as the live dashboard computes it."""
    return core_rolling_cv(x.tolist(), window)


def step_lengths(
    t: dict[str, NDArray[np.float64]],
    length: dict[str, NDArray[np.float64]],
    target: float | None,
    tolerance: float | None,
    speed_changes: Sequence[float] = (),
) -> bytes:
    """Step length of each foot over the session, against the target line and its band."""
    fig, ax = _figure()
    if target is not None:
        tol = tolerance or 0.0
        ax.axhspan(target - tol, target + tol, color=TARGET_COLOUR, alpha=0.15, label="target band")
        ax.axhline(target, color=TARGET_COLOUR, lw=1.2, label=f"target {target:.2f} m")
    for side in ("L", "R"):
        ax.plot(
            t[side], length[side], SIDE_MARKERS[side], ms=3, color=SIDE_COLOURS[side],
            label=SIDE_NAMES[side],
        )  # fmt: skip
    _mark_speed_changes(ax, speed_changes)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("step length (m)")
    ax.set_title("Step length per side")
    _legend_outside(fig)
    return _png(fig)


def symmetry_over_time(
    t: NDArray[np.float64],
    si: dict[str, NDArray[np.float64]],
    normal: float,
    speed_changes: Sequence[float] = (),
) -> bytes:
    """Rolling symmetry indices (20 strides) over the session, with the normal range."""
    fig, ax = _figure()
    ax.axhspan(-normal, normal, color=TARGET_COLOUR, alpha=0.12, label="normal range")
    ax.axhline(0.0, color="grey", lw=0.8)
    styles = ({"lw": 3.0, "alpha": 0.6}, {"lw": 1.2, "ls": "--"}, {"lw": 1.2, "ls": ":"})
    for k, ((name, values), style) in enumerate(zip(si.items(), styles * len(si), strict=False)):
        # styles differ: on a belt two curves coincide
        ax.plot(t, values, label=name, color=OTHER_COLOURS[k % len(OTHER_COLOURS)], **style)
    _mark_speed_changes(ax, speed_changes)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("symmetry index (%)\n+ = left larger")
    ax.set_title("Symmetry over the last 20 strides")
    _legend_outside(fig)
    return _png(fig)


def variability(
    t: dict[str, NDArray[np.float64]],
    stride: dict[str, NDArray[np.float64]],
    speed_changes: Sequence[float] = (),
) -> bytes:
    """Stride time per foot and its rolling CV (20 strides)."""
    fig, ax = _figure()
    ax2 = ax.twinx()
    for side in ("L", "R"):
        c = SIDE_COLOURS[side]
        ax.plot(
            t[side], stride[side], SIDE_MARKERS[side], ms=3, color=c,
            label=f"{SIDE_NAMES[side]} stride time",
        )  # fmt: skip
        ax2.plot(
            t[side], rolling_cv(stride[side], 20), color=c, lw=1.2, alpha=0.8,
            label=f"{SIDE_NAMES[side]} CV over 20 strides",
        )  # fmt: skip
    _mark_speed_changes(ax, speed_changes)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("stride time (s)")
    ax2.set_ylabel("CV over 20 strides (%)")
    ax.set_title("Stride-time variability (dots: stride time; lines: rolling CV)")
    _legend_outside(fig)
    return _png(fig)


def timeline(
    stance: dict[str, list[tuple[float, float]]],
    flagged: dict[str, list[tuple[float, str]]],
    gaps: Sequence[tuple[float, float]],
    window: tuple[float, float],
) -> bytes:
    """Event timeline: stance periods per foot (IC to FC) in a window, flags and gaps."""
    fig, ax = _figure(2.4)
    for row, side in enumerate(("L", "R")):
        spans = [(a, b - a) for a, b in stance[side] if b > window[0] and a < window[1]]
        ax.broken_barh(spans, (row + 0.6, 0.8), color=SIDE_COLOURS[side])
        for t, flag in flagged[side]:
            if window[0] <= t <= window[1]:
                ax.plot(t, row + 1, "kx", ms=6)
                ax.annotate(flag, (t, row + 1.45), fontsize=7, ha="center")
    for a, b in gaps:
        if b > window[0] and a < window[1]:
            ax.axvspan(a, b, color="red", alpha=0.2)
    ax.set_xlim(*window)
    ax.set_ylim(0.3, 2.7)
    ax.set_yticks([1, 2], ["left stance", "right stance"])
    ax.set_xlabel("time (s)  (bars: initial to final contact; x: flagged step; red: gap)")
    ax.set_title("Event timeline")
    return _png(fig)


def recovery_curves(
    series: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]],
    fits: dict[str, Any],
    normal: float,
    projections: dict[str, float | None],
) -> bytes:
    """|Step-length SI| per session per condition, fitted exponentials over the sessions'
    span (dashed on to the session where they enter the normal range), the normal range."""
    fig, ax = _figure(3.6)
    ax.axhspan(0, normal, color="#2ca02c", alpha=0.12, label=f"normal (|SI| <= {normal:.1f} %)")
    colours = CONDITION_COLOURS
    for name, (x, y) in series.items():
        c = colours.get(name, OTHER_COLOURS[0])
        ax.plot(x, y, "o", ms=4, color=c, label=name)
        fit = fits.get(name)
        cross = projections.get(name)
        if fit is not None:  # over the sessions it is fitted to, not before the first
            first, last = float(x.min()), float(x.max())
            xs = np.linspace(first, last, 200)
            ax.plot(xs, fit(xs), "-", color=c, lw=1.5, label=f"{name}: fit, tau {fit.tau:.1f}")
            if cross is not None and cross > last:  # on to the session it projects
                xs = np.linspace(last, cross, 100)
                ax.plot(xs, fit(xs), "--", color=c, lw=1.2, label=f"{name}: projected")
        if cross is not None:
            ax.axvline(cross, color=c, ls=":", lw=1.2)
    ax.set_xlabel("session number")
    _whole_sessions(ax)
    ax.set_ylabel("|step-length SI| (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("Recovery of step-length symmetry across sessions")
    _legend_outside(fig)
    return _png(fig)


CONDITION_COLOURS = {"feedback": "#9467bd", "no feedback": "#8c564b", "all sessions": "#222222"}


def across_sessions(
    series: dict[str, tuple[Any, NDArray[np.float64], Sequence[int]]],
    ylabel: str,
    title: str,
    band: tuple[float, float, str] | None = None,
    line: tuple[float, str] | None = None,
) -> bytes:
    """One metric per session date, one line per condition (days, values, sessions in each
    day's value); ``band`` (low, high, label) a normal range to read it against, ``line``
    (value, label) a goal."""
    fig, ax = _figure(2.8)
    if band is not None:
        ax.axhspan(band[0], band[1], color=TARGET_COLOUR, alpha=0.12, label=band[2])
    if line is not None:
        ax.axhline(line[0], color=TARGET_COLOUR, lw=1.2, label=line[1])
    for name, (x, y, n) in series.items():
        colour = CONDITION_COLOURS.get(name, "#222222")
        ax.plot(x, y, "o-", ms=3, lw=1, color=colour, label=name)
        _day_counts(ax, x, y, n, colour)
    ax.set_xlabel("session date")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    _date_axis(fig, ax, [d for x, _, _ in series.values() for d in x])
    _legend_outside(fig)
    return _png(fig)


def _day_counts(ax: Any, x: Sequence[Any], y: Any, n: Sequence[int], colour: str) -> None:
    """Beside a day's point that is the mean of several sessions, their number ("×3")."""
    for xi, yi, ni in zip(x, y, n, strict=True):
        if ni > 1:
            ax.annotate(f"×{ni}", (xi, yi), xytext=(4, 4), textcoords="offset points",
                        fontsize=7, color=colour)  # fmt: skip


#: Conditions in the step-length plot, whose colours are the sides': a line style each.
CONDITION_STYLES = {"no feedback": "--"}

DayMeans = tuple[Any, NDArray[np.float64], Sequence[int]]


def step_lengths_by_date(
    series: dict[str, tuple[DayMeans, DayMeans]],
    target: float | None,
    tolerance: float | None,
) -> bytes:
    """Mean left and right step length by date per condition (``series``: condition ->
    left and right as days, means, sessions in each mean: one point a day), against the
    target. Sides keep their colours and markers; a second condition is dashed with
    hollow markers."""
    fig, ax = _figure(3.0)
    if target is not None:
        tol = tolerance or 0.0
        ax.axhspan(target - tol, target + tol, color=TARGET_COLOUR, alpha=0.15, label="target band")
        ax.axhline(target, color=TARGET_COLOUR, lw=1.2, label=f"target {target:.2f} m")
    dates = []
    for name, sides in series.items():
        style = CONDITION_STYLES.get(name, "-")
        face = "none" if style != "-" else None
        suffix = f", {name}" if len(series) > 1 else ""
        for side, (days, y, n) in zip("LR", sides, strict=True):
            ax.plot(
                days, y, SIDE_MARKERS[side] + style, ms=4, lw=1, color=SIDE_COLOURS[side],
                markerfacecolor=face, label=f"{SIDE_NAMES[side]} step{suffix}",
            )  # fmt: skip
            _day_counts(ax, days, y, n, SIDE_COLOURS[side])
            dates.extend(days)
    ax.set_xlabel("session date")
    ax.set_ylabel("mean step length (m)")
    ax.set_title("Left and right step length per session")
    _date_axis(fig, ax, dates)
    _legend_outside(fig)
    return _png(fig)
