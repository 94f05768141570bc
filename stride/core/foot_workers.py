"""The threads kept for the process that scan feet side by side (:func:`foot_threads`,
:func:`set_foot_threads`) and run other work beside the caller's (:func:`beside`).

A thread started and joined for each record took 0.06-0.4 ms (a 5-minute record's foot:
0.6 ms), so the threads are started once and take jobs from a queue; a job carries its
result or its error back to the caller, who raises it as if the work had run here.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class _Job(Generic[T]):
    """``work(*args)`` run on a foot thread; :meth:`result` waits for it and raises what it
    raised. ``started``: a held lock the thread releases once it has taken the job
    (:func:`beside` waits for that; a foot's scan does not, and costs no lock)."""

    __slots__ = ("_args", "_done", "_err", "_out", "_started", "_work")

    def __init__(
        self, work: Callable[..., T], *args: Any, started: threading.Lock | None = None
    ) -> None:
        self._work: Callable[..., T] | None = work
        self._args = args
        self._done = threading.Lock()
        self._done.acquire()  # released once the work has ended (a lock: the cheapest wake-up)
        self._started = started
        self._out: T | None = None
        self._err: BaseException | None = None

    def run(self) -> None:
        if self._started is not None:
            self._started.release()
        try:
            assert self._work is not None
            self._out = self._work(*self._args)
        except BaseException as err:  # raised by the caller's thread, not lost in this one
            self._err = err
        finally:
            self._work, self._args = None, ()  # a finished job keeps nothing (a record) alive
            self._done.release()

    def result(self) -> T:
        with self._done:
            pass
        if self._err is not None:
            raise self._err
        return self._out  # type: ignore[return-value]


def beside(work: Callable[[], T], worth: bool) -> Callable[[], T]:
    """``work`` started on the foot thread where :func:`~stride.core.contacts.detect_feet`
    scans feet side by side (:func:`foot_threads`) and the caller found it ``worth`` it
    (work long enough to pay for the hand-over, 0.03-0.05 ms); returns what gives its
    result (raising what it raised). Otherwise that is ``work`` itself, called here when
    its result is asked for (in the caller's order, errors included). For work that
    releases the GIL (a kernel) and can go on beside what this thread does next: the
    polarity figure beside the noise figures, one foot's steps table beside the other's
    (jobs are taken in order: a foot handed over later starts after it)."""
    if foot_threads() <= 1 or not worth:
        return work
    started = threading.Lock()
    started.acquire()
    job = _Job(work, started=started)
    _foot_workers(1)[0].put(job)
    # Waited for until the thread has taken it and the GIL, so its work runs from here on
    # until it releases the GIL: else, while this thread runs numpy calls that hold the
    # GIL, it would wait for it (up to the interpreter's switch interval, 5 ms). At most
    # BESIDE_WAIT_S: a thread not on a core by then (a busy machine) takes it later.
    started.acquire(timeout=BESIDE_WAIT_S)
    return job.result


#: how long :func:`beside` waits for the foot thread to take the work (an idle thread on
#: an idle core: 0.02-0.15 ms)
BESIDE_WAIT_S = 0.001


def _serve(jobs: queue.SimpleQueue[_Job[Any]]) -> None:
    while True:
        jobs.get().run()


#: this process's id and its foot threads' queues (a forked child has none of the threads)
_WORKERS: list[tuple[int, queue.SimpleQueue[_Job[Any]]]] = []


def _foot_workers(n: int) -> list[queue.SimpleQueue[_Job[Any]]]:
    """The queues of ``n`` threads kept for the process. Daemon threads, so they never
    keep a process from exiting; a process forked from this one (``stride analyze A B
    C``'s workers) has none of them and starts its own."""
    pid = os.getpid()
    if _WORKERS and _WORKERS[0][0] != pid:
        _WORKERS.clear()
    while len(_WORKERS) < n:
        jobs: queue.SimpleQueue[_Job[Any]] = queue.SimpleQueue()
        name = f"stride-foot-{len(_WORKERS) + 1}"
        threading.Thread(target=_serve, args=(jobs,), name=name, daemon=True).start()
        _WORKERS.append((pid, jobs))
    return [jobs for _, jobs in _WORKERS[:n]]


_THREADS = [1]


def foot_threads() -> int:
    """How many feet :func:`~stride.core.contacts.detect_feet` scans at once
    (:func:`set_foot_threads`; 1 unless a caller said more: the core does not look at the
    machine, ``stride analyze`` asks for two while a core is idle)."""
    return _THREADS[0]


def set_foot_threads(n: int) -> None:
    """Scan at most ``n`` feet at once (1: one after another). Worth it only where a core
    is idle: on busy cores a second thread waits for its turn, and the two feet end later
    than one after the other."""
    _THREADS[0] = max(1, int(n))
