"""Figures of an analysis (matplotlib, Agg backend, imported only when a plot is asked for).

``plot_analysis``: top, each foot's summed force over a window of the record with its
contacts shaded and IC/FC marked; bottom, the step length of every step per side (or the
step time when no length was measured) against the target and its tolerance band.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np

from devices.errors import InputError
from devices.files import atomic_write
from stride.core.analyzer import Analysis
from stride.core.signals import GaitSignals
from stride.core.targets import Target

#: Seconds of signal drawn in the top panel (a whole 5-minute record would be a smear).
WINDOW_S = 20.0

#: The figure's format by its file's extension (matplotlib writes each).
FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}


def plot_format(path: str | os.PathLike[str]) -> str:
    """The format ``path``'s extension names; InputError for any other (a PNG written
    under a ``.txt`` or ``.jpg`` name would open as garbage or not at all)."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise InputError(
            f"--plot {path}: {'no extension' if not suffix else repr(suffix)} names no figure "
            "format stride writes",
            fix="end the name with .png, .svg or .pdf",
        )
    return FORMATS[suffix]


def plot_analysis(
    signals: GaitSignals,
    result: Analysis,
    path: str | os.PathLike[str],
    target: Target | None = None,
    window_s: float = WINDOW_S,
) -> Path:
    """Write the figure to ``path`` (PNG, SVG or PDF by its extension: :func:`plot_format`)
    and return the path."""
    fmt = plot_format(path)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = Path(path)
    table = result.steps
    fig, (ax_sig, ax_len) = plt.subplots(2, 1, figsize=(11, 7), constrained_layout=True)
    # Start the window at the first usable step, so the picture shows walking.
    valid_ic = table["ic_s"][table.valid]
    times = signals.times()
    start = float(valid_ic[0]) - 1.0 if valid_ic.size else float(times[0])
    start = max(start, float(times[0]))
    lo, hi = np.searchsorted(times, [start, start + window_s])
    t = times[lo:hi]
    forces = np.asarray(signals.forces)[lo:hi]
    # one colour and one marker per side in every plot, named in words, legends beside
    from stride.report.plots import SIDE_COLOURS as colors
    from stride.report.plots import SIDE_MARKERS, SIDE_NAMES

    for side in ("L", "R"):
        cols = signals.side_columns(side)
        if not cols or t.size == 0:
            continue
        total = forces[:, cols].astype(np.float64).sum(axis=1)
        ax_sig.plot(t, total, color=colors[side], lw=0.8, label=f"{SIDE_NAMES[side]} force")
        c = result.contacts[side]
        sel = (c.on_t < start + window_s) & (c.off_t > start) & c.complete
        for on, off in zip(c.on_t[sel], c.off_t[sel], strict=True):
            ax_sig.axvspan(on, off, color=colors[side], alpha=0.12, lw=0)
        for x, marker in ((c.on_t[sel], "v"), (c.off_t[sel], "^")):
            y = np.interp(x, t, total)
            ax_sig.plot(x, y, marker, color=colors[side], ms=5, ls="none")
    ax_sig.set_xlabel("time (s)  [v initial contact, ^ final contact]")
    ax_sig.set_ylabel(f"summed force ({signals.units})")
    ax_sig.set_title(f"Contacts and events, {window_s:g} s from {start:.1f} s")
    ax_sig.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)

    lengths = table["step_length_m"]
    use_length = bool(np.isfinite(lengths[table.valid]).any())
    key, label = (
        ("step_length_m", "step length (m)") if use_length else ("step_time_s", "step time (s)")
    )
    for code, side in enumerate(("L", "R")):
        rows = table.valid & (table.side == code)
        ax_len.plot(
            table["ic_s"][rows], table[key][rows], SIDE_MARKERS[side], ms=3, color=colors[side],
            label=SIDE_NAMES[side],
        )  # fmt: skip
    if use_length and target is not None and target.step_length_m is not None:
        ax_len.axhline(target.step_length_m, color="k", lw=1, label="target")
        ax_len.axhspan(
            target.step_length_m - target.tolerance_m,
            target.step_length_m + target.tolerance_m,
            color="k",
            alpha=0.08,
            label=f"± {target.tolerance_m:g} m",
        )
    ax_len.set_xlabel("time of initial contact (s)")
    ax_len.set_ylabel(label)
    ax_len.set_title("Usable steps per side")
    ax_len.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8)
    figure = io.BytesIO()
    fig.savefig(figure, format=fmt, dpi=100)
    plt.close(fig)
    return atomic_write(out, figure.getvalue())  # a full disk leaves no empty file behind
