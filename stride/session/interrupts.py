"""Signals during a session: SIGTERM and SIGHUP end it cleanly (as ``q`` does), and Ctrl-C,
SIGTERM or SIGHUP while it is being saved are waited out: the session is saved whatever
comes.

SIGHUP is the terminal going away (an SSH connection dropped, the window closed): its
default action ended the process at once, the recording cut short, nothing saved or stored.
Now the terminal's standard streams are pointed at /dev/null (a write to a terminal that
hung up fails) and the session ends as with SIGTERM: saved, its document written where
stdout was redirected, stored in the history."""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType

#: Held while a session is saved: Ctrl-C, and SIGTERM (a second ``kill``, or a supervisor's
#: stop while the first one's session is being saved: the default action ended the process
#: there, leaving session.json unfinished, the final document unprinted).
HELD = (signal.SIGINT, signal.SIGTERM)
#: The terminal hung up (None where the OS has no such signal).
SIGHUP: signal.Signals | None = getattr(signal, "SIGHUP", None)


@contextlib.contextmanager
def saving(*, ctrl_c: bool = True) -> Iterator[None]:
    """Ctrl-C, SIGTERM or SIGHUP while a session is being saved is said and waited out, so
    its steps, summary and recording are written (a second Ctrl-C used to leave them
    unwritten, with a traceback; a second SIGTERM ended the process mid-write); restored
    afterwards. ``ctrl_c`` False: Ctrl-C is left as it was (it ends a wait for a history
    another program holds locked). SIGKILL cannot be held: the streams on disk are read
    back all the same."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signum == SIGHUP:
            _leave_terminal()
        with contextlib.suppress(OSError, ValueError):
            print(
                "stride: note: saving the session; it ends by itself in a moment", file=sys.stderr
            )

    held = [sig for sig in _taken(_and_hangup(HELD)) if ctrl_c or sig != signal.SIGINT]
    with _handling(held, on_signal):
        yield


@contextlib.contextmanager
def _handling(
    signals: list[signal.Signals], handler: Callable[[int, FrameType | None], None]
) -> Iterator[None]:
    """``handler`` for ``signals`` inside the block; the handlers before it restored after."""
    old = {sig: signal.signal(sig, handler) for sig in signals}
    try:
        yield
    finally:
        for sig, before in old.items():
            signal.signal(sig, before)


def _and_hangup(signals: tuple[signal.Signals, ...]) -> tuple[signal.Signals, ...]:
    """``signals`` and SIGHUP, where the OS has it."""
    return signals if SIGHUP is None else (*signals, SIGHUP)


def _taken(signals: tuple[signal.Signals, ...]) -> list[signal.Signals]:
    """The signals to handle: any but one ignored when the command started (``nohup``
    ignores SIGHUP so that a session outlives its terminal: it still does)."""
    return [sig for sig in signals if signal.getsignal(sig) is not signal.SIG_IGN]


@contextlib.contextmanager
def stopping_on_signals(request_stop: Callable[[str], None]) -> Iterator[None]:
    """SIGTERM and SIGHUP end the session cleanly (``request_stop`` with the signal's name);
    restored afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if signum == SIGHUP:
            _leave_terminal()
        request_stop(signal.Signals(signum).name)

    with _handling(_taken(_and_hangup((signal.SIGTERM,))), on_signal):
        yield


def _leave_terminal() -> None:
    """Point the standard streams that are a terminal at /dev/null: it hung up, and a write
    to it fails (the summary, a note), which would end the command before it saves. (A
    terminal that hung up is no longer ``isatty``: any character device but /dev/null is
    taken for it; a file or a pipe is kept.)"""
    devnull = os.open(os.devnull, os.O_RDWR)
    try:
        null = os.fstat(devnull).st_rdev
        for fd in (0, 1, 2):
            with contextlib.suppress(OSError):
                st = os.fstat(fd)
                if stat.S_ISCHR(st.st_mode) and st.st_rdev != null:
                    os.dup2(devnull, fd)
    finally:
        os.close(devnull)
