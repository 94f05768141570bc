"""The scan-cost benchmarks behind docs/performance.md's rows (benchmarks/scan_classes.py,
benchmarks/clock_costs.py) run on a short recording and report the figures the rows quote,
so they cannot rot between the runs that produce those rows (timings are not asserted)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run(script: str, *args: str) -> str:
    run = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / script), *args],
        capture_output=True, text=True, cwd=REPO, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    return run.stdout


def test_scan_classes_holds_each_kind_of_sample(
    tmp_path: Path, simulated_session: Callable[..., Path]
) -> None:
    rec = simulated_session(tmp_path / "s", minutes=1.0, seed=3)
    out = _run("scan_classes.py", "--work", str(tmp_path), "--session", str(rec), "--repeat", "1")
    found = {
        m[1]: (float(m[2]), int(m[3]))
        for m in re.finditer(r"scan, ([a-z ]+): ([0-9.]+) ms \((\d+) contacts\)", out)
    }
    kinds = ("as recorded", "swing held", "stance core held", "both held", "all zero")
    assert set(found) == set(kinds), out
    walked = found["as recorded"][1]
    assert walked > 0 and all(t > 0 for t, _ in found.values())
    # holding swing or stance samples still leaves every contact; a zero signal has none
    assert [found[k][1] for k in kinds[1:4]] == [walked] * 3 and found["all zero"][1] == 0
    assert "quiet blocks" in out


def test_clock_costs_reports_the_foot_and_its_faults(
    tmp_path: Path, simulated_session: Callable[..., Path]
) -> None:
    rec = simulated_session(tmp_path / "s", minutes=1.0, seed=3)
    out = _run(
        "clock_costs.py", "--work", str(tmp_path), "--session", str(rec),
        "--repeat", "1", "--rounds", "1", "--chunks", "65536",
    )  # fmt: skip
    got = json.loads(out.strip().splitlines()[-1])
    assert got["foot_ms"] > 0 and got["foot_scan_ms"] > 0
    assert got["feet_cpu_1t_65536"] > 0 and got["feet_cpu_2t_65536"] > 0
    assert got["first_scan_faults"] >= 0 and got["fault_us"] > 0


def test_scan_compile_passes_reports_numba_passes_and_sizes() -> None:
    """docs/performance.md's "Where the contact scan's own compile goes": a cold compile of
    the scan in a fresh process, numba's passes and the compiled function's size."""
    r = json.loads(_run("scan_compile_passes.py", "--dtype", "int16", "--json"))
    assert r["cpu_s"] > 0
    assert {"nopython_type_inference", "native_lowering"} <= set(r["passes_s"])
    assert r["blocks"] > 100 and r["statements"] > r["blocks"] and r["typed_variables"] > 100
