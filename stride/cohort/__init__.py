"""Cohorts: many recordings or simulated patients on one engine.

- :mod:`stride.cohort.engines`: where the work runs (``local`` cores or a ``dask`` cluster).
- :mod:`stride.cohort.many`: ``stride analyze`` of many recordings.
- :mod:`stride.cohort.recovery`: ``stride sim recovery`` jobs, workers and the command runner.
- :mod:`stride.cohort.progress`: the progress bar.
"""

from stride.cohort.engines import (
    DaskEngine,
    Engine,
    LocalEngine,
    check_workers,
    get_engine,
    map_ordered,
)
from stride.cohort.many import analyse_many, analyse_one
from stride.cohort.recovery import RecoveryJob, run_recovery_cli

__all__ = [
    "DaskEngine",
    "Engine",
    "LocalEngine",
    "RecoveryJob",
    "analyse_many",
    "analyse_one",
    "check_workers",
    "get_engine",
    "map_ordered",
    "run_recovery_cli",
]
