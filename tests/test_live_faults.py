"""Live sessions on the stride_sim fixture's world with faults: unplug and replug of the box,
bit errors on the line, a treadmill that stops answering, one that never answers. The faults
are applied from the session's own loop when the session has reached the state a fault
needs (steps on screen, ...), and the session is ended when what the test looks for has
happened; the dashboard frames are rendered into rich's recording console as the session
runs, so the tests read what a user sees."""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from devices.errors import DeviceError
from devices.recording import SessionReader
from sim.harness import SimDevices
from stride.core.targets import Target
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.alerts import current_alerts
from stride.session.screen.dashboard import render

Frames = list[tuple[float, str]]
#: A test's script: called each refresh; returns True when the session may end.
Script = Callable[[Session], bool]
#: Ends a session whose script never finishes (seconds of the world's clock).
LONGEST_S = 600.0


def driven(frames: Frames, script: Script) -> Callable[[Session], None]:
    """A UI loop that runs ``script`` at every refresh and renders every second one into
    text, as the terminal would show it."""

    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if script(session):
                session.request_stop("test done")
            if i % 2 == 0:
                console = Console(
                    file=io.StringIO(), record=True, width=100, height=32, color_system=None
                )
                console.print(render(session.state, session.state.now(), width=100, height=32))
                frames.append((session.state.elapsed_s, console.export_text()))
            time.sleep(period)  # the screen's refresh interval

    return ui


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str, script: Script, **kw: Any
) -> tuple[list[dict[str, Any]], dict[str, Any], Frames]:
    frames: Frames = []
    args = LiveArgs(
        port=port,
        target=Target.from_options(spacing_m=0.30),
        no_ui=True,
        json_doc=True,
        history=False,
        record=tmp_path / "rec",
        duration_s=LONGEST_S,
        ui_hook=driven(frames, script),
        **kw,
    )
    assert run_live(args) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    doc = rows[-1]
    assert doc["session"]["ended_by"] == "test done"
    return rows[:-1], doc, frames


@pytest.mark.slow
@pytest.mark.stride_sim(seed=2, speedup=10)
def test_box_unplugged_and_replugged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stride_sim: SimDevices
) -> None:
    seen: dict[str, int] = {}
    quiet: list[str] = []  # the "no steps" alert at each refresh

    def script(session: Session) -> bool:
        st = session.state
        quiet.extend(a.text for a in current_alerts(st, st.now()) if a.kind == "no-steps")
        if "unplugged_at" not in seen:
            if st.steps_total >= 8:  # walking, steps on screen: pull the cable for 8 s
                seen["unplugged_at"] = st.steps_total
                stride_sim.unplug(8.0)
            return False
        if "back_at" not in seen:
            if st.health.reconnects >= 1 and st.health.box_connected:
                seen["back_at"] = st.steps_total
            return False
        return st.steps_total >= seen["back_at"] + 8  # walking again after the replug

    _steps, doc, frames = run(tmp_path, capsys, stride_sim.box_url, script)
    s = doc["session"]
    assert s["reconnects"] == 1
    events = " ".join(e["event"] for e in s["events"])
    assert "unplugged" in events and "back after" in events
    unplugged = [t for t, text in frames if "UNPLUGGED" in text]
    assert unplugged, "the dashboard never said the box was unplugged"
    assert any(t > max(unplugged) and "box connected" in text for t, text in frames)
    # no steps while the box was away, for that reason; once it is back, the walker (who
    # never stopped) is not asked about: the seconds count from the box's return
    assert any(q.endswith("- the sensor box is unplugged") for q in quiet)
    assert not any("walker" in q for q in quiet), quiet
    # the strides across the outage are flagged, not measured: `gap`, or `edge` where the
    # box came back with a new HELLO and a foot's first contact after it opens no stride
    later = doc["steps"][seen["unplugged_at"] :]  # the steps after the cable was pulled
    across = [st for st in later if {"gap", "edge"} & set(st["flags"])]
    assert across
    # the steps go on after the outage: 8 s later on the box's clock
    first = min(st["ic_s"] for st in across)
    assert any(st["ic_s"] > first + 4.0 and not st["flags"] for st in doc["steps"])
    # the recording holds every byte received, and the reopen as the mark of a new
    # connection (an empty chunk) after the bytes of the unplugged box
    reader = SessionReader(tmp_path / "rec")
    sizes = [len(d) for _, d in reader.chunks("box")]
    assert sum(sizes) == s["bytes"]["box"]
    assert sizes.count(0) == 1 and 0 < sizes.index(0) < len(sizes) - 1
    # `stride analyze` of the recording breaks the steps at the reopen as the session did
    from stride.analysis import document
    from stride.analysis import run as analyse
    from stride.core.analyzer import AnalysisConfig

    _, result, _ = analyse(tmp_path / "rec", AnalysisConfig())
    assert document(result)["steps"] == doc["steps"]


@pytest.mark.slow
@pytest.mark.stride_sim(seed=3, speedup=10)
def test_bit_errors_are_counted_and_steps_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stride_sim: SimDevices
) -> None:
    flipping: list[bool] = []

    def script(session: Session) -> bool:
        h = session.state.health
        if h.frames and not flipping:
            flipping.append(True)
            stride_sim.flip_bits(50_000)  # one bit in every 50 000 bytes the box sends
        return h.crc_errors >= 3 and session.state.steps_total >= 40

    _steps, doc, frames = run(tmp_path, capsys, stride_sim.box_url, script)
    s = doc["session"]
    assert s["crc_errors"] >= 3 and s["gaps"] > 0
    shown = [int(m) for _, text in frames for m in _crc_counts(text)]
    assert shown and 0 < max(shown) <= s["crc_errors"]  # counted on the dashboard as they came
    good = [st for st in doc["steps"] if not st["flags"]]
    assert len(good) >= 0.5 * len(doc["steps"]) and len(good) >= 20
    assert all(0.3 < st["step_time_s"] < 1.0 for st in good)


def _crc_counts(text: str) -> list[str]:
    import re

    return re.findall(r"CRC errors (\d+)", text)


@pytest.mark.slow
@pytest.mark.stride_sim(seed=4, speed="2.2mph", speedup=5)
def test_treadmill_stops_answering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], stride_sim: SimDevices
) -> None:
    seen: dict[str, int] = {}

    def script(session: Session) -> bool:
        st = session.state
        if "silenced_at" not in seen:
            measured = any(s.get("step_length_m") for side in "LR" for s in st.last_steps(side))
            if measured and st.steps_total >= 8:
                seen["silenced_at"] = st.steps_total
                stride_sim.silence_treadmill(LONGEST_S)
            return False
        return not st.health.treadmill_answering and st.steps_total >= seen["silenced_at"] + 8

    steps, doc, frames = run(
        tmp_path,
        capsys,
        stride_sim.box_url,
        script,
        treadmill=f"trackmaster:{stride_sim.treadmill_url}",
    )
    texts = [text for _, text in frames]
    assert any("answering" in t and "NOT ANSWERING" not in t for t in texts[:5])
    late = [t for t in texts if "NOT ANSWERING" in t]
    assert late and "belt unknown" in late[-1]
    assert "Treadmill not answering" in late[-1]
    # the session went on: steps emitted after the outage, their lengths flagged
    flagged = [st for st in steps if "belt-unknown" in st["flags"]]
    assert len(flagged) >= 5
    assert all(st["step_length_m"] is None for st in flagged)
    measured = [st for st in steps if st["step_length_m"] is not None]
    assert measured, "no step had a length while the treadmill answered"
    assert doc["steps"][: len(steps)] == steps
    # `stride analyze` of the recording decides the outage as the live session did
    from stride.analysis import document
    from stride.analysis import run as analyse
    from stride.core.analyzer import AnalysisConfig

    _, result, _ = analyse(tmp_path / "rec", AnalysisConfig())
    assert document(result)["steps"] == doc["steps"]


@pytest.mark.stride_sim(speedup=5)
def test_treadmill_that_never_answers_is_diagnosed(tmp_path: Path, stride_sim: SimDevices) -> None:
    stride_sim.silence_treadmill(3600.0)  # it hears the polls; its answers are lost
    args = LiveArgs(
        port=stride_sim.box_url,
        treadmill=f"trackmaster:{stride_sim.treadmill_url}",
        no_ui=True,
        history=False,
        duration_s=LONGEST_S,
        record=tmp_path / "rec",
    )
    with pytest.raises(DeviceError, match="never answered in 3 s: wrong port"):
        run_live(args)
    assert (tmp_path / "rec" / "streams" / "box.rec").is_file()  # what came is kept
