"""Live sessions against the simulator (sim://) with faults: unplug and replug of the box,
bit errors on the line, a treadmill that stops answering. The dashboard frames are rendered
into rich's recording console while the session runs, so the tests read what a user sees."""

from __future__ import annotations

import contextlib
import io
import json
import os
import pty
import re
import threading
import time
import tty
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from devices.recording import SessionReader
from stride.core.targets import Target
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render

Frames = list[tuple[float, str]]


def collector(frames: Frames) -> Callable[[Session], None]:
    """A UI loop that renders every third refresh into text, as the terminal would show."""

    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if i % 3 == 0:
                console = Console(
                    file=io.StringIO(), record=True, width=100, height=32, color_system=None
                )
                console.print(render(session.state, session.state.now(), width=100, height=32))
                frames.append((session.state.elapsed_s, console.export_text()))
            time.sleep(period)

    return ui


def run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], port: str, **kw: Any
) -> tuple[list[dict[str, Any]], dict[str, Any], Frames]:
    frames: Frames = []
    args = LiveArgs(
        port=port,
        target=Target.from_options(spacing_m=0.30),
        no_ui=True,
        json_doc=True,
        history=False,
        record=tmp_path / "rec",
        ui_hook=collector(frames),
        **kw,
    )
    assert run_live(args) == 0
    rows = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.strip()]
    return rows[:-1], rows[-1], frames


def world(name: str) -> str:
    return f"{name}-{os.getpid()}-{time.monotonic_ns()}"


@pytest.mark.slow
def test_box_unplugged_and_replugged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    port = f"sim://box?world={world('unplug')}&speedup=10&unplug_at=15&unplug_s=8&seed=2"
    steps, doc, frames = run(tmp_path, capsys, port, duration_s=45.0)  # world seconds
    s = doc["session"]
    assert s["reconnects"] == 1
    events = " ".join(e["event"] for e in s["events"])
    assert "unplugged" in events and "back after" in events
    unplugged = [t for t, text in frames if "UNPLUGGED" in text]
    assert unplugged, "the dashboard never said the box was unplugged"
    assert any(t > max(unplugged) and "box connected" in text for t, text in frames)
    # the session resumed: steps after the outage (world time 23 s on)
    assert any(st["ic_s"] > 25.0 for st in steps)
    assert any("gap" in st["flags"] for st in doc["steps"])
    # the recording holds every byte received
    reader = SessionReader(tmp_path / "rec")
    assert sum(len(d) for _, d in reader.chunks("box")) == s["bytes"]["box"]


@pytest.mark.slow
def test_bit_errors_are_counted_and_steps_kept(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = f"sim://box?world={world('flip')}&speedup=10&flip=0.00002&seed=3"
    _steps, doc, frames = run(tmp_path, capsys, port, duration_s=40.0)
    s = doc["session"]
    assert s["crc_errors"] > 0 and s["gaps"] > 0
    shown = [int(m) for _, text in frames for m in re.findall(r"CRC errors (\d+)", text)]
    assert shown and 0 < max(shown) <= s["crc_errors"]  # counted on the dashboard as they came
    good = [st for st in doc["steps"] if not st["flags"]]
    assert len(good) >= 0.5 * len(doc["steps"]) and len(good) >= 20
    assert all(0.3 < st["step_time_s"] < 1.0 for st in good)


class SilentAfterTrackmaster:
    """A Trackmaster on a pseudo-terminal that answers polls, then stops answering."""

    def __init__(self, answer_for_s: float, tenths_mph: int = 22) -> None:
        self.master, self.slave = pty.openpty()
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.answer_for_s = answer_for_s
        self.tenths = tenths_mph
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        t0 = None
        buf = b""
        while not self._stop.is_set():
            try:
                data = os.read(self.master, 64)
            except OSError:
                return
            t0 = time.monotonic() if t0 is None else t0
            if time.monotonic() - t0 > self.answer_for_s:
                continue  # silent: the treadmill stopped answering
            buf += data
            while buf:
                b = buf[0]
                if b == 0xC1:
                    os.write(self.master, b"\xd1" + f"{self.tenths:04d}".encode())
                    buf = buf[1:]
                elif b == 0xA3:
                    if len(buf) < 5:
                        break
                    os.write(self.master, b"\xb3")
                    buf = buf[5:]
                elif 0xA0 <= b <= 0xAF:
                    os.write(self.master, bytes([0xB0 + (b & 0x0F)]))
                    buf = buf[1:]
                elif 0xC0 <= b <= 0xCF:
                    os.write(self.master, bytes([0xD0 + (b & 0x0F)]) + b"0000")
                    buf = buf[1:]
                else:
                    buf = buf[1:]

    def close(self) -> None:
        self._stop.set()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def silent_treadmill() -> Iterator[SilentAfterTrackmaster]:
    tm = SilentAfterTrackmaster(answer_for_s=1.5)
    yield tm
    tm.close()


@pytest.mark.slow
def test_treadmill_stops_answering(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], silent_treadmill: SilentAfterTrackmaster
) -> None:
    port = f"sim://box?world={world('tm')}&speedup=5&seed=4"
    steps, doc, frames = run(
        tmp_path, capsys, port, treadmill=f"trackmaster:{silent_treadmill.path}", duration_s=25.0
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
    assert doc["session"]["ended_by"] == "duration reached"
    assert doc["steps"][: len(steps)] == steps
    # `stride analyze` of the recording decides the outage as the live session did
    from stride.analysis import document
    from stride.analysis import run as analyse
    from stride.core.analyzer import AnalysisConfig

    _, result, _ = analyse(tmp_path / "rec", AnalysisConfig())
    assert document(result)["steps"] == doc["steps"]


def test_treadmill_that_never_answers_is_diagnosed(tmp_path: Path) -> None:
    from devices.errors import DeviceError

    silent = SilentAfterTrackmaster(answer_for_s=0.0)
    try:
        args = LiveArgs(
            port=f"sim://box?world={world('mute')}&speedup=5",
            treadmill=f"trackmaster:{silent.path}",
            no_ui=True,
            history=False,
            duration_s=30.0,
            record=tmp_path / "rec",
        )
        with pytest.raises(DeviceError, match="never answered in 3 s: wrong port"):
            run_live(args)
    finally:
        silent.close()
    assert (tmp_path / "rec" / "streams" / "box.rec").is_file()  # what came is kept
