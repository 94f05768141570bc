"""A table of fixed-width float rows that grows by doubling: the streaming analyzer's
contacts, kept for the final summary, cost 8 bytes a value however many small chunks
bring them."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


class GrowingRows:
    """Rows of a fixed width appended into one array that doubles when full: no array per
    chunk, so a long stream of small chunks costs 8 bytes a value."""

    def __init__(self, cols: int) -> None:
        self._buf = np.empty((0, cols), np.float64)
        self._n = 0

    def __len__(self) -> int:
        return self._n

    def extend(self, rows: NDArray[np.float64]) -> None:
        need = self._n + rows.shape[0]
        if need > self._buf.shape[0]:
            grown = np.empty((max(need, 2 * self._buf.shape[0], 64), rows.shape[1]), np.float64)
            grown[: self._n] = self._buf[: self._n]
            self._buf = grown
        self._buf[self._n : need] = rows
        self._n = need

    def array(self) -> NDArray[np.float64]:
        return self._buf[: self._n].copy()
