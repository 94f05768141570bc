"""The reports' plots: matplotlib (Agg backend, no display) figures rendered to PNG bytes.

Each function takes plain arrays and returns PNG bytes, so the HTML layer only embeds them.
Colours: left blue, right orange throughout (colour-blind safe pair).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from stride.core.rolling import rolling_cv as core_rolling_cv

LEFT, RIGHT = "#1f77b4", "#ff7f0e"
SIDE_COLOURS = {"L": LEFT, "R": RIGHT}
SIDE_NAMES = {"L": "left", "R": "right"}


def _figure(height: float = 3.2) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg", force=True)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8.0, height), dpi=100, layout="constrained")
    return fig, fig.add_subplot()


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
) -> bytes:
    """Step length of each foot over the session, against the target line and its band."""
    fig, ax = _figure()
    if target is not None:
        tol = tolerance or 0.0
        ax.axhspan(target - tol, target + tol, color="#2ca02c", alpha=0.15, label="target band")
        ax.axhline(target, color="#2ca02c", lw=1.2, label=f"target {target:.2f} m")
    for side in ("L", "R"):
        ax.plot(t[side], length[side], ".", ms=3, color=SIDE_COLOURS[side], label=SIDE_NAMES[side])
    ax.set_xlabel("time (s)")
    ax.set_ylabel("step length (m)")
    ax.set_title("Step length per side")
    ax.legend(loc="lower right", fontsize=8, ncols=4)
    return _png(fig)


def symmetry_over_time(
    t: NDArray[np.float64], si: dict[str, NDArray[np.float64]], normal: float
) -> bytes:
    """Rolling symmetry indices (20 strides) over the session, with the normal range."""
    fig, ax = _figure()
    ax.axhspan(-normal, normal, color="#2ca02c", alpha=0.12, label="normal range")
    ax.axhline(0.0, color="grey", lw=0.8)
    styles = ({"lw": 3.0, "alpha": 0.6}, {"lw": 1.2, "ls": "--"}, {"lw": 1.2, "ls": ":"})
    for (name, values), style in zip(si.items(), styles * len(si), strict=False):
        ax.plot(t, values, label=name, **style)  # styles differ: on a belt two curves coincide
    ax.set_xlabel("time (s)")
    ax.set_ylabel("symmetry index (%)\n+ = left larger")
    ax.set_title("Symmetry over the last 20 strides")
    ax.legend(loc="upper right", fontsize=8, ncols=3)
    return _png(fig)


def variability(t: dict[str, NDArray[np.float64]], stride: dict[str, NDArray[np.float64]]) -> bytes:
    """Stride time per foot and its rolling CV (20 strides)."""
    fig, ax = _figure()
    ax2 = ax.twinx()
    for side in ("L", "R"):
        c = SIDE_COLOURS[side]
        ax.plot(t[side], stride[side], ".", ms=3, color=c, label=f"{SIDE_NAMES[side]} stride time")
        ax2.plot(t[side], rolling_cv(stride[side], 20), color=c, lw=1.2, alpha=0.8)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("stride time (s)")
    ax2.set_ylabel("CV over 20 strides (%)")
    ax.set_title("Stride-time variability (dots: stride time; lines: rolling CV)")
    ax.legend(loc="upper right", fontsize=8)
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
    """|Step-length SI| per session per condition, fitted exponentials, the normal range."""
    fig, ax = _figure(3.6)
    ax.axhspan(0, normal, color="#2ca02c", alpha=0.12, label=f"normal (|SI| <= {normal:.1f} %)")
    colours = {"feedback": "#9467bd", "no feedback": "#8c564b", "all sessions": "#1f77b4"}
    for name, (x, y) in series.items():
        c = colours.get(name, "#1f77b4")
        ax.plot(x, y, "o", ms=4, color=c, label=name)
        fit = fits.get(name)
        if fit is not None:
            xs = np.linspace(0.0, max(float(x.max()), projections.get(name) or 0.0) * 1.05, 200)
            ax.plot(xs, fit(xs), "-", color=c, lw=1.5, label=f"{name}: fit, tau {fit.tau:.1f}")
        cross = projections.get(name)
        if cross is not None:
            ax.axvline(cross, color=c, ls=":", lw=1.2)
    ax.set_xlabel("session number")
    ax.set_ylabel("|step-length SI| (%)")
    ax.set_ylim(bottom=0)
    ax.set_title("Recovery of step-length symmetry across sessions")
    ax.legend(fontsize=8)
    return _png(fig)


def across_sessions(
    series: dict[str, tuple[NDArray[np.float64], NDArray[np.float64]]], ylabel: str, title: str
) -> bytes:
    """One metric per session, one line per condition."""
    fig, ax = _figure(2.8)
    for name, (x, y) in series.items():
        ax.plot(x, y, "o-", ms=3, lw=1, label=name)
    ax.set_xlabel("session number")
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize=8)
    return _png(fig)
