"""Each treadmill stream's silence limit (the driver's, or a registered parser's), used
alike by the live pipeline and ``stride analyze``: a treadmill that reports about once a
second keeps its step lengths; and the heart rate its readings carry, summarised as
``heart_rate_bpm`` (golden values)."""

from __future__ import annotations

import math
import struct
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.recording import SessionReader, SessionWriter
from devices.sensorbox import SampleBlock, StreamDecoder
from devices.treadmill.base import BeltReading
from stride.analysis import run
from stride.core.analyzer import AnalysisConfig
from stride.core.signals import GaitSignals
from stride.errors import InputError
from stride.ingest.recording import pipeline_for, recorded_chunks
from stride.ingest.streams import (
    DEFAULT_CARRY_BYTES,
    DEFAULT_SILENCE_S,
    IncrementalReadings,
    carry_bytes,
    register_reading_parser,
    silence_limit,
    unregister_reading_parser,
)
from stride.ingest.treadmill_clock import TreadmillBeltClock, heart_rate_summary, with_treadmill

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]


def _speed_and_hr(chunks: Iterable[tuple[float, str, bytes]]) -> list[BeltReading]:
    """A made-up notification stream: float32 speed, uint8 heart rate (0: none)."""
    out = []
    for host_t, direction, data in chunks:
        if direction == "rx" and len(data) == 5:
            speed, hr = struct.unpack("<fB", data)
            out.append(BeltReading(host_t, (speed,), float(hr) if hr else None))
    return out


@pytest.fixture
def slow_streams() -> Iterator[None]:
    """The same stream kind under two names: one with a 3 s silence limit, one without."""
    register_reading_parser("test-1hz", _speed_and_hr, silence_s=3.0)
    register_reading_parser("test-1hz-tight", _speed_and_hr)
    yield
    unregister_reading_parser("test-1hz")
    unregister_reading_parser("test-1hz-tight")


def test_silence_limits_come_from_the_driver_or_the_registered_parser(
    slow_streams: None,
) -> None:
    assert silence_limit("ftms") == 3.0 and silence_limit("rsc") == 3.0
    assert silence_limit("trackmaster") == DEFAULT_SILENCE_S == 1.0
    assert silence_limit(None) == silence_limit("no-such-protocol") == DEFAULT_SILENCE_S
    assert silence_limit("test-1hz") == 3.0 and silence_limit("test-1hz-tight") == 1.0
    with pytest.raises(InputError, match="silence limit"):
        register_reading_parser("bad", _speed_and_hr, silence_s=0.0)
    with pytest.raises(InputError, match="silence limit"):
        register_reading_parser("bad", _speed_and_hr, silence_s=math.inf)


def _record(tmp: Path, sig: GaitSignals, protocol: str, period_s: float) -> Path:
    """A session whose belt readings come every ``period_s`` (heart rate 100 + k % 7)."""
    from stride_testkit import box_wire  # type: ignore[import-not-found]

    path = tmp / protocol
    with SessionWriter(str(path)) as w:
        w.write_meta({"belt_source": "treadmill"})
        box = w.add_stream("box", "sensorbox-v1")
        host = 1000.0
        for frame in box_wire(sig, t0_us=0):  # each frame arrives 20 ms after its last sample
            dec = StreamDecoder(reorder_window=0)
            blocks = [
                e for e in (*dec.feed(frame, 0.0), *dec.flush()) if isinstance(e, SampleBlock)
            ]
            if blocks:
                host = 1000.02 + blocks[-1].t_us[-1] / 1e6
            box.append(frame, host)
        rx = w.add_stream("treadmill.rx", protocol)
        for k in range(int(sig.t[-1] / period_s) + 2):
            rx.append(struct.pack("<fB", 1.25, 100 + k % 7), 1000.03 + period_s * k)
    return path


def _live_and_batch(path: Path) -> tuple[dict[str, object], list[dict[str, object]]]:
    reader = SessionReader(path)
    pipeline, streams, _ = pipeline_for(reader)
    for s, d, t in recorded_chunks(reader, streams):
        pipeline.feed(s, d, t)
    live = pipeline.finish()
    _, result, _ = run(path, AnalysisConfig())
    assert result.step_rows() == live["steps"]
    assert result.summary == live["summary"]
    return live, result.step_rows()


def test_a_stream_at_one_reading_per_1_2_s_keeps_its_lengths_within_its_silence_limit(
    tmp_path: Path, synth_walk: Walk, slow_streams: None
) -> None:
    sig, _ = synth_walk(seconds=24.0, fs=200.0, belt_mps=None, seed=3)
    live, rows = _live_and_batch(_record(tmp_path, sig, "test-1hz", 1.2))
    lengths = [r["step_length_m"] for r in rows if r["step_length_m"] is not None]
    assert len(lengths) >= 0.8 * len(rows)
    assert not any("belt-unknown" in r.get("flags", []) for r in rows)  # type: ignore[operator]
    summary = live["summary"]
    assert isinstance(summary, dict)
    hr = summary["heart_rate_bpm"]
    assert hr["n"] >= 15 and 100 <= hr["min"] <= hr["max"] <= 106

    # the same stream read with the default 1 s limit: not answering between readings
    _, tight = _live_and_batch(_record(tmp_path, sig, "test-1hz-tight", 1.2))
    unknown = [r for r in tight if "belt-unknown" in r.get("flags", [])]  # type: ignore[operator]
    assert len(unknown) >= 0.5 * len(tight)


def test_heart_rate_summary_golden_values() -> None:
    got = heart_rate_summary([80.0, 82.0, 90.0, math.nan])
    assert got == {"mean": 84.0, "sd": pytest.approx(math.sqrt(28.0)), "n": 3, "min": 80.0,
                   "max": 90.0}  # fmt: skip
    assert heart_rate_summary([]) == {"mean": None, "sd": None, "n": 0, "min": None, "max": None}
    assert heart_rate_summary([72.0]) == {"mean": 72.0, "sd": None, "n": 1, "min": 72.0,
                                          "max": 72.0}  # fmt: skip


def test_the_clock_keeps_the_heart_rates_of_the_readings_it_places() -> None:
    c = TreadmillBeltClock(stale_s=3.0)
    c.readings([BeltReading(0.5, (1.0,), 70.0)])  # before the box: no clock, not kept
    c.box_chunk(1.0, 0.0)
    c.readings(
        [BeltReading(1.5, (1.0,), 71.0), BeltReading(1.6, (1.0,)), BeltReading(1.7, (1.0,), 73.0)]
    )
    c.readings([BeltReading(1.7, (1.0,), 99.0)])  # not after the last: not placed
    assert c.heart_rates == [71.0, 73.0]


def test_incremental_readings_keep_the_heart_rate() -> None:
    inc = IncrementalReadings(_speed_and_hr)
    got = inc.feed(struct.pack("<fB", 1.0, 88), 5.0) + inc.feed(struct.pack("<fB", 1.1, 0), 6.0)
    assert got == [BeltReading(5.0, (1.0,), 88.0), BeltReading(6.0, (pytest.approx(1.1),), None)]


def test_with_treadmill_adds_heart_rate_only_where_sent(synth_walk: Walk) -> None:
    from stride.core.analyzer import analyze

    sig, _ = synth_walk(seconds=10.0, fs=200.0, belt_mps=1.0, seed=4)
    base = analyze(sig)
    assert "heart_rate_bpm" not in with_treadmill(base, [], []).summary
    added = with_treadmill(base, [], [90.0, 94.0]).summary["heart_rate_bpm"]
    assert added == {"mean": 92.0, "sd": pytest.approx(math.sqrt(8.0)), "n": 2, "min": 90.0,
                     "max": 94.0}  # fmt: skip


def test_carries_come_from_the_driver_or_the_registered_parser(slow_streams: None) -> None:
    assert carry_bytes("ftms") == 64 and carry_bytes("rsc") == 0
    assert carry_bytes("trackmaster") == carry_bytes(None) == DEFAULT_CARRY_BYTES
    assert carry_bytes("test-1hz") == DEFAULT_CARRY_BYTES
    with pytest.raises(InputError, match="carry"):
        register_reading_parser("bad", _speed_and_hr, carry_bytes=-1)
    inc = IncrementalReadings(_speed_and_hr, max_carry=0)  # each chunk alone: nothing kept
    for k in range(50):
        inc.feed(struct.pack("<fB", 1.0, 0), float(k))
    assert inc._carry == []


_PART = st.one_of(
    st.tuples(st.just("speed"), st.integers(0, 2000), st.none() | st.integers(40, 200)),
    st.tuples(st.just("more"), st.just(0), st.integers(40, 200)),  # a "more data" part
    st.tuples(st.just("bad"), st.just(0), st.none()),  # truncated: skipped
)


def _ftms(kind: str, speed: int, hr: int | None) -> bytes:
    from devices.ble.record import encode_record

    if kind == "bad":
        return encode_record(0x2ACD, b"\x00")
    flags = (1 if kind == "more" else 0) | (0x100 if hr is not None else 0)
    body = b"" if kind == "more" else struct.pack("<H", speed)
    return encode_record(0x2ACD, struct.pack("<H", flags) + body + bytes([hr] if hr else []))


@settings(max_examples=60, deadline=None)
@given(st.lists(_PART, max_size=40))
def test_ftms_read_chunk_by_chunk_with_its_carry_gives_the_whole_recording_readings(
    parts: list[tuple[str, int, int | None]],
) -> None:
    """What the live session and ``stride analyze`` read (64 bytes of carry) is what
    ``parse_recording`` reads from the whole stream at once: speeds and heart rates."""
    from devices.treadmill.ftms import FtmsTreadmill

    chunks = [(10.0 + k, "rx", _ftms(*p)) for k, p in enumerate(parts)]
    inc = IncrementalReadings(FtmsTreadmill.parse_recording, max_carry=carry_bytes("ftms"))
    live = [r for t, _, d in chunks for r in inc.feed(d, t)]
    assert live == FtmsTreadmill.parse_recording(chunks)
