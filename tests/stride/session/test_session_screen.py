"""Screen test: after a session, the dashboard shows the numbers of the final summary.

A recording short enough that every step is inside the 20-stride window is played through
the real pipeline; the last frame, rendered into rich's recording console, must show the
summary's step count, cadence, symmetry indices, shares on target, variability, heel-first
shares and belt speed, formatted as the dashboard formats them.
"""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
import synthbox
from rich.console import Console

from devices.recording import SessionReader, SessionWriter
from stride.ingest.recording import pipeline_for, recorded_chunks
from stride.session.live import Session
from stride.session.protocols import SessionOptions
from stride.session.screen.dashboard import render
from stride.session.sources import ReplaySource
from stride.session.state import SessionState


def make_recording(path: Path) -> None:
    data = synthbox.stream(20.0, step_s=0.55, asym=0.04)  # right steps later: asymmetric
    with SessionWriter(path) as w:
        box = w.add_stream("box", "sensorbox-v1")
        for i in range(0, len(data), 950):
            box.append(data[i : i + 950], 1000.0 + i / 9500.0)
        w.write_meta(
            {"target": {"step_length_m": 0.6, "tolerance_m": 0.05, "spacing_m": 0.3,
                        "lines_per_step": 2}, "belt_source": "box"}
        )  # fmt: skip


def test_dashboard_shows_the_summary(tmp_path: Path) -> None:
    make_recording(tmp_path / "rec")
    reader = SessionReader(tmp_path / "rec")
    pipeline, streams, target = pipeline_for(reader)
    state = SessionState(target)
    options = SessionOptions(
        json_lines=False, diagnose_s=0.0, restamp=False, end_when_sources_done=True
    )
    source = ReplaySource(recorded_chunks(reader, streams), speed=0.0)
    session = Session(pipeline, [source], state, options, out=io.StringIO())
    result = session.run()
    console = Console(file=io.StringIO(), record=True, width=120, height=40, color_system=None)
    console.print(render(state, time.monotonic(), width=120, height=40))
    screen = console.export_text()

    s = result.analysis["summary"]
    assert s["steps_used"] <= 40  # all within the rolling window: the figures must agree
    assert f"steps {s['steps']}" in screen
    assert f"cadence {s['cadence_spm']:.0f}" in screen
    sym = s["symmetry"]
    for key in ("step_length", "step_time", "stance", "loading"):
        assert f"{sym[key]['si']:+.1f} {'✓' if abs(sym[key]['si']) <= 9.52 else '✗'}" in screen
    assert abs(sym["step_length"]["si"]) > 1.0  # a real asymmetry, not zeros
    within = s["target"]["within"]
    row = next(line for line in screen.splitlines() if "on target" in line)
    assert f"{100 * within['L']:.0f} %" in row and f"{100 * within['R']:.0f} %" in row
    cv = s["variability"]["stride_time_cv"]
    row = next(line for line in screen.splitlines() if "stride CV" in line)
    assert f"{cv['L']:.1f} %" in row and f"{cv['R']:.1f} %" in row
    row = next(line for line in screen.splitlines() if "heel first" in line)
    assert f"{100 * s['L']['heel_first_share']:.0f} %" in row
    left = s["L"]["step_length_m"]["mean"]
    assert f"{100 * left:.1f} cm" in screen
    assert f"belt {3.6 * s['belt_speed_mps']['mean']:.1f} km/h" in screen


def test_the_summary_never_cuts_the_recordings_path_at_80_columns() -> None:
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    path = Path("/home/clinic/stride-sessions/2026-12-03T12-00-00-P0123-long-folder/recording")
    result = SessionResult(
        {"summary": {"steps": 10, "cadence_spm": 100.0}},
        {"frames": 100, "crc_errors": 0, "gaps": 0, "reconnects": 0},
        path,
    )
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    console.print(summary_table(result))
    text = console.export_text()
    assert "…" not in text and max(len(line) for line in text.splitlines()) <= 80
    assert str(path) in "".join(line.rstrip() for line in text.splitlines())


def test_the_summary_says_what_happened_to_the_devices() -> None:
    """A box unplugged at 0:08 and never back (the simulated devices' server killed): the
    summary after the dashboard showed 15 steps and the counters alone, as if the whole
    session had been measured (the alerts went with the dashboard's screen); it now lists
    the session's device events at their times. Without a dashboard each was printed as it
    happened, and is not repeated."""
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    events = [
        {"elapsed_s": 7.979, "event": "sensor box unplugged (read failed); waiting for it"},
        {"elapsed_s": 8.992, "event": "trackmaster not answering: port is disconnected"},
    ] + [{"elapsed_s": 70.0 + i, "event": f"treadmill answering again {i}"} for i in range(9)]
    result = SessionResult(
        {"summary": {"steps": 15, "cadence_spm": 95.7}},
        {"frames": 1221, "crc_errors": 1, "gaps": 1, "reconnects": 0, "events": events},
        None,
    )
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    console.print(summary_table(result))
    assert "during the session" not in console.export_text()
    console.print(summary_table(result, events=True))
    text = console.export_text()
    assert "during the session" in text
    assert "0:07 sensor box unplugged" in text and "0:08 trackmaster not answering" in text
    assert "1:15 treadmill answering again 5" in text and "again 6" not in text
    assert "... and 3 more (session.json)" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_a_replays_summary_speaks_of_the_recording() -> None:
    """A replay's events are the recording's, at its times, and its latency is only its own
    feeding of recorded chunks (p50 350 ms at --speed max): the summary says "in the
    recording" and leaves the latency row out; a live session's keeps both."""
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    result = SessionResult(
        {"summary": {"steps": 15, "cadence_spm": 95.7}},
        {
            "frames": 1221,
            "gaps": 0,
            "reconnects": 0,
            "latency_ms": {"p50": 350.0, "p99": 900.0},
            "events": [
                {
                    "elapsed_s": 39.2,
                    "event": "sensor box restarted (once in this recording, at 00:39)",
                }
            ],
        },
        None,
    )
    texts = {}
    for replay in (False, True):
        console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
        console.print(summary_table(result, events=True, replay=replay))
        texts[replay] = console.export_text()
    assert "during the session" in texts[False] and "latency" in texts[False]
    assert "session summary" in texts[False]
    assert "in the recording" in texts[True] and "during the session" not in texts[True]
    assert "latency" not in texts[True] and "replay summary" in texts[True]
    assert "0:39 sensor box restarted" in texts[True]


@pytest.mark.parametrize("frames", [107, 1007, 10007, 100007, 12345678])
@pytest.mark.parametrize("lines", [False, True])
def test_the_summary_keeps_each_counter_with_its_value_at_80_columns(
    frames: int, lines: bool
) -> None:
    """At 80 columns the session's counters wrapped between a label and its value
    ("... gaps" / "0"); they break only between two figures."""
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    sess = {"frames": frames, "crc_errors": 3, "gaps": 0, "reconnects": 0}
    if lines:
        sess |= {"lines": frames, "bad_lines": 3}
    summary = {"steps": 1234, "cadence_spm": 100.0, "symmetry": {"step_length": {"si": 1.2}}}
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    console.print(summary_table(SessionResult({"summary": summary}, sess, None)))
    text = console.export_text()
    for label in ("frames", "CRC errors", "lines", "bad lines", "gaps", "reconnects"):
        assert not re.search(rf"\b{label}\s*\n", text), text
    for label, value in (("gaps", 0), ("reconnects", 0)):
        assert f"{label} {value}" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_summary_names_the_larger_side_of_each_symmetry_index() -> None:
    """The summary after a session printed "symmetry step length (SI) +5.9 %" with nothing
    saying which side a positive index means (the dashboard's "SI > 0: left larger" went
    with its screen)."""
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    sym = {"step_length": {"si": 5.9}, "stance": {"si": -9.53}, "step_time": {"si": -0.01},
           "loading": {"si": 10.2}}  # fmt: skip
    cv = {"stride_time_cv": {"L": 2.5, "R": 3.1}}
    summary = {"steps": 49, "symmetry": sym, "variability": cv}
    result = SessionResult({"summary": summary}, {"frames": 1}, None)
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    console.print(summary_table(result))
    text = console.export_text()
    rows = {line.split("(SI)")[0].strip(): line.split("(SI)")[1].strip()
            for line in text.splitlines() if "(SI)" in line}  # fmt: skip
    # each judged against the normal range as shown (-9.53 is -9.5: within), with a shape
    assert rows == {
        "symmetry step length": "+5.9 % (left larger) ✓",
        "symmetry step time": "0.0 % ✓",
        "symmetry stance": "-9.5 % (right larger) ✓",
        "symmetry loading": "+10.2 % (left larger) ✗",
    }
    # the range and its source, whole at 80 columns; the stride-time CV beside its band
    assert "SI ✓ within the normal range, |SI| ≤ 9.5 % (Patterson et al. 2008)" in text
    assert re.search(r"stride-time CV +2\.5 % +3\.1 % +healthy adults 2-4 %", text)
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_end_summary_says_what_was_not_measured_without_dashes() -> None:
    """A session without a belt speed, whose right foot gave no stride CV: the summary's
    table printed "—" cells (a row of them for step length); now a row neither foot has is
    left out (the sentence below says why) and a missing cell says "not measured"."""
    from stride.session.protocols import SessionResult
    from stride.session.screen.summary import summary_table

    side = {"step_length_m": {"mean": None}, "step_time_s": {"mean": 0.52}, "stance_s": {}}
    summary = {
        "steps": 20, "cadence_spm": None, "L": side, "R": {**side, "stance_s": {"mean": 0.6}},
        "variability": {"stride_time_cv": {"L": 2.5, "R": None}},
    }  # fmt: skip
    sess = {"frames": 1, "no_belt_speed": "no belt speed: step lengths not measured"}
    console = Console(file=io.StringIO(), record=True, width=80, color_system=None)
    console.print(summary_table(SessionResult({"summary": summary}, sess, None)))
    text = console.export_text()
    assert "—" not in text and "step length" not in text.split("No belt speed")[0]
    rows = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert "not measured" in rows["cadence"] and "520.0 ms" in rows["step"]
    assert "not measured" in rows["stance"] and "600.0 ms" in rows["stance"]
    assert "2.5 %" in rows["stride-time"] and "not measured" in rows["stride-time"]
