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
    belt_t, belt_v, belt_note = _belt(reader, signals, assembler.host_offset_s)
    problems = reader.problems.get(name)
    meta: dict[str, object] = {
        "belt": belt_note,
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
        belt_t,
        belt_v,
        signals.units,
        meta,
    )


def _belt(
    reader: SessionReader, signals: GaitSignals, host_offset_s: float | None
) -> tuple[NDArray[np.float64] | None, NDArray[np.float64] | None, str]:
    """Belt speed by the session's ``belt_source``: the box's encoder (default), a fixed
    speed, the treadmill's own readings (host-stamped, put on the box's time axis with the
    smallest host-minus-box offset, as the live session does), or none (overground)."""
    import numpy as np

    source = reader.meta.get("belt_source", "box")
    if source == "fixed":
        speed = reader.meta.get("fixed_speed_mps")
        if not isinstance(speed, int | float) or not speed > 0:
            return None, None, "fixed speed missing from session.json: no belt"
        bt = np.append(signals.t[:: max(1, int(signals.fs * 0.02))], signals.t[-1])
        bt = np.unique(bt)
        return bt, np.full((bt.size, 1), float(speed)), f"fixed {speed} m/s"
    if source == "treadmill":
        stream = "treadmill.rx"
        proto = reader.streams.get(stream)
        replay = _treadmill_replay(proto)
        if replay is None or host_offset_s is None:
            return None, None, f"treadmill readings ({proto}) not readable: no belt"
        readings = replay((t, "rx", data) for t, data in reader.chunks(stream))
        if not readings:
            return None, None, "no treadmill readings: no belt"
        width = max(len(r.speeds_mps) for r in readings)
        rows = [r for r in readings if len(r.speeds_mps) == width]
        bt = np.asarray([r.host_t - host_offset_s for r in rows], np.float64)
        bv = np.asarray([r.speeds_mps for r in rows], np.float64).reshape(bt.size, width)
        keep = bt > np.maximum.accumulate(np.concatenate([[-np.inf], bt[:-1]]))
        return bt[keep], bv[keep], f"treadmill ({proto}), {int(keep.sum())} readings"
    if source == "none" or signals.belt_t is None:
        return None, None, "none (overground, or no belt measured)"
    return signals.belt_t, signals.belt_speed, "sensor-box belt encoder"


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
