"""Replaying a recorded force stream through the live decoder.

Feeding the recorded chunks, with their recorded host times, to a fresh decoder gives
exactly the events the live session saw; the end of the recording flushes frames held for
reordering, and an empty chunk (the mark of a port reopened after an unplug) is a new
connection for the decoder (:func:`feed_chunk`). The decoder follows the stream's protocol:
``sensorbox-v1``
(:class:`~devices.sensorbox.StreamDecoder`) or ``csvlines``
(:class:`~devices.csvbox.CsvBoxDecoder`, its column map read from session.json
``csvlines.<stream>``, given as a HELLO before the first samples).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from devices.csvbox import CsvBoxDecoder
from devices.csvlines import PROTOCOL_NAME as CSV_PROTOCOL
from devices.csvlines import CsvLineConfig
from devices.errors import InputError
from devices.recording.reader import SessionReader, StreamProblems
from devices.sensorbox import PROTOCOL_NAME as BOX_PROTOCOL
from devices.sensorbox import DecoderStats, Event, StreamDecoder


class Decoder(Protocol):
    """What replay needs of a decoder: both the box and the CSV decoder fit."""

    stats: Any

    def feed(self, data: bytes, host_t: float) -> list[Any]: ...

    def flush(self) -> list[Any]: ...


def feed_chunk(decoder: Decoder, data: bytes, host_t: float) -> list[Any]:
    """Feed one recorded chunk as the live session did: an empty chunk is a new
    connection (``new_connection(host_t)``, for a decoder that has one), any other its
    bytes."""
    if data:
        return decoder.feed(data, host_t)
    reopened = getattr(decoder, "new_connection", None)
    return list(reopened(host_t)) if reopened is not None else []


def csv_map_of(reader: SessionReader, name: str) -> CsvLineConfig:
    """The column map session.json keeps for CSV stream ``name`` (``csvlines.<name>``)."""
    maps = reader.meta.get("csvlines")
    if not isinstance(maps, dict) or not isinstance(maps.get(name), dict):
        raise InputError(
            f"stream {name!r} is CSV lines but session.json has no column map for it",
            fix=f'add "csvlines": {{"{name}": ...}} (CsvLineConfig.to_dict())',
        )
    return CsvLineConfig.from_dict(maps[name])


def make_decoder(reader: SessionReader, name: str, *, reorder_window: int = 4) -> Decoder:
    """A fresh live decoder for stream ``name`` of ``reader``, by its protocol."""
    protocol = reader.streams.get(name)
    if protocol == BOX_PROTOCOL:
        return StreamDecoder(reorder_window=reorder_window)
    if protocol == CSV_PROTOCOL:
        return CsvBoxDecoder(csv_map_of(reader, name))
    raise InputError(
        f"stream {name!r} has protocol {protocol!r}, which carries no force samples",
        fix=f"replay a {BOX_PROTOCOL} or {CSV_PROTOCOL} stream",
    )


@dataclass
class DecodedStream:
    """All events of one stream, the decoder's counters and what the file reader skipped."""

    events: list[Event]
    stats: DecoderStats | Any
    problems: StreamProblems


def replay_events(
    reader: SessionReader, name: str = "box", *, reorder_window: int = 4
) -> Iterator[tuple[float, list[Event]]]:
    """(host_t, events) per recorded chunk, then (last host_t, flushed events)."""
    dec = make_decoder(reader, name, reorder_window=reorder_window)
    last = 0.0
    for host_t, data in reader.chunks(name):
        last = host_t
        yield host_t, feed_chunk(dec, data, host_t)
    yield last, dec.flush()


def decode_sensorbox(
    reader: SessionReader, name: str = "box", *, reorder_window: int = 4
) -> DecodedStream:
    """Decode a whole stream with the live decoder (the reference path).

    For a ``sensorbox-v1`` stream, :func:`devices.sensorbox.decode_stream` gives the same
    result as arrays, much faster; ``stats`` is a DecoderStats, or a CsvStats for CSV.
    """
    dec = make_decoder(reader, name, reorder_window=reorder_window)
    events: list[Event] = []
    for host_t, data in reader.chunks(name):
        events.extend(feed_chunk(dec, data, host_t))
    events.extend(dec.flush())
    return DecodedStream(events, dec.stats, reader.problems[name])
