"""A speed the session cannot set is never silently ignored: ``--speed`` without a treadmill
to drive is refused before anything is opened; a treadmill whose speed cannot be set from
here (a CSAFE one without the ``?setspeed=`` opt-in) says so once, with how to enable it,
on stderr without a dashboard too, for ``--speed`` and the ``+``/``-`` keys alike."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import pytest

from devices.errors import InputError
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live


@pytest.mark.parametrize("treadmill", ["box", "fixed:3.0kmh"])
def test_speed_without_a_treadmill_to_drive_is_refused(tmp_path: Path, treadmill: str) -> None:
    args = LiveArgs(
        port="sim://box?seed=1",
        treadmill=treadmill,
        speed="3.0kmh",
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
    )
    with pytest.raises(InputError) as err:
        run_live(args)
    assert "--speed 3.0kmh" in str(err.value) and "setspeed=lsb-msb-unit" in err.value.fix
    assert not (tmp_path / "rec").exists()  # refused before anything was opened


@pytest.mark.slow
def test_csafe_without_setspeed_says_how_to_enable_it_without_a_dashboard(
    tmp_path: Path,
) -> None:
    key = f"csafe-{os.getpid()}-{time.monotonic_ns()}"

    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if i in (5, 6):
                session.handle("faster")
            time.sleep(period)

    args = LiveArgs(
        port=f"sim://box?world={key}&speedup=5&seed=8",
        treadmill=f"csafe:sim://csafe?world={key}",
        speed="3.0kmh",
        duration_s=2.0,
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
        ui_hook=ui,
    )
    err = io.StringIO()
    saved = sys.stderr, sys.stdout
    try:
        sys.stderr, sys.stdout = err, io.StringIO()
        assert run_live(args) == 0
    finally:
        sys.stderr, sys.stdout = saved
    said = [line for line in err.getvalue().splitlines() if "cannot be set" in line]
    assert said == [
        "stride: note: csafe treadmill's speed cannot be set from here: set it at its "
        "console, or, if your treadmill takes SETSPEED as value LSB, MSB, unit, opt in with "
        "csafe:PORT?setspeed=lsb-msb-unit (docs/device-protocols.md)"
    ]  # --speed and two key presses: said once
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert meta["speed_changes"] == []
