"""A recorded sensor-box stream -> samples, as the live session assembled them.

The whole-stream decoder of :mod:`devices.sensorbox.fast` (tested equal to the live
decoder) decodes the stream in one pass; the same
:class:`~stride.ingest.assembler.BlockAssembler` the live session uses turns it into
samples. Where a treadmill was the belt source, the arrival of each box chunk matters too
(it puts the treadmill's readings on the box clock): it is read from the whole-stream
decode too (the decoder notes which recorded chunk released each block, damaged stretches
included); only a box that changed its channel count mid-stream is decoded chunk by
chunk, as the live session did.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from devices.csvlines import PROTOCOL_NAME as CSV_PROTOCOL
from devices.memory import return_freed_memory
from devices.recording import SessionReader
from devices.recording.replay import feed_chunk, make_decoder
from devices.sensorbox import ErrorEvent, SampleBlock
from devices.sensorbox.fast import decode_stream
from stride.core.signals import GaitSignals
from stride.ingest.assembler import BlockAssembler, concat_chunks

#: Each recorded box chunk that added samples: (its host time, box time of its last sample).
Arrivals = list[tuple[float, float]]


def decode_box(
    reader: SessionReader,
    name: str,
    assembler: BlockAssembler,
    arrivals: Arrivals | None,
    clock: bool = False,
    errors: list[ErrorEvent] | None = None,
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Samples of stream ``name`` and the decoder's counters; with ``arrivals`` (a list),
    also each chunk's arrival, as the live session noted them. ``clock``: the times as a
    :class:`~stride.core.clock.SampleClock` where they can be (``feed_decoded``).
    ``errors`` (a list): gets the box's ERROR frames, what it said for a person to read."""
    said: list[ErrorEvent] = [] if errors is None else errors
    if reader.streams.get(name) == CSV_PROTOCOL:  # CSV lines: read as the live session did
        return _assemble_by_chunk(
            reader, name, assembler, [] if arrivals is None else arrivals, said
        )
    data = reader.read_stream(name)
    reader.release(name)  # decoded in place below: the recorded bytes become the frames
    return_freed_memory()  # what reading the file a window at a time left in the C heap
    # Handed over with no reference left here (a call takes its arguments' references
    # over): the decoder lets the chunk starts and host times go once it has run.
    given: list[Any] = [data.data, data.offsets, data.host_t]
    room = data.room
    del data
    box = decode_stream(given.pop(0), given.pop(0), given.pop(0), consume=True, room=room)
    del room
    said.extend(box.errors)
    if arrivals is not None:
        clean = _box_arrivals(box)
        if clean is None:
            said.clear()  # the chunk-by-chunk decode below says them again
            return _assemble_by_chunk(reader, name, assembler, arrivals, said)
        arrivals.extend(clean)
    signals = assembler.feed_decoded(box, consume=True, clock=clock)
    stats = box.stats.as_dict()
    del box
    return_freed_memory()  # for the analysis that follows
    return signals, stats


def _box_arrivals(box: Any) -> list[tuple[float, float]] | None:
    """``(host_t, box time of the last sample kept so far)`` per recorded chunk whose feed
    gave the live assembler new samples, as the live session noted them, damaged streams
    included (the decoder says which chunk's feed released each block). None where only
    the chunk-by-chunk replay can say: the channel count changed, or no usable HELLO."""
    hello = box.hello
    n_blocks = int(box.block_seq.size)
    if box.channels < 0 or hello is None or box.channels != len(hello.channels):
        return None if box.n_samples else []
    if not n_blocks:
        return []
    last = box.block_last_t_us().astype(np.int64)  # a block's samples rise
    chunk = box.block_chunk.astype(np.int64)
    first = box.first_hello_chunk()
    # Blocks released before the first HELLO wait in the assembler for it: they come out
    # with the HELLO's chunk, whose own blocks alone give that arrival's host time.
    own = chunk >= first
    chunk = np.maximum(chunk, first)
    starts = np.flatnonzero(np.r_[True, chunk[1:] != chunk[:-1]])
    top = np.maximum.reduceat(last, starts)
    host = np.maximum.reduceat(np.where(own, box.block_host_t, -np.inf), starts)
    before = np.maximum.accumulate(np.r_[np.iinfo(np.int64).min, top[:-1]])
    t0 = int(box.block_t_us[0] if box.block_start[1] > 0 else box.t_us[0])
    new = (top > before) & np.isfinite(host) & (host != 0)
    return [
        (float(h), (int(m) - t0) / 1e6)
        for h, m in zip(host[new].tolist(), top[new].tolist(), strict=True)
    ]


def _assemble_by_chunk(
    reader: SessionReader,
    name: str,
    assembler: BlockAssembler,
    clock: list[tuple[float, float]],
    errors: list[ErrorEvent] | None = None,
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Decode and assemble recorded chunk by recorded chunk, as the live session did,
    noting each chunk's arrival (host time of its newest block, box time of its last
    sample) in ``clock``: what a treadmill's readings are placed on the box clock with."""

    dec = make_decoder(reader, name)
    chunks: list[GaitSignals] = []

    def take(events: list[Any]) -> None:
        if not events:
            return
        if errors is not None:
            errors.extend(e for e in events if isinstance(e, ErrorEvent))
        got = assembler.feed(events)
        if got is None:
            return
        chunks.append(got)
        if got.n:
            host = max((e.host_t for e in events if isinstance(e, SampleBlock)), default=0.0)
            if host:
                clock.append((float(host), float(got.t[-1])))

    for host_t, data in reader.chunks(name):
        take(feed_chunk(dec, data, host_t))
    take(dec.flush())
    kept = [c for c in chunks if c.n or (c.belt_t is not None and len(c.belt_t))]
    return (concat_chunks(kept) if kept else None), dec.stats.as_dict()
