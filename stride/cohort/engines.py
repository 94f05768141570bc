"""Compute engines: run one function over many items on this machine's cores or on a Dask
cluster.

Cohorts of simulated patients and ``stride analyze`` of many recordings use the same
engines: ``local`` (the default: a process pool over all cores, or in-process for one
worker; needs nothing beyond the standard library) and ``dask`` (a ``distributed``
scheduler at an address; install the ``dask`` extra). Functions and items must be
picklable: top-level functions and plain data.

Usage::

    engine = get_engine("dask", scheduler="tcp://10.0.0.5:8786")
    for index, result in engine.imap_unordered(analyse_one, paths):
        ...
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any, Protocol, TypeVar

from stride.errors import InputError

T = TypeVar("T")
R = TypeVar("R")

ENGINES = ("local", "dask")


class Engine(Protocol):
    """Maps a function over items somewhere; results carry the index of their item."""

    name: str
    workers: int

    def imap_unordered(
        self, fn: Callable[[T], R], items: Sequence[T]
    ) -> Iterator[tuple[int, R]]:  # pragma: no cover - protocol
        """Yield ``(index, fn(items[index]))`` as each finishes (any order)."""
        ...

    def close(self, *, wait: bool = True) -> None:  # pragma: no cover - protocol
        """Release workers or the cluster connection (``wait=False``: do not wait for the
        items running)."""
        ...


def map_ordered(engine: Engine, fn: Callable[[T], R], items: Sequence[T]) -> list[R]:
    """``[fn(x) for x in items]`` on the engine, in item order."""
    out: list[Any] = [None] * len(items)
    for i, result in engine.imap_unordered(fn, items):
        out[i] = result
    return out


class LocalEngine:
    """All cores of this machine (``multiprocessing`` pool); in-process for one worker."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        cpus = os.cpu_count() or 1
        self.workers = max(1, min(workers or cpus, 64))
        self._pool: ProcessPoolExecutor | None = None

    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        if self.workers == 1 or len(items) <= 1:
            for i, item in enumerate(items):
                yield i, fn(item)
            return
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.workers, initializer=_start_worker, initargs=(os.getpid(),)
            )
        pending: dict[Future[R], int] = {}
        feed = iter(enumerate(items))
        limit = self.workers * 4  # bounded queue: memory stays flat for huge cohorts
        try:
            for i, item in feed:
                pending[self._pool.submit(fn, item)] = i
                if len(pending) >= limit:
                    break
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in done:
                    yield pending.pop(fut), fut.result()
                    nxt = next(feed, None)
                    if nxt is not None:
                        pending[self._pool.submit(fn, nxt[1])] = nxt[0]
        finally:
            for fut in pending:
                fut.cancel()

    def close(self, *, wait: bool = True) -> None:
        """Release the workers; ``wait=False`` (an interrupted run) does not wait for the
        items running: their workers end with them, or with this process."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None


def _start_worker(parent: int) -> None:
    """Worker initializer: everything the worker inherited from its parent (the modules
    and the kernels it loaded) is kept out of the worker's garbage collections
    (:func:`gc.freeze`): they would walk them all again, and touching their memory copies
    the pages the worker shares with its parent. Then :func:`_die_with_parent`."""
    from stride.core.contacts import set_foot_threads

    gc.freeze()
    set_foot_threads(1)  # the workers fill the cores: a record's feet one after another
    _die_with_parent(parent)


def _die_with_parent(parent: int) -> None:
    """Worker initializer: a worker never outlives the run that started it, even one killed
    with SIGKILL (which no handler sees). On Linux the kernel sends SIGKILL when the parent
    dies (``PR_SET_PDEATHSIG``); everywhere a watchdog thread ends the worker once its
    parent is gone. Ctrl-C is the parent's to handle: workers ignore SIGINT."""
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG = 1
    if os.getppid() != parent:  # the parent died before this line
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="die-with-parent", daemon=True).start()


class DaskEngine:
    """A ``distributed`` cluster: the scheduler at ``address`` runs the items on its workers."""

    name = "dask"

    def __init__(self, address: str, *, connect_timeout_s: float = 10.0) -> None:
        try:
            from distributed import Client
        except ImportError as err:
            raise InputError(
                "the dask engine needs the 'distributed' package",
                fix='install the dask extra from the stride checkout: pip install ".[dask]"',
            ) from err
        try:
            self._client = Client(address, timeout=connect_timeout_s, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as err:
            raise InputError(
                f"cannot reach the Dask scheduler at {address!r}: {err}",
                fix="check the address (e.g. tcp://host:8786) and that `dask scheduler` runs",
            ) from err
        info = self._client.scheduler_info()
        self.workers = max(1, sum(w.get("nthreads", 1) for w in info.get("workers", {}).values()))

    def imap_unordered(self, fn: Callable[[T], R], items: Sequence[T]) -> Iterator[tuple[int, R]]:
        from distributed import as_completed

        futures = self._client.map(fn, list(items), pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        try:
            for fut in as_completed(futures, loop=self._client.loop):
                yield index[fut.key], fut.result()
        finally:
            self._client.cancel(futures)

    def close(self, *, wait: bool = True) -> None:
        self._client.close()


def check_workers(workers: int | None) -> None:
    """``--workers`` below 1 is refused, not silently raised to 1."""
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be >= 1, not {workers}", fix="e.g. --workers 2")


def get_engine(
    name: str = "local",
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    connect_timeout_s: float = 10.0,
) -> LocalEngine | DaskEngine:
    """The engine for ``--engine NAME [--scheduler ADDRESS]`` (dask needs the address)."""
    check_workers(workers)
    if name == "local":
        if scheduler is not None:
            raise InputError("--scheduler is only used with --engine dask", fix="drop it")
        return LocalEngine(workers)
    if name == "dask":
        if not scheduler:
            raise InputError(
                "--engine dask needs --scheduler ADDRESS", fix="e.g. --scheduler tcp://host:8786"
            )
        return DaskEngine(scheduler, connect_timeout_s=connect_timeout_s)
    raise InputError(f"unknown engine {name!r}", fix=f"use one of {', '.join(ENGINES)}")
