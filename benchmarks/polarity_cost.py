"""What the polarity figure (stride.core.polarity) costs every analysis, in a warm process.

Not a test. Run: ``python benchmarks/polarity_cost.py [--sessions DIR ...] [--repeat 60]
[--rounds 3] [--baseline DIR]``.

Per session (default: the healthy 5-minute heel+toe and insole8 sessions of
``benchmarks/analyze_speed.py --work /tmp/mem-bench``), read as ``stride analyze`` reads
it, analysed ``--repeat`` times in one process: the figure's own time as the analysis
calls it (after the rest of the previous analysis, so the forces are not all in the
cache; best and median, us), and ``analyze``'s CPU time, best of the repeats, with the
figure and with it left out (ms), and the figure's time read hot (the same call
repeated: its forces' rows read in the cache; best, us). ``--baseline DIR``: another
checkout (its own numba cache, ``DIR/.numba-cache``) measured the same way in processes
alternating with this one's, ``--rounds`` of each; each figure is the best over the
rounds. Machine load matters: give the 1-minute load average with the figures.
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

REPO = Path(__file__).resolve().parents[1]
SESSIONS = ["/tmp/mem-bench/healthy-heel-toe-5min", "/tmp/mem-bench/healthy-insole8-5min"]


def measure(sessions: list[str], repeat: int) -> dict[str, dict[str, float]]:
    """This process's figures (the stride on sys.path)."""
    import numpy as np

    import stride.core.scan as scan
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    figure = scan.polarity_figure
    spent: list[float] = []

    def timed(*args: object) -> object:
        t = time.perf_counter()
        out = figure(*args)  # type: ignore[arg-type]
        spent.append(time.perf_counter() - t)
        return out

    out = {}
    for path in sessions:
        sig = read_signals(path, compact_times=True)
        got: dict[str, float] = {}
        for name, fn in (("with", timed), ("without", lambda *a: None)):
            scan.polarity_figure = fn  # type: ignore[assignment]
            analyze(sig)
            spent.clear()
            best = float("inf")
            for _ in range(repeat):
                t = time.process_time()
                analyze(sig)
                best = min(best, time.process_time() - t)
            got[f"analyze_{name}_ms"] = best * 1e3
            if spent:
                got["figure_best_us"] = min(spent) * 1e6
                got["figure_median_us"] = float(np.median(spent)) * 1e6
        scan.polarity_figure = figure
        hot = [_seconds(figure, sig.forces, sig.channels, float(sig.fs)) for _ in range(repeat)]
        got["figure_hot_us"] = min(hot) * 1e6
        out[Path(path).name] = got
    return out


def _seconds(fn: Callable[..., object], *args: object) -> float:
    t = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sessions", nargs="*", default=SESSIONS)
    ap.add_argument("--repeat", type=int, default=60)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--baseline", type=Path)
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a round's process
    a = ap.parse_args()
    if a.one:
        print(json.dumps(measure(a.sessions, a.repeat)))
        return
    runs = {"this": (REPO, {})}
    if a.baseline is not None:
        cache = str(a.baseline.resolve() / ".numba-cache")
        runs["baseline"] = (a.baseline.resolve(), {"NUMBA_CACHE_DIR": cache})
    best: dict[str, dict[str, dict[str, float]]] = {}
    for _ in range(a.rounds):
        for name, (root, env) in runs.items():
            cmd = [sys.executable, __file__, "--one", "--repeat", str(a.repeat), "--sessions"]
            environ = {**os.environ, **env, "PYTHONPATH": str(root)}
            done = subprocess.run(cmd + a.sessions, capture_output=True, text=True,
                                  env=environ, check=True)  # fmt: skip
            for session, figs in json.loads(done.stdout).items():
                have = best.setdefault(name, {}).setdefault(session, {})
                for key, v in figs.items():
                    have[key] = min(have.get(key, v), v)
    print(json.dumps({"load_average_1min": os.getloadavg()[0], **best}, indent=1))


if __name__ == "__main__":
    main()
