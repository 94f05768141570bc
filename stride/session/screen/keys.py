"""Single key presses from the terminal without Enter (cbreak mode), restored on exit.

Ctrl-C still raises KeyboardInterrupt (cbreak keeps signals on), so the session can end
cleanly either way. Without a terminal, :class:`KeyReader` reads nothing.
"""

from __future__ import annotations

import contextlib
import os
import select
import sys
from types import TracebackType
from typing import Any, TextIO

#: Key -> action name understood by the session.
ACTIONS = {
    "+": "faster",
    "=": "faster",
    "-": "slower",
    "_": "slower",
    " ": "pause",
    "m": "metronome",
    "M": "metronome",
    "q": "quit",
    "Q": "quit",
}

#: What a replay takes: it has no belt to drive and no walker to pace.
REPLAY_ACTIONS = frozenset({"pause", "quit"})


def actions_for(chars: str) -> list[str]:
    """Map typed characters to session actions, ignoring every other key."""
    return [ACTIONS[c] for c in chars if c in ACTIONS]


def allowed(actions: list[str], *, replay: bool, view: bool = False) -> list[str]:
    """The actions the session takes: a replay ignores the belt keys, and the metronome's
    unless a walker's view (``--view``) is there to click it."""
    take = REPLAY_ACTIONS | ({"metronome"} if view else set())
    return [a for a in actions if not replay or a in take]


class KeyReader:
    """Context manager: puts a terminal stdin in cbreak mode and polls it without blocking."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream if stream is not None else sys.stdin
        self._fd: int | None = None
        self._saved: list[Any] | None = None

    def __enter__(self) -> KeyReader:
        try:
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):
            return self
        if not os.isatty(fd):
            return self
        import termios
        import tty

        self._fd = fd
        self._saved = termios.tcgetattr(fd)
        tty.setcbreak(fd)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None and self._saved is not None:
            import termios

            # a terminal that hung up (SIGHUP) has no settings to restore
            with contextlib.suppress(termios.error, OSError):
                termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
        self._fd = None

    @property
    def active(self) -> bool:
        return self._fd is not None

    def poll(self, timeout: float = 0.0) -> list[str]:
        """Actions typed since the last poll (waits up to ``timeout`` seconds for one)."""
        if self._fd is None:
            return []
        chars = ""
        ready, _, _ = select.select([self._fd], [], [], timeout)
        while ready:
            data = os.read(self._fd, 64)
            if not data:
                break
            chars += data.decode("utf-8", "ignore")
            ready, _, _ = select.select([self._fd], [], [], 0)
        return actions_for(chars)
