"""What a box's counters alone would hide, said in words on a live session without a
dashboard (``--no-ui``: stderr), on a pseudo-terminal: a box without a belt encoder under
the default ``--treadmill box`` (step lengths stay empty: said once at the start, with the
option that gives the speed, and in the summary), and a box that restarts mid-session
(its clock and frame counter back to 0: said at each restart, with the count)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import synthbox


@pytest.mark.slow
def test_a_box_without_encoder_that_restarts_is_said(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    parts = [synthbox.stream(5.0, encoder=False) for _ in range(3)]  # powered up afresh twice
    box = synthbox.PtyBox()
    hook = synthbox.until_restarts(box, b"".join(parts), 15.0, restarts=2, steps=20)
    assert synthbox.run_live_on(box, tmp_path / "rec", hook) == 0
    out = capsys.readouterr()
    doc = json.loads(out.out.splitlines()[-1])
    s = doc["session"]
    assert s["ended_by"] == "test done" and s["restarts"] == 2
    assert all(st["step_length_m"] is None for st in doc["steps"])
    err = out.err.splitlines()
    restarts = [line for line in err if "sensor box restarted" in line]
    assert restarts == [
        f"stride: note: sensor box restarted ({n} this session): its clock and frame counter "
        "started again while its port stayed open - check its power supply and cable"
        for n in ("once", "2 times")
    ], err
    no_speed = [line for line in err if "no belt speed" in line]
    assert len(no_speed) == 1, err
    assert no_speed[0].startswith(
        "stride: note: no belt speed, so step lengths stay empty: the sensor box has no belt "
        "encoder (its HELLO says so); give the belt's speed with --treadmill fixed:SPEED"
    )
    assert s["no_belt_speed"] in no_speed[0]
    summary = " ".join(out.err.split())  # the summary's closing line says why, too
    assert "box restarts 2" in summary
    assert "No belt speed, so step lengths stay empty: the sensor box has no belt" in summary
