"""Where the analysis time of ``stride analyze`` goes, on block 1's session of
``benchmarks/analyze_speed.py`` (60 minutes at 1 kHz, heel+toe, made once in ``--work``).

Not a test. Run: ``python benchmarks/analyze_stages.py --work W [--repeat 5]``. In a fresh
process, as the command analyses it: the first analysis (numba's cached kernels loaded on
the way, as in the command's ``timing.analysis_s``), then best of ``--repeat``: the whole
analysis again, the contact scan of both feet (``detect_feet``) and the rest as ``analyze``
does it (``analyze_scan`` after ``scan_samples``: steps, summary, and the gaps only when
the scan saw a break in the samples: ``gaps_read``), in milliseconds, with the load
average; the gap scan alone (``find_gaps``, which a record without a break is spared);
and the best CPU time (this process's, all its threads) of the analysis and of the
contact scan: on a busy machine the figures to compare. The rest cut further, best CPU time
of this thread (each part is single-threaded): both feet's steps tables with their merge
(``steps_cpu_ms``) and the summary (``summary_cpu_ms``, ``_finalize``), ``--rest-repeat``
times (a short session's parts take microseconds: ``--minutes 5``). ``rest_after_scan_ms``:
the rest as ``analyze`` meets it, right after a scan of both feet (which streams the forces
through the caches: the rest then takes longer than when repeated, ``rest_ms``); and so
both steps tables with their merge (``steps_after_scan_ms``), and the same tables with every
row asked for by index (``steps_by_rows_after_scan_ms``: the numpy path, which a whole
record without gaps leaves for one kernel call a foot since ``stride.core.steps_whole``;
the same path as ``steps_after_scan_ms`` before it), ``--rest-repeat`` times each.

``--session S``: a recording of one's own instead (an insole8 session, say); ``--threads 2``:
the feet on two threads, as ``stride analyze`` scans them where a core is idle (default 1:
one after the other).

``--baseline DIR --rounds N``: the same for another checkout (``git archive`` copy) and this
one, each in a fresh process, alternating round by round; every round's figures and, per
figure, the range of each side and of this/baseline.

``--timeline``: instead, ``stride analyze SESSION --json`` run in a fresh process as the
command runs it (its ``main``, the feet on ``--threads`` threads whatever the load), with
each part of the analysis wrapped (:data:`TIMELINE_PARTS`: the noise and polarity figures,
the feet's scans, each chunk's time expansion and scan kernel call, the rows made of them,
the belt tracks, the steps tables, their merge, the summary; and the collector's runs):
one JSON line per run with the command's ``timing`` and each part's calls, on which
thread, when (ms from where ``analysis_s`` starts), wall and thread CPU ms and the
thread's page faults (a part called more than four times on a thread summed into one
row); with ``--baseline``, alternating with the other checkout's, ``--rounds`` times.
``--bare``: the same runs without the wrappers (the command's ``timing`` alone: the feet on
``--threads`` threads through the command whatever the load).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import (  # noqa: E402
    add_work_option,
    baseline_env,
    best_of,
    simulate,
)


def stages_here(
    session: Path, repeat: int, rest_repeat: int = 200, threads: int = 1
) -> dict[str, Any]:
    """The stages of the analysis of ``session`` in this process (a fresh one), the feet
    on ``threads`` threads."""
    import numpy as np

    from stride.analysis import with_session_defaults
    from stride.core.analyzer import AnalysisConfig, analyze, analyze_scan
    from stride.core.contacts import detect_feet, set_foot_threads
    from stride.core.gaps import find_gaps
    from stride.core.scan import _gapless, scan_samples
    from stride.readers import read_signals

    set_foot_threads(threads)
    sig = read_signals(session)
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    t0 = time.perf_counter()
    analyze(sig, config)
    first = time.perf_counter() - t0
    scan = scan_samples(sig, config.contact)  # as analyze: the gaps read only after a break
    t, forces = np.asarray(sig.t, np.float64), np.asarray(sig.forces)
    seconds = {
        "first_analysis_ms": first,
        "analysis_ms": best_of(lambda: analyze(sig, config), repeat),
        "contact_scan_ms": best_of(lambda: detect_feet(sig, ("L", "R"), config.contact), repeat),
        "rest_ms": best_of(lambda: analyze_scan(sig, scan, config), repeat),
        "rest_after_scan_ms": best_of(
            lambda: analyze_scan(sig, scan, config),
            repeat,
            before=lambda: detect_feet(sig, ("L", "R"), config.contact),
        ),
        "gap_scan_ms": best_of(lambda: find_gaps(t, forces, float(sig.fs)), repeat),
        "analysis_cpu_ms": best_cpu(lambda: analyze(sig, config), repeat),
        "contact_scan_cpu_ms": best_cpu(
            lambda: detect_feet(sig, ("L", "R"), config.contact), repeat
        ),
    }
    gaps_read = not _gapless(sig, scan.contacts, config.contact)
    parts = rest_parts(sig, scan, config, rest_repeat)
    import stride

    checkout = str(Path(stride.__file__).resolve().parents[1])  # whose stride was timed
    out = {k: round(1e3 * v, 3) for k, v in seconds.items()}
    return {**out, **parts, "gaps_read": gaps_read, "checkout": checkout}


def rest_parts(sig: Any, scan: Any, config: Any, repeat: int) -> dict[str, float]:
    """Best thread CPU time (ms) of the rest (``analyze_scan``), of its two steps tables
    and their merge, and of its summary, as ``analyze_scan`` calls them (with the belt
    tracks made once: ``belt_cpu_ms`` makes them); and the best wall time of both steps
    tables with their merge right after a scan of both feet (``steps_after_scan_ms``)
    and of both tables with every row asked for by index (the numpy path:
    ``steps_by_rows_after_scan_ms``)."""
    import numpy as np

    from stride.core.analyzer import _belt_of, _finalize, _places, analyze_scan
    from stride.core.belt import BeltTrack
    from stride.core.contacts import detect_feet
    from stride.core.scan import SIDES, check_belt
    from stride.core.steps import merge_sides, side_rows

    n_belts = check_belt(sig)
    speed = None
    if n_belts:
        speed = np.asarray(sig.belt_speed, np.float64).reshape(len(sig.belt_t), -1)

    def belts() -> list[BeltTrack]:
        tracks = []
        for col in range(n_belts):
            track = BeltTrack(config.belt_max_gap_s)
            track.append(np.asarray(sig.belt_t, np.float64), speed[:, col])  # type: ignore[index]
            tracks.append(track)
        return tracks

    tracks = belts()

    def scan_feet() -> object:
        return detect_feet(sig, SIDES, config.contact)

    def steps() -> Any:
        tables = [
            side_rows(scan.contacts[side], scan.contacts[SIDES[1 - code]], code,
                      _places(sig.channels, side), float(sig.fs),
                      tracks[_belt_of(side, n_belts)] if tracks else None,
                      scan.gap_starts, scan.gap_ends, config.steps)
            for code, side in enumerate(SIDES)
        ]  # fmt: skip
        return merge_sides(tables[0], tables[1])

    def steps_by_rows() -> Any:
        """The steps tables with every row asked for by index: the numpy path of a
        stream's rows (a whole record without gaps takes one kernel call a foot since
        the whole-record kernel; before it, the same path as ``steps``)."""
        return [
            side_rows(scan.contacts[side], scan.contacts[SIDES[1 - code]], code,
                      _places(sig.channels, side), float(sig.fs),
                      tracks[_belt_of(side, n_belts)] if tracks else None,
                      scan.gap_starts, scan.gap_ends, config.steps,
                      np.arange(len(scan.contacts[side]), dtype=np.int64))
            for code, side in enumerate(SIDES)
        ]  # fmt: skip

    table = steps()
    counts = {s: (c.blips, len(c)) for s, c in scan.contacts.items()}
    after_scan = {  # right after a scan of both feet, as analyze meets them (wall time)
        "steps_after_scan_ms": best_of(steps, repeat, before=scan_feet),
        "steps_by_rows_after_scan_ms": best_of(steps_by_rows, repeat, before=scan_feet),
    }
    cpu = {
        "rest_cpu_ms": best_thread_cpu(lambda: analyze_scan(sig, scan, config), repeat),
        "belt_cpu_ms": best_thread_cpu(belts, repeat),
        "steps_cpu_ms": best_thread_cpu(steps, repeat),
        "summary_cpu_ms": best_thread_cpu(
            lambda: _finalize(table, config, sig.channels, speed, counts), repeat
        ),
    }
    return {k: round(1e3 * v, 3) for k, v in (cpu | after_scan).items()}


def best_thread_cpu(work: Callable[[], object], repeat: int) -> float:
    """Best CPU time of this thread (``time.thread_time``) of ``repeat`` calls of ``work``."""
    return best_cpu(work, repeat, clock=time.thread_time)


def best_cpu(
    work: Callable[[], object], repeat: int, clock: Callable[[], float] = time.process_time
) -> float:
    """Best CPU time (``clock``; by default ``time.process_time``: every thread of this
    process) of ``repeat`` calls of ``work``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = clock()
        out = work()
        best = min(best, clock() - t0)
        del out
    return best


def stages(
    work: Path,
    minutes: float,
    repeat: int,
    rest_repeat: int = 200,
    checkout: Path | None = None,
    session: Path | None = None,
    threads: int = 1,
) -> dict[str, Any]:
    """:func:`stages_here` of ``session`` (default: the healthy ``minutes`` session), in a
    child process of its own (of ``checkout``'s modules and numba cache if given: this
    benchmark's code, its stride)."""
    if session is None:
        session = simulate(work / f"healthy-{minutes:g}min", minutes)
    # another checkout's stride: this folder (and the working folder) off the path again
    strip = f"sys.path[:] = [p for p in sys.path if p not in ({str(REPO)!r}, '')]; "
    code = (
        f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
        "from benchmarks.analyze_stages import stages_here; "
        f"{strip if checkout is not None else ''}"
        f"print(json.dumps(stages_here(__import__('pathlib').Path({str(session)!r}), "
        f"{repeat}, {rest_repeat}, {threads})))"
    )
    env = None if checkout is None else baseline_env(checkout.resolve())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the stages run failed: {done.stderr.strip()}")
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return {**out, "load_average_1min": round(os.getloadavg()[0], 2)}


# ---------------------------------------------------------------------------------------
# --timeline: the hour's analysis part by part, as `stride analyze` runs it


#: (module, attribute) of what the timeline times, in the command's own modules (the name
#: each caller looks up); a "Class.method" attribute is a method of that class
TIMELINE_PARTS = (
    ("stride.analysis", "read_signals"),
    ("stride.analysis", "load_analysis_kernels"),
    ("stride.analysis", "scan_samples"),
    ("stride.analysis", "without_samples"),
    ("stride.analysis", "analyze_scan"),
    ("stride.analysis", "with_treadmill"),
    ("stride.core.scan", "noise_sums"),
    ("stride.core.scan", "sums_pairs"),
    ("stride.core.scan", "polarity_figure"),
    ("stride.core.scan", "onsets"),
    ("stride.core.scan", "denoised"),
    ("stride.core.scan", "detect_feet"),
    ("stride.core.scan", "_gapless"),
    ("stride.core.scan", "with_gaps"),
    ("stride.core.contacts", "_prepare"),
    ("stride.core.contacts", "_check_rate"),
    ("stride.core.contacts", "_foot_workers"),
    ("stride.core.contacts", "_one_foot"),
    ("stride.core.contacts", "scan_clocked"),
    ("stride.core.contacts", "_FootRunner.__init__"),
    ("stride.core.contacts", "_FootRunner._result"),
    ("stride.core.contacts", "_FootRunner.end_into"),
    ("stride.core.foot_workers", "_foot_workers"),
    ("stride.core.foot_workers", "_Job.result"),
    ("stride.core.clock_scan", "expand_times"),
    ("stride.core._contact_scan", "scan"),
    ("stride.core.analyzer", "BeltTrack.append"),
    ("stride.core.analyzer", "side_rows"),
    ("stride.core.analyzer", "merge_sides"),
    ("stride.core.analyzer", "_finalize"),
    ("stride.core.analyzer", "summarize"),
    ("stride.core.analyzer", "apply_target"),
    ("stride.core.analyzer", "Analysis.__init__"),
)
#: what an older checkout times for a part of :data:`TIMELINE_PARTS` that it lacks (the
#: module or class came later): each of these it has, under its own name (none: the part
#: above it already times those calls there)
OLDER_PARTS: dict[tuple[str, str], tuple[tuple[str, str], ...]] = {
    ("stride.core.foot_workers", "_foot_workers"): (),  # `beside`'s: contacts' there
    ("stride.core.foot_workers", "_Job.result"): (
        ("stride.core.contacts", "_FootJob.result"),  # the other foot's scan
        ("stride.core.contacts", "_Beside.result"),  # the work handed over by `beside`
    ),
}


def install_timeline(events: list[tuple[Any, ...]]) -> None:
    """Wrap every part of :data:`TIMELINE_PARTS` so that each call appends (part, thread,
    wall start and end, thread CPU start and end, minor page faults of the process at
    start and end; nanoseconds) to ``events``; and each collection of the garbage
    collector, as part ``gc``."""
    import functools
    import gc
    import importlib
    import resource
    import threading

    def faults() -> int:
        return resource.getrusage(resource.RUSAGE_THREAD).ru_minflt

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def call(*args: Any, **kw: Any) -> Any:
            f0, c0, t0 = faults(), time.thread_time_ns(), time.perf_counter_ns()
            try:
                return fn(*args, **kw)
            finally:
                t1, c1 = time.perf_counter_ns(), time.thread_time_ns()
                who = threading.current_thread().name
                events.append((name, who, t0, t1, c0, c1, f0, faults()))

        return call

    class Kernel:
        """A numba kernel's calls timed, everything else its own (``compile``, ...)."""

        def __init__(self, name: str, kernel: Any) -> None:
            self._kernel, self._call = kernel, timed(name, kernel)

        def __call__(self, *args: Any) -> Any:
            return self._call(*args)

        def __getattr__(self, name: str) -> Any:
            return getattr(self._kernel, name)

    def wrap(module: str, attr: str) -> None:
        owner: Any = importlib.import_module(module)
        *path, name = attr.split(".")
        for step in path:
            owner = getattr(owner, step)
        fn = getattr(owner, name)
        setattr(owner, name, Kernel(attr, fn) if hasattr(fn, "overloads") else timed(attr, fn))

    for part in TIMELINE_PARTS:
        try:
            wrap(*part)
        except (ImportError, AttributeError):
            if part not in OLDER_PARTS:
                raise
            older = [(m, a) for m, a in OLDER_PARTS[part] if _has(m, a)]
            if OLDER_PARTS[part] and not older:
                raise
            for m, a in older:
                wrap(m, a)
    gc_start: dict[str, tuple[int, int, int]] = {}

    def collected(phase: str, info: dict[str, int]) -> None:
        now = (time.perf_counter_ns(), time.thread_time_ns(), faults())
        if phase == "start":
            gc_start["at"] = now
        elif "at" in gc_start:
            (t0, c0, f0), (t1, c1, f1) = gc_start.pop("at"), now
            who = threading.current_thread().name
            events.append((f"gc{info['generation']}", who, t0, t1, c0, c1, f0, f1))

    gc.callbacks.append(collected)


def _has(module: str, attr: str) -> bool:
    """Whether ``module`` (imported) has ``attr`` (a "Class.method" too)."""
    import importlib

    owner: Any = importlib.import_module(module)
    for step in attr.split("."):
        if not hasattr(owner, step):
            return False
        owner = getattr(owner, step)
    return True


def timeline_here(session: Path, threads: int, bare: bool = False) -> dict[str, Any]:
    """``stride analyze SESSION --json`` in this (fresh) process as the command runs it,
    the feet on ``threads`` threads, with :func:`install_timeline`'s wrappers: every
    part's call, ms from the analysis's start (``analysis_s``'s clock starts after the
    analysis kernels are loaded), its wall and thread CPU ms and the page faults in it;
    ``bare``: without the wrappers (the command's ``timing`` alone)."""
    import contextlib
    import io

    from stride.cli import app
    from stride.core import contacts

    events: list[tuple[Any, ...]] = []
    if not bare:
        install_timeline(events)
    contacts.set_foot_threads(threads)
    from stride.cli import first_run

    first_run.idle_core = lambda: threads > 1  # type: ignore[assignment]
    out = io.StringIO()
    argv = sys.argv
    sys.argv = ["stride", "analyze", str(session), "--json"]
    try:
        with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
            app.main()
    finally:
        sys.argv = argv
    timing = json.loads(out.getvalue())["timing"]
    if bare:
        return {"timing": timing, "threads": threads, "events": []}
    loaded = [e for e in events if e[0] == "load_analysis_kernels"]
    zero = loaded[0][3]  # the end of the first load: analysis_s starts there
    rows = []
    for name, who, t0, t1, c0, c1, f0, f1 in sorted(events, key=lambda e: e[2]):
        if t1 < zero and name != "read_signals":
            continue
        rows.append(
            {
                "part": name,
                "thread": who,
                "start_ms": round((t0 - zero) / 1e6, 3),
                "wall_ms": round((t1 - t0) / 1e6, 3),
                "cpu_ms": round((c1 - c0) / 1e6, 3),
                "faults": f1 - f0,
            }
        )
    return {"timing": timing, "threads": threads, "events": rows}


def summed(rows: list[dict[str, Any]], most: int = 4) -> list[dict[str, Any]]:
    """The timeline's rows with a part called more than ``most`` times on a thread (a
    kernel call a chunk) summed into one row: its calls, first start, last end, wall, CPU
    and page faults in all."""
    calls: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        calls.setdefault((row["part"], row["thread"]), []).append(row)
    out = []
    for (part, thread), got in calls.items():
        if len(got) <= most:
            out += got
            continue
        out.append(
            {
                "part": part,
                "thread": thread,
                "start_ms": got[0]["start_ms"],
                "end_ms": round(max(r["start_ms"] + r["wall_ms"] for r in got), 3),
                "calls": len(got),
                **{k: round(sum(r[k] for r in got), 3) for k in ("wall_ms", "cpu_ms", "faults")},
            }
        )
    return sorted(out, key=lambda r: r["start_ms"])


def timeline(
    session: Path, threads: int, checkout: Path | None = None, bare: bool = False
) -> dict[str, Any]:
    """:func:`timeline_here` in a child process of its own (``checkout``'s stride and
    numba cache if given), its calls summed (:func:`summed`), with the load average."""
    strip = f"sys.path[:] = [p for p in sys.path if p not in ({str(REPO)!r}, '')]; "
    code = (
        f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
        "from benchmarks.analyze_stages import timeline_here; "
        f"{strip if checkout is not None else ''}"
        f"print(json.dumps(timeline_here(__import__('pathlib').Path({str(session)!r}), "
        f"{threads}, {bare})))"
    )
    env = dict(os.environ, STRIDE_FIRST_RUN_HELPER="off")
    if checkout is not None:
        env = {**baseline_env(checkout.resolve()), "STRIDE_FIRST_RUN_HELPER": "off"}
    load = os.getloadavg()[0]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the timeline run failed: {done.stderr.strip()}")
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    out["events"] = summed(out["events"])
    return {**out, "load_average_1min": [round(load, 2), round(os.getloadavg()[0], 2)]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept (analyze_speed.py's)")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--rest-repeat", type=int, default=200)
    ap.add_argument("--baseline", type=Path, help="another checkout, run alternately")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--session", type=Path, help="a recording instead of the simulated one")
    ap.add_argument("--threads", type=int, default=1, help="threads for the feet")
    ap.add_argument("--timeline", action="store_true", help="the command's parts, call by call")
    ap.add_argument("--bare", action="store_true", help="--timeline's runs without the wrappers")
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    if a.timeline:
        session = a.session or simulate(a.work / f"healthy-{a.minutes:g}min", a.minutes)
        for _ in range(a.rounds if a.baseline is not None else 1):
            if a.baseline is not None:
                base = timeline(session, a.threads, a.baseline, a.bare)
                print(json.dumps({"baseline": base}))
            print(json.dumps({"this": timeline(session, a.threads, bare=a.bare)}))
        return
    opts = {"session": a.session, "threads": a.threads}
    if a.baseline is None:
        print(json.dumps(stages(a.work, a.minutes, a.repeat, a.rest_repeat, **opts)))
        return
    rounds = []
    for _ in range(a.rounds):
        base = stages(a.work, a.minutes, a.repeat, a.rest_repeat, a.baseline, **opts)
        this = stages(a.work, a.minutes, a.repeat, a.rest_repeat, **opts)
        rounds.append({"baseline": base, "this": this})
    print(json.dumps({"rounds": rounds, "ranges": ranges(rounds)}))


def ranges(rounds: list[dict[str, dict[str, Any]]]) -> dict[str, Any]:
    """Per figure: [min, max] of the baseline, of this checkout and of this/baseline."""
    out: dict[str, Any] = {}
    for key, value in rounds[0]["this"].items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            continue
        base = [r["baseline"][key] for r in rounds]
        this = [r["this"][key] for r in rounds]
        ratio = [t / b for t, b in zip(this, base, strict=True) if b]
        out[key] = {
            "baseline": [min(base), max(base)],
            "this": [min(this), max(this)],
            "this_over_baseline": [round(min(ratio), 2), round(max(ratio), 2)] if ratio else None,
        }
    return out


if __name__ == "__main__":
    main()
