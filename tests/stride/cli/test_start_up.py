"""``stride analyze``'s start-up: the cyclic garbage collector paused while it imports and
loads, what it loaded then frozen (never walked again, not even at exit), the collector on
again for reading and analysing; workers of the local engine start with what they inherit
frozen. Same results (the analysis tests), less CPU (benchmarks/analyze_speed.py)."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stride.cli import start_up
from stride.cohort.engines import LocalEngine

DATA = Path(__file__).resolve().parents[2] / "data"
RECORD = DATA / "gaitpdb" / "GaCo01_01_30s.txt"

#: ``stride analyze RECORD --json`` in a process of its own, then what its collector did
PROBE = """
import gc, json, sys
full = []  # full collections that walked numba's objects (imported, not frozen)
gc.callbacks.append(lambda phase, info: phase == "stop" and info["generation"] == 2
                    and "numba" in sys.modules and not gc.get_freeze_count()
                    and full.append(len(sys.modules)))
sys.argv = ["stride", "analyze", sys.argv[1], "--json"]
from stride.cli.app import main
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
heavy = ("matplotlib", "rich", "sqlite3", "platformdirs", "scipy", "simpy", "aiohttp",
         "serial", "bumble", "bleak")  # no plot, store, simulator, web or port library
print(json.dumps({"enabled": gc.isenabled(), "frozen": gc.get_freeze_count(),
                  "full": full, "heavy": [m for m in heavy if m in sys.modules]}))
"""


def _probe(script: str) -> dict[str, Any]:
    """What ``script`` (a ``stride analyze RECORD --json`` run with a probe after it) saw,
    once the command's own document is checked."""
    out = subprocess.run(
        [sys.executable, "-c", script, str(RECORD)], capture_output=True, text=True, check=True
    )
    doc, probe = out.stdout.strip().splitlines()
    assert json.loads(doc)["summary"]["steps"] > 0
    seen: dict[str, Any] = json.loads(probe)
    return seen


def test_analyze_freezes_its_start_up_and_collects_again_after() -> None:
    seen = _probe(PROBE)
    assert seen["enabled"]  # on again: reading and analysing collect as before
    # numpy, numba and the kernels: about a hundred thousand objects, never walked again
    assert seen["frozen"] > 50_000, seen
    # and no full collection walked them while they were being imported and loaded
    assert seen["full"] == [], seen["full"]
    # and nothing the analysis of one record does not need
    assert seen["heavy"] == [], seen["heavy"]


def test_pause_and_resume() -> None:
    assert gc.isenabled()
    start_up.resume()  # without a pause: nothing
    assert gc.isenabled() and gc.get_freeze_count() == 0
    start_up.pause()
    assert not gc.isenabled()
    start_up.resume()
    assert gc.isenabled() and gc.get_freeze_count() > 0
    gc.unfreeze()
    start_up.resume()  # once only
    assert gc.get_freeze_count() == 0


def test_a_collector_turned_off_by_the_caller_stays_off() -> None:
    gc.disable()
    try:
        start_up.pause()
        start_up.resume()
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def _frozen_here(_: int) -> int:
    return gc.get_freeze_count()


def test_local_engine_workers_start_with_what_they_inherit_frozen() -> None:
    assert gc.get_freeze_count() == 0  # this process: nothing frozen
    engine = LocalEngine(workers=2)
    try:
        counts = [n for _, n in engine.imap_unordered(_frozen_here, [0, 1, 2, 3])]
    finally:
        engine.close()
    assert gc.get_freeze_count() == 0
    assert min(counts) > 1000, counts


def test_a_first_run_compiles_with_the_collector_off(monkeypatch: pytest.MonkeyPatch) -> None:
    """A session's first run compiles the contact scan, and the helper its share, with the
    collector off; it is on again afterwards (as it was)."""
    from stride.cli import first_run
    from stride.core import kernels

    seen: list[tuple[str, bool]] = []
    monkeypatch.setattr(kernels, "analysis_kernels_ready", lambda *a, **k: False)
    monkeypatch.setattr(kernels, "compile_scan", lambda d: seen.append(("scan", gc.isenabled())))
    monkeypatch.setattr(
        first_run.share, "helper_share", lambda d, f: seen.append(("share", gc.isenabled()))
    )
    # after its share, a whole record's steps kernel in a process of its own
    monkeypatch.setattr(first_run, "compile_whole_after", lambda: seen.append(("whole", True)))
    monkeypatch.setattr(first_run.Helper, "start", classmethod(lambda cls, *a: cls(None, True)))
    assert gc.isenabled()
    first_run.prepare_streaming()
    assert gc.isenabled()
    first_run.run_task("analysis", "float32")
    assert seen == [("scan", False), ("share", False), ("whole", True)] and gc.isenabled()


def test_compiling_can_freeze_what_the_compile_made() -> None:
    """The command's share of a first run's kernels: what the compile made is frozen as
    the collector comes back on, not walked by its first collection (0.2-0.3 s)."""
    before = gc.get_freeze_count()
    try:
        with start_up.compiling(freeze=True):
            made = [{"a": [i]} for i in range(1000)]
            assert not gc.isenabled()
        assert gc.isenabled() and gc.get_freeze_count() >= before + 2000
    finally:
        gc.unfreeze()
    del made


def test_compiling_leaves_a_collector_that_was_off_off() -> None:
    gc.disable()
    try:
        with start_up.compiling():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_analysing_many_leaves_the_callers_collector_alone() -> None:
    """``analyse_many`` is a library call: it freezes nothing of its caller's (the command
    does, through ``ready``, called once with the kernels loaded and before any result)."""
    from stride.cohort.many import analyse_many

    for _ in analyse_many([RECORD, RECORD], workers=2):
        pass
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    calls: list[int] = []
    docs = [
        doc
        for _, doc in analyse_many(
            [RECORD, RECORD], workers=2, ready=lambda: calls.append(gc.get_freeze_count())
        )
    ]
    assert [d["summary"]["steps"] > 0 for d in docs] == [True, True]
    assert calls == [0] and gc.get_freeze_count() == 0 and gc.isenabled()


#: ``stride analyze RECORD --json``, then how many objects the collector would walk at exit
EXIT_PROBE = """
import gc, json, sys
sys.argv = ["stride", "analyze", sys.argv[1], "--json"]
from stride.cli.app import main
try:
    main()
except SystemExit as done:
    assert not done.code, done.code
print(json.dumps({"tracked": len(gc.get_objects()), "enabled": gc.isenabled()}))
"""


def test_analyze_leaves_nothing_for_the_collector_to_walk_at_exit() -> None:
    seen = _probe(EXIT_PROBE)
    # the kernels loaded while reading, the document's rows: frozen once the output is out
    # (tens of thousands of objects otherwise, walked by the collections at exit)
    assert seen["tracked"] < 2_000, seen
    assert seen["enabled"]


def test_finished_freezes_what_is_alive() -> None:
    rows = [{"a": [1.0]} for _ in range(1000)]
    before = gc.get_freeze_count()
    start_up.finished()
    assert gc.get_freeze_count() >= before + 2000  # the rows and their lists
    del rows
