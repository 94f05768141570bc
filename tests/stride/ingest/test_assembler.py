"""The block assembler and the session reader: a recording read back gives the samples
that were sent, live chunking gives the same steps as ``stride analyze`` of the file."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.sensorbox import BeltBlock, HelloEvent, SampleBlock, StreamDecoder
from devices.sensorbox.frames import ChannelSpec, Hello
from stride.core.analyzer import StreamingAnalyzer, analyze
from stride.core.signals import GaitSignals
from stride.errors import InputError
from stride.ingest.assembler import BlockAssembler, concat_chunks
from stride.ingest.recording import read_session

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]


def _frames(walk: Walk, drop: frozenset[int] = frozenset()) -> tuple[GaitSignals, list[bytes]]:
    from stride_testkit import box_wire  # type: ignore[import-not-found]

    sig, _ = walk(seconds=20.0, fs=200.0, heel_toe=True, seed=11)
    return sig, box_wire(sig, drop=drop)


@pytest.fixture
def frames(synth_walk: Walk) -> tuple[GaitSignals, list[bytes]]:
    return _frames(synth_walk, frozenset({150, 151, 152}))


def test_session_read_back(frames: tuple[GaitSignals, list[bytes]], tmp_path: Path) -> None:
    from stride_testkit import write_box_session  # type: ignore[import-not-found]

    sig, wire = frames
    write_box_session(tmp_path / "s", wire)
    got = read_session(tmp_path / "s")
    assert [c.name for c in got.channels] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert got.fs == 200.0 and got.t[0] == 0.0 and got.units == "adu"
    # three lost frames of 10 samples: 30 samples missing, one jump of 31 periods
    assert got.n == sig.n - 30
    dt = np.diff(got.t)
    assert np.sum(dt > 1.5 / 200) == 1 and dt.max() == pytest.approx(31 / 200)
    keep = np.ones(sig.n, bool)
    keep[1500:1530] = False
    assert np.array_equal(got.forces, np.asarray(sig.forces).round().astype(np.int16)[keep])
    assert got.belt_t is not None and got.belt_speed is not None
    assert got.belt_speed.mean() == pytest.approx(1.0, abs=0.01)
    assert got.meta["decoder"]["frames_lost"] == 3  # type: ignore[index]
    # whichever decoder path read it, the samples are those of the live decoder
    live = BlockAssembler().feed(StreamDecoder().feed(b"".join(wire), 0.0))
    assert live is not None
    assert np.array_equal(live.t, got.t) and np.array_equal(live.forces, got.forces)
    assert live.belt_t is not None and live.belt_speed is not None
    assert np.array_equal(live.belt_t, got.belt_t) and np.array_equal(
        live.belt_speed, got.belt_speed
    )
    a = analyze(got)
    assert a.summary["flags"]["gap"] >= 1  # type: ignore[index]
    assert a.summary["L"]["step_length_m"]["mean"] == pytest.approx(0.55, abs=0.02)  # type: ignore[index]


@settings(
    deadline=None, max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.integers(1, 400), min_size=1, max_size=8))
def test_live_chunking_gives_the_steps_of_the_recording(synth_walk: Walk, sizes: list[int]) -> None:
    _sig, wire = _frames(synth_walk, frozenset({150, 151, 152}))
    whole = BlockAssembler().feed(StreamDecoder().feed(b"".join(wire), 0.0))
    assert whole is not None
    batch = analyze(whole)
    dec = StreamDecoder()
    asm = BlockAssembler()
    chunks = []
    analyzer: StreamingAnalyzer | None = None
    data = b"".join(wire)
    pos, i = 0, 0
    while pos < len(data):
        size = sizes[i % len(sizes)] * 7
        piece, pos, i = data[pos : pos + size], pos + size, i + 1
        chunk = asm.feed(dec.feed(piece, 0.0))
        if chunk is None:
            continue
        chunks.append(chunk)
        if analyzer is None:
            analyzer = StreamingAnalyzer(None, asm.channels, asm.fs, asm.belts)
        analyzer.feed_signals(chunk)
    last = asm.feed(dec.flush())
    if last is not None:
        chunks.append(last)
        assert analyzer is not None
        analyzer.feed_signals(last)
    joined = concat_chunks(chunks)
    assert np.array_equal(joined.t, whole.t) and np.array_equal(joined.forces, whole.forces)
    assert joined.belt_t is not None and whole.belt_t is not None
    assert np.array_equal(joined.belt_t, whole.belt_t)
    assert analyzer is not None
    live = analyzer.finish()
    assert live.summary == batch.summary
    for k in batch.steps.values:
        assert np.array_equal(live.steps[k], batch.steps[k], equal_nan=True)


def test_bad_recordings(tmp_path: Path, synth_walk: Walk) -> None:
    from stride_testkit import write_box_session  # type: ignore[import-not-found]

    _, wire = _frames(synth_walk)
    # drop the HELLO frames (channel map): samples cannot be assigned to feet
    no_hello = [f for f in wire if not any(isinstance(e, HelloEvent) for e in _decode(f))]
    assert len(no_hello) < len(wire)
    write_box_session(tmp_path / "nohello", no_hello)
    with pytest.raises(InputError, match="HELLO"):
        read_session(tmp_path / "nohello")
    with pytest.raises(InputError, match="no recording"):
        read_session(tmp_path / "missing")
    write_box_session(tmp_path / "empty", [])
    with pytest.raises(InputError):
        read_session(tmp_path / "empty")


def _decode(frame: bytes) -> list[object]:
    dec = StreamDecoder(reorder_window=0)
    return [*dec.feed(frame, 0.0), *dec.flush()]


def _hello(roles: list[tuple[str, str]], scale: float = 0.0, counts_per_m: float = 100.0) -> Hello:
    specs = tuple(ChannelSpec.of(side, place, offset=10, scale=scale) for side, place in roles)
    return Hello(specs, sample_rate_hz=100, belt_counts_per_m=counts_per_m)


def _block(t0: int, n: int, c: int, seq: int, missing: int = 0) -> SampleBlock:
    t = t0 + 10_000 * np.arange(n, dtype=np.int64)
    v = (np.arange(n * c, dtype=np.int16).reshape(n, c) + 100).astype(np.int16)
    return SampleBlock(t, v, seq, missing)


def test_assembler_bookkeeping() -> None:
    hello = _hello([("L", "heel"), ("R", "heel")])
    asm = BlockAssembler()
    # samples and a belt reading before the HELLO are held, not lost
    assert asm.feed([_block(1_000_000, 3, 2, 1), BeltBlock(1_030_000, 5, 20_000, 2.5, 2)]) is None
    out = asm.feed([HelloEvent(hello, 3, 1_030_000)])
    assert out is not None and out.t.tolist() == [0.0, 0.01, 0.02]
    assert out.belt_t is not None and out.belt_t.tolist() == [0.02]  # middle of its interval
    # a late duplicate is dropped and counted; a lost frame leaves a jump, counted as a gap
    out = asm.feed([_block(1_020_000, 2, 2, 4), _block(1_060_000, 2, 2, 6, missing=1)])
    assert out is not None and out.t.tolist() == pytest.approx([0.03, 0.06, 0.07])
    assert asm.counts.samples_out_of_order == 1 and asm.counts.gaps == 1
    # a belt reading without a scale, and one going back in time, are counted
    assert asm.feed([BeltBlock(1_100_000, 5, 20_000, None, 7)]) is None
    assert asm.feed([BeltBlock(1_020_000, 5, 20_000, 1.0, 8)]) is None
    assert asm.counts.belt_without_scale == 1 and asm.counts.belt_out_of_order == 1
    # the same HELLO again is fine; a different channel map mid-stream is refused
    assert asm.feed([HelloEvent(hello, 9, 1_200_000)]) is None
    with pytest.raises(InputError, match="changed"):
        asm.feed([HelloEvent(_hello([("L", "toe"), ("R", "heel")]), 10, 1_300_000)])


def test_assembler_channel_map_and_calibration() -> None:
    # a channel with no side is left out; calibrated channels give newtons
    asm = BlockAssembler()
    hello = _hello([("L", "foot"), ("R", "foot")], scale=0.5, counts_per_m=0.0)
    bad = Hello(
        (*hello.channels, ChannelSpec(0x3F, 0, 0.0)), sample_rate_hz=100, belt_counts_per_m=0.0
    )
    out = asm.feed([HelloEvent(bad, 1, 0), _block(0, 2, 3, 2)])
    assert out is not None and asm.counts.channels_without_side == 1
    assert [c.name for c in out.channels] == ["L-foot", "R-foot"]
    # the kept channels are calibrated (the left-out one does not count); no belt encoder
    assert out.units == "N" and out.belt_t is None
    asm2 = BlockAssembler()
    out2 = asm2.feed([HelloEvent(hello, 1, 0), _block(0, 2, 2, 2)])
    assert out2 is not None and out2.units == "N"
    assert out2.forces.tolist() == [[45.0, 45.5], [46.0, 46.5]]  # (count - 10) * 0.5
    with pytest.raises(InputError, match="one foot"):
        BlockAssembler().feed([HelloEvent(_hello([("L", "heel"), ("L", "toe")]), 1, 0)])


def _session_with_belt_source(
    path: Path, walk: Walk, source: str, **meta: object
) -> tuple[GaitSignals, list[bytes]]:
    """A box without a belt encoder, host times following the box clock (+20 ms), and a
    treadmill stream or a fixed speed as the belt source."""
    from stride_testkit import box_wire  # type: ignore[import-not-found]

    from devices.recording import SessionWriter

    sig, _ = walk(seconds=20.0, fs=200.0, belt_mps=None, seed=31)
    wire = box_wire(sig, t0_us=0)
    with SessionWriter(str(path)) as w:
        w.write_meta({"belt_source": source, **meta})
        box = w.add_stream("box", "sensorbox-v1")
        host = 1000.0
        for frame in wire:
            ev = _decode(frame)
            blocks = [e for e in ev if isinstance(e, SampleBlock)]
            if blocks:
                host = 1000.02 + blocks[-1].t_us[-1] / 1e6
            box.append(frame, host)
        if source == "treadmill":
            rx = w.add_stream("treadmill.rx", "trackmaster")
            for k in range(200):  # 2.5 mph (1.1176 m/s) every 0.1 s, 30 ms after box time
                rx.append(b"\xd10025", 1000.03 + 0.1 * k)
    return sig, wire


def test_fixed_and_treadmill_belt_sources(tmp_path: Path, synth_walk: Walk) -> None:
    _session_with_belt_source(tmp_path / "fixed", synth_walk, "fixed", fixed_speed_mps=0.9)
    got = read_session(tmp_path / "fixed")
    assert got.belt_speed is not None and np.all(got.belt_speed == 0.9)
    assert got.meta["belt"] == "fixed 0.9 m/s"
    a = analyze(got)
    assert a.summary["L"]["step_length_m"]["mean"] == pytest.approx(0.9 * 0.55, rel=0.02)  # type: ignore[index]

    _session_with_belt_source(tmp_path / "tm", synth_walk, "treadmill")
    got = read_session(tmp_path / "tm")
    assert got.belt_t is not None and got.belt_speed is not None
    assert got.belt_speed[0, 0] == pytest.approx(2.5 * 0.44704)
    # host - box offset is 20 ms, so a reading at host 1000.03 + 0.1 k lands at 0.01 + 0.1 k;
    # the first one came before any box chunk (no clock yet), so the live session dropped it
    assert got.belt_t[:3] == pytest.approx([0.11, 0.21, 0.31], abs=1e-6)
    a = analyze(got)
    assert a.summary["R"]["step_length_m"]["mean"] == pytest.approx(1.1176 * 0.55, rel=0.02)  # type: ignore[index]

    _session_with_belt_source(tmp_path / "none", synth_walk, "none")
    got = read_session(tmp_path / "none")
    assert got.belt_t is None and "none" in str(got.meta["belt"])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(-(2**40), 2**40),
            st.integers(0, 10**6),
            st.one_of(st.none(), st.floats(0.0, 5.0)),
        ),
        max_size=30,
    ),
    st.integers(0, 3),
)
def test_belt_readings_in_order_or_not_as_numpy_keeps_them(
    readings: list[tuple[int, int, float | None]], parts: int
) -> None:
    """Belt readings fed in parts, with and without a scale, in time order or not: each
    part's kept readings (those with a scale, later than every one kept before) and the
    counts, as the plain numpy filter of every reading computes them."""
    asm = BlockAssembler()
    asm._t0_us = 123
    t_us = np.array([r[0] for r in readings], np.int64)
    interval = np.array([r[1] for r in readings], np.int64)
    speed = np.array([np.nan if r[2] is None else r[2] for r in readings], np.float64)
    cuts = sorted(
        {0, len(readings), *(len(readings) * (i + 1) // (parts + 1) for i in range(parts))}
    )
    last, late = -np.inf, 0
    for a, b in itertools.pairwise(cuts):
        tb, vb = asm._belt_readings(t_us[a:b], interval[a:b], speed[a:b])
        known = ~np.isnan(speed[a:b])
        want = (t_us[a:b][known] - 0.5 * interval[a:b][known] - 123) / 1e6
        ok = want > np.maximum.accumulate(np.concatenate([[last], want[:-1]]))
        late += int((~ok).sum())
        if ok.any():
            last = float(want[ok][-1])
        assert tb.tolist() == want[ok].tolist()
        assert vb.tolist() == speed[a:b][known][ok].tolist()
        assert vb.base is None or not np.shares_memory(vb, speed)
    assert asm.counts.belt_without_scale == int(np.isnan(speed).sum())
    assert asm.counts.belt_out_of_order == late
