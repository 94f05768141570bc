"""Ctrl-C at the end of a session: the session is saved whatever the keyboard does."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType


@contextlib.contextmanager
def saving() -> Iterator[None]:
    """Ctrl-C while a session is being saved is said and waited out, so its steps, summary
    and recording are written (a second Ctrl-C used to leave them unwritten, with a
    traceback); restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_int(signum: int, frame: FrameType | None) -> None:
        print("stride: note: saving the session; it ends by itself in a moment", file=sys.stderr)

    old = signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, old)
