"""A box port reopened after an unplug starts a new stretch, live and from the recording.

The box here is power-cycled while its port is closed and happens to count on from where
the old one stopped: its first frames repeat the old box's last ones, seq and clock alike,
so its bytes alone read as one seamless stream (the HELLO it sent at power-up went to
nobody). Only the reopen says the 8 s outage was there: the session's reader hands the
mark of it on, the recording keeps it, and every way of reading the session breaks the
steps there.
"""

from __future__ import annotations

import functools
import threading
import time
from pathlib import Path
from typing import Any

import pytest
import serial
import synthbox

from devices.recording import SessionReader
from devices.sensorbox import SampleBlock, StreamDecoder
from devices.transport import PortNotFoundError, ReconnectingPort
from stride.analysis import document
from stride.analysis import run as analyse
from stride.core.analyzer import AnalysisConfig
from stride.ingest.belt_source import BeltSource
from stride.ingest.pipeline import SessionPipeline, build_pipeline
from stride.ingest.recording import pipeline_for, recorded_chunks
from stride.session import devices as session_devices
from stride.session.chunks import Chunk, join_runs
from stride.session.recorder import SessionRecorder
from stride.session.state import SessionState

WALK = synthbox.stream(16.0)
#: The cable is pulled mid-frame about 8 s in; the new box's first bytes start mid-frame
#: too, 40 frames' worth of bytes earlier: the same frames again, as it counts on.
CUT = WALK.find(b"\x00", len(WALK) // 2) - 5
RESUME = CUT - 1500


class FakeSerial:
    """A port that hands out ``data`` in reads of at most ``size``; then, with ``unplug``,
    fails as a pulled cable does, else times out (b"") forever."""

    def __init__(self, data: bytes, unplug: bool) -> None:
        self.data = data
        self.unplug = unplug
        self.pos = 0

    @property
    def in_waiting(self) -> int:
        return len(self.data) - self.pos

    def read(self, size: int = 1) -> bytes:
        if self.pos >= len(self.data):
            if self.unplug:
                raise serial.SerialException(
                    "device reports readiness to read but returned no data"
                )
            time.sleep(0.01)
            return b""
        out = self.data[self.pos : self.pos + size]
        self.pos += len(out)
        return out

    def write(self, data: bytes) -> int:
        return len(data)

    def close(self) -> None:
        pass


def power_cycled_box() -> Any:
    """An opener: the old box until the cable is pulled, one refused open, then the
    power-cycled box whose counters carry on."""
    ports = [FakeSerial(WALK[:CUT], unplug=True), None, FakeSerial(WALK[RESUME:], unplug=False)]

    def opener(url: str, **kw: object) -> object:
        port = ports.pop(0) if ports else None
        if port is None:
            raise PortNotFoundError(f"port {url} does not exist")
        return port

    return opener


def live_session(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, SessionPipeline]:
    """The box read by the session's own reader (open_box) until every byte is in, each
    chunk recorded, then analysed as ``Session``'s analysis loop does when it fell behind
    (the chunks waiting joined: the host times of joined reads are the last one's)."""
    opener = power_cycled_box()
    monkeypatch.setattr(
        session_devices, "ReconnectingPort", functools.partial(ReconnectingPort, opener=opener)
    )
    state = SessionState(None)
    box = session_devices.open_box("fake://box", 115200, state, "box")
    recorder = SessionRecorder(tmp_path / "rec", {"box": "sensorbox-v1"})
    pipeline = build_pipeline(None, BeltSource.from_session({}, "live"))
    steps: list[Any] = []
    got = {"bytes": 0}
    done = threading.Event()
    want = CUT + len(WALK) - RESUME

    queued: list[Chunk] = []

    def sink(stream: str, data: bytes, host_t: float, arrival: float) -> None:
        recorder.append(stream, data, host_t)
        queued.append((stream, data, host_t, arrival))
        got["bytes"] += len(data)
        if got["bytes"] >= want:
            done.set()

    def report(stream: str, message: str) -> None:
        raise AssertionError(message)

    box.reader.start(sink, report)
    try:
        assert done.wait(60.0), f"only {got['bytes']} of {want} bytes read"
    finally:
        box.reader.stop()
        box.reader.join(5.0)
        box.close()
    assert pipeline.chunking_is_free
    for i in range(0, len(queued), 5):  # as an analysis that fell behind takes them
        for name, chunk, t, _ in join_runs(queued[i : i + 5]):
            steps.extend(pipeline.feed(name, chunk, t))
    final = pipeline.finish()
    recorder.finish({"belt_source": "box"}, final)
    assert box.port.stats.reconnects == 1
    assert any("back after" in e["event"] for e in state.events)
    return final, pipeline


def test_the_counters_alone_hide_the_outage() -> None:
    # What the bytes say without the reopen: one stream, nothing lost, no restart.
    dec = StreamDecoder()
    blocks = [
        e
        for e in dec.feed(WALK[:CUT], 1.0) + dec.feed(WALK[RESUME:], 9.0) + dec.flush()
        if isinstance(e, SampleBlock)
    ]
    assert dec.stats.restarts == 0 and dec.stats.frames_lost == 0
    assert not any(b.gap_before for b in blocks)
    assert dec.stats.duplicates > 0  # the new box's first frames repeat the old one's


def test_a_reopened_port_starts_a_new_stretch_live_and_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    final, pipeline = live_session(tmp_path, monkeypatch)
    assert pipeline.decoder.stats.restarts == 1
    steps = final["steps"]
    cut_s = 8.0
    before = [s for s in steps if s["ic_s"] < cut_s - 1.0]
    after = [s for s in steps if s["ic_s"] > cut_s]
    assert before and after
    assert not any("gap" in s["flags"] for s in before)
    across = [s for s in after if {"gap", "edge"} & set(s["flags"])]
    assert across, "no step after the reopen was flagged"
    assert {s["side"] for s in across} == {"L", "R"}  # each foot's first contact after it
    assert any(not s["flags"] for s in after)  # the walk goes on after the outage
    # the recording keeps the reopen as an empty chunk, between the two boxes' bytes
    reader = SessionReader(tmp_path / "rec")
    sizes = [len(d) for _, d in reader.chunks("box")]
    assert sizes.count(0) == 1
    assert sum(sizes[: sizes.index(0)]) == CUT
    # `stride analyze` of the recording gives the live steps and flags
    _, result, _ = analyse(tmp_path / "rec", AnalysisConfig())
    assert document(result)["steps"] == steps
    # and so does `stride replay`: the recorded chunks through the live pipeline
    replay, streams, _target = pipeline_for(SessionReader(tmp_path / "rec"))
    for name, data, host_t in recorded_chunks(reader, streams):
        replay.feed(name, data, host_t)
    assert replay.finish()["steps"] == steps
    assert replay.decoder.stats.as_dict() == pipeline.decoder.stats.as_dict()


def test_an_empty_chunk_is_never_joined() -> None:
    chunks = [("box", b"ab", 1.0, 1.0), ("box", b"", 2.0, 2.0), ("box", b"cd", 3.0, 3.0)]
    assert [c[1] for c in join_runs(chunks)] == [b"ab", b"", b"cd"]
    assert [c[1] for c in join_runs([chunks[0], chunks[2]])] == [b"abcd"]
