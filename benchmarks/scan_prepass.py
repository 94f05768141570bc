"""What a block pre-pass could take off the insole8 contact scan: its cost against the
scan's own run summary, and how many blocks it could let the scan skip.

Not a test. Run: ``python benchmarks/scan_prepass.py [--profile healthy] [--repeat 300]``.

The idea measured: before the scan, sum each foot's cells a row and keep each 40-row
block's extremes (each cell's, and the rows' sums') in a tight loop; a block whose extremes
all lie inside the bounds the scan's state allows holds no event. The scan already does
this, lazily: from a block's start, or from the rows after an event, it summarises the run
to the block's end (``cell_rows``: the cells' extremes, the rows' sums in their order, four
rows at a time in vectors) and commits it at once when quiet; a block's end needs those
extremes anyway (each sensor's envelopes). So a pre-pass could only replace ``cell_rows``
on the quiet blocks, by the same work done earlier; a block holding an event is scanned
row by row either way. Printed, per foot of a 5-minute 1 kHz simulated session (the
session of ``benchmarks/scan_perf.py``; float32 as a reader scales the counts), the best
CPU time of each of:

- the pre-pass on the recorded int16 counts, int32 sums (the cells' and sums' extremes;
  and the sums' extremes alone), plain numba loops (each a bound of what it would cost:
  the scan is handed float32 newtons, whose float64 row sums the integer sums do not give);
- the pre-pass on the float32 values (float64 row sums in the scan's order), plain loops;
- ``cell_rows`` over every block, as the scan calls it (the scan's own summary);
- the whole scan of the foot (``scan_compare.run_scan``).

The blocks that hold an event, and those the scan commits whole in one summary, are
counted by ``benchmarks/scan_rows.py`` (``event_blocks``, ``whole_blocks``).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from numba import njit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

#: rows a block (the scan's ``P_BLOCK`` at 1 kHz)
BLOCK = 40


@njit
def prepass_counts(x: np.ndarray, c0: int, block: int, out: np.ndarray, cells: bool) -> int:
    """Each block's cell extremes (``cells``) and row sums' extremes, int16 counts, int32."""
    nb = x.shape[0] // block
    mn = np.empty(8, np.int32)
    mx = np.empty(8, np.int32)
    for b in range(nb):
        mn[:] = 32767
        mx[:] = -32768
        smn = np.int32(2**31 - 1)
        smx = np.int32(-(2**31))
        for j in range(b * block, b * block + block):
            s = np.int32(0)
            for k in range(8):
                v = np.int32(x[j, c0 + k])
                s += v
                if cells:
                    mn[k] = v if v < mn[k] else mn[k]
                    mx[k] = v if v > mx[k] else mx[k]
            smn = s if s < smn else smn
            smx = s if s > smx else smx
        out[b, :8] = mn
        out[b, 8:16] = mx
        out[b, 16] = smn
        out[b, 17] = smx
    return nb


@njit
def prepass_values(x: np.ndarray, c0: int, block: int, out: np.ndarray) -> int:
    """Each block's cell extremes and row sums' extremes, float32 values, float64 sums in
    the scan's order (``0.0 + v0 + ... + v7``)."""
    nb = x.shape[0] // block
    mn = np.empty(8, np.float32)
    mx = np.empty(8, np.float32)
    for b in range(nb):
        mn[:] = np.inf
        mx[:] = -np.inf
        smn = np.inf
        smx = -np.inf
        for j in range(b * block, b * block + block):
            s = 0.0
            for k in range(8):
                v = x[j, c0 + k]
                s += np.float64(v)
                mn[k] = v if v < mn[k] else mn[k]
                mx[k] = v if v > mx[k] else mx[k]
            smn = s if s < smn else smn
            smx = s if s > smx else smx
        out[b, :8] = mn
        out[b, 8:16] = mx
        out[b, 16] = smn
        out[b, 17] = smx
    return nb


def _summaries(rows: Any) -> Any:
    @njit
    def every_block(x: np.ndarray, c0: int, block: int, cq: np.ndarray, out: np.ndarray) -> int:
        """``cell_rows`` over every block (the sum kept, as in a contact)."""
        nb = x.shape[0] // block
        for b in range(nb):
            r = rows(x, c0, b * block, b * block + block, 0.0, True, cq)
            out[b, 16] = r[0]
            out[b, 17] = r[1]
        return nb

    return every_block


def _best(repeat: int, f: Any, *args: Any) -> float:
    f(*args)
    best = np.inf
    for _ in range(repeat):
        t0 = time.process_time_ns()
        f(*args)
        best = min(best, time.process_time_ns() - t0)
    return float(best) / 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", default="healthy")
    ap.add_argument("--repeat", type=int, default=300)
    a = ap.parse_args()
    from benchmarks.realistic import simulated
    from benchmarks.scan_compare import run_scan
    from stride.core import _contact_scan as scan
    from stride.core._contact_cells import CELLS, cell_rows

    sig = simulated(a.profile, "insole8", 5.0)
    counts = np.ascontiguousarray(np.asarray(sig.forces))
    values = (counts.astype(np.float64) * 0.0625 - 3.3).astype(np.float32)
    c0 = int(sig.side_columns("L")[0])
    nb = counts.shape[0] // BLOCK
    out_i = np.zeros((nb, 18), np.int32)
    out_f = np.zeros((nb, 18))
    cq = np.zeros((4, CELLS))
    every_block = _summaries(cell_rows)
    figures = {
        "pre-pass, int16 counts, cells and sums": (prepass_counts, counts, c0, BLOCK, out_i, True),
        "pre-pass, int16 counts, sums only": (prepass_counts, counts, c0, BLOCK, out_i, False),
        "pre-pass, float32 values, cells and sums": (prepass_values, values, c0, BLOCK, out_f),
        "cell_rows over every block (the scan)": (every_block, values, c0, BLOCK, cq, out_f),
    }
    times = {name: _best(a.repeat, *call) for name, call in figures.items()}
    times["the whole scan of the foot"] = _best(
        max(a.repeat // 3, 1), run_scan, scan, sig, values, "L"
    )
    n = counts.shape[0]
    print(f"{a.profile} insole8, left foot, {n} rows, {nb} blocks; best CPU of {a.repeat}; "
          f"load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name, ms in times.items():
        print(f"  {name:48s} {ms:7.3f} ms  {ms * 1e6 / n:5.2f} ns a row")


if __name__ == "__main__":
    main()
