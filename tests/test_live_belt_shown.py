"""The dashboard's belt speed is the one the analysis uses. In `stride demo` (and `stride
live --treadmill box` with a treadmill driven beside it) the belt speed comes from the box's
encoder; the driven Trackmaster reports its speed in tenths of a mile per hour. The
dashboard showed the Trackmaster's 2.2 mph ("belt 3.5 km/h", a cadence target of 98) while
the steps, the summary and the report used the encoder's 1.00 m/s (3.6 km/h, a matching
cadence of 100)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from stride.core.targets import Target
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live


@pytest.mark.slow
def test_the_belt_shown_is_the_encoders_the_analysis_uses(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world = f"shown-{os.getpid()}-{time.monotonic_ns()}"
    shown: list[float | None] = []

    def ui(session: Session) -> None:
        st = session.state
        for period in session.ticks():
            if st.steps_total >= 6 and session.state.health.treadmill_answering:
                shown.append(st.belt_mps)
                session.request_stop("test done")
            time.sleep(period)

    args = LiveArgs(  # the demo's devices: the box's encoder the belt, a Trackmaster driven
        port=f"sim://box?world={world}&speedup=5&seed=3&speed=3.6kmh",
        treadmill="box",
        control=f"trackmaster:sim://trackmaster?world={world}",
        target=Target.from_options(spacing_m=0.30),
        duration_s=600.0,  # ended by the test
        no_ui=True,
        history=False,
        no_record=True,
        ui_hook=ui,
    )
    assert run_live(args) == 0
    capsys.readouterr()
    assert shown and shown[-1] is not None
    assert shown[-1] * 3.6 == pytest.approx(3.6, abs=0.02)  # not 2.2 mph = 3.54 km/h
