"""While a session runs, warnings of ``devices`` and ``sim`` become dashboard notices (and
entries of the session's event log), not lines printed over the dashboard; without a
dashboard (``--no-ui``: JSON lines on stdout) the notices are also printed on stderr."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import TextIO

from stride.session.state import SessionState


class _NoticeHandler(logging.Handler):
    """Device warnings go to the dashboard's notices and the session's event log."""

    def __init__(self, state: SessionState) -> None:
        super().__init__(logging.WARNING)
        self.state = state

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.state.note(record.getMessage())
        except Exception:  # a log message must never break the session
            self.handleError(record)


@contextlib.contextmanager
def device_logs_to(state: SessionState) -> Iterator[None]:
    """Route warnings of ``devices`` and ``sim`` to ``state`` while the block runs."""
    handler = _NoticeHandler(state)
    loggers = [logging.getLogger(name) for name in ("devices", "sim")]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
        if lg.level == logging.NOTSET or lg.level > logging.WARNING:
            lg.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for lg, (prop, level) in zip(loggers, saved, strict=True):
            lg.removeHandler(handler)
            lg.propagate = prop
            lg.setLevel(level)


#: Said once where the belt's speed cannot be set (``--speed``, ``+``/``-``), with the
#: driver's advice (``speed_hint``: its console, or an option that enables it).
READ_ONLY = "{} treadmill's speed cannot be set from here: {}"


def read_only(belt: object | None) -> str:
    """The notice for a belt (or none) whose speed cannot be set."""
    name = getattr(belt, "name", None) or "the"
    return READ_ONLY.format(name, getattr(belt, "speed_hint", None) or "set it at its console")


class NoticePrinter:
    """Says things once (:meth:`once`) and, given a stream, prints every notice the
    session's state received since the last :meth:`flush` (``stride: note: ...``)."""

    def __init__(self, state: SessionState, out: TextIO | None) -> None:
        self.state = state
        self.out = out
        self._said: set[str] = set()
        self._printed = 0
        self._lock = threading.Lock()

    def once(self, message: str) -> None:
        """A notice shown the first time only (a key pressed again says nothing new)."""
        with self._lock:
            if message in self._said:
                return
            self._said.add(message)
        self.state.note(message)

    def warn(self, message: str, consequence: str) -> None:
        """A notice that cannot wait for the next flush (the recording stopped): noted, and
        printed at once as ``stride: warning: MESSAGE; CONSEQUENCE``, not again as a note."""
        with self._lock:
            self._flush_locked()
            self.state.note(message)
            if self.out is None:
                return
            with self.state.lock:
                self._printed = self.state.notes_total
            with contextlib.suppress(OSError, ValueError):
                self.out.write(f"stride: warning: {message}; {consequence}\n")
                self.out.flush()

    def flush(self) -> None:
        """Print the notices not printed yet (the oldest may have left the event log)."""
        with self._lock:
            self._flush_locked()

    def _flush_locked(self) -> None:
        if self.out is None:
            return
        with self.state.lock:
            new = self.state.notes_total - self._printed
            events = list(self.state.events)[-new:] if new > 0 else []
            self._printed = self.state.notes_total
        for event in events:
            try:
                self.out.write(f"stride: note: {event['event']}\n")
                self.out.flush()
            except (BrokenPipeError, ValueError):
                return
