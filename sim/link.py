"""From the box's frames to the host's reads: the serial link, USB burst delivery, faults.

Frames leave the box when they are complete and cross the link at its byte rate (queued
when the link is busy). The host reads whatever has arrived at irregular intervals (USB
full-speed CDC hands over bytes in bursts; a reader thread with a timeout wakes every few
milliseconds), so chunks split frames anywhere, as real reads do. Optional faults: bit
flips and dropped bytes on the line, and unplug events (nothing arrives for a while).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError


@dataclass(frozen=True)
class LinkConfig:
    """Byte rate and host read pattern (``read_min_s``..``read_max_s`` between reads)."""

    baud: int = 115200
    read_min_s: float = 0.001
    read_max_s: float = 0.016
    latency_s: float = 0.001

    @property
    def byte_rate(self) -> float:
        return self.baud / 10.0  # 8N1: ten bits per byte


STANDARD_BAUDS = (115200, 230400, 460800, 921600, 2000000, 4000000, 12000000)


def link_for(link: LinkConfig, bytes_per_s: float) -> LinkConfig:
    """The link itself if it carries ``bytes_per_s`` with 20 % to spare, else the same link at
    the next standard baud rate that does (a box configured for its data rate, as a USB CDC
    box is: its nominal baud rate does not limit it)."""
    for baud in (link.baud, *STANDARD_BAUDS):
        if baud >= link.baud and baud / 10.0 >= 1.2 * bytes_per_s:
            return replace(link, baud=baud)
    return replace(link, baud=STANDARD_BAUDS[-1])


@dataclass(frozen=True)
class Faults:
    """Faults to inject: per-byte probabilities, and unplug events (true seconds)."""

    bit_flip_rate: float = 0.0
    drop_byte_rate: float = 0.0
    unplug_at_s: tuple[float, ...] = ()
    unplug_s: float = 2.0

    def __post_init__(self) -> None:
        for name in ("bit_flip_rate", "drop_byte_rate"):
            v = getattr(self, name)
            if not (0.0 <= v <= 0.1):
                raise InputError(
                    f"{name} {v!r} is outside 0..0.1", fix="give a per-byte probability"
                )
        if self.unplug_s < 0:
            raise InputError("unplug duration is negative", fix="give seconds >= 0")

    @property
    def any(self) -> bool:
        return bool(self.bit_flip_rate or self.drop_byte_rate or self.unplug_at_s)


def wire_times(
    emit_true: NDArray[np.float64], lengths: NDArray[np.int64], byte_rate: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Start and end of each frame's transmission, queued behind earlier frames:
    ``end[i] = max(emit[i], end[i-1]) + d[i]`` computed without a Python loop."""
    d = lengths / byte_rate
    dcum = np.cumsum(d)
    prev = np.concatenate([[0.0], dcum[:-1]])
    end = dcum + np.maximum.accumulate(emit_true - prev)
    return end - d, end


def host_reads(
    emit_true: NDArray[np.float64],
    lengths: NDArray[np.int64],
    link: LinkConfig,
    rng: np.random.Generator,
    until: float | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Host read times and the byte offset (into the concatenated frames) each read ends at.

    Empty reads are dropped (the recording does not store them).
    """
    if lengths.size == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    start, end = wire_times(emit_true, lengths, link.byte_rate)
    last = float(end[-1]) + link.latency_s if until is None else until
    first = float(start[0])
    mean_gap = (link.read_min_s + link.read_max_s) / 2
    n = int((last - first) / mean_gap * 1.2) + 16
    reads = first + np.cumsum(rng.uniform(link.read_min_s, link.read_max_s, n))
    while reads[-1] < last:
        more = reads[-1] + np.cumsum(rng.uniform(link.read_min_s, link.read_max_s, n))
        reads = np.concatenate([reads, more])
    reads = reads[reads < last]
    reads = np.append(reads, last)
    arrived = reads - link.latency_s
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    k = np.searchsorted(start, arrived, side="right") - 1  # frame in flight or done
    k_ok = np.clip(k, 0, lengths.size - 1)
    partial = np.floor((arrived - start[k_ok]) * link.byte_rate).astype(np.int64)
    got = offsets[k_ok] + np.minimum(partial, lengths[k_ok])
    got = np.where(k < 0, 0, got)
    got = np.maximum.accumulate(got)
    keep = np.diff(np.concatenate([[0], got])) > 0
    if until is None:
        got[-1] = offsets[-1]
        keep[-1] = True
    return reads[keep], got[keep]


def apply_faults(
    data: NDArray[np.uint8],
    ends: NDArray[np.int64],
    read_t: NDArray[np.float64],
    faults: Faults,
    rng: np.random.Generator,
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.float64], list[tuple[float, float]]]:
    """Flip bits, drop bytes and cut unplugged spans out of a delivered byte stream.

    Returns the new data, read end offsets and read times, and the unplugged spans.
    """
    if not faults.any:
        return data, ends, read_t, []
    out = data.copy()
    n = out.size
    if faults.bit_flip_rate:
        hits = np.flatnonzero(rng.random(n) < faults.bit_flip_rate)
        out[hits] ^= (1 << rng.integers(0, 8, hits.size)).astype(np.uint8)
    keep = np.ones(n, dtype=bool)
    if faults.drop_byte_rate:
        keep &= rng.random(n) >= faults.drop_byte_rate
    spans: list[tuple[float, float]] = []
    starts = np.concatenate([[0], ends[:-1]])
    read_keep = np.ones(ends.size, dtype=bool)
    for u in faults.unplug_at_s:
        spans.append((u, u + faults.unplug_s))
        cut = (read_t >= u) & (read_t < u + faults.unplug_s)
        read_keep &= ~cut
        for a, b in zip(starts[cut].tolist(), ends[cut].tolist(), strict=True):
            keep[a:b] = False
    kept_cum = np.concatenate([[0], np.cumsum(keep)])
    new_ends = kept_cum[ends]
    new_data = out[keep]
    nonempty = np.diff(np.concatenate([[0], new_ends])) > 0
    sel = read_keep & nonempty
    return new_data, new_ends[sel], read_t[sel], spans
