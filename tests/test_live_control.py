"""Keys drive the treadmill and the session: `+`/`-` move the set point of a driver that can
set speed, space pauses the scoring, `m` toggles the metronome; the belt the session started
is stopped at the end (simulated box and Trackmaster of one sim:// world)."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import pytest
from rich.console import Console

from devices.units import parse_speed
from sim.world import worlds
from stride.core.targets import Target
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render


@pytest.mark.slow
def test_keys_drive_belt_pause_and_metronome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = f"keys-{os.getpid()}-{time.monotonic_ns()}"
    frames: list[str] = []
    heard: list[tuple[bool, float | None]] = []
    seen: dict[str, object] = {}

    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if i == 12:
                session.handle("faster")
                session.handle("faster")
                session.handle("pause")
                seen["paused"] = session.state.paused
                session.handle("metronome")
            if i == 20:
                seen["scored_while_paused"] = dict(session.state.scored)
            if i == 30:
                seen["scored_at_resume"] = dict(session.state.scored)
                session.handle("pause")
            if i % 4 == 0:
                c = Console(
                    file=io.StringIO(), record=True, width=100, height=30, color_system=None
                )
                c.print(render(session.state, session.state.now(), width=100, height=30))
                frames.append(c.export_text())
            time.sleep(period)

    args = LiveArgs(
        port=f"sim://box?world={key}&belt=stopped&speedup=5&seed=8",
        treadmill="box",
        control=f"trackmaster:sim://trackmaster?world={key}",
        speed="3.0kmh",
        target=Target.from_options(spacing_m=0.30),
        duration_s=22.5,  # world seconds: 4.5 s at speedup 5
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
        ui_hook=ui,
        on_metronome=lambda on, cad: heard.append((on, cad)),
    )
    assert run_live(args) == 0
    capsys.readouterr()
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    changes = [round(c["mps"] * 3.6, 2) for c in meta["speed_changes"]]
    assert changes == [3.0, 3.2, 3.4, 0.0]  # start, + +, stopped at the end
    world = worlds()[key]
    assert not world.treadmill.running(world.now())  # the session started it, so it stopped it
    assert world.treadmill.set_speed_mps_of(world.now()) == pytest.approx(
        parse_speed("3.4kmh"), abs=0.02
    )
    assert any("(set 3.4)" in f for f in frames)
    assert any("PAUSED" in f for f in frames) and seen["paused"] is True
    assert seen["scored_while_paused"] == seen["scored_at_resume"]  # no scoring while paused
    assert (
        heard
        and heard[0][0] is True
        and heard[0][1] == pytest.approx(60 * parse_speed("3.4kmh") / 0.60, rel=0.01)
    )
    assert any("♪" in f for f in frames)
    assert "treadmill.rx" in meta["streams"] and meta["devices"][1]["driver"] == "trackmaster"
