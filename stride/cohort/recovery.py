"""Recovery cohorts (``stride sim recovery``): jobs are plain data, workers top-level.

Each job is one patient's course (``--fast``: summaries only) or one session of it (full
mode: recorded and analysed as ``stride analyze`` does); workers return history rows that
the parent stores from a background thread, so writing never stalls the workers.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from devices.files import confined
from sim.recovery import SessionPlan, fast_summary, plan_patient
from sim.session import SessionSpec, simulate_session
from stride.analysis import run, write_text_atomic
from stride.core.analyzer import AnalysisConfig
from stride.core.rows import steps_csv_text
from stride.core.targets import Target, target_meta
from stride.errors import InputError
from stride.history.db import NewSession, now_iso, prepare_row, row_key


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
class SimulatedSession:
    """What the history stores about one simulated session."""

    subject: str
    started_at: str
    summary: dict[str, Any]
    meta: dict[str, Any]
    target: dict[str, Any]
    recording_path: str | None = None
    devices: tuple[dict[str, Any], ...] = field(default=())


def plan_job(job: RecoveryJob) -> list[SessionPlan]:
    """The patient's session plans, deterministic per job."""
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


def _target(plan: SessionPlan) -> Target:
    return Target(plan.target_step_length_m, plan.tolerance_m)


def _result(
    job: RecoveryJob, plan: SessionPlan, summary: dict[str, Any], **kw: Any
) -> SimulatedSession:
    target = target_meta(_target(plan))
    meta = {**plan.meta(), "mode": "fast" if job.session is None else "full"}
    return SimulatedSession(job.subject, plan.started_at.isoformat(), summary, meta, target, **kw)


def run_fast_patient(job: RecoveryJob) -> list[SimulatedSession]:
    """Every session of one patient at the summary level (no signals): the ``--fast`` path."""
    return [_result(job, plan, fast_summary(plan)) for plan in plan_job(job)]


def run_full_session(job: RecoveryJob) -> SimulatedSession:
    """One session simulated as a full recording, analysed as ``stride analyze`` does.

    The recording goes to ``job.recordings/SUBJECT-sNNN`` (kept, with its steps.csv and
    summary.json) or to a temporary directory removed afterwards.
    """
    assert job.session is not None
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
    config = AnalysisConfig(target=_target(plan))
    with tempfile.TemporaryDirectory(prefix="stride-recovery-") as tmp:
        keep = job.recordings is not None
        out = confined(job.recordings or tmp, f"{job.subject}-s{plan.index + 1:03d}", "--subject")
        if not _recorded_before(out, spec):
            ours = _ours_unfinished(out, spec)
            if not ours and out.is_dir() and any(out.iterdir()):  # never replaced
                raise InputError(
                    f"{out} already holds something other than this run's session",
                    fix="give another --recordings folder (or another --subject)",
                )
            simulate_session(out, spec, force=ours)
        _, result, _ = run(out, config)
        if keep:
            write_text_atomic(out / "steps.csv", steps_csv_text(result.step_rows()))
            write_text_atomic(out / "summary.json", json.dumps(result.summary, indent=1) + "\n")
        meta = json.loads((out / "session.json").read_text(encoding="utf-8"))
        return _result(
            job,
            plan,
            dict(result.summary),
            recording_path=str(out.resolve()) if keep else None,
            devices=tuple(meta.get("devices") or ()),
        )


def _new(r: SimulatedSession) -> NewSession:
    return NewSession(
        subject=r.subject,
        started_at=r.started_at,
        source="recovery",
        summary=r.summary,
        devices=list(r.devices),
        target=r.target,
        recording_path=r.recording_path,
        meta=r.meta,
    )


def _simulated_as(out: Path, spec: SessionSpec) -> tuple[bool, bool]:
    """Whether ``out`` holds a recording of this very simulation (subject and seed), and
    whether that recording reached its end."""
    from devices.recording import SessionReader

    try:
        reader = SessionReader(out)
    except InputError:
        return False, False
    sim = reader.meta.get("sim")
    same = isinstance(sim, dict) and sim.get("seed") == spec.seed
    return same and reader.meta.get("subject") == spec.subject, reader.complete


def _recorded_before(out: Path, spec: SessionSpec) -> bool:
    """A complete recording of this session from an earlier, interrupted run: analysed
    again, not simulated again."""
    same, complete = _simulated_as(out, spec) if out.exists() else (False, False)
    return same and complete


def _ours_unfinished(out: Path, spec: SessionSpec) -> bool:
    """An unfinished recording of this session (its run was stopped while writing it):
    replaced; anything else in its place is refused by the session writer."""
    same, complete = _simulated_as(out, spec) if out.exists() else (False, False)
    return same and not complete


def _stored(results: list[SimulatedSession]) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Results as history rows made in the worker (the parent only inserts them), with the
    session index and step-length SI for the run's summary line."""
    now = now_iso()
    out = []
    for r in results:
        si = r.summary.get("symmetry", {}).get("step_length", {}).get("si")
        out.append(
            (
                prepare_row(_new(r), now),
                int(r.meta["session_index"]),
                float(si) if isinstance(si, int | float) else None,
            )
        )
    return out


def job_keys(jobs: list[RecoveryJob]) -> list[list[str]]:
    """The history key of every session each job stores, known before it runs (so a run
    interrupted, or run again, skips what is stored already). Plans are made once per
    patient."""
    plans: dict[tuple[str, int], list[SessionPlan]] = {}
    out = []
    for job in jobs:
        key = (job.subject, job.patient)
        if key not in plans:
            plans[key] = plan_job(job)
        chosen = plans[key] if job.session is None else [plans[key][job.session]]
        out.append([str(row_key(_new(_result(job, p, {})))) for p in chosen])
    return out


def fast_rows(job: RecoveryJob) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Worker of ``--fast`` cohorts: one patient's sessions as history rows."""
    return _stored(run_fast_patient(job))


def full_rows(job: RecoveryJob) -> list[tuple[tuple[Any, ...], int, float | None]]:
    """Worker of full-mode cohorts: one session, recorded and analysed, as a history row."""
    return _stored([run_full_session(job)])


def jobs_of(base: RecoveryJob, fast: bool, n_sessions: int) -> list[RecoveryJob]:
    """One job per patient (``--fast``) or per session of each patient."""
    jobs = []
    for i in range(base.patients):
        subject = f"{base.subject}-{i + 1:04d}" if base.patients > 1 else base.subject
        patient = replace(base, patient=i, subject=subject)
        if fast:
            jobs.append(patient)
        else:
            jobs += [replace(patient, session=k) for k in range(n_sessions)]
    return jobs
