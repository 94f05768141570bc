"""Registering a recording in the history after the fact (``stride history add DIR``).

Why: a session whose history could not be written at its end (a read-only or full disk, a
locked file) still has its recording; this stores it as the session would have been stored,
from the recording alone: its session.json (subject, start, devices, target) and the same
analysis as ``stride analyze DIR``. Adding the same recording again replaces its row (the
recording's absolute path is the row's key), so it is never stored twice.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from devices.files import check_path, show_path
from stride.errors import InputError

_SOURCES = {"live": "live", "demo": "demo", "sim": "sim"}


@dataclass(frozen=True)
class Registered:
    """What ``register_recording`` stored."""

    session_id: int
    subject: str | None
    steps: int
    source: str
    replaced: bool  # the recording was stored before: its row was replaced
    #: what reading it met (damage skipped, a session cut short, ...), in words
    notes: tuple[str, ...] = ()


def register_recording(
    path: str | os.PathLike[str],
    *,
    db: str | os.PathLike[str] | None,
    subject: str | None = None,
) -> Registered:
    """Analyse the recording at ``path`` and store it in the history ``db``; ``subject``
    names the walker when the recording does not (it may not contradict it)."""
    from devices.recording import SessionReader
    from devices.recording.claim import recording_now
    from stride.analysis import document, read_notes, run
    from stride.core.analyzer import AnalysisConfig
    from stride.history.db import check_writable, register_session

    rec = check_path(Path(path), "recording")
    check_writable(db)  # before the analysis: a history we cannot write is said first
    meta = SessionReader(rec).meta
    if recording_now(rec):  # its end not written yet: a row of part of it, left stale
        raise InputError(  # when that session stores itself with --no-history
            f"{show_path(rec)} is being recorded into by a running session now",
            fix="add it once that session has ended; a session stores itself in the history "
            "unless run with --no-history",
        )
    recorded = meta.get("subject")
    if subject is not None and recorded not in (None, subject):
        raise InputError(
            f"{show_path(rec)} was recorded for subject {recorded!r}, not {subject!r}",
            fix="drop --subject, or give the subject the recording names",
        )
    started = meta.get("started_utc") or meta.get("created_utc")
    if not isinstance(started, str):
        raise InputError(
            f"{show_path(rec)}/session.json has no start time",
            fix="restore session.json from a backup",
        )
    config = AnalysisConfig()
    signals, result, _ = run(rec, config, keep_samples=False)
    notes = read_notes(rec, signals.meta, config).sentences(rec, result.summary)
    summary = document(result)["summary"]
    assert isinstance(summary, dict)
    who = subject if subject is not None else _text(recorded)
    source = _SOURCES.get(str(meta.get("kind")), "live")
    before = _stored_id(db, str(rec.resolve()))
    session_id = register_session(
        db,
        subject=who,
        started_at=started,
        source=source,
        devices=_list(meta.get("devices")),
        target=meta.get("target") if isinstance(meta.get("target"), dict) else None,
        summary=summary,
        recording_path=str(rec.resolve()),
        meta=_meta(meta),
    )
    steps = int(summary.get("steps") or 0)
    return Registered(session_id, who, steps, source, before is not None, tuple(notes))


def _stored_id(db: str | os.PathLike[str] | None, recording: str) -> int | None:
    """The id of the row that holds this recording already, if any."""
    from stride.history.db import open_db, resolve_db_path
    from stride.history.schema import session_key

    if not resolve_db_path(db).exists():
        return None
    key = session_key("live", None, {}, recording, None)
    with open_db(db, create=False) as con:
        if con.execute("PRAGMA user_version").fetchone()[0] < 3:
            return None
        row = con.execute("SELECT id FROM sessions WHERE session_key = ?", (key,)).fetchone()
    return None if row is None else int(row[0])


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _meta(meta: dict[str, Any]) -> dict[str, Any]:
    target = meta.get("target")
    feedback = isinstance(target, dict) and target.get("step_length_m") is not None
    out: dict[str, Any] = {"feedback": feedback, "added_later": True}
    sim = meta.get("sim")
    if isinstance(sim, dict):
        out["simulated"] = {k: sim.get(k) for k in ("profile", "seed", "minutes")}
    return out
