"""Analysis of many recordings (``stride analyze A B C ... --engine ...``) on an engine."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from stride.analysis import document, load_kernels_for, read_notes, run
from stride.cohort.engines import LocalEngine, get_engine
from stride.core.analyzer import AnalysisConfig
from stride.core.rows import json_safe
from stride.document import document_text
from stride.errors import StrideError

T = TypeVar("T")


#: What each recording's result holds (:func:`analyse_many`'s ``output``).
OUTPUTS = ("document", "text", "summary")


def analyse_one(
    job: tuple[str, AnalysisConfig] | tuple[str, AnalysisConfig, str],
) -> dict[str, Any]:
    """Analyse one recording as ``stride analyze`` does: its JSON document plus ``path``,
    with what reading it met (``recording``, ``warnings``) as one record's document has it.
    A third item, the ``output`` of :func:`analyse_many`, says what to return instead.

    A bad record gives ``{"path", "error"}`` instead of stopping the whole batch.
    """
    path, config = job[0], job[1]
    output = job[2] if len(job) == 3 else "document"
    try:
        signals, result, timing = run(path, config, keep_samples=False)
    except StrideError as err:
        return {"path": path, "error": str(err)}
    notes = read_notes(path, signals.meta, config)  # signals without samples: small
    if output == "document":
        return notes.add_to({"path": path, **document(result, timing)})
    doc: dict[str, Any] = {"path": path, "summary": json_safe(result.summary)}
    if output == "text":  # the line, made here: its text travels back, not its rows
        doc["json"] = document_text(result, timing, notes, {"path": path})
    else:
        doc["timing"] = timing.as_dict()
    return notes.add_to(doc)


def analyse_many(
    paths: Sequence[str | os.PathLike[str]],
    config: AnalysisConfig | None = None,
    *,
    engine: str = "local",
    scheduler: str | None = None,
    workers: int | None = None,
    ready: Callable[[], object] | None = None,
    output: str = "document",
) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(index, document)`` for each recording, in the order given, on the chosen engine
    (the local engine: a process per core by default). A document is yielded as soon as
    it and every one before it are done.

    ``config``: what to analyse against (None = defaults). ``ready``: called once this
    process holds what the run needs (the kernels, loaded here before the local engine's
    workers are forked), before any recording is analysed (``stride analyze`` freezes
    its start-up there, :mod:`stride.cli.start_up`). ``output``: ``"document"`` (as
    above), ``"text"`` (no ``steps`` and ``timing``: ``json`` holds the whole document as
    one JSON text, :func:`stride.document.document_text`) or ``"summary"`` (no ``steps``:
    a table of recordings shows none).
    """
    if output not in OUTPUTS:
        raise ValueError(f"output {output!r} is not one of {OUTPUTS}")
    cfg = config or AnalysisConfig()
    jobs = [(str(p), cfg, output) for p in paths]
    eng = get_engine(engine, scheduler=scheduler, workers=workers)
    try:
        if isinstance(eng, LocalEngine) and eng.workers > 1 and len(jobs) > 1:
            # The kernels load once, here, and the worker processes forked afterwards
            # inherit them instead of each loading its own; every core then analyses.
            load_kernels_for([job[0] for job in jobs])
        if ready is not None:
            ready()
        yield from in_order(eng.imap_unordered(analyse_one, jobs))
    finally:
        eng.close()


def in_order(done: Iterable[tuple[int, T]]) -> Iterator[tuple[int, T]]:
    """``(index, result)`` pairs finishing in any order -> the same pairs by index
    (0, 1, 2, ...), each as soon as those before it have come (the rest wait here)."""
    waiting: dict[int, T] = {}
    nxt = 0
    for i, result in done:
        waiting[i] = result
        while nxt in waiting:
            yield nxt, waiting.pop(nxt)
            nxt += 1
