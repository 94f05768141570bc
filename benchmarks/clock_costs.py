"""What the times as a clock cost around the contact scan (``stride analyze`` reads a long
session's times as a :class:`~stride.core.clock.SampleClock`: the scan expands them a chunk
at a time, ``stride/core/clock_scan.py``), on block 1's session of
``benchmarks/analyze_speed.py`` (60 minutes at 1 kHz, heel+toe) or ``--session S``.

Not a test. Run: ``python benchmarks/analyze_speed.py`` first (it makes the session), then
``python benchmarks/clock_costs.py --work W [--baseline DIR --rounds N]``. In a fresh
process (with ``--baseline``: another checkout's, alternating round by round), in ms:

- ``expand_us``: one chunk's times expanded (``CLOCK_CHUNK`` samples of one run, the
  kernel alone, best of ``--repeat`` x 200 calls, microseconds);
- ``foot_ms``, ``foot_scan_ms``, ``foot_expand_ms``, ``foot_rest_ms``: the left foot's
  scan as ``detect_feet`` runs it (best wall of ``--repeat``), split into the scan
  kernel's calls, the chunks' expansions and everything else (the Python around them);
  each call timed, so the parts carry about 1 us a call of timing;
- ``feet_cpu_1t_C``, ``feet_cpu_2t_C``: the CPU time (all threads, best of ``--repeat``)
  of both feet, on one thread and on two, with chunks of ``C`` samples (``--chunks``;
  every chunking gives the same contacts);
- ``first_cpu_ms``: the CPU time of a fresh process's first analysis of the session
  (one thread, its kernels loaded before it as the command loads them), as the command
  meets it, with chunks of ``--first-chunk`` samples if given; ``first_scan_faults``,
  ``first_rest_faults``: the minor page faults of its scan (``scan_samples``) and of the
  rest (``analyze_scan``), each a first write to a page of new memory; ``fault_us``: what
  one such fault costs here (2 MB of new memory written a byte a page).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import add_work_option, baseline_env, simulate  # noqa: E402


def costs_here(
    session: Path, tiny: Path, repeat: int, chunks: list[int], first_chunk: int = 0
) -> dict[str, Any]:
    """The figures of the module docstring in this process (a fresh one); ``tiny``: a
    short session analysed first (the kernels loaded); ``first_chunk``: the chunk size of
    the first analysis (0: as the checkout has it)."""
    import numpy as np

    from stride.analysis import with_session_defaults
    from stride.core import _contact_scan, clock_scan
    from stride.core import contacts as c
    from stride.core.analyzer import AnalysisConfig, analyze, analyze_scan
    from stride.core.kernels import load_analysis_kernels
    from stride.core.scan import scan_samples
    from stride.readers import read_signals

    small = read_signals(tiny, compact_times=True)
    analyze(small, with_session_defaults(AnalysisConfig(), small.meta))
    sig = read_signals(session, compact_times=True)
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    load_analysis_kernels(np.asarray(sig.forces).dtype, "all")  # (as the command: untimed)
    c.set_foot_threads(1)
    chunk = clock_scan.CLOCK_CHUNK
    clock_scan.CLOCK_CHUNK = first_chunk or chunk
    f0, c0 = _faults(), time.process_time()
    scan = scan_samples(sig, config.contact)
    f1 = _faults()
    analyze_scan(sig, scan, config)
    out: dict[str, Any] = {"first_cpu_ms": time.process_time() - c0}
    faults = {"first_scan_faults": f1 - f0, "first_rest_faults": _faults() - f1}
    clock_scan.CLOCK_CHUNK = chunk

    expand = clock_scan.expand_times
    one = (np.array([0, 1 << 30]), np.array([7_000_000]), np.array([1000]), 1e6)
    buf = np.empty(clock_scan.CLOCK_CHUNK)
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(200):
            expand(*one, 0, 0, buf)
        best = min(best, (time.perf_counter() - t0) / 200)
    expand_us = round(1e6 * best, 2)

    spent = {"scan": 0.0, "expand": 0.0}
    scan = _contact_scan.scan

    def timed_scan(*a: Any) -> Any:
        t0 = time.perf_counter()
        got = scan(*a)
        spent["scan"] += time.perf_counter() - t0
        return got

    def timed_expand(*a: Any) -> None:
        t0 = time.perf_counter()
        expand(*a)
        spent["expand"] += time.perf_counter() - t0

    foot = (np.inf, 0.0, 0.0)
    for _ in range(repeat):
        spent.update(scan=0.0, expand=0.0)
        _contact_scan.scan, clock_scan.expand_times = timed_scan, timed_expand
        t0 = time.perf_counter()
        c.detect_feet(sig, ("L",), config.contact)
        wall = time.perf_counter() - t0
        _contact_scan.scan, clock_scan.expand_times = scan, expand
        if wall < foot[0]:
            foot = (wall, spent["scan"], spent["expand"])
    out |= {
        "foot_ms": foot[0],
        "foot_scan_ms": foot[1],
        "foot_expand_ms": foot[2],
        "foot_rest_ms": foot[0] - foot[1] - foot[2],
    }
    for size in chunks:
        clock_scan.CLOCK_CHUNK = size
        for threads in (1, 2):
            c.set_foot_threads(threads)
            c.detect_feet(sig, ("L", "R"), config.contact)
            best = np.inf
            for _ in range(repeat):
                t0 = time.process_time()
                c.detect_feet(sig, ("L", "R"), config.contact)
                best = min(best, time.process_time() - t0)
            out[f"feet_cpu_{threads}t_{size}"] = best
    clock_scan.CLOCK_CHUNK = chunk
    import stride

    ms = {k: round(1e3 * v, 3) for k, v in out.items()}
    where = {"checkout": str(Path(stride.__file__).parents[1])}
    return {"expand_us": expand_us, **ms, **faults, "fault_us": _fault_us(), **where}


def _faults() -> int:
    """This process's minor page faults so far (a page of new memory written first)."""
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _fault_us() -> float:
    """Microseconds a minor page fault takes here: 2 MB of new anonymous memory written a
    byte a page."""
    import mmap

    size = 2 << 20
    with mmap.mmap(-1, size) as m:
        f0, t0 = _faults(), time.perf_counter()
        for at in range(0, size, mmap.PAGESIZE):
            m[at] = 1
        dt, n = time.perf_counter() - t0, _faults() - f0
    return round(1e6 * dt / max(n, 1), 2)


def costs(
    session: Path,
    tiny: Path,
    repeat: int,
    chunks: list[int],
    checkout: Path | None,
    first_chunk: int = 0,
) -> dict[str, Any]:
    """:func:`costs_here` in a child process of its own (``checkout``'s stride if given)."""
    strip = f"sys.path[:] = [p for p in sys.path if p not in ({str(REPO)!r}, '')]; "
    code = (
        f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
        "from benchmarks.clock_costs import costs_here; "
        f"{strip if checkout is not None else ''}"
        "from pathlib import Path; "
        f"print(json.dumps(costs_here(Path({str(session)!r}), Path({str(tiny)!r}), "
        f"{repeat}, {chunks!r}, {first_chunk})))"
    )
    env = None if checkout is None else baseline_env(checkout.resolve())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"the run failed: {done.stderr.strip()}")
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return out | {"load_average_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept (analyze_speed.py's)")
    ap.add_argument("--session", type=Path, help="a recording instead of the 60-minute one")
    ap.add_argument("--repeat", type=int, default=21)
    ap.add_argument("--chunks", default="65536,131072,262144", help="chunk sizes, commas")
    ap.add_argument("--first-chunk", type=int, default=0, help="the first analysis's chunk")
    ap.add_argument("--baseline", type=Path, help="another checkout, run alternately")
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    session = a.session or simulate(a.work / "healthy-60min", 60.0)
    tiny = simulate(a.work / "healthy-10s", 10 / 60)  # (the kernels' warm-up)
    chunks = [int(v) for v in a.chunks.split(",")]
    if a.baseline is None:
        print(json.dumps(costs(session, tiny, a.repeat, chunks, None, a.first_chunk)))
        return
    for _ in range(a.rounds):
        print(
            json.dumps(
                {"baseline": costs(session, tiny, a.repeat, chunks, a.baseline, a.first_chunk)}
            )
        )
        print(json.dumps({"this": costs(session, tiny, a.repeat, chunks, None, a.first_chunk)}))


if __name__ == "__main__":
    main()
