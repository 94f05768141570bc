"""The cyclic garbage collector during a command's start-up.

Starting ``stride analyze`` makes about a hundred thousand container objects that live
until the process ends (numpy, numba and its typing registries, the kernels loaded from
numba's cache) and frees almost none of them. Python's collector still walked them, more
often the more were made, and at exit took their reference cycles apart one by one: about
a sixth to a quarter of the command's CPU time on a short recording (0.2-0.4 s of 1.5-1.7 s).
:func:`pause` stops the collector while the command starts up; :func:`resume` then
freezes what start-up made (:func:`gc.freeze`: kept out of every later collection, the
one at exit included) and turns the collector back on, so reading and analysing a
recording run with it as before. At exit, what was frozen goes back to the operating
system with the process's memory instead of object by object.

Imports only the standard library (``stride --help`` stays fast).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_paused = False


def pause() -> None:
    """Stop the cyclic collector for a command's start-up (a no-op if it is off already,
    e.g. paused by the caller: then :func:`resume` leaves it off)."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up done: freeze every object alive now, and turn the collector back on if
    :func:`pause` turned it off. Safe to call more than once, or without :func:`pause`
    (then it does nothing)."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()


def finished() -> None:
    """The command's work is done and said (its output written): freeze every object
    alive now, so the interpreter's collections at exit skip them too. At exit they go
    back to the operating system with the process's memory instead of being walked and
    taken apart one by one: on an hour's analysis (the rows of its JSON document, the
    kernels loaded while reading) that walk took 0.1-0.2 s, now 0.06-0.1 s in all."""
    gc.freeze()


@contextmanager
def compiling(freeze: bool = False) -> Iterator[None]:
    """The collector off while numba compiles on a first run, back as it was after.

    A compile makes millions of objects, most of them kept until it ends, so the collector
    walks ever more of them for little: with it off the contact scan's cold compile took
    12.4 s of CPU against 14.0 s (a few more MB at the peak, for the compile's length).
    Turned back on, its first collection walks every object the compile made; with
    ``freeze`` they are frozen first (:func:`gc.freeze`: kept, never walked, freed with
    the process), as start-up's are."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            if freeze:
                gc.freeze()
            gc.enable()
