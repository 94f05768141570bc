"""Run one function over many items on this machine's cores or on a Dask cluster.

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

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
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

    def close(self) -> None:  # pragma: no cover - protocol
        """Release workers or the cluster connection."""
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
            self._pool = ProcessPoolExecutor(max_workers=self.workers)
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

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


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

    def close(self) -> None:
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


# --- Many recordings (`stride analyze A B C ... --engine ...`) ---


def analyse_one(job: tuple[str, Any]) -> dict[str, Any]:
    """Analyse one recording as ``stride analyze`` does: its JSON document plus ``path``.

    A bad record gives ``{"path", "error"}`` instead of stopping the whole batch.
    """
    from stride.analysis import document, run
    from stride.errors import StrideError

    path, config = job
    try:
        _, result, timing = run(path, config)
    except StrideError as err:
        return {"path": path, "error": str(err)}
    return {"path": path, **document(result, timing)}


def analyse_many(
    paths: Sequence[str | os.PathLike[str]],
    config: Any = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, document)`` for each recording as it finishes, on the chosen engine.

    ``config``: a ``stride.core.analyzer.AnalysisConfig`` (None = defaults).
    """
    eng = get_engine(engine, scheduler=scheduler, workers=workers)
    try:
        yield from eng.imap_unordered(analyse_one, [(str(p), config) for p in paths])
    finally:
        eng.close()


# --- Recovery cohorts (`stride sim recovery`): jobs are plain data, workers top-level ---


@dataclass(frozen=True)
class RecoveryJob:
    """One patient's course, or one session of it (``session`` set: full-recording mode)."""

    profile: str
    weeks: int
    sessions_per_week: int
    feedback: bool
    seed: int
    patient: int
    patients: int
    subject: str
    minutes: float
    start_iso: str
    speed_mps: float
    target_step_length_m: float
    tolerance_m: float
    session: int | None = None
    recordings: str | None = None


@dataclass(frozen=True)
class SessionResult:
    """What the history stores about one simulated session."""

    subject: str
    started_at: str
    summary: dict[str, Any]
    meta: dict[str, Any]
    target: dict[str, Any]
    recording_path: str | None = None
    devices: tuple[dict[str, Any], ...] = field(default=())


def plan_job(job: RecoveryJob) -> list[Any]:
    """The patient's session plans (``sim.recovery.SessionPlan``), deterministic per job."""
    from datetime import datetime

    import numpy as np

    from sim.recovery import plan_patient

    # The same as SeedSequence(seed).spawn(patients)[patient], without spawning them all.
    seq = np.random.SeedSequence(job.seed, spawn_key=(job.patient,))
    return plan_patient(
        job.profile,
        weeks=job.weeks,
        sessions_per_week=job.sessions_per_week,
        feedback=job.feedback,
        seed=seq,
        patient=job.patient,
        minutes=job.minutes,
        start=datetime.fromisoformat(job.start_iso),
        speed_mps=job.speed_mps,
        target_step_length_m=job.target_step_length_m,
        tolerance_m=job.tolerance_m,
    )


def _result(job: RecoveryJob, plan: Any, summary: dict[str, Any], **kw: Any) -> SessionResult:
    target = {"step_length_m": plan.target_step_length_m, "tolerance_m": plan.tolerance_m}
    meta = {**plan.meta(), "mode": "fast" if job.session is None else "full"}
    return SessionResult(job.subject, plan.started_at.isoformat(), summary, meta, target, **kw)


def run_fast_patient(job: RecoveryJob) -> list[SessionResult]:
    """Every session of one patient at the summary level (no signals): the ``--fast`` path."""
    from sim.recovery import fast_summary

    return [_result(job, plan, fast_summary(plan)) for plan in plan_job(job)]


def run_full_session(job: RecoveryJob) -> SessionResult:
    """One session simulated as a full recording, analysed as ``stride analyze`` does.

    The recording goes to ``job.recordings/SUBJECT-sNNN`` (kept, with its steps.csv and
    summary.json) or to a temporary directory removed afterwards.
    """
    assert job.session is not None
    import json
    import tempfile

    from sim.session import SessionSpec, simulate_session
    from stride.analysis import run, steps_csv_text, write_text_atomic
    from stride.core.analyzer import AnalysisConfig
    from stride.core.targets import Target

    plan = plan_job(job)[job.session]
    spec = SessionSpec(
        minutes=plan.minutes,
        speed_mps=plan.speed_mps,
        params=plan.gait,
        profile=plan.label,
        seed=plan.seed,
        feedback=plan.walker_feedback,
        subject=job.subject,
    )
    config = AnalysisConfig(target=Target(plan.target_step_length_m, plan.tolerance_m))
    with tempfile.TemporaryDirectory(prefix="stride-recovery-") as tmp:
        keep = job.recordings is not None
        out = Path(job.recordings or tmp) / f"{job.subject}-s{plan.index + 1:03d}"
        simulate_session(out, spec)
        _, result, _ = run(out, config)
        if keep:
            write_text_atomic(out / "steps.csv", steps_csv_text(result))
            write_text_atomic(out / "summary.json", json.dumps(result.summary, indent=1) + "\n")
        meta = json.loads((out / "session.json").read_text(encoding="utf-8"))
        return _result(
            job,
            plan,
            dict(result.summary),
            recording_path=str(out.resolve()) if keep else None,
            devices=tuple(meta.get("devices") or ()),
        )


def _stored(results: list[SessionResult]) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Results as history rows made in the worker (the parent only inserts them), with the
    session index and step-length SI for the run's summary line."""
    from stride.history.db import NewSession, now_iso, prepare_row

    now = now_iso()
    out = []
    for r in results:
        new = NewSession(
            subject=r.subject,
            started_at=r.started_at,
            source="recovery",
            summary=r.summary,
            devices=list(r.devices),
            target=r.target,
            recording_path=r.recording_path,
            meta=r.meta,
        )
        si = r.summary.get("symmetry", {}).get("step_length", {}).get("si")
        out.append(
            (
                prepare_row(new, now),
                int(r.meta["session_index"]),
                float(si) if isinstance(si, int | float) else None,
            )
        )
    return out


def fast_rows(job: RecoveryJob) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Worker of ``--fast`` cohorts: one patient's sessions as history rows."""
    return _stored(run_fast_patient(job))


def full_rows(job: RecoveryJob) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Worker of full-mode cohorts: one session, recorded and analysed, as a history row."""
    return _stored([run_full_session(job)])


def _jobs(base: RecoveryJob, fast: bool, n_sessions: int) -> list[RecoveryJob]:
    from dataclasses import replace

    jobs = []
    for i in range(base.patients):
        subject = f"{base.subject}-{i + 1:04d}" if base.patients > 1 else base.subject
        patient = replace(base, patient=i, subject=subject)
        if fast:
            jobs.append(patient)
        else:
            jobs += [replace(patient, session=k) for k in range(n_sessions)]
    return jobs


def run_recovery_cli(
    *,
    profile: str,
    seed: int,
    weeks: int,
    sessions_per_week: int,
    feedback: bool,
    subject: str | None,
    patients: int,
    fast: bool,
    db: Path | None,
    minutes: float,
    speed: str,
    step_length: float,
    tolerance: float,
    start: str,
    recordings: Path | None,
    engine: str,
    scheduler: str | None,
    workers: int | None,
    progress: bool,
) -> dict[str, Any]:
    """``stride sim recovery``: run the cohort, store every session, return what was done."""
    import time

    from devices.units import parse_speed
    from sim.recovery import parse_profile, schedule_days
    from stride.history.db import open_db, resolve_db_path

    name, _ = parse_profile(profile)
    n_sessions = len(schedule_days(weeks, sessions_per_week))
    if seed < 0:
        raise InputError("seed is negative", fix="give a seed >= 0")
    check_workers(workers)
    if not 1 <= patients <= 1_000_000:
        raise InputError(f"--patients {patients} is out of range", fix="use 1 to 1000000")
    if not (0.1 <= step_length <= 1.5 and 0.0 <= tolerance <= 0.5):
        raise InputError(
            "the step-length target or tolerance is out of range", fix="e.g. 0.60, 0.05"
        )
    if recordings is not None:
        if fast:
            raise InputError("--fast simulates no recordings", fix="drop --recordings or --fast")
        if recordings.exists():
            raise InputError(
                f"{str(recordings)!r} already exists", fix="name a new directory for --recordings"
            )
        parent = next((p for p in recordings.absolute().parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise InputError(
                f"--recordings {str(recordings)!r}: {str(parent)!r} is a file, not a directory",
                fix="name a new directory under an existing folder",
            )
    base = RecoveryJob(
        profile=profile.strip(),
        weeks=weeks,
        sessions_per_week=sessions_per_week,
        feedback=feedback,
        seed=seed,
        patient=0,
        patients=patients,
        subject=subject or f"sim-{name.split(':')[0]}-{seed}",
        minutes=minutes,
        start_iso=start,
        speed_mps=float(parse_speed(speed)),
        target_step_length_m=step_length,
        tolerance_m=tolerance,
        recordings=None if recordings is None else str(recordings),
    )
    plan_job(base)  # validate the remaining options before starting any worker
    jobs = _jobs(base, fast, n_sessions)
    db_path = resolve_db_path(db)
    with open_db(db_path):  # a foreign or damaged history is refused before any work
        pass
    if recordings is not None:
        try:
            recordings.mkdir(parents=True)
        except OSError as err:  # read-only disk, no permission
            raise InputError(
                f"cannot create --recordings {str(recordings)!r}: {err.strerror or err}",
                fix="name a new directory you can write to",
            ) from err
    t0 = time.perf_counter()
    first_si: list[float] = []
    last_si: list[float] = []
    pending: list[tuple[Any, ...]] = []
    runner = fast_rows if fast else full_rows
    writer = _Writer(db_path)
    eng = get_engine(engine, scheduler=scheduler, workers=workers)
    with _progress(progress, len(jobs), fast) as advance:
        try:
            for _, stored in eng.imap_unordered(runner, jobs):
                for row, index, si in stored:
                    pending.append(row)
                    if si is not None and index == 0:
                        first_si.append(abs(si))
                    if si is not None and index == n_sessions - 1:
                        last_si.append(abs(si))
                if len(pending) >= 500 or not fast:
                    writer.put(pending)
                    pending = []
                advance(1)
            writer.put(pending)
        finally:
            eng.close()
            stored_count = writer.close()
    elapsed = time.perf_counter() - t0
    mean = lambda v: round(sum(v) / len(v), 2) if v else None  # noqa: E731
    return {
        "db": str(db_path),
        "mode": "fast" if fast else "full",
        "engine": eng.name,
        "patients": patients,
        "sessions": stored_count,
        "subject": base.subject,
        "feedback": feedback,
        "elapsed_s": round(elapsed, 3),
        "step_length_si_abs": {"first_session": mean(first_si), "last_session": mean(last_si)},
    }


class _Writer:
    """Stores batches of sessions from a background thread, so that writing the database
    never stalls the workers; the first error is raised again by :meth:`close`."""

    def __init__(self, db_path: Path) -> None:
        import queue
        import threading

        self._db = db_path
        self._queue: queue.Queue[list[Any] | None] = queue.Queue(maxsize=16)
        self._stored = 0
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from stride.history.db import insert_rows

        while (batch := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._stored += len(insert_rows(self._db, batch))
                except BaseException as err:  # re-raised in the caller's thread by close()
                    self._error = err

    def put(self, batch: list[Any]) -> None:
        if self._error is not None:
            raise self._error
        if batch:
            self._queue.put(batch)

    def close(self) -> int:
        """Wait for every queued batch; returns how many sessions were stored."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._stored


@contextmanager
def _progress(show: bool, total: int, fast: bool) -> Iterator[Callable[[int], None]]:
    """A rich progress bar on stderr (patients in --fast mode, sessions otherwise)."""
    if not show:
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    what = "patients" if fast else "sessions"
    with Progress(
        TextColumn(f"simulating {what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
    ) as bar:
        task = bar.add_task(what, total=total)
        yield lambda n: bar.advance(task, n)
