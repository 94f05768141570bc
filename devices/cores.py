"""How many threads reading a recording may use: its chunks' CRC-32 checks and its box
stream's framing each split in that many parts, run at once (their kernels release the
GIL). 1 unless told: only the caller knows whether a core is idle (the command line's
idle-core rule, :func:`stride.cli.first_run.idle_core`); on a busy machine a second
thread only waits for its turn."""

from __future__ import annotations

import threading
from collections.abc import Callable

_READ_THREADS = [1]
_FRAME_AHEAD = [False]


def set_read_threads(n: int) -> None:
    """Read with at most ``n`` threads (2: the two halves of each step at once)."""
    _READ_THREADS[0] = max(1, int(n))


def read_threads() -> int:
    """The threads reading a recording uses unless told otherwise."""
    return _READ_THREADS[0]


def set_frame_ahead(on: bool) -> None:
    """On one thread too, frame a box stream (COBS and CRC-16) ahead of its sequencer, as
    the parts of two threads are (its framing kernel walks two frames at once: faster
    than the decoder's own framing). For a caller that knows that kernel is cached: a
    first run reads with one thread and compiles no framing kernel."""
    _FRAME_AHEAD[0] = bool(on)


def frame_ahead() -> bool:
    """Whether one thread frames a box stream ahead of its sequencer (:func:`set_frame_ahead`)."""
    return _FRAME_AHEAD[0]


def at_once(here: Callable[[], object], there: Callable[[], object]) -> None:
    """``there`` on a thread of its own while ``here`` runs on this one (kernels that
    release the GIL: two cores at once); returns when both are done, raising on this
    thread what either raised (``here``'s first)."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            there()
        except BaseException as err:  # said by the caller's thread, not lost in that one
            failed.append(err)

    helper = threading.Thread(target=run, daemon=True)
    helper.start()
    try:
        here()
    finally:
        helper.join()
    if failed:
        raise failed[0]


def in_two_parts(n: int, fewest: int, part: Callable[[int, int], object]) -> None:
    """``part(a, b)`` over items ``0..n``: once, ``part(0, n)``, or where
    :func:`read_threads` allows two threads and there are at least ``fewest`` items, as
    ``part(0, n // 2)`` and ``part(n // 2, n)`` at once (:func:`at_once`)."""
    if read_threads() < 2 or n < fewest:
        part(0, n)
        return
    half = n // 2
    at_once(lambda: part(0, half), lambda: part(half, n))
