"""``stride live`` end to end on independent devices: a sensor box (indep_sensorbox.py) on a
pseudo-terminal and a Bertec split-belt treadmill (indep_bertec.py) on TCP, both written
from the protocol documents. What stride reports is compared with what they sent: each
step's time and, with the belts at different speeds, its length from the belt under the
foot that lands (../shared/docs/protocols.md, "Split belts"); the frames lost, the bad CRC
and the box's ERROR counted and said; and ``stride analyze`` of the recording gives the
same steps."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest
from indep_bertec import BertecPC
from indep_pty import PtyDevice
from indep_sensorbox import BoxStream, PacedBox

#: ``stride`` as a user runs it, whatever PATH holds
STRIDE = [sys.executable, "-m", "stride.cli.app"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals need POSIX"),
]

LEFT, RIGHT = 800, 1200  # mm/s


def test_live_session_on_independent_box_and_split_belts(tmp_path: Path) -> None:
    # frames counted from the box's power-up, which is when stride opens its port;
    # SAMPLES frames are 20 ms apart (10 samples at 500 Hz)
    box = PacedBox(BoxStream(lose={40, 41}, bad_crc={280}, error_at={60}))
    pc = BertecPC()
    pc.targets = [RIGHT, LEFT, RIGHT, LEFT]
    pc.speeds = [float(v) for v in pc.targets]
    rec = tmp_path / "session"
    try:
        with PtyDevice(box, power_on_open=True) as dev:
            cmd = [*STRIDE, "live", "--port", dev.path, "--treadmill", f"bertec:{pc.url}"]
            cmd += ["--duration", "7", "--no-ui", "--json", "--record", str(rec), "--no-history"]
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    finally:
        pc.close()
    assert out.returncode == 0, out.stderr
    assert pc.commands == []  # no --speed: stride never drove the belts
    doc = json.loads(out.stdout.strip().splitlines()[-1])
    session = doc["session"]
    assert (session["crc_errors"], session["gaps"], session["restarts"]) == (1, 2, 0)
    assert "open circuit ch2" in out.stderr
    steps = doc["steps"]
    assert len(steps) >= 6
    # the sides alternate wherever nothing was lost between two steps
    for a, b in itertools.pairwise(steps):
        assert a["side"] != b["side"] or "gap" in a["flags"] + b["flags"]
    measured = [s for s in steps if s["step_length_m"] is not None and not s["flags"]]
    assert len(measured) >= 3
    for s in measured:
        belt = (LEFT if s["side"] == "L" else RIGHT) / 1000
        assert s["step_time_s"] == pytest.approx(0.55, abs=0.005)
        assert s["step_length_m"] == pytest.approx(belt * s["step_time_s"], abs=0.01)
    assert doc["summary"]["belt_speed_mps"]["L"]["mean"] == pytest.approx(LEFT / 1000)
    again = subprocess.run(
        [*STRIDE, "analyze", str(rec), "--json"], capture_output=True, text=True, timeout=300
    )
    assert again.returncode == 0, again.stderr
    analyzed = json.loads(again.stdout)["steps"]
    key = ("side", "ic_s", "step_length_m", "flags")
    assert [[s[k] for k in key] for s in analyzed] == [[s[k] for k in key] for s in steps]
