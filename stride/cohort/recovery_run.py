"""``stride sim recovery``: the cohort run, from checked options to stored sessions.

The jobs (:mod:`stride.cohort.recovery`) run on an engine (:mod:`stride.cohort.engines`);
their history rows are stored by :class:`~stride.cohort.writer.HistoryWriter` while the
progress bar (:mod:`stride.cohort.progress`) advances.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.units import parse_speed
from sim.recovery import parse_profile, schedule_days
from stride.cohort.engines import check_workers, get_engine
from stride.cohort.progress import progress_bar
from stride.cohort.recovery import RecoveryJob, fast_rows, full_rows, jobs_of, plan_job
from stride.cohort.writer import HistoryWriter
from stride.errors import InputError
from stride.history.db import open_db, resolve_db_path


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
        if rec.exists():
            raise InputError(
                f"{str(rec)!r} already exists", fix="name a new directory for --recordings"
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


def _prepare_outputs(o: RecoveryOptions) -> Path:
    """The history (refused before any work if foreign or damaged) and --recordings."""
    db_path = resolve_db_path(o.db)
    with open_db(db_path):
        pass
    if o.recordings is not None:
        try:
            o.recordings.mkdir(parents=True)
        except OSError as err:  # read-only disk, no permission
            raise InputError(
                f"cannot create --recordings {str(o.recordings)!r}: {err.strerror or err}",
                fix="name a new directory you can write to",
            ) from err
    return db_path


def run_recovery(o: RecoveryOptions) -> dict[str, Any]:
    """Run the cohort, store every session, return what was done."""
    name, _ = parse_profile(o.profile)
    n_sessions = len(schedule_days(o.weeks, o.sessions_per_week))
    _check(o)
    base = _base_job(o, name)
    plan_job(base)  # validate the remaining options before starting any worker
    jobs = jobs_of(base, o.fast, n_sessions)
    db_path = _prepare_outputs(o)
    t0 = time.perf_counter()
    first_si: list[float] = []
    last_si: list[float] = []
    pending: list[tuple[Any, ...]] = []
    writer = HistoryWriter(db_path)
    eng = get_engine(o.engine, scheduler=o.scheduler, workers=o.workers)
    with progress_bar(o.progress, len(jobs), o.fast) as advance:
        try:
            for _, stored in eng.imap_unordered(fast_rows if o.fast else full_rows, jobs):
                for row, index, si in stored:
                    pending.append(row)
                    if si is not None and index == 0:
                        first_si.append(abs(si))
                    if si is not None and index == n_sessions - 1:
                        last_si.append(abs(si))
                if len(pending) >= 500 or not o.fast:
                    writer.put(pending)
                    pending = []
                advance(1)
            writer.put(pending)
        finally:
            eng.close()
            stored_count = writer.close()
    return {
        "db": str(db_path),
        "mode": "fast" if o.fast else "full",
        "engine": eng.name,
        "patients": o.patients,
        "sessions": stored_count,
        "subject": base.subject,
        "feedback": o.feedback,
        "elapsed_s": round(time.perf_counter() - t0, 3),
        "step_length_si_abs": {"first_session": _mean(first_si), "last_session": _mean(last_si)},
    }


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None
