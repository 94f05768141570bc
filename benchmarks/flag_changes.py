"""Which step rows' flags differ between this checkout and another version, input by input.

Not a test. Run: ``python benchmarks/flag_changes.py --baseline DIR INPUT...`` (DIR: a
``git archive`` of the other version; INPUT: anything ``stride analyze`` reads).

Each input is analysed by both versions (``stride analyze INPUT --json``, each in its own
process with its own numba cache). Per input: the rows whose flags differ, how many of them
had no flag before (they were in the summary), how many of those the simulator's truth
counts as walking (a recording with ``truth_steps.csv``: the truth row of the same side
nearest in time, within 50 ms, without a flag), and the changed rows' stance range. A rule
that moves rows out of the summary is read here before its figures are quoted.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MATCH_S = 0.05


def analyse(checkout: Path, path: str) -> list[dict[str, Any]]:
    """The step rows of ``stride analyze path --json`` run from ``checkout``."""
    env = dict(os.environ, STRIDE_FIRST_RUN_HELPER="off", PYTHONPATH=str(checkout))
    env["NUMBA_CACHE_DIR"] = str(checkout / ".numba-cache")
    cmd = [sys.executable, "-m", "stride.cli.app", "analyze", path, "--json"]
    out = subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, check=True)
    rows: list[dict[str, Any]] = json.loads(out.stdout)["steps"]
    return rows


def truth_rows(path: str) -> list[dict[str, str]] | None:
    """The recording's truth table (None without one)."""
    table = Path(path) / "truth_steps.csv"
    if not table.is_file():
        return None
    with table.open() as f:
        return list(csv.DictReader(f))


def truth_walking(truth: list[dict[str, str]], side: str, ic: float) -> bool:
    """Whether the truth's row of ``side`` nearest ``ic`` (within 50 ms) is a walking step."""
    near = [r for r in truth if r["side"] == side]
    best = min(near, key=lambda r: abs(float(r["ic_s"]) - ic), default=None)
    if best is None or abs(float(best["ic_s"]) - ic) > MATCH_S:
        return False
    return not best["flags"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True)
    ap.add_argument("inputs", nargs="+")
    args = ap.parse_args()
    print("| input | rows changed | unflagged before | truth's walking steps | stances s |")
    print("|---|---|---|---|---|")
    for path in args.inputs:
        before, after = analyse(args.baseline, path), analyse(REPO, path)
        if len(before) != len(after):
            print(f"| {path} | {len(before)} -> {len(after)} rows: contacts differ | | | |")
            continue
        changed = [(a, b) for a, b in zip(before, after, strict=True) if a["flags"] != b["flags"]]
        if not changed:
            continue
        was_used = sum(not a["flags"] for a, _ in changed)
        truth = truth_rows(path)
        walking = (
            "-"
            if truth is None
            else str(sum(truth_walking(truth, b["side"], b["ic_s"]) for _, b in changed))
        )
        stances = [b["stance_s"] for _, b in changed if b.get("stance_s") is not None]
        span = f"{min(stances):.2f}-{max(stances):.2f}" if stances else "-"
        name = Path(path).name
        print(f"| {name} | {len(changed)} | {was_used} | {walking} | {span} |")


if __name__ == "__main__":
    main()
