"""Replaying a recorded sensor-box stream through the live decoder.

Feeding the recorded chunks, with their recorded host times, to a fresh
:class:`~devices.sensorbox.StreamDecoder` gives exactly the events the live session saw;
the end of the recording flushes frames held for reordering.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from devices.recording.reader import SessionReader, StreamProblems
from devices.sensorbox import DecoderStats, Event, StreamDecoder


@dataclass
class DecodedStream:
    """All events of one stream, the decoder's counters and what the file reader skipped."""

    events: list[Event]
    stats: DecoderStats
    problems: StreamProblems


def replay_events(
    reader: SessionReader, name: str = "box", *, reorder_window: int = 4
) -> Iterator[tuple[float, list[Event]]]:
    """(host_t, events) per recorded chunk, then (last host_t, flushed events)."""
    dec = StreamDecoder(reorder_window=reorder_window)
    last = 0.0
    for host_t, data in reader.chunks(name):
        last = host_t
        yield host_t, dec.feed(data, host_t)
    yield last, dec.flush()


def decode_sensorbox(
    reader: SessionReader, name: str = "box", *, reorder_window: int = 4
) -> DecodedStream:
    """Decode a whole sensor-box stream with the live decoder (the reference path)."""
    dec = StreamDecoder(reorder_window=reorder_window)
    events: list[Event] = []
    for host_t, data in reader.chunks(name):
        events.extend(dec.feed(data, host_t))
    events.extend(dec.flush())
    return DecodedStream(events, dec.stats, reader.problems[name])
