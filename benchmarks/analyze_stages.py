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
contact scan: on a busy machine the figures to compare.
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

from benchmarks.analyze_speed import add_work_option, best_of, simulate  # noqa: E402


def stages_here(session: Path, repeat: int) -> dict[str, Any]:
    """The stages of the analysis of ``session`` in this process (a fresh one)."""
    import numpy as np

    from stride.analysis import with_session_defaults
    from stride.core.analyzer import AnalysisConfig, analyze, analyze_scan
    from stride.core.contacts import detect_feet
    from stride.core.gaps import find_gaps
    from stride.core.scan import _gapless, scan_samples
    from stride.readers import read_signals

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
        "gap_scan_ms": best_of(lambda: find_gaps(t, forces, float(sig.fs)), repeat),
        "analysis_cpu_ms": best_cpu(lambda: analyze(sig, config), repeat),
        "contact_scan_cpu_ms": best_cpu(
            lambda: detect_feet(sig, ("L", "R"), config.contact), repeat
        ),
    }
    gaps_read = not _gapless(sig, scan.contacts, config.contact)
    return {**{k: round(1e3 * v, 1) for k, v in seconds.items()}, "gaps_read": gaps_read}


def best_cpu(work: Callable[[], object], repeat: int) -> float:
    """Best CPU time (``time.process_time``: every thread of this process) of ``repeat``
    calls of ``work``."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        out = work()
        best = min(best, time.process_time() - t0)
        del out
    return best


def stages(work: Path, minutes: float, repeat: int) -> dict[str, Any]:
    """:func:`stages_here` of the ``minutes`` session, in a child process of its own."""
    session = simulate(work / f"healthy-{minutes:g}min", minutes)
    code = (
        f"import json, sys; sys.path.insert(0, {str(REPO)!r}); "
        "from benchmarks.analyze_stages import stages_here; "
        f"print(json.dumps(stages_here(__import__('pathlib').Path({str(session)!r}), {repeat})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the stages run failed: {done.stderr.strip()}")
    out: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return {**out, "load_average_1min": round(os.getloadavg()[0], 2)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_work_option(ap, "where the simulated sessions are kept (analyze_speed.py's)")
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    print(json.dumps(stages(a.work, a.minutes, a.repeat)))


if __name__ == "__main__":
    main()
