"""Recovery cohorts end to end: full recordings analysed like `stride analyze`, the same
results on every engine, and many recordings analysed on the cohort engines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from stride.cohort.many import analyse_many
from stride.cohort.recovery_run import RecoveryOptions, run_recovery
from stride.errors import InputError
from stride.history import list_sessions
from stride.report.session import session_report


def _run(db: Path, **kw: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "profile": "hemiparetic-right:0.6", "seed": 5, "weeks": 1, "sessions_per_week": 2,
        "feedback": True, "subject": "R1", "patients": 1, "fast": True, "db": db,
        "minutes": 5.0, "speed": "3.6kmh", "step_length": 0.6, "tolerance": 0.05,
        "start": "2026-01-05T09:00:00+00:00", "recordings": None, "engine": "local",
        "scheduler": None, "workers": 1, "progress": False,
    }  # fmt: skip
    args.update(kw)
    return run_recovery(RecoveryOptions(**args))


@pytest.mark.slow
def test_full_mode_records_analyses_and_stores(tmp_path: Path) -> None:
    db, recs = tmp_path / "h.sqlite", tmp_path / "recs"
    out = _run(db, fast=False, minutes=0.75, recordings=recs, workers=2)
    assert out["sessions"] == 2 and out["mode"] == "full"
    stored = list_sessions(db, subject="R1")
    assert [s.meta["session_index"] for s in stored] == [0, 1]
    first = stored[0]
    assert first.source == "recovery" and first.meta["mode"] == "full"
    assert first.summary["steps"] > 60
    assert first.summary["symmetry"]["step_length"]["si"] < 0  # right-sided: right longer
    rec = Path(first.recording_path or "")
    assert rec.parent == recs.resolve() and (rec / "steps.csv").exists()
    assert first.devices and first.devices[0]["kind"] == "box"
    html = session_report(rec, tmp_path / "s.html").read_text()
    assert html.count('<img class="plot"') == 4
    # The same recordings analysed again as a batch give the stored summaries.
    docs = dict(analyse_many([s.recording_path or "" for s in stored], _config(), workers=2))
    assert [docs[i]["summary"] for i in range(2)] == [s.summary for s in stored]
    # The same command again: everything is stored already, nothing is simulated again.
    again = _run(db, fast=False, minutes=0.75, recordings=recs)
    assert (again["sessions"], again["stored_before"]) == (0, 2)
    assert [s.id for s in list_sessions(db, subject="R1")] == [s.id for s in stored]


def _config() -> Any:
    from stride.core.analyzer import AnalysisConfig
    from stride.core.targets import Target

    return AnalysisConfig(target=Target(0.6, 0.05))


def test_analyse_many_reports_bad_records_without_stopping(tmp_path: Path) -> None:
    docs = dict(analyse_many([tmp_path / "absent", tmp_path / "also-absent"], workers=1))
    assert set(docs) == {0, 1} and all("error" in d for d in docs.values())


@pytest.mark.slow
def test_fast_cohort_is_the_same_on_every_engine(tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    local = _run(tmp_path / "local.sqlite", patients=3, workers=2)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        dask = _run(
            tmp_path / "dask.sqlite", patients=3, engine="dask",
            scheduler=cluster.scheduler_address, workers=None,
        )  # fmt: skip
    assert local["sessions"] == dask["sessions"] == 6 and dask["engine"] == "dask"

    def rows(db: Path) -> list[tuple[Any, ...]]:
        return sorted((s.subject, s.started_at, str(s.summary)) for s in list_sessions(db))

    assert rows(tmp_path / "local.sqlite") == rows(tmp_path / "dask.sqlite")
    assert {s.subject for s in list_sessions(tmp_path / "local.sqlite")} == {
        "R1-0001", "R1-0002", "R1-0003",
    }  # fmt: skip


def test_option_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--fast simulates no recordings"):
        _run(tmp_path / "h.sqlite", recordings=tmp_path / "r")
    with pytest.raises(InputError, match="--patients"):
        _run(tmp_path / "h.sqlite", patients=0)
    with pytest.raises(InputError, match="minutes"):
        _run(tmp_path / "h.sqlite", minutes=0.1)
    assert not (tmp_path / "h.sqlite").exists()


def test_foreign_history_is_refused_before_any_work(tmp_path: Path) -> None:
    db = tmp_path / "notes.sqlite"
    db.write_text("my notes\n")
    with pytest.raises(InputError, match="not a stride history"):
        _run(db, fast=False, recordings=tmp_path / "recs")
    assert not (tmp_path / "recs").exists() and db.read_text() == "my notes\n"
