"""Fast decoding of a whole recorded sensor-box stream into arrays (>= 100 MB/s of wire bytes).

:func:`decode_stream` runs the live decoder's exact logic as a numba kernel over the whole
buffer, honouring the recording's chunk boundaries, so its result equals
``StreamDecoder`` fed chunk by chunk and then flushed: the same samples, gaps, belt
readings, HELLO/STATUS/ERROR events and counters (``DecodedBox.events()`` rebuilds the
event list; the tests compare it with the slow reference). numba is imported on first use
only, so importing :mod:`devices` never pays for it.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from devices.errors import InputError
from devices.sensorbox.encode_many import _CRC_TABLE
from devices.sensorbox.events import (
    BeltBlock,
    DecoderStats,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
)
from devices.sensorbox.frames import (
    MAX_WIRE_FRAME,
    STATUS,
    T_BELT,
    T_ERROR,
    T_HELLO,
    T_SAMPLES,
    T_STATUS,
    Hello,
)

#: DecoderStats fields in the kernel's counter order.
STAT_FIELDS = tuple(f.name for f in dataclasses.fields(DecoderStats) if f.name != "extra")


@dataclass
class DecodedBox:
    """A decoded sensor-box stream as arrays (one row per sample), plus the rare events.

    - ``t_us`` (S,) int64 unwrapped device time of every sample; ``values`` (S, C) int16.
    - blocks (one per SAMPLES frame): ``block_start`` (B+1,) sample offsets,
      ``block_seq``, ``block_missing`` (frames lost before the block: a gap),
      ``block_restart``, ``block_host_t``, ``block_period_us``.
    - belt: ``belt_t_us``, ``belt_counts``, ``belt_interval_us``, ``belt_speed_mps`` (NaN
      where no counts per metre were known), ``belt_seq``, ``belt_host_t``.
    - ``hellos``, ``statuses``, ``errors``: the events themselves; ``stats``: counters.
    """

    t_us: NDArray[np.int64]
    values_flat: NDArray[np.int16]
    channels: int  # C of every block, or -1 if it changed within the stream
    block_start: NDArray[np.int64]
    block_vstart: NDArray[np.int64]
    block_seq: NDArray[np.int64]
    block_missing: NDArray[np.int64]
    block_restart: NDArray[np.bool_]
    block_host_t: NDArray[np.float64]
    block_period_us: NDArray[np.int64]
    block_channels: NDArray[np.int64]
    belt_t_us: NDArray[np.int64]
    belt_counts: NDArray[np.int64]
    belt_interval_us: NDArray[np.int64]
    belt_speed_mps: NDArray[np.float64]
    belt_seq: NDArray[np.int64]
    belt_host_t: NDArray[np.float64]
    hellos: list[HelloEvent]
    statuses: list[StatusEvent]
    errors: list[ErrorEvent]
    stats: DecoderStats
    pending: int
    _rel_type: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, np.int64), repr=False)

    @property
    def values(self) -> NDArray[np.int16]:
        """(S, C) int16; an InputError if the channel count changed mid-stream."""
        if self.channels < 0:
            raise InputError(
                "the box changed its channel count during the recording",
                fix="read the blocks one by one (DecodedBox.events())",
            )
        c = max(self.channels, 1)
        return self.values_flat.reshape(-1, c)

    @property
    def hello(self) -> Hello | None:
        """The last HELLO of the stream."""
        return self.hellos[-1].hello if self.hellos else None

    def events(self) -> list[Event]:
        """The event list ``StreamDecoder`` produces for the same chunks (then flushed)."""
        out: list[Event] = []
        seen: dict[int, int] = {}
        for kind in self._rel_type.tolist():
            i = seen.get(kind, 0)
            seen[kind] = i + 1
            if kind == T_SAMPLES:
                a, b = int(self.block_start[i]), int(self.block_start[i + 1])
                va, vb = int(self.block_vstart[i]), int(self.block_vstart[i + 1])
                c = int(self.block_channels[i])
                out.append(
                    SampleBlock(
                        self.t_us[a:b].copy(),
                        self.values_flat[va:vb].reshape(b - a, c).copy(),
                        int(self.block_seq[i]),
                        int(self.block_missing[i]),
                        float(self.block_host_t[i]),
                        int(self.block_period_us[i]),
                        bool(self.block_restart[i]),
                    )
                )
            elif kind == T_BELT:
                sp = float(self.belt_speed_mps[i])
                out.append(
                    BeltBlock(
                        int(self.belt_t_us[i]),
                        int(self.belt_counts[i]),
                        int(self.belt_interval_us[i]),
                        None if np.isnan(sp) else sp,
                        int(self.belt_seq[i]),
                        float(self.belt_host_t[i]),
                    )
                )
            elif kind == T_HELLO:
                out.append(self.hellos[i])
            elif kind == T_STATUS:
                out.append(self.statuses[i])
            elif kind == T_ERROR:
                out.append(self.errors[i])
        return out


def _crc_tables() -> NDArray[np.int64]:
    """CRC table for one byte, then for a byte followed by a zero byte (two bytes a step)."""
    t0 = _CRC_TABLE.astype(np.int64)
    t1 = ((t0 << 8) & 0xFFFF) ^ t0[t0 >> 8]
    return np.concatenate([t0, t1])


def decode_stream(
    data: bytes | NDArray[np.uint8],
    chunk_offsets: ArrayLike | None = None,
    host_t: ArrayLike | None = None,
    *,
    reorder_window: int = 4,
    flush: bool = True,
) -> DecodedBox:
    """Decode a recorded stream: ``data`` with chunk start offsets and host times per chunk.

    Without ``chunk_offsets`` the bytes count as one chunk at ``host_t`` 0 (the events are
    the same as for any chunking; only the ``oversize`` counter can depend on it).
    """
    from devices.sensorbox import _fast_kernels as k  # numba: imported on first use

    buf = np.frombuffer(data, dtype=np.uint8) if isinstance(data, bytes | bytearray) else data
    if buf.dtype != np.uint8 or buf.ndim != 1:
        raise ValueError("data must be bytes or a 1-D uint8 array")
    n = buf.shape[0]
    if chunk_offsets is None:
        offs = np.zeros(1 if n else 0, dtype=np.int64)
    else:
        offs = np.asarray(chunk_offsets, dtype=np.int64)
    ht = np.zeros(offs.shape[0]) if host_t is None else np.asarray(host_t, dtype=np.float64)
    if offs.ndim != 1 or ht.shape != offs.shape:
        raise ValueError("chunk_offsets and host_t must be 1-D and of the same length")
    if offs.size and (offs[0] != 0 or np.any(np.diff(offs) <= 0) or offs[-1] >= max(n, 1)):
        raise ValueError("chunk_offsets must start at 0 and increase strictly within data")
    if reorder_window < 0:
        raise ValueError("reorder_window must be >= 0")
    assert k.MAX_WIRE == MAX_WIRE_FRAME
    ends = np.append(offs[1:], n).astype(np.int64) if offs.size else offs
    dec, fr, fh, rel, stats_arr, pending = k._decode_stream(
        buf, ends, ht, reorder_window, flush, _crc_tables()
    )
    counter_map: dict[str, Any] = dict(zip(STAT_FIELDS, (int(x) for x in stats_arr), strict=True))
    stats = DecoderStats(**counter_map)
    total = int(stats.samples)
    (t, vbytes, bstart, bvstart, brel, bmiss, brst, bc, bper) = k._gather_samples(
        dec, fr, rel, total
    )
    values = vbytes.view("<i2").astype(np.int16, copy=False)
    gt, gseq, goff, glen = fr[:, 0], fr[:, 1], fr[:, 3], fr[:, 4]
    ghost = fh
    rel_g, r_t = rel[:, 0], rel[:, 1]
    rel_type = gt[rel_g]
    # Belt frames, vectorised: counts per metre from the last HELLO released before each.
    belt_rel = np.flatnonzero(rel_type == T_BELT)
    belt_g = rel_g[belt_rel]
    bo = goff[belt_g]
    raw = dec[bo[:, None] + np.arange(8)] if belt_g.size else np.zeros((0, 8), np.uint8)
    counts = raw[:, :4].copy().view("<i4").reshape(-1).astype(np.int64)
    interval = raw[:, 4:].copy().view("<u4").reshape(-1).astype(np.int64)
    hello_rel = np.flatnonzero(rel_type == T_HELLO)
    hellos: list[HelloEvent] = []
    cpm_of_hello: list[float] = []
    parsed: dict[bytes, Hello] = {}  # a box repeats the same HELLO every second
    for i in hello_rel.tolist():
        g = int(rel_g[i])
        payload = dec[goff[g] : goff[g] + glen[g]].tobytes()
        h = parsed.get(payload)
        if h is None:
            h = Hello.parse(payload)
            assert h is not None  # checked by the kernel
            parsed[payload] = h
        hellos.append(HelloEvent(h, int(gseq[g]), int(r_t[i]), float(ghost[g])))
        cpm_of_hello.append(h.belt_counts_per_m)
    which = np.searchsorted(hello_rel, belt_rel) - 1
    cpm = np.where(which >= 0, np.asarray([0.0, *cpm_of_hello])[which + 1], 0.0)
    valid = (cpm > 0) & (interval > 0)
    speed = np.full(counts.shape, np.nan)
    speed[valid] = counts[valid] / cpm[valid] / (interval[valid] * 1e-6)
    statuses: list[StatusEvent] = []
    errors: list[ErrorEvent] = []
    for j in np.flatnonzero(np.isin(rel_type, (T_SAMPLES, T_BELT, T_HELLO), invert=True)).tolist():
        g = int(rel_g[j])
        p = bytes(dec[goff[g] : goff[g] + glen[g]])
        if gt[g] == T_STATUS:
            flags, dropped, mv = STATUS.unpack(p)
            statuses.append(
                StatusEvent(flags, dropped, mv, int(gseq[g]), int(r_t[j]), float(ghost[g]))
            )
        elif gt[g] == T_ERROR:
            msg = p[1:].decode("ascii", "replace")
            errors.append(ErrorEvent(p[0], msg, int(gseq[g]), int(r_t[j]), float(ghost[g])))
    if bc.size == 0:
        channels = 0
    else:
        cmin, cmax = int(bc.min()), int(bc.max())
        channels = cmin if cmin == cmax else -1
    return DecodedBox(
        t_us=t,
        values_flat=values,
        channels=channels,
        block_start=bstart,
        block_vstart=bvstart,
        block_seq=gseq[rel_g[brel]],
        block_missing=bmiss,
        block_restart=brst.astype(bool),
        block_host_t=ghost[rel_g[brel]],
        block_period_us=bper,
        block_channels=bc,
        belt_t_us=r_t[belt_rel],
        belt_counts=counts,
        belt_interval_us=interval,
        belt_speed_mps=speed.astype(np.float64),
        belt_seq=gseq[belt_g],
        belt_host_t=ghost[belt_g],
        hellos=hellos,
        statuses=statuses,
        errors=errors,
        stats=stats,
        pending=int(pending),
        _rel_type=rel_type,
    )
