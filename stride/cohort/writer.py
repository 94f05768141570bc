"""Storing a cohort's sessions in the history from a background thread, so that writing the
database never stalls the workers."""

from __future__ import annotations

import queue
import threading
from pathlib import Path
from typing import Any

from stride.history.db import insert_rows


class HistoryWriter:
    """Stores batches of sessions from a background thread, so that writing the database
    never stalls the workers; the first error is raised again by :meth:`close`."""

    def __init__(self, db_path: Path) -> None:
        self._db = db_path
        self._queue: queue.Queue[list[Any] | None] = queue.Queue(maxsize=16)
        self._stored = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._stored += len(insert_rows(self._db, batch))
                except BaseException as err:  # re-raised in the caller's thread by close()
                    self._error = err

    def put(self, batch: list[Any]) -> None:
        if self._error is not None:
            raise self._error
        if batch:
            self._queue.put(batch)

    def close(self) -> int:
        """Wait for every queued batch; returns how many sessions were stored."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._stored
