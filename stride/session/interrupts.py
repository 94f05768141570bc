"""Ctrl-C or SIGTERM at the end of a session: the session is saved whatever comes."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Iterator
from types import FrameType

#: Held while a session is saved: Ctrl-C, and SIGTERM (a second ``kill``, or a supervisor's
#: stop while the first one's session is being saved: the default action ended the process
#: there, leaving session.json unfinished, the final document unprinted).
HELD = (signal.SIGINT, signal.SIGTERM)


@contextlib.contextmanager
def saving() -> Iterator[None]:
    """Ctrl-C or SIGTERM while a session is being saved is said and waited out, so its
    steps, summary and recording are written (a second Ctrl-C used to leave them unwritten,
    with a traceback; a second SIGTERM ended the process mid-write); restored afterwards.
    SIGKILL cannot be held: the streams on disk are read back all the same."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        print("stride: note: saving the session; it ends by itself in a moment", file=sys.stderr)

    old = {sig: signal.signal(sig, on_signal) for sig in HELD}
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)
