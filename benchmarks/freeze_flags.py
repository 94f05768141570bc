"""Freezes of gait against the steps table's ``stop`` flag, with the simulator's truth.

Not a test. Run: ``python benchmarks/freeze_flags.py [--minutes 5] [--seeds 3] [--markdown]
[--baseline DIR]``.

Overground ``parkinsonian`` sessions (severity 0.5 and 0.9) whose freezes last
``freeze_s`` (0.6, 1.0, 1.5 and 3.0 s; 3 freezes a minute), simulated with their truth and
analysed by ``stride.core.analyzer.analyze``. Per row: the truth's freeze contacts (both
feet stand through each freeze) and how many of their rows are flagged ``stop``; the
truth's walking rows (no truth flag) flagged ``stop`` whose analysed stride is at most
3.0 s (the truth flags no row after a freeze, whose stride holds it: over 2 x the
reference stride it is a ``stop`` by its length); and the summary's stance (mean of both
feet) against the truth's walking stance (its rows without a flag). ``--baseline DIR``:
the same sessions analysed by the stride at DIR (e.g. a ``git archive`` of another
version), in a subprocess, side by side.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.tables import print_table  # noqa: E402

SEVERITIES = (0.5, 0.9)
FREEZES_S = (0.6, 1.0, 1.5, 3.0)
MATCH_S = 0.05

#: the analysis of a session directory as JSON rows, run by the stride on PYTHONPATH
ANALYSE = """
import json, sys
from stride.core.analyzer import analyze
from stride.ingest.recording import read_session
got = analyze(read_session(sys.argv[1]))
json.dump({"steps": got.step_rows(), "summary": got.summary}, sys.stdout, default=str)
"""


def analysed(session: Path, baseline: Path | None) -> dict[str, Any]:
    env = dict(os.environ)
    if baseline is not None:
        env["PYTHONPATH"] = str(baseline)
        env["NUMBA_CACHE_DIR"] = str(baseline / ".numba-cache")
    else:
        env["PYTHONPATH"] = str(REPO)
    run = subprocess.run(
        [sys.executable, "-c", ANALYSE, str(session)],
        capture_output=True, text=True, env=env, check=True, cwd=tempfile.gettempdir(),
    )  # fmt: skip
    out: dict[str, Any] = json.loads(run.stdout)
    return out


def figures(truth: list[Any], doc: dict[str, Any]) -> dict[str, float]:
    rows = doc["steps"]
    ics = {s: np.array([r["ic_s"] for r in rows if r["side"] == s]) for s in "LR"}
    by_side = {s: [r for r in rows if r["side"] == s] for s in "LR"}
    frozen = flagged = walking = wrong = 0
    kept: list[float] = []  # the truth's walking stances
    for t in truth:
        got = ics[t.side]
        k = int(np.argmin(np.abs(got - t.ic_s))) if got.size else -1
        if k < 0 or abs(got[k] - t.ic_s) > MATCH_S:
            continue
        row = by_side[t.side][k]
        stop = "stop" in row["flags"]
        if "freeze" in t.flags:
            frozen += 1
            flagged += stop
        elif not t.flags:
            walking += 1
            stride = row["stride_time_s"]
            wrong += stop and stride is not None and stride <= 3.0
        if not t.flags and t.stance_s is not None:
            kept.append(t.stance_s)
    summary = doc["summary"]
    stance = [summary[s]["stance_s"]["mean"] for s in "LR"]
    return {
        "frozen": frozen,
        "flagged": flagged,
        "walking": walking,
        "wrong": wrong,
        "stance": float(np.mean(stance)),
        "true_stance": float(np.mean(kept)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--baseline", type=Path)
    args = ap.parse_args()
    from sim.profiles import profile_params
    from sim.session import SessionSpec, simulate_session

    versions: list[tuple[str, Path | None]] = [("this", None)]
    if args.baseline is not None:
        versions.insert(0, ("baseline", args.baseline.resolve()))
    head = ["profile", "freeze s", "version", "freeze contacts", "flagged stop",
            "walking rows", "walking flagged stop (stride <= 3 s)",
            "summary stance ms", "truth's walking stance ms"]  # fmt: skip
    out: list[list[str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for sev in SEVERITIES:
            for freeze in FREEZES_S:
                base = profile_params("parkinsonian", sev)
                params = dataclasses.replace(base, freeze_s=freeze, freeze_per_min=3.0)
                runs = []
                for seed in range(1, args.seeds + 1):
                    spec = SessionSpec(minutes=args.minutes, params=params, seed=seed,
                                       overground=True, profile=f"parkinsonian:{sev}")  # fmt: skip
                    where = Path(tmp) / f"s{sev}-{freeze}-{seed}"
                    runs.append((where, simulate_session(where, spec).truth))
                for name, path in versions:
                    f = [figures(truth, analysed(where, path)) for where, truth in runs]
                    total = {k: sum(x[k] for x in f) for k in f[0]}
                    stance = np.mean([x["stance"] for x in f]) * 1000
                    true_stance = np.mean([x["true_stance"] for x in f]) * 1000
                    out.append([f"parkinsonian:{sev}", f"{freeze:g}", name,
                                f"{total['frozen']:.0f}", f"{total['flagged']:.0f}",
                                f"{total['walking']:.0f}", f"{total['wrong']:.0f}",
                                f"{stance:.0f}", f"{true_stance:.0f}"])  # fmt: skip
    print_table(head, out, args.markdown)


if __name__ == "__main__":
    main()
