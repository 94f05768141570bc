"""PhysioNet "Gait in Parkinson's Disease" text files (``GaCo01_01.txt`` and alike).

Tab-separated rows at 100 Hz: time (s), 8 left-foot vertical force sensors (N), 8 right-foot
sensors (N), total left, total right. The 16 sensors become channels ``L-cell1..8`` and
``R-cell1..8`` (their places under the foot are not given per cell), in newtons; the totals
are only checked against the sensors' sums, since the core sums a foot's sensors itself.

A single sample far beyond everything else its sensor reads (a 3-5 kN reading where the cell
peaks near 200 N: a glitch of the acquisition, not a load a foot can put on one cell for
10 ms) would set the foot's contact threshold and cut usable steps; it is replaced by the
mean of its neighbours, counted per channel in ``meta["spikes"]`` and said in
``meta["warnings"]`` (``stride analyze`` prints it).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from devices.files import open_regular
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError

N_COLUMNS = 19
MAX_BYTES = 256 << 20  # a 2-minute trial is about 1 MB; this is hours of it
N_CELLS = 8
TOTAL_TOLERANCE_N = 5.0  # the totals are rounded sums of rounded sensor values
#: A sample is a spike when it exceeds SPIKE_FACTOR x its cell's 99.9th percentile (and
#: SPIKE_FLOOR_N) while both neighbours do not. In the 4 PhysioNet control trials the largest
#: sample is at most 1.8x the 99.9th percentile of its cell.
SPIKE_FACTOR = 4.0
SPIKE_FLOOR_N = 100.0


def _bad(path: Path, problem: str, fix: str) -> InputError:
    return InputError(f"{path}: {problem}", fix=fix)


def looks_like_gaitpdb(path: Path) -> bool:
    """True when the first line is a row of numbers (cheap sniffing for the dispatcher; a
    wrong number of columns is then reported by the reader, naming the line)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(4096)
    except OSError:
        return False
    fields = first.split()
    if len(fields) < 2:
        return False
    try:
        [float(f) for f in fields]
    except ValueError:
        return False
    return True


def parse_gaitpdb(text: str, path: Path) -> NDArray[np.float64]:
    """The (n, 19) table of a gaitpdb file; ``path`` only names the file in errors."""
    fix = "give a gaitpdb file: 19 tab-separated numbers per line (time, 8 + 8 sensors, 2 totals)"
    rows = [ln for ln in text.splitlines() if ln.strip()]
    if not rows:
        raise _bad(path, "the file is empty", fix)
    table = np.empty((len(rows), N_COLUMNS), np.float64)
    for i, ln in enumerate(rows):
        fields = ln.split()
        if len(fields) != N_COLUMNS:
            cut = i == len(rows) - 1 and i > 0  # only the last line: a copy cut short
            raise _bad(
                path,
                f"line {i + 1} has {len(fields)} fields, not {N_COLUMNS}"
                + (" (the file looks truncated)" if cut else ""),
                f"copy the complete file again, or delete its incomplete last line {i + 1}"
                if cut
                else fix,
            )
        try:
            table[i] = [float(f) for f in fields]
        except ValueError:
            raise _bad(path, f"line {i + 1} holds a field that is not a number", fix) from None
    finite = np.isfinite(table)
    if not finite.all():  # "nan", "inf": numbers to float(), no reading of a sensor
        i, j = (int(k) for k in np.argwhere(~finite)[0])
        raise _bad(path, f"line {i + 1}, field {j + 1} is {table[i, j]}, not a measured value", fix)
    return table


def read_gaitpdb(path: str | os.PathLike[str]) -> GaitSignals:
    """Read one gaitpdb trial as 16 force channels in newtons."""
    p = Path(path)
    fix = "give a gaitpdb .txt file (about 1 MB for a 2-minute trial)"
    with open_regular(p, "gaitpdb", max_bytes=MAX_BYTES, fix=fix) as fh:
        raw = fh.read()
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise _bad(p, "the file is not plain text", "give a gaitpdb .txt file") from None
    table = parse_gaitpdb(text, p)
    t = np.ascontiguousarray(table[:, 0])
    if t.shape[0] < 2:
        raise _bad(p, "the file holds fewer than two samples", "give a whole trial")
    dt = np.diff(t)
    if not (dt > 0).all():
        i = int(np.argmax(dt <= 0))
        raise _bad(
            p,
            f"time does not increase at line {i + 2} ({t[i]} then {t[i + 1]})",
            "give the file as recorded, rows in time order",
        )
    step = float(np.median(dt))
    fs = float(round(1.0 / step, 6))
    forces = np.ascontiguousarray(table[:, 1 : 1 + 2 * N_CELLS])
    sums = (forces[:, :N_CELLS].sum(axis=1), forces[:, N_CELLS:].sum(axis=1))
    total_mismatch = [
        int(np.sum(np.abs(s - table[:, 17 + k]) > TOTAL_TOLERANCE_N)) for k, s in enumerate(sums)
    ]
    if not np.isfinite(forces).any() or np.all(np.nanmax(forces, 0) == np.nanmin(forces, 0)):
        raise _bad(
            p,
            "no walking in it: every force sensor is constant",
            "check that the insoles were connected while the subject walked",
        )
    channels = tuple(Channel(side, f"cell{i + 1}") for side in ("L", "R") for i in range(N_CELLS))
    forces, spikes = remove_spikes(forces)
    forces = forces.astype(np.float32)  # the file's 0.01 N steps: float32 holds them
    meta: dict[str, object] = {
        "source": str(p),
        "format": "gaitpdb",
        "total_mismatch_rows": {"L": total_mismatch[0], "R": total_mismatch[1]},
        "units_note": "vertical force per insole cell, N",
        "spikes": {f"{c.side}-{c.place}": n for c, n in zip(channels, spikes, strict=True) if n},
        "warnings": _spike_warnings(p, channels, spikes),
    }
    return GaitSignals(t, forces, channels, fs, units="N", meta=meta)


def spike_mask(x: NDArray[np.float64]) -> NDArray[np.bool_]:
    """Samples of each column (n, k) that are isolated, implausible spikes (see the module)."""
    finite = np.where(np.isfinite(x), np.abs(x), 0.0)
    if x.shape[0] < 3:
        return np.zeros(x.shape, bool)
    bound = np.maximum(SPIKE_FACTOR * np.percentile(finite, 99.9, axis=0), SPIKE_FLOOR_N)
    high = finite > bound
    lonely = high.copy()
    lonely[1:] &= ~high[:-1]
    lonely[:-1] &= ~high[1:]
    return lonely


def remove_spikes(forces: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[int]]:
    """``forces`` with each spike replaced by its neighbours' mean, and spikes per column."""
    mask = spike_mask(forces)
    counts = [int(n) for n in mask.sum(axis=0)]
    if not any(counts):
        return forces, counts
    out = forces.copy()
    rows, cols = np.nonzero(mask)
    before = out[np.maximum(rows - 1, 0), cols]
    after = out[np.minimum(rows + 1, out.shape[0] - 1), cols]
    out[rows, cols] = (before + after) / 2.0
    return out, counts


def _spike_warnings(path: Path, channels: tuple[Channel, ...], spikes: list[int]) -> list[str]:
    total = sum(spikes)
    if not total:
        return []
    where = ", ".join(f"{c.side}-{c.place} {n}" for c, n in zip(channels, spikes, strict=True) if n)
    return [
        f"{path}: {total} implausible single-sample spike(s) ({where}) replaced by the mean of "
        f"their neighbours (each over {SPIKE_FACTOR:g}x the 99.9th percentile of its sensor)"
    ]
