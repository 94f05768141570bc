"""``stride sim recovery``: the cohort run, from checked options to stored sessions.

The jobs (:mod:`stride.cohort.recovery`) run on an engine (:mod:`stride.cohort.engines`);
their history rows are stored by :class:`~stride.cohort.writer.HistoryWriter` while the
progress bar (:mod:`stride.cohort.progress`) advances.
"""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from devices.files import safe_name
from devices.units import parse_speed
from sim.recovery import parse_profile, schedule_days
from stride.cohort.engines import Engine, check_workers, get_engine
from stride.cohort.progress import progress_bar
from stride.cohort.recovery import (
    RecoveryJob,
    fast_rows,
    full_rows,
    job_keys,
    jobs_of,
    plan_job,
)
from stride.cohort.writer import HistoryWriter
from stride.errors import InputError
from stride.history.db import check_writable, resolve_db_path, stored_keys, stored_subjects


@dataclass(frozen=True)
class RecoveryOptions:
    """The options of ``stride sim recovery`` (see its ``--help``)."""

    profile: str
    seed: int
    #: ISO time of the first session.
    start: str
    weeks: int = 8
    sessions_per_week: int = 3
    feedback: bool = True
    subject: str | None = None
    patients: int = 1
    fast: bool = False
    db: Path | None = None
    minutes: float = 5.0
    speed: str = "3.6kmh"
    step_length: float = 0.60
    tolerance: float = 0.05
    recordings: Path | None = None
    engine: str = "local"
    scheduler: str | None = None
    workers: int | None = None
    progress: bool = False


def _check(o: RecoveryOptions) -> None:
    """Refuse bad options before any work (and any worker) starts."""
    if o.seed < 0:
        raise InputError("seed is negative", fix="give a seed >= 0")
    check_workers(o.workers)
    if not 1 <= o.patients <= 1_000_000:
        raise InputError(f"--patients {o.patients} is out of range", fix="use 1 to 1000000")
    if not (0.1 <= o.step_length <= 1.5 and 0.0 <= o.tolerance <= 0.5):
        raise InputError(
            "the step-length target or tolerance is out of range", fix="e.g. 0.60, 0.05"
        )
    rec = o.recordings
    if rec is not None:
        if o.fast:
            raise InputError("--fast simulates no recordings", fix="drop --recordings or --fast")
        if rec.exists() and not rec.is_dir():
            raise InputError(
                f"--recordings {str(rec)!r} is a file, not a directory",
                fix="name a new directory for --recordings",
            )
        parent = next((p for p in rec.absolute().parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise InputError(
                f"--recordings {str(rec)!r}: {str(parent)!r} is a file, not a directory",
                fix="name a new directory under an existing folder",
            )


def _base_job(o: RecoveryOptions, profile_name: str) -> RecoveryJob:
    return RecoveryJob(
        profile=o.profile.strip(),
        weeks=o.weeks,
        sessions_per_week=o.sessions_per_week,
        feedback=o.feedback,
        seed=o.seed,
        patient=0,
        patients=o.patients,
        subject=o.subject or f"sim-{profile_name.split(':')[0]}-{o.seed}",
        minutes=o.minutes,
        start_iso=o.start,
        speed_mps=float(parse_speed(o.speed)),
        target_step_length_m=o.step_length,
        tolerance_m=o.tolerance,
        recordings=None if o.recordings is None else str(o.recordings),
    )


def _prepare_outputs(o: RecoveryOptions) -> tuple[Path, bool]:
    """The history (refused before any work if foreign, damaged or read-only) and
    --recordings (an existing one is the folder of an earlier run being completed); also
    whether this run made the --recordings folder."""
    from stride.session.checks import waiting_for_history

    db_path = resolve_db_path(o.db)
    with waiting_for_history(db_path, "the cohort is simulated"):  # said at once, as live
        check_writable(db_path)
    made = False
    if o.recordings is not None and not o.recordings.is_dir():
        try:
            o.recordings.mkdir(parents=True)
            made = True
        except OSError as err:  # read-only disk, no permission
            raise InputError(
                f"cannot create --recordings {str(o.recordings)!r}: {err.strerror or err}",
                fix="name a new directory you can write to",
            ) from err
    return db_path, made


class CohortInterrupted(Exception):
    """Ctrl-C or SIGTERM stopped the run; what was stored by then is kept."""

    def __init__(self, stored: int, before: int, total: int, db: Path) -> None:
        self.stored, self.before, self.total = stored, before, total
        left = total - before - stored
        super().__init__(
            f"stored {stored} of the cohort's {total} sessions in {db}"
            + (f" ({before} were stored before)" if before else "")
            + f"; run the same command again to store the other {left}"
        )


def run_recovery(o: RecoveryOptions) -> dict[str, Any]:
    """Run the cohort, store every session not stored yet, return what was done. Sessions
    already in the history (an earlier run of the same cohort, interrupted or not) are not
    simulated again; Ctrl-C or SIGTERM raises :class:`CohortInterrupted` after storing
    every session finished by then."""
    name, _ = parse_profile(o.profile)
    n_sessions = len(schedule_days(o.weeks, o.sessions_per_week))
    _check(o)
    base = _base_job(o, name)
    plan_job(base)  # validate the remaining options before starting any worker
    safe_name(base.subject, "--subject", suffix_bytes=16)  # it names recording folders
    all_jobs = jobs_of(base, o.fast, n_sessions)
    db_path, made = _prepare_outputs(o)
    jobs, before, total = _not_stored(all_jobs, db_path, n_sessions)
    t0 = time.perf_counter()
    si: dict[int, list[float]] = {0: [], n_sessions - 1: []}
    writer = HistoryWriter(db_path)
    eng = get_engine(o.engine, scheduler=o.scheduler, workers=o.workers)
    stopped = False
    with _sigterm_as_interrupt(), progress_bar(o.progress, len(jobs), o.fast) as advance:
        try:
            _store_all(eng, jobs, o.fast, writer, si, advance)
        except KeyboardInterrupt:
            stopped = True
        finally:
            if not stopped:
                eng.close()
            if made and o.recordings is not None:  # made by this run: not left empty
                with contextlib.suppress(OSError):
                    o.recordings.rmdir()
            stored_count = writer.close()
            if stopped:
                _close_interrupted(eng)
    if stopped:
        raise CohortInterrupted(stored_count, len(before), total, db_path)
    return {
        "db": str(db_path),
        "mode": "fast" if o.fast else "full",
        "engine": eng.name,
        "patients": o.patients,
        "sessions": stored_count,
        "stored_before": len(before),
        "subject": base.subject,
        "feedback": o.feedback,
        "elapsed_s": round(time.perf_counter() - t0, 3),
        "step_length_si_abs": {
            "first_session": _mean(si[0]),
            "last_session": _mean(si[n_sessions - 1]),
        },
    }


def _not_stored(
    jobs: list[RecoveryJob], db_path: Path, n_sessions: int
) -> tuple[list[RecoveryJob], set[str], int]:
    """The jobs with a session the history does not hold yet, the keys it holds, and the
    cohort's number of sessions. A cohort whose subjects have no session stored (the usual
    first run) is not looked up session by session."""
    total = sum(n_sessions if job.session is None else 1 for job in jobs)
    if not stored_subjects(db_path, sorted({job.subject for job in jobs})):
        return jobs, set(), total
    keys = job_keys(jobs)
    before = stored_keys(db_path, [k for ks in keys for k in ks])
    todo = [job for job, ks in zip(jobs, keys, strict=True) if not before.issuperset(ks)]
    return todo, before, total


def _store_all(
    eng: Engine,
    jobs: list[RecoveryJob],
    fast: bool,
    writer: HistoryWriter,
    si: dict[int, list[float]],
    advance: Callable[[int], None],
) -> None:
    """Run the jobs and hand their rows to the writer as they finish (in batches of 500
    rows in --fast mode, one by one otherwise); rows made before an interruption too."""
    pending: list[tuple[Any, ...]] = []
    try:
        for _, stored in eng.imap_unordered(fast_rows if fast else full_rows, jobs):
            for row, index, value in stored:
                pending.append(row)
                if value is not None and index in si:
                    si[index].append(abs(value))
            if len(pending) >= 500 or not fast:
                writer.put(pending)
                pending = []
            advance(1)
    finally:
        writer.put(pending)


def _close_interrupted(eng: Engine) -> None:
    """After Ctrl-C or SIGTERM, once what was made is stored: what has not started is
    cancelled and the items running are waited for (their workers ignore Ctrl-C and end
    with them). Not left to the interpreter's exit, which would wait for them too, but where
    Python 3.11's process pool wakes its manager thread without a lock while that thread
    closes the pipe: now and then ``OSError: [Errno 9] Bad file descriptor`` came after the
    interrupted line (CPython gh-125451). A second Ctrl-C stops the wait."""
    with contextlib.suppress(KeyboardInterrupt):
        eng.close()


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM stops the run as Ctrl-C does (what is finished is stored, and said)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
