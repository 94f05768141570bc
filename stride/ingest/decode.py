"""A recorded sensor-box stream -> samples, as the live session assembled them.

The whole-stream decoder of :mod:`devices.sensorbox.fast` (tested equal to the live
decoder) decodes the stream in one pass; the same
:class:`~stride.ingest.assembler.BlockAssembler` the live session uses turns it into
samples. Where a treadmill was the belt source, the arrival of each box chunk matters too
(it puts the treadmill's readings on the box clock): it is read from the whole-stream
decode where the stream is clean, else the recorded chunks are decoded one by one, as the
live session did.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.recording import SessionReader
from devices.recording.replay import make_decoder
from devices.sensorbox import SampleBlock
from devices.sensorbox.fast import decode_stream
from stride.core.signals import GaitSignals
from stride.ingest.assembler import BlockAssembler, concat_chunks

#: Each recorded box chunk that added samples: (its host time, box time of its last sample).
Arrivals = list[tuple[float, float]]


def decode_box(
    reader: SessionReader, name: str, assembler: BlockAssembler, arrivals: Arrivals | None
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Samples of stream ``name`` and the decoder's counters; with ``arrivals`` (a list),
    also each chunk's arrival, as the live session noted them."""
    data = reader.read_stream(name)
    box = decode_stream(data.data, data.offsets, data.host_t)
    if arrivals is not None:
        clean = _clean_arrivals(box)
        if clean is None:
            return _assemble_by_chunk(reader, name, assembler, arrivals)
        arrivals.extend(clean)
    return assembler.feed_decoded(box), box.stats.as_dict()


def _clean_arrivals(box: Any) -> list[tuple[float, float]] | None:
    """``(host_t, box time of the last sample kept so far)`` per recorded chunk that added
    samples, as the live session noted them; None where the stream is not clean (a frame
    held back or lost, a HELLO after the first samples, a changing channel count)."""
    st = box.stats
    hello = box.hello
    n_blocks = int(box.block_seq.size)
    if (
        st.gaps
        or st.reordered
        or box.channels < 0
        or hello is None
        or not n_blocks
        or not box.t_us.size
        or box.channels != len(hello.channels)
        or box.hellos[0].host_t > float(box.block_host_t[0])
        or np.any(np.diff(box.block_start) <= 0)
    ):
        return None
    t_us = box.t_us.astype(np.int64)
    last = t_us[box.block_start[1:] - 1]  # each block's samples rise: its last is its max
    host = box.block_host_t.astype(np.float64)
    t0 = int(t_us[0])
    out: list[tuple[float, float]] = []
    running = np.iinfo(np.int64).min
    starts = np.flatnonzero(np.r_[True, host[1:] != host[:-1]])
    ends = np.r_[starts[1:], n_blocks]
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        top = int(last[a:b].max())
        if top > running:
            running = top
            if host[a]:
                out.append((float(host[a]), (running - t0) / 1e6))
    return out


def _assemble_by_chunk(
    reader: SessionReader,
    name: str,
    assembler: BlockAssembler,
    clock: list[tuple[float, float]],
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Decode and assemble recorded chunk by recorded chunk, as the live session did,
    noting each chunk's arrival (host time of its newest block, box time of its last
    sample) in ``clock``: what a treadmill's readings are placed on the box clock with."""

    dec = make_decoder(reader, name)
    chunks: list[GaitSignals] = []

    def take(events: list[Any]) -> None:
        if not events:
            return
        got = assembler.feed(events)
        if got is None:
            return
        chunks.append(got)
        if got.n:
            host = max((e.host_t for e in events if isinstance(e, SampleBlock)), default=0.0)
            if host:
                clock.append((float(host), float(got.t[-1])))

    for host_t, data in reader.chunks(name):
        take(dec.feed(data, host_t))
    take(dec.flush())
    kept = [c for c in chunks if c.n or (c.belt_t is not None and len(c.belt_t))]
    return (concat_chunks(kept) if kept else None), dec.stats.as_dict()
