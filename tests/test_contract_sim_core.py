"""The contract between the simulator and the core analysis (issue: simulator, end).

Analysing a simulated session recovers its ground truth for every profile at nominal noise:
every true step found, no extra steps, initial contacts within 2 ms (median) at 1 kHz
(3 ms for huntington's two-stage loading), stance within 3 ms and heel-to-toe (onset to
onset, heel-first contacts) within 10 ms (median absolute error), step length within 1 cm
(mean absolute), step-length symmetry index within 1 point. Also the ``stride sim``
command line, in a subprocess.
"""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import stride_in_process

from sim.cli_support import build_spec
from sim.profiles import PROFILES
from sim.session import SessionSpec, simulate_session
from stride.core.analyzer import analyze
from stride.ingest.recording import read_session

EDGE_S = 2.0  # the analysis learns its thresholds on the first contacts of a record
MATCH_S = 0.05


def _si(left: float, right: float) -> float:
    return (left - right) / (0.5 * (left + right)) * 100.0


def _profile(name: str) -> str:
    return "healthy" if name == "healthy" else f"{name}:0.5"


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_analysis_recovers_the_truth(name: str, tmp_path: Path) -> None:
    spec = build_spec(minutes=2.0, speed="3.6kmh", profile=_profile(name), seed=7, rate=1000)
    sim = simulate_session(tmp_path / name, spec)
    end = spec.minutes * 60.0
    analysis = analyze(read_session(tmp_path / name))
    rows = analysis.step_rows()
    found = {s: np.array([float(r["ic_s"]) for r in rows if r["side"] == s]) for s in "LR"}  # type: ignore[arg-type]
    truth = {s: [t for t in sim.truth if t.side == s] for s in "LR"}

    ic_err: list[float] = []
    stance_err: list[float] = []
    heel_toe_err: list[float] = []
    kinds = {(c.side, round(c.ic * spec.box.clock_scale, 6)): c for c in sim.contacts}
    pairs: list[tuple[float, float, str]] = []  # (analysed, true) step lengths
    by_ic = {(r["side"], round(float(r["ic_s"]), 6)): r for r in rows}  # type: ignore[arg-type]
    for side in "LR":
        got = found[side]
        for t in truth[side]:
            if not (EDGE_S <= t.ic_s <= end - EDGE_S):
                continue
            k = int(np.argmin(np.abs(got - t.ic_s))) if got.size else -1
            assert k >= 0 and abs(got[k] - t.ic_s) < MATCH_S, (
                f"true {side} step at {t.ic_s:.3f} s not found"
            )
            ic_err.append(got[k] - t.ic_s)
            row = by_ic[(side, round(float(got[k]), 6))]
            # a walking step's contact is never taken for standing (a stance that long)
            assert t.flags or "stop" not in row["flags"], f"{side} step at {t.ic_s:.3f} s"
            if row["stance_s"] is not None and t.stance_s is not None:
                stance_err.append(float(row["stance_s"]) - t.stance_s)  # type: ignore[arg-type]
            c = kinds.get((side, round(t.ic_s, 6)))
            if c is not None and c.kind == "heel" and row["heel_toe_s"] is not None:
                true_ht = spec.params.heel_to_toe_s + (c.pre_touch[0] if c.pre_touch else 0.0)
                heel_toe_err.append(float(row["heel_toe_s"]) - true_ht)  # type: ignore[arg-type]
            if row["step_length_m"] is not None and t.step_length_m is not None:
                pairs.append((float(row["step_length_m"]), t.step_length_m, side))  # type: ignore[arg-type]
        # No extra steps: every analysed step inside the edges matches a true one.
        true_ic = np.array([t.ic_s for t in truth[side]])
        for ic in got[(got >= EDGE_S) & (got <= end - EDGE_S)]:
            assert np.min(np.abs(true_ic - ic)) < MATCH_S, f"extra {side} step at {ic:.3f} s"

    assert np.median(np.abs(ic_err)) <= (0.003 if name == "huntington" else 0.002)
    assert np.median(np.abs(stance_err)) <= 0.003
    if heel_toe_err:  # heel and toe sensors, heel-first contacts
        assert np.median(np.abs(heel_toe_err)) <= 0.010
    got_len = np.array([p[0] for p in pairs])
    true_len = np.array([p[1] for p in pairs])
    assert len(pairs) > 0.8 * len(ic_err)
    assert np.mean(np.abs(got_len - true_len)) <= 0.01
    sides = np.array([p[2] for p in pairs])
    si_got = _si(got_len[sides == "L"].mean(), got_len[sides == "R"].mean())
    si_true = _si(true_len[sides == "L"].mean(), true_len[sides == "R"].mean())
    assert abs(si_got - si_true) <= 1.0


def test_truth_columns_are_the_steps_csv_columns(tmp_path: Path) -> None:
    simulate_session(tmp_path / "s", SessionSpec(minutes=0.2, seed=1))
    head = (tmp_path / "s" / "truth_steps.csv").read_text().splitlines()[0].split(",")
    assert head[:10] == [
        "side", "ic_s", "fc_s", "step_time_s", "stride_time_s", "stance_s", "swing_s",
        "step_length_m", "stride_length_m", "flags",
    ]  # fmt: skip


def test_cli_sim_session_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    """The command's logic, through its entry point in this process (``stride_in_process``:
    the same output, exit codes and stderr as a process; sim serve below runs as one)."""
    _stride = stride_in_process
    out = tmp_path / "cli"
    args = ["sim", "session", "--out", str(out), "--minutes", "0.2", "--seed", "3", "--no-history"]
    first = _stride(*args, "--profile", "antalgic-left:0.4")
    assert first.returncode == 0, first.stderr
    assert "antalgic-left:0.4" in first.stdout
    rows = list(csv.DictReader((out / "truth_steps.csv").open()))
    assert len(rows) > 15
    again = _stride(*args)
    assert again.returncode == 1
    assert again.stderr.startswith("stride: error:") and "--force" in again.stderr
    assert "Traceback" not in again.stderr
    forced = _stride(*args, "--force")
    assert forced.returncode == 0
    bad = _stride("sim", "session", "--out", str(tmp_path / "x"), "--profile", "limping:2")
    assert bad.returncode == 1 and "unknown gait profile" in bad.stderr


def test_sim_help_does_not_import_the_simulator() -> None:
    code = (
        "import sys\n"
        "from stride.cli.app import app\n"
        "try:\n"
        "    app(['sim', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('IMPORTED', sorted(m for m in ('numpy', 'simpy', 'serial') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "IMPORTED []" in out.stdout, out.stdout


@pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX")
def test_cli_sim_serve_runs_until_sigterm(tmp_path: Path) -> None:
    import signal
    import time

    proc = subprocess.Popen(
        [sys.executable, "-m", "stride.cli.app", "sim", "serve", "--dir", str(tmp_path),
         "--profile", "antalgic-right:0.3", "--seed", "2", "--treadmill", "csafe"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while not (tmp_path / "treadmill").is_symlink():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert (tmp_path / "box").is_symlink()
        assert proc.stdout is not None
        shown = [proc.stdout.readline()]  # its paths, then when Ctrl-C stops it
        while shown[-1] and "serving" not in shown[-1] and len(shown) < 10:
            shown.append(proc.stdout.readline())
        assert "serving" in shown[-1], shown
    finally:
        proc.send_signal(signal.SIGINT)  # Ctrl-C
        _, err = proc.communicate(timeout=15)
    assert proc.returncode == 0, err
    assert any("treadmill (csafe)" in line for line in shown)
    assert not (tmp_path / "box").is_symlink()
