"""Screen test: the dashboard, rendered into rich's recording console, shows the figures."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from rich.console import Console

from stride.core.targets import Target
from stride.session.screen.dashboard import fmt_clock, render, target_cadence
from stride.session.screen.terminal import MetronomeBell
from stride.session.sources import ReplaySource
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
    # the target named (60 * 1.0 / 0.60 = 100); off by more than 5 %: a cross, not only yellow
    assert f"cadence {roll.cadence_spm:.0f}, target 100 /min ✗" in text
    # each SI within the normal range (|SI| <= 9.5 %) or not: a tick or a cross, not only
    # its colour (colour-blind safe), as the cadence
    assert f"{roll.si_step_length:+.1f} ✗" in text and roll.si_step_length > 9.6
    assert "SI > 0 left larger, ✓ |SI| ≤ 9.5 %" in text
    # step time and stance: each foot's mean, not only the SI (20 strides of 0.52 / 0.50 s)
    row = next(line for line in text.splitlines() if "step time" in line)
    assert "520 ms" in row and "500 ms" in row and f"{roll.si_step_time:+.1f} ✓" in row
    row = next(line for line in text.splitlines() if "stance" in line)
    assert "620 ms" in row and "580 ms" in row and f"{roll.si_stance:+.1f} ✓" in row
    assert "target 60 cm ±5 (2 lines × 30 cm)" in text
    # last landing errors per foot; on target a dot, off a cross (a shape, not only colour)
    on = [line for line in text.splitlines() if "+3.0 cm" in line]
    off = [line for line in text.splitlines() if "-6.0 cm" in line]
    assert on and all("●" in line and "✕" not in line for line in on)
    assert off and all("✕" in line and "●" not in line for line in off)
    assert "newest at bottom" in text
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


def test_cadence_on_target_is_ticked(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.60, cadence_spm=115.0))
    s.started_host_t = 0.0
    s.add_steps(make_steps(40, left=0.60, right=0.60), host_t=9.9)
    cad = s.rolling().cadence_spm
    assert cad is not None and abs(cad - 115.0) <= 0.05 * 115.0
    assert f"cadence {cad:.0f}, target 115 /min ✓" in screen(s)


def test_the_newest_step_is_at_the_bottom(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05))
    s.started_host_t = 0.0
    steps = make_steps(8, left=0.60, right=0.60)
    for k, st in enumerate(st for st in steps if st["side"] == "L"):
        st["target_error_m"] = 0.01 * (k + 1)  # +1, +2, +3, +4 cm in time order
    s.add_steps(steps, host_t=9.9)
    lines = screen(s).splitlines()
    rows = [i for k in (1, 2, 3, 4) for i, line in enumerate(lines) if f"+{k}.0 cm" in line]
    assert len(rows) == 4 and rows == sorted(rows)


def test_without_a_step_length_target_no_empty_track(make_steps: Any) -> None:
    s = SessionState(Target(cadence_spm=100.0))
    s.started_host_t = 0.0
    s.add_steps(make_steps(10, left=0.63, right=0.54), host_t=9.9)
    text = screen(s)
    assert "no step-length target" in text and "newest step at the bottom" in text
    assert "63.0 cm" in text and "54.0 cm" in text
    assert "┃" not in text and "15 cm" not in text  # no target line, no ±15 cm scale
    assert "on target" not in text  # nor a row of dashes for the share on target
    assert "live: step lengths" in text and "parallel lines" not in text  # no lines to name


@pytest.mark.parametrize("target", [Target(step_length_m=0.60), Target(cadence_spm=100.0)])
def test_a_step_without_a_length_says_why_in_words(make_steps: Any, target: Target) -> None:
    """The first steps of a session have no length to show: the landings said "edge" (the
    flag's name, which docs/metrics.md defines) where the report says "start", on the track
    and in the list without a target alike: one label, so that it fits at 80 columns."""
    s = SessionState(target)
    s.started_host_t = 0.0
    steps = make_steps(6, left=0.60, right=0.60)
    for st, flags in zip(steps[:3], (["edge"], ["edge", "belt-unknown"], []), strict=True):
        st.update(step_length_m=None, target_error_m=None, on_target=None, flags=flags)
    s.add_steps(steps, host_t=9.9)
    text = screen(s)
    assert "edge" not in text and "belt-unknown" not in text
    assert re.search(r" start +│", text) and "no belt" not in text  # the first flag's
    assert "no length" in text  # no length and no flag: said as such
    assert re.search(r" start +│", screen(s, width=80, height=24))  # not cut at 80 columns


def test_metronome_shows_its_rate_and_the_bell_clicks_each_beat() -> None:
    s = SessionState(Target(cadence_spm=100.0))
    s.started_host_t = 0.0
    assert "♪" not in screen(s)
    s.metronome = True
    assert "♪ 100/min" in screen(s)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True)
    bell = MetronomeBell()
    for i in range(301):  # 3 s in 10 ms frames at 100 beats/min: beats 0..5
        s.elapsed_s = i * 0.01
        bell.tick(s, console)
    assert bell.rung == 6 and out.getvalue().count("\a") == 6
    s.elapsed_s = 3.1
    assert bell.until_next(s) == pytest.approx(3.6 - 3.1)  # the loop wakes for the beat
    s.metronome = False
    s.elapsed_s = 9.0
    assert not bell.tick(s, console) and bell.until_next(s) is None
    no_cadence = SessionState(None)
    no_cadence.metronome = True
    assert "no target cadence to beat" in screen(no_cadence)


def test_replay_shows_recording_time_and_only_its_keys(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.60))
    s.started_host_t = 0.0
    s.elapsed_s = 5.0
    live = screen(s)
    # no treadmill to drive (the box's belt frames): no belt keys
    assert "belt speed" not in live and "m metronome" in live and "00:05" in live
    s.health.treadmill = "csafe"
    assert "+ / - belt speed" in screen(s)
    s.health.treadmill_read_only = True  # e.g. csafe:PORT?setspeed=off
    assert "belt speed" not in screen(s) and "read-only" in screen(s)
    s.health.treadmill_read_only = False
    s.health.latency_p50_ms, s.health.latency_p99_ms = 1.5, 2.2
    assert "latency p50 1.5 p99 2.2 ms" in screen(s)
    s.recording_s = 75.0  # four times as fast: 75 s of the recording in 5 s
    text = screen(s)
    assert "recording 01:15" in text and "00:05" not in text
    # a replay's latency is its own feeding of recorded chunks (hundreds of ms at --speed
    # max), no device's: left out, as the replay's summary leaves it out
    assert "latency" not in text
    assert "belt speed" not in text and "metronome" not in text and "q end replay" in text
    s.view_url = "http://127.0.0.1:8765/"
    assert "m view's metronome" in screen(s)


def test_an_80_column_screen_wraps_the_header_and_cuts_nothing(make_steps: Any) -> None:
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05, spacing_m=0.30, lines_per_step=2))
    s.started_host_t = 0.0
    s.belt_mps = s.belt_set_mps = 1.0
    s.metronome = True
    s.paused = True
    s.add_steps(make_steps(40, left=0.63, right=0.54), host_t=9.9)
    s.note(
        "box reconnected after 2.5 s; the steps around the gap are flagged "
        "and left out of the summary"
    )
    text = screen(s, width=80, height=30)
    for item in ("PAUSED", "♪ 100/min", "belt 3.6 km/h (set 3.6)", "target 100 /min", "steps 40"):
        assert item in text, item
    assert "newest at bottom" in text and "target 60 cm ±5 (2 lines × 30 cm)" in text
    joined = " ".join(line.strip("│ ") for line in text.splitlines())
    assert "left out of the summary" in " ".join(joined.split())  # a long alert wraps
    assert max(len(line) for line in text.splitlines()) <= 80


def test_an_80_by_24_screen_cuts_nothing_of_the_symmetry_panel(make_steps: Any) -> None:
    """80 x 24, the smallest terminal promised: the SI legend (a line of its own under the
    rows, cut by the height with a wrapped header, alerts and the walker's view's address)
    is in the panel's bottom border; where the rows do not all fit, heel first goes first,
    and the symmetry rows stay whole."""
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05, spacing_m=0.30, lines_per_step=2))
    s.started_host_t = 0.0
    s.belt_mps = s.belt_set_mps = 1.0
    s.metronome = True
    s.add_steps(make_steps(40, left=0.63, right=0.54), host_t=9.9)
    s.health.treadmill, s.health.treadmill_answering = "trackmaster", True
    s.note("box reconnected after 2.5 s; the steps around the gap are flagged and left out")
    s.note("Treadmill not answering for 3 s: check its cable and that its console is on")
    s.view_url = "http://stride-treadmill-2.clinic.example.org:8765/view"
    roll = s.rolling()
    for skipped, dropped in ((0, ()), (1234, ("heel first",))):
        s.health.skipped_bytes = skipped  # the devices' figures take a third line
        text = screen(s, width=80, height=24)
        assert len(text.rstrip("\n").splitlines()) == 24
        assert "SI > 0 left larger, ✓ |SI| ≤ 9.5 %" in text
        for label, si in (("step length", roll.si_step_length), ("step time", roll.si_step_time),
                          ("stance", roll.si_stance), ("loading", roll.si_loading)):  # fmt: skip
            row = next(line for line in text.splitlines() if label in line)
            assert f"{si:+.1f} {'✓' if abs(si) <= 9.5 else '✗'}" in row, label
        for label in ("on target", "stride CV", "heel first"):
            assert (label in text) == (label not in dropped), label
        assert "walker's view" in text and "Treadmill not answering" in text


def test_an_alert_is_shown_whole_or_counted_at_80_columns() -> None:
    """Three errors at once on an 80 x 24 screen: the box's (3 lines), the recording's (4,
    with its long path) and the treadmill's. The recording's was cut after its third line,
    mid-path, without "the session goes on"; the treadmill's was dropped unsaid. Now each
    shown alert is whole, and the panel's title counts those left out."""
    s = SessionState(Target(step_length_m=0.60))
    s.started_host_t = 0.0
    s.health.box_connected = False
    s.health.box_message = (
        "read failed: device reports readiness to read but returned no data (device "
        "disconnected or multiple access on port?)"
    )
    s.health.recording_error = (
        "cannot write /media/usb-stick/clinic-recordings/patient-0042/2026-12-07-evening/"
        "streams/box.bin.part-000017: No space left on device (errno 28) while writing the "
        "box's stream"
    )
    s.health.treadmill, s.health.treadmill_answering = "trackmaster", False
    text = screen(s, now=30.0, width=80, height=24)
    panel = " ".join(text[text.index("alerts") :].split())
    assert "Sensor box unplugged" in panel and "cannot write" not in panel
    assert "Treadmill not answering" not in panel
    assert "alerts (3 more not shown)" in text  # the recording's, the treadmill's, no steps
    wide = " ".join(screen(s, now=30.0, width=140, height=40).split())
    assert "the session goes on, steps kept in memory" in wide  # whole where it fits


def test_replay_source_plays_in_order_from_the_recordings_time_zero() -> None:
    """The replay's clock counts from the first chunk's host time (``t0``)."""
    chunks = [("box", b"a", 1000.0), ("box", b"b", 1001.5), ("treadmill.rx", b"c", 1003.25)]
    fed: list[float] = []
    source = ReplaySource(chunks, speed=0.0)
    assert source.t0 is None
    source.start(lambda stream, data, host_t, arrival: fed.append(host_t), lambda s, m: None)
    source.join(10.0)
    assert source.done and fed == [1000.0, 1001.5, 1003.25]
    assert source.t0 == 1000.0


def test_the_bottom_line_says_where_the_walkers_view_is() -> None:
    s = SessionState(None)
    assert "walker's view" not in screen(s)
    s.view_url = "http://127.0.0.1:8765/"
    last = screen(s).rstrip().splitlines()[-1]
    assert "q end session" in last and "walker's view http://127.0.0.1:8765/" in last
    # on 80 columns the address goes to a line of its own, whole
    s.view_url = "http://stride-treadmill-2.clinic.example.org:8765/view"
    lines = screen(s, width=80).rstrip().splitlines()
    assert "q end session" in lines[-2] and lines[-1] == f"walker's view {s.view_url}"


def test_a_csv_boards_lines_are_named_lines() -> None:
    """A board printing CSV lines has lines and bad lines, not frames and CRC errors (as
    `stride check` says); the alert for many bad ones too."""
    s = SessionState(None)
    s.started_host_t = 0.0
    s.health.csv_lines = True
    s.health.frames_per_s, s.health.crc_errors, s.health.crc_errors_per_s = 100.0, 40, 5.0
    text = " ".join(screen(s, now=1.0).split())
    assert "100 lines/s bad lines 40 gaps 0" in text
    assert "Sensor box data damaged: 5 bad lines/s (40 so far)" in text
    assert "frames" not in text and "CRC" not in text


def test_the_devices_figures_are_never_cut_at_80_columns(make_steps: Any) -> None:
    """A treadmill not answering on a busy machine: the devices' second line was cut at 80
    columns ("... CPU 12 %  latency p50 10.3 p"); it wraps between two figures."""
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05))
    s.started_host_t = 0.0
    s.add_steps(make_steps(20, left=0.60, right=0.60), host_t=9.9)
    h = s.health
    h.treadmill, h.treadmill_answering, h.treadmill_read_only = "trackmaster", False, True
    h.frames_per_s, h.crc_errors, h.gaps, h.reconnects = 1000.0, 12345, 123, 45
    h.cpu_percent, h.latency_p50_ms, h.latency_p99_ms = 12.0, 10.3, 101.2
    for width in (80, 140):
        text = screen(s, width=width, height=30)
        assert "latency p50 10.3 p99 101.2 ms" in text, width
        assert "treadmill trackmaster NOT ANSWERING" in text and "reconnects 45" in text
        assert max(len(line) for line in text.splitlines()) <= width


def test_the_figures_name_the_strides_they_are_over(make_steps: Any) -> None:
    """The heading says over how many strides the figures are (each foot's, until 20), and
    the share on target is over those same strides, not the whole session's."""
    s = SessionState(Target(step_length_m=0.60, tolerance_m=0.05, spacing_m=0.30, lines_per_step=2))
    s.started_host_t = 0.0

    def heading() -> str:
        return next(line for line in screen(s).splitlines() if "strides" in line)

    steps = make_steps(46, left=0.63, right=0.54)  # R, L, R, L, ...
    s.add_steps(steps[:3], host_t=1.0)
    assert "last 1/2 strides" in heading() and "20 strides" not in heading()
    s.add_steps(steps[3:6], host_t=3.0)
    assert "last 3 strides" in heading()
    s.add_steps(steps[6:], host_t=23.0)
    assert "last 20 strides" in heading()
    # the right foot on target from now on: its last 20 strides all are, half the session's
    s.add_steps(make_steps(40, left=0.63, right=0.60, t0=23.0), host_t=43.0)
    row = next(line for line in screen(s).splitlines() if "on target" in line)
    assert re.search(r"on target +100 % +100 %", row), row
    assert s.within_share()["R"] == pytest.approx(0.5, abs=0.05)  # the session's share


def test_a_symmetry_index_is_judged_as_it_is_shown(make_steps: Any) -> None:
    """The tick or cross goes with the one-decimal SI beside it: a replay once showed
    "loading -9.5 ✗" under the legend "✓ |SI| ≤ 9.5 %" (its SI was -9.53)."""
    from dataclasses import replace

    from stride.session.screen.dashboard import figures_view

    s = SessionState(Target(step_length_m=0.60))
    s.add_steps(make_steps(40, left=0.60, right=0.60), host_t=9.9)
    roll = replace(s.rolling(), si_loading=-9.53, si_step_length=9.549, si_stance=9.551)
    rows = {line[:12].strip(): line for line in figures_view(s, roll).plain.splitlines()}
    assert rows["loading"].endswith("-9.5 ✓")
    assert rows["step length"].endswith("+9.5 ✓")
    assert rows["stance"].endswith("+9.6 ✗")
