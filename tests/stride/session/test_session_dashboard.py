"""Screen test: the dashboard, rendered into rich's recording console, shows the figures."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from stride.core.targets import Target
from stride.session.screen.dashboard import fmt_clock, render, target_cadence
from stride.session.state import SessionState


def screen(state: SessionState, now: float = 10.0, width: int = 140, height: int = 40) -> str:
    console = Console(
        file=io.StringIO(), record=True, width=width, height=height, color_system=None
    )
    console.print(render(state, now, width=width, height=height))
    return console.export_text()


def test_dashboard_shows_the_rolling_figures(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05, spacing_m=0.30, lines_per_step=2))
    s.started_host_t = 0.0
    s.elapsed_s = 83.0
    s.belt_mps = 1.0
    s.belt_set_mps = 1.0
    s.add_steps(make_steps(40, left=0.63, right=0.54), host_t=9.9)
    s.health.frames = 1234
    s.health.frames_per_s = 100.0
    s.health.crc_errors = 3
    s.health.gaps = 1
    s.health.reconnects = 2
    text = screen(s)
    roll = s.rolling()
    assert "01:23" in text
    assert "3.6 km/h (set 3.6)" in text
    assert f"cadence {roll.cadence_spm:.0f} / 100 per min" in text  # 60 * 1.0 / 0.60 = 100
    assert f"{roll.si_step_length:+.1f} %" in text
    assert f"{roll.si_step_time:+.1f} %" in text
    assert f"{roll.si_stance:+.1f} %" in text
    assert "target 60 cm ±5 (2 lines × 30 cm)" in text
    assert "+3.0 cm" in text and "-6.0 cm" in text  # last landing errors per foot
    assert "100 %" in text and "0 %" in text  # on target L, R
    assert "CRC errors 3" in text and "gaps 1" in text and "reconnects 2" in text
    assert "left steps 15 % longer" in text


def test_dashboard_shows_faults_and_unknown_belt() -> None:
    s = SessionState(None)
    s.started_host_t = 0.0
    s.health.box_connected = False
    s.health.treadmill = "trackmaster"
    s.health.treadmill_answering = False
    s.paused = True
    text = screen(s, now=6.0)
    assert "belt unknown" in text
    assert "UNPLUGGED" in text and "NOT ANSWERING" in text
    assert "No steps for 6 s" in text
    assert "PAUSED" in text


def test_helpers() -> None:
    assert fmt_clock(3725) == "1:02:05"
    assert fmt_clock(65.9) == "01:05"
    s = SessionState(Target(step_length_m=0.5, cadence_spm=None))
    s.belt_mps = 1.0
    assert target_cadence(s) == 120.0
    s2 = SessionState(Target(cadence_spm=96.0))
    assert target_cadence(s2) == 96.0


def test_the_bottom_line_says_where_the_walkers_view_is() -> None:
    s = SessionState(None)
    assert "walker's view" not in screen(s)
    s.view_url = "http://127.0.0.1:8765/"
    last = screen(s).rstrip().splitlines()[-1]
    assert "q end session" in last and "walker's view http://127.0.0.1:8765/" in last
