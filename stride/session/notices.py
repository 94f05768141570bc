"""While a session runs, warnings of ``devices`` and ``sim`` become dashboard notices (and
entries of the session's event log), not lines printed over the dashboard."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

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
