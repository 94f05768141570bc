"""Read a project recording (a session directory) as :class:`GaitSignals`.

The sensor-box stream is decoded with the live decoder's logic (the whole-stream decoder
of ``devices.sensorbox`` where available, else the live decoder replayed chunk by chunk)
and assembled by the same :class:`~stride.blocks.BlockAssembler` the live session uses, so
``stride analyze SESSION`` reproduces the live session's steps. What reading had to skip
(torn or corrupt chunks, decoder counters, channels without a side) is kept in ``meta``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stride.core.signals import GaitSignals
from stride.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from devices.recording import SessionReader
    from stride.ingest.assembler import BlockAssembler

SENSORBOX_PROTOCOL = "sensorbox-v1"


def skipped_warning(stream: str, path: object, problems: Any, rest: str = "replayed") -> str | None:
    """The one ``stride: warning:`` line for a stream whose reading skipped damage (torn
    tail or damaged chunks; ``problems`` a ``StreamProblems`` or its ``vars``), None when it
    read clean. Shared by ``stride replay`` and ``stride analyze`` so both say it alike."""
    p = problems if isinstance(problems, dict) else vars(problems)
    torn, corrupt = int(p.get("torn", 0)), int(p.get("corrupt", 0))
    if not (torn or corrupt):
        return None
    return (
        f"stride: warning: stream {stream!r} of {path}: skipped {torn} torn and {corrupt} "
        f"damaged chunk(s), {int(p.get('bytes_skipped', 0))} bytes; the rest is {rest}"
    )


def recording_damage(meta: dict[str, object]) -> dict[str, object] | None:
    """What reading a session recording skipped, for the JSON document (None for a record
    that is not a session): ``{"stream", "skipped_chunks", "torn_tail", "bytes_skipped"}``."""
    p = meta.get("read_problems")
    stream = meta.get("read_stream")
    if meta.get("format") != "stride-session" or not isinstance(stream, str):
        return None
    p = p if isinstance(p, dict) else {}
    torn, corrupt = int(p.get("torn", 0)), int(p.get("corrupt", 0))
    return {
        "stream": stream,
        "skipped_chunks": torn + corrupt,
        "torn_tail": torn > 0,
        "bytes_skipped": int(p.get("bytes_skipped", 0)),
    }


def is_session(path: str | os.PathLike[str]) -> bool:
    """A directory with a session.json: the recording format of ``stride live``/``sim``."""
    p = Path(path)
    return p.is_dir() and (p / "session.json").is_file()


def read_session(path: str | os.PathLike[str]) -> GaitSignals:
    """All force samples and belt readings of a session's sensor box."""
    from devices.recording import SessionReader
    from stride.ingest.assembler import BlockAssembler, concat_chunks

    reader = SessionReader(path)
    names = [n for n, proto in reader.streams.items() if proto == SENSORBOX_PROTOCOL]
    if not names:
        raise InputError(
            f"{path}: the recording has no sensor-box stream (streams: "
            f"{', '.join(f'{n} ({p})' for n, p in reader.streams.items()) or 'none'})",
            fix="record the foot sensors with a sensor box (protocol sensorbox-v1)",
        )
    name = "box" if "box" in names else names[0]
    if not reader.read_stream(name).data:
        raise InputError(f"{path}: the sensor-box stream is empty", fix="record a session first")
    assembler = BlockAssembler()
    treadmill = reader.meta.get("belt_source") == "treadmill"
    clock: list[tuple[float, float]] = []
    if treadmill:  # the box chunks' arrivals set the treadmill's clock offset, as live
        chunk, stats = _assemble_with_clock(reader, name, assembler, clock)
    else:
        chunk, stats = _assemble(reader, name, assembler)
    if not assembler.ready:
        raise InputError(
            f"{path}: the sensor box never sent its HELLO (channel map), so the samples "
            "cannot be assigned to feet",
            fix="check the box firmware; it sends a HELLO every second",
        )
    if chunk is None or chunk.n == 0:
        raise InputError(f"{path}: the recording holds no force samples", fix="record longer")
    signals = concat_chunks([chunk])
    outages: list[list[float]] = []
    if treadmill:
        belt_t, belt_v, belt_note, outages = _treadmill_belt(reader, clock)
    else:
        belt_t, belt_v, belt_note = _belt(reader, signals)
    problems = reader.problems.get(name)
    meta: dict[str, object] = {
        "belt": belt_note,
        "source": str(path),
        "format": "stride-session",
        "session": reader.meta,
        "decoder": stats,
        "assembler": vars(assembler.counts),
        "read_stream": name,
        "read_problems": None if problems is None else vars(problems),
    }
    if treadmill:
        meta["belt_outages"] = outages
    return GaitSignals(
        signals.t,
        signals.forces,
        signals.channels,
        signals.fs,
        belt_t,
        belt_v,
        signals.units,
        meta,
    )


def _belt(
    reader: SessionReader, signals: GaitSignals
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None, str]:
    """Belt speed by the session's ``belt_source``: the box's encoder (default), a fixed
    speed, or none (overground); a treadmill is :func:`_treadmill_belt`."""
    import numpy as np

    source = reader.meta.get("belt_source", "box")
    if source == "fixed":
        speed = reader.meta.get("fixed_speed_mps")
        if not isinstance(speed, int | float) or not speed > 0:
            return None, None, "fixed speed missing from session.json: no belt"
        bt = np.append(signals.t[:: max(1, int(signals.fs * 0.02))], signals.t[-1])
        bt = np.unique(bt)
        return bt, np.full((bt.size, 1), float(speed)), f"fixed {speed} m/s"
    if source == "none" or signals.belt_t is None:
        return None, None, "none (overground, or no belt measured)"
    return signals.belt_t, signals.belt_speed, "sensor-box belt encoder"


def _treadmill_belt(
    reader: SessionReader, clock: list[tuple[float, float]]
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None, str, list[list[float]]]:
    """The treadmill's readings on the box clock, decided exactly as the live session did
    (:func:`stride.belt_sources.treadmill_belt`), and its outages (for ``belt-unknown``)."""
    from stride.ingest.treadmill_clock import treadmill_belt

    stream = "treadmill.rx"
    proto = reader.streams.get(stream)
    replay = _treadmill_replay(proto)
    if replay is None:
        return None, None, f"treadmill readings ({proto}) not readable: no belt", []
    got = treadmill_belt(clock, reader.chunks(stream), replay)
    note = f"treadmill ({proto}), {got.readings} readings, {len(got.outages)} outages"
    return got.belt_t, got.belt_v, note, got.outages


def _treadmill_replay(protocol: str | None) -> Any:
    """The driver's ``replay(chunks) -> list[BeltReading]`` for a recorded protocol."""
    import importlib

    if not protocol or not protocol.isidentifier():
        return None
    try:
        mod = importlib.import_module(f"devices.treadmill.{protocol}")
    except ImportError:
        return None
    return getattr(mod, "replay", None)


def _assemble_with_clock(
    reader: SessionReader,
    name: str,
    assembler: BlockAssembler,
    clock: list[tuple[float, float]],
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Samples plus each box chunk's arrival: from the whole-stream decoder where the stream
    is clean (no frame held back, so every block arrived in the chunk that completed it, as
    the live decoder released it), else recorded chunk by recorded chunk."""
    try:
        from devices.sensorbox.fast import decode_stream
    except ImportError:
        return _assemble_by_chunk(reader, name, assembler, clock)
    data = reader.read_stream(name)
    box = decode_stream(data.data, data.offsets, data.host_t)
    arrivals = _clean_arrivals(box)
    if arrivals is None:
        return _assemble_by_chunk(reader, name, assembler, clock)
    clock.extend(arrivals)
    return assembler.feed_decoded(box), box.stats.as_dict()


def _clean_arrivals(box: Any) -> list[tuple[float, float]] | None:
    """``(host_t, box time of the last sample kept so far)`` per recorded chunk that added
    samples, as the live session noted them; None where the stream is not clean (a frame
    held back or lost, a HELLO after the first samples, a changing channel count)."""
    import numpy as np

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
    from devices.recording.replay import make_decoder
    from devices.sensorbox import SampleBlock
    from stride.ingest.assembler import concat_chunks

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


def _assemble(
    reader: SessionReader, name: str, assembler: BlockAssembler
) -> tuple[GaitSignals | None, dict[str, int]]:
    """Decode and assemble: the whole-stream numba decoder where this installation has it
    (tested equal to the live decoder), else the live decoder replayed chunk by chunk."""
    try:
        from devices.sensorbox.fast import decode_stream
    except ImportError:
        from devices.recording import decode_sensorbox

        decoded = decode_sensorbox(reader, name)
        return assembler.feed(decoded.events), decoded.stats.as_dict()
    data = reader.read_stream(name)
    box = decode_stream(data.data, data.offsets, data.host_t)
    return assembler.feed_decoded(box), box.stats.as_dict()
