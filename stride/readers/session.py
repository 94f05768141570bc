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
from typing import TYPE_CHECKING

from stride.core.signals import GaitSignals
from stride.errors import InputError

if TYPE_CHECKING:
    from devices.recording import SessionReader
    from stride.blocks import BlockAssembler

SENSORBOX_PROTOCOL = "sensorbox-v1"


def is_session(path: str | os.PathLike[str]) -> bool:
    """A directory with a session.json: the recording format of ``stride live``/``sim``."""
    p = Path(path)
    return p.is_dir() and (p / "session.json").is_file()


def read_session(path: str | os.PathLike[str]) -> GaitSignals:
    """All force samples and belt readings of a session's sensor box."""
    from devices.recording import SessionReader
    from stride.blocks import BlockAssembler, concat_chunks

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
    problems = reader.problems.get(name)
    meta: dict[str, object] = {
        "source": str(path),
        "format": "stride-session",
        "session": reader.meta,
        "decoder": stats,
        "assembler": vars(assembler.counts),
        "read_problems": None if problems is None else vars(problems),
    }
    return GaitSignals(
        signals.t,
        signals.forces,
        signals.channels,
        signals.fs,
        signals.belt_t,
        signals.belt_speed,
        signals.units,
        meta,
    )


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
