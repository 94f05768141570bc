"""The gaitndd yardstick (``gaitndd_compare.py`` beside the data), and a fast copy of it.

``load_compare(data)`` loads the yardstick module shipped with the records: every figure
reported in docs/accuracy.md is computed by it. A grid search evaluates hundreds of
settings, and the yardstick's alignment is a plain-Python double loop (about 10 s for the
33 records), so ``load_compare(data, fast=True)`` loads a second copy of the same module
with two parts swapped: its alignment runs in numba (:func:`_align`: the same costs, added
in the same order, the same tie-breaking, hence the same pairs), and each ``.ts`` table is
read once. Everything else (the filters, the offset, the counts) is the yardstick's own
code. The cross-validation script checks that both copies give the same figures on the
settings it reports (``--check``).
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

GAP = 0.05


@dataclass
class SideResult:
    """One record-side by the yardstick: strides matched of the reference's, extra
    detected strides, and the matched strides' interval errors (seconds)."""

    record: str
    side: str
    matched: int
    total: int
    extra: int
    errors: NDArray[np.float64]

    @property
    def share(self) -> float:
        return self.matched / self.total if self.total else float("nan")


def side_results(record: str, res: dict[str, Any]) -> list[SideResult]:
    """The yardstick's ``evaluate`` result for one record, one row per side."""
    return [
        SideResult(record, side, matched, total, extra, np.asarray(errs, float))
        for side, (matched, total, errs, extra) in sorted(res.items())
    ]


def load_compare(data: Path, *, fast: bool = False) -> ModuleType:
    """The yardstick module shipped beside the data; ``fast``: a copy of it with the numba
    alignment, reading each table once."""
    path = data / "gaitndd_compare.py"
    spec = importlib.util.spec_from_file_location("gaitndd_compare", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot load the comparison module")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    if fast:
        if getattr(mod, "GAP", None) != GAP:
            raise SystemExit(f"{path}: its GAP is not {GAP} (the fast alignment's)")
        mod._align = _aligned_pairs  # type: ignore[attr-defined]
        mod.np = _TablesReadOnce()  # type: ignore[attr-defined]
    return mod


class _TablesReadOnce:
    """numpy as the yardstick sees it, except that ``loadtxt`` reads each table once."""

    def __init__(self) -> None:
        self._tables: dict[str, NDArray[np.float64]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    def loadtxt(self, path: str) -> NDArray[np.float64]:
        if path not in self._tables:
            self._tables[path] = np.loadtxt(path)
        return self._tables[path]


def _aligned_pairs(
    ref_t: NDArray[np.float64], ref_int: NDArray[np.float64], ic: NDArray[np.float64],
    stride: NDArray[np.float64], reach: float,
) -> list[tuple[int, int]]:  # fmt: skip
    """``gaitndd_compare._align``'s result (pairs (row, detected), in order) from
    :func:`_align`."""
    f = np.ascontiguousarray
    got = _align(f(ref_t, np.float64), f(ref_int, np.float64), f(ic, np.float64),
                 f(stride, np.float64), float(reach))  # fmt: skip
    return [(int(a), int(b)) for a, b in got]


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
