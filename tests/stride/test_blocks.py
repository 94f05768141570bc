"""The block assembler and the session reader: a recording read back gives the samples
that were sent, live chunking gives the same steps as ``stride analyze`` of the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devices.sensorbox import HelloEvent, StreamDecoder
from stride.blocks import BlockAssembler, concat_chunks
from stride.core.analyzer import StreamingAnalyzer, analyze
from stride.core.signals import GaitSignals
from stride.errors import InputError
from stride.readers.session import read_session

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]


def _frames(walk: Walk, drop: frozenset[int] = frozenset()) -> tuple[GaitSignals, list[bytes]]:
    from conftest import box_wire  # type: ignore[import-not-found]

    sig, _ = walk(seconds=20.0, fs=200.0, heel_toe=True, seed=11)
    return sig, box_wire(sig, drop=drop)


@pytest.fixture
def frames(synth_walk: Walk) -> tuple[GaitSignals, list[bytes]]:
    return _frames(synth_walk, frozenset({150, 151, 152}))


def test_session_read_back(frames: tuple[GaitSignals, list[bytes]], tmp_path: Path) -> None:
    from conftest import write_box_session  # type: ignore[import-not-found]

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
    from conftest import write_box_session  # type: ignore[import-not-found]

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
