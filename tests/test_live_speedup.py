"""Simulated time faster than real time keeps every result: a live session on a world run 20
times faster than real time polls its Trackmaster, stamps and times on the world's clock, and
finds the steps, step lengths and belt speed of a real-time run of the same seed; its
recording says which clock it ran on and `stride analyze` of it gives its steps. Over
pseudo-terminals, `stride live --speedup S` runs on a clock S times faster than real time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from sim.harness import SimDevices, start_devices
from sim.world import WorldOptions
from stride.testing import live_session

MPH = 0.44704
SECONDS = 12.0


def measured_lengths(sim: SimDevices, doc: dict[str, Any]) -> dict[float, float]:
    """Each measured step's length by the time of its true initial contact."""
    truth = sim.truth_for(doc["steps"])
    return {
        round(t["ic_s"], 6): s["step_length_m"]
        for s, t in zip(doc["steps"], truth, strict=True)
        if t is not None and s["step_length_m"] is not None
    }


def run(speedup: float, record: Path | None = None) -> tuple[dict[str, Any], dict[float, float]]:
    options = WorldOptions(
        seed=12, speedup=speedup, profile="antalgic-left:0.4", speed_mps=2.2 * MPH
    )
    # both runs walk the same stretch from the walk's start, however long the ports took
    with start_devices(options, held_until_opened=True) as sim:
        doc = live_session(sim, SECONDS, record=record)
        return doc, measured_lengths(sim, doc)


@pytest.mark.slow
def test_a_world_20_times_faster_gives_the_steps_of_a_real_time_run(tmp_path: Path) -> None:
    real, real_len = run(1.0)
    fast, fast_len = run(20.0, record=tmp_path / "rec")
    assert real["session"]["clock"] == {"kind": "simulated", "speedup": 1.0}
    assert fast["session"]["clock"] == {"kind": "simulated", "speedup": 20.0}
    assert fast["session"]["duration_s"] >= SECONDS  # simulated seconds
    assert max(s["ic_s"] for s in fast["steps"]) > SECONDS - 2.0
    # the same true steps measured (up to the last one, where the two runs' ends differ)
    last = min(max(real_len), max(fast_len))
    real_len = {k: v for k, v in real_len.items() if k < last}
    fast_len = {k: v for k, v in fast_len.items() if k < last}
    assert len(real_len) >= 12 and set(fast_len) == set(real_len)
    for k, length in real_len.items():
        assert fast_len[k] == pytest.approx(length, abs=0.01)
    assert fast["summary"]["belt_speed_mps"]["mean"] == pytest.approx(
        real["summary"]["belt_speed_mps"]["mean"], abs=1e-9
    )
    # the recording says which seconds its times are, and analyses to the live steps
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert meta["clock"] == {"kind": "simulated", "speedup": 20.0}
    from stride.analysis import document
    from stride.analysis import run as analyse
    from stride.core.analyzer import AnalysisConfig

    _, result, _ = analyse(tmp_path / "rec", AnalysisConfig())
    assert document(result)["steps"] == fast["steps"]


@pytest.mark.slow
@pytest.mark.stride_sim(seed=3, speed="2.2mph", speedup=5)
def test_stride_live_speedup_runs_on_the_devices_clock(stride_sim: SimDevices) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "live", "--port", stride_sim.box,
         "--treadmill", stride_sim.treadmill_arg, "--speedup", "5", "--duration", "15",
         "--no-ui", "--json", "--no-record", "--no-history"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout.splitlines()[-1])
    assert doc["session"]["clock"] == {"kind": "scaled", "speedup": 5.0}
    assert doc["session"]["duration_s"] >= 15.0  # seconds of the devices' clock
    steps = doc["steps"]
    assert max(s["ic_s"] for s in steps) > 12.0  # 15 s of walking, not 15 / 5
    with_length = [s for s in steps if s["step_length_m"] is not None]
    assert with_length, "no step had a length: the polls were not on the devices' clock"
    truth = stride_sim.truth_for(with_length)
    for s, t in zip(with_length, truth, strict=True):
        if t is not None and t["step_length_m"] is not None:
            assert s["step_length_m"] == pytest.approx(t["step_length_m"], abs=0.03)
