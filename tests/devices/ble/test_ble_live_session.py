"""A live session whose belt is the simulated FTMS treadmill, over the virtual radio: 60 s at
3.6 km/h with a drop at 30 s; step lengths match the simulator's truth, the drop is
reconnected, and `stride analyze` of the recording gives the live steps (every notification
was recorded). Wall-clock paced (speedup 1): the treadmill's readings carry host times,
which a faster world would leave behind."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from stride.session.run import LiveArgs, run_live

SPEEDUP = 1.0
WORLD_S = 60.0


class TruthWatcher(threading.Thread):
    """Collects the world's true steps while it runs (the live world forgets contacts
    older than 30 s, so they are taken every 2 s while the belt positions are exact)."""

    def __init__(self, key: str) -> None:
        super().__init__(daemon=True)
        self.key = key
        self.steps: dict[tuple[str, float], float] = {}
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(2.0):
            self.take()
        self.take()

    def take(self) -> None:
        from sim.truth import truth_steps
        from sim.world import worlds

        world = worlds().get(self.key)
        if world is None:
            return
        with world.lock:
            now = world.now()
            done = [c for c in world.walker.contacts if c.ic < now - 0.5]
            for s in truth_steps(done, belt=world.treadmill, end_s=now):
                if s.step_length_m is not None:
                    self.steps[(s.side, round(s.ic_s, 6))] = s.step_length_m


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], key: str, ftms: str) -> dict[str, Any]:
    from sim.ble import serve
    from sim.world import drop_world

    watcher = TruthWatcher(key)
    watcher.start()
    args = LiveArgs(
        port=f"sim://box?world={key}&seed=1&speed=3.6kmh&speedup={SPEEDUP:g}",
        treadmill=f"ftms:sim?world={key}&{ftms}",
        duration_s=WORLD_S / SPEEDUP,
        no_ui=True,
        json_doc=True,
        history=False,
        record=tmp_path / "rec",
    )
    try:
        assert run_live(args) == 0
    finally:
        watcher.stop.set()
        watcher.join()
        serve.stop_all()
        drop_world(key)
    doc = json.loads(capsys.readouterr().out.splitlines()[-1])
    doc["truth"] = list(watcher.steps.values())
    return doc


@pytest.mark.slow
def test_ftms_session_steps_match_truth_across_a_drop(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = run(tmp_path, capsys, "ble-live", "notify_hz=4&disconnect_at=30&disconnect_s=2")
    live = [s["step_length_m"] for s in doc["steps"]]
    lengths = [x for x in live if x is not None]
    truth = doc["truth"]
    assert len(lengths) >= 70 and len(truth) >= 70
    err = float(np.mean(lengths)) - float(np.mean(truth))
    print(f"mean step length: live {np.mean(lengths):.4f} m, truth {np.mean(truth):.4f} m")
    assert abs(err) <= 0.01
    assert doc["summary"]["belt_speed_mps"]["mean"] == pytest.approx(1.0, abs=0.01)
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert meta["streams"]["treadmill.rx"]["protocol"] == "ftms"

    out = subprocess.run(
        [sys.executable, "-m", "stride.cli.app", "analyze", str(tmp_path / "rec"), "--json"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert out.returncode == 0, out.stderr
    batch = json.loads(out.stdout)
    assert [s["step_length_m"] for s in batch["steps"]] == pytest.approx(live, nan_ok=True)

    from devices.recording import SessionReader
    from devices.treadmill.ftms import replay

    reader = SessionReader(tmp_path / "rec")
    readings = replay((t, "rx", data) for t, data in reader.chunks("treadmill.rx"))
    gaps = np.diff([r.host_t for r in readings])
    assert 1.5 <= gaps.max() < 5.0  # the outage is in the recording, and was short
    assert len(readings) >= 0.8 * 4 * (WORLD_S - 5)
