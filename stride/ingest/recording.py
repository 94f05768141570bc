"""A recording (a session directory) through the same pieces as the live session.

Two ways in, one set of decisions (target, belt source, treadmill parser, all read from
session.json by :mod:`stride.core.targets` and :mod:`stride.ingest.belt_source`):

- :func:`read_session`: the whole recording as :class:`GaitSignals` for the batch analysis
  (``stride analyze``, ``stride report``, cohorts): the box stream decoded and assembled
  (:mod:`stride.ingest.decode`), the belt exactly as the live session fed it.
- :func:`pipeline_for` and :func:`recorded_chunks`: the live pipeline rebuilt from the
  metadata and the recorded chunks merged in the order the live analysis took them
  (``stride replay``).

What reading had to skip (torn or corrupt chunks, decoder counters, channels without a
side) is kept in the signals' ``meta`` and said once (:func:`skipped_warning`).
"""

from __future__ import annotations

import heapq
import math
import os
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from devices.csvlines import PROTOCOL_NAME as CSV_PROTOCOL
from devices.recording import SessionReader
from devices.recording.claim import recording_now
from devices.recording.replay import csv_map_of
from devices.sensorbox import ErrorEvent
from devices.sensorbox.events import error_words
from stride.core.signals import GaitSignals
from stride.core.targets import Target
from stride.errors import InputError
from stride.ingest.assembler import BlockAssembler
from stride.ingest.belt_source import FIXED, NONE, TREADMILL, BeltSource, fixed_belt
from stride.ingest.decode import Arrivals, decode_box
from stride.ingest.pipeline import (
    BOX_PROTOCOL,
    BOX_STREAM,
    RX_STREAM,
    SessionPipeline,
    build_pipeline,
)
from stride.ingest.rate_check import check_recorded_rate
from stride.ingest.streams import belt_columns, carry_bytes, reading_parser, silence_limit
from stride.ingest.treadmill_clock import treadmill_belt

#: At most this many different ERROR messages of the box are said (a box repeats its own).
MAX_BOX_ERRORS = 5


def skipped_warning(
    stream: str, path: object, problems: object, rest: str = "replayed"
) -> str | None:
    """The one ``stride: warning:`` line for a stream whose reading skipped damage (torn
    tail or damaged chunks; ``problems`` a ``StreamProblems`` or its ``vars``), None when it
    read clean. Shared by ``stride replay`` and ``stride analyze`` so both say it alike."""
    words = skipped_words(stream, path, problems, rest)
    return None if words is None else f"stride: warning: {words}"


def skipped_words(stream: str, path: object, problems: object, rest: str) -> str | None:
    """The words of :func:`skipped_warning`, for a page (the session report) to say."""
    p = problems if isinstance(problems, dict) else vars(problems)
    torn, corrupt = int(p.get("torn", 0)), int(p.get("corrupt", 0))
    if not (torn or corrupt):
        return None
    return (
        f"stream {stream!r} of {path}: skipped {torn} torn and {corrupt} "
        f"damaged chunk(s), {int(p.get('bytes_skipped', 0))} bytes; the rest is {rest}"
    )


#: Bytes the decoder skipped from which the damage is said: more than a frame (or line) cut
#: when the port opened, which every live recording may start with and which is only counted.
SAID_FROM_BYTES = 1024


def recording_damage(meta: dict[str, object]) -> dict[str, object] | None:
    """What reading a session recording skipped and whether the session reached its end,
    for the JSON document (None for a record that is not a session): ``{"stream",
    "skipped_chunks", "torn_tail", "bytes_skipped", "discarded_bytes", "frames_lost",
    "complete", "recorded_s"}``. ``discarded_bytes`` and ``frames_lost`` are the decoder's
    (``meta["decoder"]``): bytes of the intact chunks that made no frame (or line), and
    frames the box's counter says never came; the live decoder fed the chunks in any
    grouping counts them alike, so ``stride replay`` at any speed gives the same."""
    p = meta.get("read_problems")
    stream = meta.get("read_stream")
    if meta.get("format") != "stride-session" or not isinstance(stream, str):
        return None
    p = p if isinstance(p, dict) else {}
    torn, corrupt = int(p.get("torn", 0)), int(p.get("corrupt", 0))
    recorded = meta.get("recorded_s")
    decoded = meta.get("decoder")
    decoded = decoded if isinstance(decoded, dict) else {}
    # the box decoder's name, else a CSV decoder's
    discarded = decoded.get("bytes_discarded", decoded.get("discarded_bytes"))
    lost = decoded.get("frames_lost")
    return {
        "stream": stream,
        "skipped_chunks": torn + corrupt,
        "torn_tail": torn > 0,
        "bytes_skipped": int(p.get("bytes_skipped", 0)),
        "discarded_bytes": discarded if isinstance(discarded, int) else 0,
        "frames_lost": lost if isinstance(lost, int) else 0,
        "complete": meta.get("complete") is not False,
        "recorded_s": recorded if isinstance(recorded, float) else None,
    }


def replayed_damage(
    reader: SessionReader, name: str, counters: Mapping[str, int]
) -> dict[str, object] | None:
    """:func:`recording_damage` of a replayed stream: what reading it skipped and what the
    live decoder, fed its chunks, counted (``counters``: the pipeline's)."""
    problems = reader.problems.get(name)
    return recording_damage(
        {
            "format": "stride-session",
            "read_stream": name,
            "read_problems": None if problems is None else vars(problems),
            "decoder": {k: counters.get(k, 0) for k in ("discarded_bytes", "frames_lost")},
            "complete": reader.complete,
            "recorded_s": _recorded_s(reader, name),
        }
    )


def decoded_words(path: object, damage: Mapping[str, object], rest: str) -> str | None:
    """The words for what the decoder skipped in a recording's intact chunks (noise recorded
    on the line, frames lost), said alike by ``stride analyze`` and at the end of ``stride
    replay``; None below a frame cut when the port opened and without a lost frame."""
    skipped, lost = damage.get("discarded_bytes"), damage.get("frames_lost")
    skipped = skipped if isinstance(skipped, int) else 0
    lost = lost if isinstance(lost, int) else 0
    if skipped < SAID_FROM_BYTES and not lost:
        return None
    return (
        f"stream {damage.get('stream')!r} of {path}: {skipped} bytes made no frame and "
        f"{lost} frame(s) were lost; the rest is {rest}"
    )


def damage_words(path: object, damage: Mapping[str, object]) -> str | None:
    """The words of :func:`skipped_warning` from a :func:`recording_damage` entry (a stream
    has at most one torn tail), so a document analysed in another process is said alike."""
    torn = 1 if damage.get("torn_tail") else 0
    chunks, skipped = damage.get("skipped_chunks"), damage.get("bytes_skipped")
    problems = {
        "torn": torn,
        "corrupt": (chunks if isinstance(chunks, int) else 0) - torn,
        "bytes_skipped": skipped if isinstance(skipped, int) else 0,
    }
    return skipped_words(str(damage.get("stream")), path, problems, rest="analysed")


def incomplete_warning(path: object, damage: Mapping[str, object]) -> str | None:
    """The words for a recording whose session never reached its end, None otherwise."""
    if damage.get("complete") is not False:
        return None
    seconds = damage.get("recorded_s")
    after = f" after {seconds:.1f} s" if isinstance(seconds, float) else ""
    if recording_now(str(path)):  # not cut short: still recording
        first = f" (its first {seconds:.1f} s)" if isinstance(seconds, float) else ""
        return (
            f"the recording {path} is being recorded into by a running session now: what it "
            f"holds so far{first} is analysed"
        )
    return (
        f"the recording {path} is incomplete: the session was cut short{after} (killed, or "
        "its disk filled) and never wrote its end; the steps up to there are analysed"
    )


def unreadable_belt(protocol: str | None) -> str:
    """What is said when a treadmill stream's protocol has no parser here."""
    return (
        f"the treadmill readings ({protocol}) cannot be read: no driver or stream parser "
        "of that name is installed, so step lengths are not measured"
    )


def unreadable_treadmill(reader: SessionReader) -> str | None:
    """Why a recording's treadmill stream gives no belt reading at all, None when it can
    give one: its file missing, its header destroyed, or the file empty or cut short before
    its first chunk. The sensor box's stream still stands: ``stride analyze`` and ``stride
    replay`` both give the steps without a belt (step lengths not measured) and say this."""
    if RX_STREAM not in reader.streams:
        return None
    try:
        data = reader.read_stream(RX_STREAM)
    except InputError as err:  # a missing file or a destroyed header: one line naming it
        why = str(err)
    else:
        if data.offsets.size or reader.problems[RX_STREAM].bytes_skipped:
            return None  # readings, or damage said as such (skipped_warning)
        why = f"{reader.stream_file(RX_STREAM)} holds no chunk (empty, or cut before its first)"
    return (
        f"the treadmill stream of {reader.path} cannot be read: {why}; its belt readings are "
        "left out, so step lengths are not measured (the steps come from the sensor box)"
    )


def box_stream(reader: SessionReader) -> str:
    """The name of the recording's sensor-box stream (``box`` where there are several)."""
    names = [n for n, proto in reader.streams.items() if proto in (BOX_PROTOCOL, CSV_PROTOCOL)]
    if not names:
        raise InputError(
            f"{reader.path}: the recording has no sensor-box stream (streams: "
            f"{', '.join(f'{n} ({p})' for n, p in reader.streams.items()) or 'none'})",
            fix="record the foot sensors with a sensor box (protocol sensorbox-v1) or a board "
            "printing CSV lines (csvlines)",
        )
    return BOX_STREAM if BOX_STREAM in names else names[0]


@dataclass(frozen=True)
class _Belt:
    t: NDArray[np.float64] | None
    v: NDArray[np.float64] | None
    note: str
    outages: list[list[float]] | None = None
    heart_rates: list[float] | None = None
    max_gap_s: float | None = None  # a treadmill's silence limit


def _recorded_belt(
    reader: SessionReader, source: BeltSource, signals: GaitSignals, arrivals: Arrivals
) -> _Belt:
    """The belt samples the live session fed, decided by its belt source."""
    if source.kind == FIXED:
        assert source.fixed_speed_mps is not None
        bt, bv = fixed_belt(signals.last_time(), source.fixed_speed_mps)
        return _Belt(bt, bv, source.describe())
    if source.kind == TREADMILL:
        proto = reader.streams.get(RX_STREAM)
        parser = reading_parser(proto)
        # no reading at all: the treadmill's speed is unknown throughout, so every step is
        # flagged ``belt-unknown`` as the live session (and a replay) flags a treadmill
        # that never answers, and as a stream whose chunks are all damaged is flagged
        if parser is None:
            return _Belt(None, None, unreadable_belt(proto), [[0.0, math.inf]])
        lost = unreadable_treadmill(reader)
        if lost is not None:
            return _Belt(None, None, lost, [[0.0, math.inf]])
        limit = silence_limit(proto)
        carry, belts = carry_bytes(proto), belt_columns(proto)
        got = treadmill_belt(arrivals, reader.chunks(RX_STREAM), parser, limit, carry, belts)
        note = f"treadmill ({proto}), {got.readings} readings, {len(got.outages)} outages"
        return _Belt(got.belt_t, got.belt_v, note, got.unknown, got.heart_rates, limit)
    if source.kind == NONE or signals.belt_t is None:
        return _Belt(None, None, "none (overground, or no belt measured)")
    return _Belt(signals.belt_t, signals.belt_speed, source.describe())


def load_kernels() -> None:
    """Load the numba kernels reading a session uses (the chunk scanner and the box
    decoder; compiled on a first run); a no-op once loaded in this process."""
    from devices.recording.scan import load_kernels as scanner
    from devices.sensorbox.fast import load_kernels as decoder

    scanner()
    decoder()


def read_session(path: str | os.PathLike[str], compact_times: bool = False) -> GaitSignals:
    """All force samples of a session's sensor box and the belt its session fed;
    ``compact_times``: their times as a :class:`~stride.core.clock.SampleClock` where there
    are many (``BlockAssembler.clock_min_samples``), every sample came in order and every
    channel is kept (else, and by default, an array)."""
    reader = SessionReader(path)
    name = box_stream(reader)
    source = BeltSource.from_session(reader.meta, str(path))
    reader.require_data(name, "sensor-box stream")  # empty and damaged told apart
    recorded_s = _recorded_s(reader, name)
    assembler = BlockAssembler()
    arrivals: Arrivals = []
    errors: list[ErrorEvent] = []
    chunk, stats = decode_box(
        reader,
        name,
        assembler,
        arrivals if source.kind == TREADMILL else None,
        compact_times,
        errors,
    )
    if not assembler.ready and reader.streams[name] == CSV_PROTOCOL:
        raise InputError(
            f"{path}: no line of the CSV stream {name!r} fits its column map "
            f"({stats.get('bad_lines', 0)} lines that do not)",
            fix='check the map in session.json "csvlines" against the lines recorded',
        )
    if not assembler.ready:
        raise InputError(
            f"{path}: the sensor box never sent its HELLO (channel map), so the samples "
            "cannot be assigned to feet",
            fix="check the box firmware; it sends a HELLO every second",
        )
    if chunk is None or chunk.n == 0:
        raise InputError(f"{path}: the recording holds no force samples", fix="record longer")
    check_recorded_rate(path, chunk.t, chunk.fs, name, reader.streams[name] == CSV_PROTOCOL)
    belt = _recorded_belt(reader, source, chunk, arrivals)
    problems = reader.problems.get(name)
    meta: dict[str, object] = {
        "belt": belt.note,
        "source": str(path),
        "format": "stride-session",
        "session": reader.meta,
        "decoder": stats,
        "assembler": vars(assembler.counts),
        "read_stream": name,
        "read_problems": None if problems is None else vars(problems),
        "complete": reader.complete,
        "recorded_s": recorded_s,
    }
    if belt.outages is not None:
        meta["belt_outages"] = belt.outages
    if belt.heart_rates:
        meta["heart_rates_bpm"] = belt.heart_rates
    if belt.max_gap_s is not None:
        meta["belt_max_gap_s"] = belt.max_gap_s
    said = _treadmill_damage(reader, path) if source.kind == TREADMILL else []
    if belt.t is None and source.kind == TREADMILL:
        said.insert(0, belt.note)
    said += box_error_warnings(path, errors)
    if said:
        meta["warnings"] = said
    return GaitSignals(
        chunk.t,
        chunk.forces,
        chunk.channels,
        chunk.fs,
        belt.t,
        belt.v,
        chunk.units,
        meta,
        chunk.breaks,
    )


def box_error_warnings(path: object, errors: list[ErrorEvent]) -> list[str]:
    """One line per different message the box sent in ERROR frames (an open or shorted
    sensor, an encoder fault), with how often: what a live session showed as it came."""
    counts = Counter(error_words(e) for e in errors)
    return [
        f"{path}: the sensor box reported during the recording: {words}"
        + (f" ({n} times)" if n > 1 else "")
        for words, n in list(counts.items())[:MAX_BOX_ERRORS]
    ]


def _treadmill_damage(reader: SessionReader, path: object) -> list[str]:
    """What reading the treadmill's stream skipped (a torn tail, damaged chunks), in the
    words ``stride replay`` says it: the steps its readings no longer cover are flagged
    ``belt-unknown``, and this says why (only the box stream's damage was said before)."""
    probs = reader.problems.get(RX_STREAM)
    words = None if probs is None else skipped_words(RX_STREAM, path, probs, rest="analysed")
    return [] if words is None else [words]


def _recorded_s(reader: SessionReader, name: str) -> float:
    """Seconds between the first and the last chunk of a stream (host times)."""
    host_t = reader.read_stream(name).host_t
    return round(float(host_t.max() - host_t.min()), 3) if host_t.size else 0.0


def pipeline_for(reader: SessionReader) -> tuple[SessionPipeline, list[str], Target | None]:
    """The pipeline a recording was analysed with live, rebuilt from its metadata, the
    streams to feed it (merged by :func:`recorded_chunks`) and the session's target."""
    if reader.streams.get(BOX_STREAM) not in (BOX_PROTOCOL, CSV_PROTOCOL):
        raise InputError(
            f"{reader.path} has no sensor-box stream (streams: {reader.streams})",
            fix="replay a session recorded by `stride live`, `stride demo` or `stride sim`",
        )
    target = Target.from_session(reader.meta, str(reader.path))
    source = BeltSource.from_session(reader.meta, str(reader.path))
    proto = reader.streams.get(RX_STREAM)
    if reading_parser(proto) is not None and unreadable_treadmill(reader) is not None:
        proto = None  # no reading to give: the belt as for an unknown protocol, said so
    csv = None
    if reader.streams[BOX_STREAM] == CSV_PROTOCOL:  # its column map, from session.json
        csv = csv_map_of(reader, BOX_STREAM)
    pipeline = build_pipeline(target, source, proto, csv)
    streams = [BOX_STREAM] + ([RX_STREAM] if pipeline.treadmill_stream else [])
    return pipeline, streams, target


def belt_warnings(reader: SessionReader, pipeline: SessionPipeline) -> list[str]:
    """What a replay says about a belt it cannot read (as ``stride analyze`` does)."""
    if pipeline.belt.kind == TREADMILL and pipeline.treadmill_stream is None:
        proto = reader.streams.get(RX_STREAM)
        lost = None if reading_parser(proto) is None else unreadable_treadmill(reader)
        return [lost or unreadable_belt(proto)]
    return []


def recorded_chunks(
    reader: SessionReader, streams: list[str]
) -> Iterator[tuple[str, bytes, float]]:
    """Chunks ``(stream, data, host_t)`` of several recorded streams merged by host time
    (ties: the order given). A live session stamps the chunks of all its devices with
    strictly increasing host times in the order its analysis took them, so this is that
    order exactly."""

    def tagged(rank: int, name: str) -> Iterator[tuple[float, int, str, bytes]]:
        for host_t, data in reader.chunks(name):
            yield (host_t, rank, name, data)

    iters = [tagged(i, n) for i, n in enumerate(streams)]
    for host_t, _rank, name, data in heapq.merge(*iters, key=lambda c: (c[0], c[1])):
        yield name, data, host_t


def check_streams(reader: SessionReader, streams: list[str]) -> list[str]:
    """Read the streams before playing them: a missing, foreign or empty stream is an
    error (not a silent replay of nothing), except a treadmill stream without an intact
    chunk (its steps' belt is unknown, as ``stride analyze`` has it); returns the warnings
    for skipped damage."""
    warnings = []
    for name in streams:
        if name == RX_STREAM:  # no intact chunk is the belt unknown, as analyze has it
            reader.read_stream(name)
        else:  # missing, foreign, empty or damaged: one line each
            reader.require_data(name)
        probs = reader.problems.get(name)
        line = None if probs is None else skipped_warning(name, reader.path, probs)
        if line is not None:
            warnings.append(line)
    if not reader.complete:
        damage = {"complete": False, "recorded_s": _recorded_s(reader, streams[0])}
        warnings.append(f"stride: warning: {incomplete_warning(reader.path, damage)}")
    return warnings
