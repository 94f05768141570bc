"""The analysis of given recordings in a warm process, this checkout against another,
side by side.

Not a test. Run: ``python benchmarks/analyze_sessions.py --baseline DIR [--rounds 2]
[--repeat 20] S [S ...]`` (DIR: e.g. ``git archive main | tar -x -C DIR``). Each round
runs one child process per checkout, alternating which goes first (the baseline with
``PYTHONPATH=DIR`` and its own numba cache, ``DIR/.numba-cache``); a child reads each
recording as ``stride analyze`` does, analyses it once (kernels loaded), then
``--repeat`` times (``stride.core.analyzer.analyze``, the feet one after the other):
best and median wall milliseconds and time points/s, with the 1-minute load average.
Any recording the readers take: the 60-minute insole8 session, say
(``stride sim session --out S --minutes 60 --rate 1000 --speed 3.6kmh --profile healthy
--sensors insole8 --seed 3 --no-history``), which ``analyze_speed.py`` does not make.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.analyze_speed import baseline_env  # noqa: E402

_CHILD = """
import json, sys, time
from pathlib import Path
import stride
from stride.analysis import with_session_defaults
from stride.core.analyzer import AnalysisConfig, analyze
from stride.readers import read_signals
assert stride.__file__.startswith({root!r}), stride.__file__
for s in {sessions!r}:
    sig = read_signals(Path(s))
    config = with_session_defaults(AnalysisConfig(), sig.meta)
    analyze(sig, config)
    ts = []
    for _ in range({repeat}):
        t0 = time.perf_counter()
        analyze(sig, config)
        ts.append(time.perf_counter() - t0)
    ts.sort()
    row = {{"session": s, "n": int(sig.n), "best_s": ts[0], "median_s": ts[len(ts) // 2]}}
    print(json.dumps(row))
"""


def run(root: Path, env: dict[str, str], sessions: list[str], repeat: int) -> list[dict[str, Any]]:
    code = _CHILD.format(root=str(root), sessions=sessions, repeat=repeat)
    # in ``root``: ``python -c`` puts the working directory first on the path, so run
    # from this checkout, the baseline's child would import this checkout's stride
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                         capture_output=True, text=True, check=True)  # fmt: skip
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sessions", nargs="+")
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=20)
    a = ap.parse_args()
    base = a.baseline.resolve()
    sessions = [str(Path(s).resolve()) for s in a.sessions]  # the children run elsewhere
    envs = {
        "this": (REPO, dict(os.environ, PYTHONPATH=str(REPO))),
        "baseline": (base, baseline_env(base)),
    }
    for r in range(a.rounds):
        order = ("this", "baseline") if r % 2 else ("baseline", "this")
        print(f"round {r + 1}, load average {os.getloadavg()[0]:.2f}", flush=True)
        for name in order:
            root, env = envs[name]
            for row in run(root, env, sessions, a.repeat):
                n = row["n"]
                print(f"  {name:8s} {Path(row['session']).name:32s} best "
                      f"{row['best_s'] * 1e3:7.2f} ms ({n / row['best_s'] / 1e6:5.1f} M/s), "
                      f"median {row['median_s'] * 1e3:7.2f} ms", flush=True)  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
