"""Analysis of many recordings (``stride analyze A B C ... --engine ...``) on an engine."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Any

from stride.analysis import document, run
from stride.cohort.engines import get_engine
from stride.core.analyzer import AnalysisConfig
from stride.errors import StrideError


def analyse_one(job: tuple[str, AnalysisConfig]) -> dict[str, Any]:
    """Analyse one recording as ``stride analyze`` does: its JSON document plus ``path``.

    A bad record gives ``{"path", "error"}`` instead of stopping the whole batch.
    """
    path, config = job
    try:
        _, result, timing = run(path, config)
    except StrideError as err:
        return {"path": path, "error": str(err)}
    return {"path": path, **document(result, timing)}


def analyse_many(
    paths: Sequence[str | os.PathLike[str]],
    config: AnalysisConfig | None = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, document)`` for each recording as it finishes, on the chosen engine.

    ``config``: what to analyse against (None = defaults).
    """
    cfg = config or AnalysisConfig()
    eng = get_engine(engine, scheduler=scheduler, workers=workers)
    try:
        yield from eng.imap_unordered(analyse_one, [(str(p), cfg) for p in paths])
    finally:
        eng.close()
