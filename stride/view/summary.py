"""The session's summary so far, in the JSON contract's shape, for ``GET /state.json``.

Built by the one summary builder (:func:`stride.core.summary.summarize`) from the step rows
and belt samples the session published, so it has every key of the final document's
``summary`` (docs/formats.md) and, once the session has ended, equals it. Taking a row or a
belt sample is constant work; the summary is computed only when asked for (a request for
``/state.json``), and again only after a new step (its belt speed is then that of the
last computation) or once at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from stride.core.row_table import RowTable
from stride.core.targets import Target

#: The channel names of the session's sensors (``"L-heel"``...), None until known.
ChannelNames = Callable[[], Sequence[str] | None]


class LiveSummary:
    """Rows and belt samples in (any thread), the summary out (any thread)."""

    def __init__(self, target: Target | None, channels: ChannelNames | None = None) -> None:
        self.target = target
        self.channels = channels
        self._rows = RowTable()
        self._belt: list[float] = []
        self._lock = threading.Lock()
        self._cached: tuple[tuple[int, int, int], dict[str, Any]] | None = None
        self.ended = False

    def add_row(self, row: Mapping[str, Any]) -> None:
        with self._lock:
            self._rows.add(row)

    def add_belt(self, speed_mps: float | None) -> None:
        """A belt sample's speed (None: unknown, left out of the mean as NaN is)."""
        with self._lock:
            self._belt.append(float("nan") if speed_mps is None else float(speed_mps))

    def end(self) -> None:
        """The session ended: the next summary takes every belt sample too (final)."""
        with self._lock:
            self.ended = True

    @property
    def steps(self) -> int:
        return len(self._rows)

    def summary(self) -> dict[str, Any]:
        """The summary of every step so far (recomputed only after a new step, and once
        more when the session has ended)."""
        import numpy as np

        from stride.core.rows import json_safe
        from stride.core.summary import summarize

        with self._lock:
            key = (len(self._rows), self._rows.skipped, len(self._belt) if self.ended else -1)
            if self._cached is not None and self._cached[0] == key:
                return self._cached[1]
            table = self._rows.table()
            belt = np.asarray(self._belt, np.float64).reshape(-1, 1) if self._belt else None
        summary = summarize(
            table, multi_sensor=self._multi_sensor(table), belt_speed=belt, target=self.target
        )
        result: dict[str, Any] = json_safe(summary)  # type: ignore[assignment]
        with self._lock:
            self._cached = (key, result)
        return result

    def _multi_sensor(self, table: Any) -> tuple[bool, bool]:
        """Whether each foot has several sensors: from the channel names once the session
        knows them (as the analysis decides), else from the rows (a foot with one sensor
        never has a contact type)."""
        names = self.channels() if self.channels is not None else None
        if names:
            return (
                sum(str(n).startswith("L-") for n in names) > 1,
                sum(str(n).startswith("R-") for n in names) > 1,
            )
        known = table.contact_type >= 0
        return (bool((known & (table.side == 0)).any()), bool((known & (table.side == 1)).any()))
