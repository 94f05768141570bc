"""A recording whose belt came from a treadmill: the box chunks' arrivals (which put the
treadmill's readings on the box clock) read from the whole-stream decoder equal those of
the chunk-by-chunk replay the live session did, lost frames included."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from devices.recording import SessionReader
from stride.core.signals import GaitSignals
from stride.ingest.assembler import BlockAssembler
from stride.ingest.decode import _assemble_by_chunk, _box_arrivals

Walk = Callable[..., tuple[GaitSignals, dict[str, np.ndarray]]]


@pytest.mark.parametrize("per_chunk", [1, 3, 7])
@pytest.mark.parametrize("drop", [frozenset(), frozenset({40, 41})])
def test_fast_arrivals_equal_the_chunk_by_chunk_replay(
    tmp_path: Path, synth_walk: Walk, per_chunk: int, drop: frozenset[int]
) -> None:
    from stride_testkit import box_wire, write_box_session  # type: ignore[import-not-found]

    from devices.sensorbox.fast import decode_stream

    sig, _ = synth_walk(seconds=6.0, fs=200.0, belt_mps=None, seed=3)
    path = tmp_path / "s"
    write_box_session(path, box_wire(sig, drop=drop), per_chunk=per_chunk)
    reader = SessionReader(path)
    slow: list[tuple[float, float]] = []
    chunk, _ = _assemble_by_chunk(reader, "box", BlockAssembler(), slow)
    data = reader.read_stream("box")
    box = decode_stream(data.data, data.offsets, data.host_t)
    fast = _box_arrivals(box)
    assert chunk is not None and len(slow) > 5
    assert fast == slow  # frames held back for reordering too: the decoder says when
    assert BlockAssembler().feed_decoded(box).t.tolist() == chunk.t.tolist()  # type: ignore[union-attr]
