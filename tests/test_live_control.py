"""Keys drive the treadmill and the session: `+`/`-` move the set point of a driver that can
set speed, space pauses the scoring, `m` toggles the metronome; the belt the session started
is stopped at the end (the stride_sim fixture's box and Trackmaster, as sim:// ports)."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from devices.recording.reader import SessionReader
from devices.treadmill.trackmaster import set_speed_command
from devices.units import parse_speed
from sim.harness import SimDevices
from stride.core.targets import Target
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render


@pytest.mark.slow
@pytest.mark.stride_sim(seed=8, speedup=5)
def test_keys_drive_belt_pause_and_metronome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stride_sim: SimDevices
) -> None:
    frames: list[str] = []
    heard: list[tuple[bool, float | None]] = []
    seen: dict[str, Any] = {}

    def ui(session: Session) -> None:
        """Keys pressed when the session is where each step needs it, not after a time."""
        st = session.state
        for i, period in enumerate(session.ticks()):
            if "paused_at" not in seen and st.steps_total >= 6:
                session.handle("faster")
                session.handle("faster")
                session.handle("pause")
                seen["paused"] = st.paused
                session.handle("metronome")
                seen["paused_at"] = st.steps_total
                seen["scored_while_paused"] = dict(st.scored)
            elif "resumed_at" not in seen and "paused_at" in seen:
                if st.steps_total >= seen["paused_at"] + 6:  # steps came while paused
                    seen["scored_at_resume"] = dict(st.scored)
                    session.handle("pause")
                    seen["resumed_at"] = st.steps_total
            elif "resumed_at" in seen and st.steps_total >= seen["resumed_at"] + 6:
                session.request_stop("test done")
            if i % 2 == 0:
                c = Console(
                    file=io.StringIO(), record=True, width=100, height=30, color_system=None
                )
                c.print(render(st, st.now(), width=100, height=30))
                frames.append(c.export_text())
            time.sleep(period)  # the screen's refresh interval

    args = LiveArgs(
        port=stride_sim.box_url,
        treadmill="box",
        control=f"trackmaster:{stride_sim.treadmill_url}",
        speed="3.0kmh",
        target=Target.from_options(spacing_m=0.30),
        duration_s=600.0,  # ended by the test when it has seen what it needs
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
    # the session's own stop at its end is kept, marked; the report lists the changes made
    # during the session, not the stop as if the clinician had stopped the belt
    assert [bool(c.get("session_end")) for c in meta["speed_changes"]] == [0, 0, 0, 1]
    from stride.report.session import speed_changes

    assert [round(new * 3.6, 2) for _, _, new in speed_changes(meta)] == [3.0, 3.2, 3.4]
    world = stride_sim.world
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
    # --speed's A3 (19 x 0.1 mph) and A0 were sent before polling began: recorded all the same
    sent = b"".join(d for _, d in SessionReader(tmp_path / "rec").chunks("treadmill.tx"))
    assert sent.startswith(set_speed_command(parse_speed("3.0kmh")) + b"\xa0")
    assert set_speed_command(parse_speed("3.0kmh")) == b"\xa30019"
