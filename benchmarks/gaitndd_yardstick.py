"""The gaitndd yardstick (``gaitndd_compare.py`` beside the data) and a fast copy of it.

``load_compare(data)`` loads the yardstick module shipped with the records: every figure
reported in docs/accuracy.md is computed by it. A grid search evaluates hundreds of
settings, and the yardstick's alignment is a plain-Python double loop (about 10 s for the
33 records), so :func:`fast_evaluate` runs the same dynamic programme in numba: the same
costs, added in the same order, the same tie-breaking, hence the same pairs. The
cross-validation script checks that it gives the yardstick's exact result on the settings
it reports (``--check``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

GAP = 0.05


def load_compare(data: Path) -> ModuleType:
    """The yardstick module shipped beside the data."""
    path = data / "gaitndd_compare.py"
    spec = importlib.util.spec_from_file_location("gaitndd_compare", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot load the comparison module")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@njit(cache=True)
def _align(
    ref_t: NDArray[np.float64],
    ref_int: NDArray[np.float64],
    ic: NDArray[np.float64],
    stride: NDArray[np.float64],
    reach: float,
) -> NDArray[np.int64]:
    """``gaitndd_compare._align``: pairs (row, detected) as an (m, 2) array."""
    n, m = ref_t.shape[0], ic.shape[0]
    cost = np.full((n + 1, m + 1), np.inf)
    move = np.zeros((n + 1, m + 1), np.int8)
    for j in range(m + 1):
        cost[0, j] = j * GAP
    for i in range(n + 1):
        cost[i, 0] = i * GAP
    for i in range(1, n + 1):
        lo = np.searchsorted(ic, ref_t[i - 1] - reach)
        hi = np.searchsorted(ic, ref_t[i - 1] + reach)
        for j in range(1, m + 1):
            best = cost[i - 1, j] + GAP
            mv = 1
            c = cost[i, j - 1] + GAP
            if c < best:
                best = c
                mv = 2
            if lo <= j - 1 < hi:
                c = cost[i - 1, j - 1] + abs(stride[j - 1] - ref_int[i - 1])
                if c < best:
                    best = c
                    mv = 3
            cost[i, j] = best
            move[i, j] = mv
    pairs = np.empty((min(n, m), 2), np.int64)
    k = 0
    i, j = n, m
    while i > 0 and j > 0:
        mv = move[i, j]
        if mv == 3:
            pairs[k, 0] = i - 1
            pairs[k, 1] = j - 1
            k += 1
            i -= 1
            j -= 1
        elif mv == 1:
            i -= 1
        else:
            j -= 1
    return pairs[:k][::-1]


def _match_side(
    ref_t: NDArray[np.float64], ref_int: NDArray[np.float64], ic: NDArray[np.float64],
    stride: NDArray[np.float64],
) -> tuple[int, int, NDArray[np.float64], int]:  # fmt: skip
    """``gaitndd_compare.match_side`` with the numba alignment."""
    ok = np.isfinite(stride) & np.isfinite(ic)
    ic, stride = ic[ok], stride[ok]
    order = np.argsort(ic)
    ic, stride = ic[order], stride[order]
    if len(ic) < 2:
        return 0, len(ref_t), np.array([]), 0
    med = float(np.median(ref_int))
    j = np.clip(np.searchsorted(ic, ref_t), 1, len(ic) - 1)
    near = np.where(np.abs(ic[j - 1] - ref_t) < np.abs(ic[j] - ref_t), ic[j - 1], ic[j]) - ref_t
    off = float(np.median(near))
    pairs = _align(ref_t + off, ref_int, ic, stride, 1.6 * med)
    errs = np.abs(stride[pairs[:, 1]] - ref_int[pairs[:, 0]])
    inside = (ic >= ref_t[0] + off - 0.5 * med) & (ic <= ref_t[-1] + off + 0.5 * med)
    used = np.zeros(len(ic), bool)
    used[pairs[:, 1]] = True
    return len(pairs), len(ref_t), errs, int(np.sum(inside & ~used))


def fast_evaluate(
    compare: ModuleType, ts: NDArray[np.float64], steps: list[dict[str, Any]]
) -> dict[str, tuple[int, int, NDArray[np.float64], int]]:
    """``compare.evaluate`` on a loaded table ``ts``, with the numba alignment."""
    out = {}
    for side, col in (("L", 1), ("R", 2)):
        s = [x for x in steps if x.get("side") == side]
        ic = np.array([x["ic_s"] for x in s], float)
        st = np.array(
            [np.nan if x.get("stride_time_s") is None else x["stride_time_s"] for x in s], float
        )
        valid = (ts[:, col] >= 0.4) & (ts[:, col] <= 3.0) & ~compare.filled(ts[:, col])
        if valid.mean() < 0.5:
            continue
        out[side] = _match_side(ts[valid, 0], ts[valid, col], ic, st)
    return out
