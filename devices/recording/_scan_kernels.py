"""numba kernels for reading stream files fast (private; used by devices.recording.reader).

``_scan_chunks`` walks chunk headers from a position while each chunk is whole and its
CRC-32 (zlib's, slicing-by-8) checks, and stops at the first one that is not: the reader's
pure-Python path then handles the damage. ``_gather`` copies the chunks' data into one
buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._byte_copy import copy_bytes, word_at
from devices._kernel_options import PY_ENTRY

I64 = NDArray[np.int64]
U8 = NDArray[np.uint8]

HEAD = 20  # b"CHNK", uint32 n, float64 host_t, uint32 crc32
MAX_CHUNK = 64 * 1024 * 1024


def crc32_tables() -> I64:
    """zlib's CRC-32 table and the seven tables of slicing-by-8, as int64 (8, 256): table
    k holds a byte's CRC followed by k zero bytes."""
    t = np.zeros((8, 256), dtype=np.int64)
    c = np.arange(256, dtype=np.int64)  # every byte at once: 0.2 ms, not 4 ms a read
    for _ in range(8):
        c = np.where(c & 1, (c >> 1) ^ 0xEDB88320, c >> 1)
    t[0] = c
    for k in range(1, 8):
        t[k] = (t[k - 1] >> 8) ^ t[0, t[k - 1] & 0xFF]
    return t


@njit(cache=True, inline="always")
def _crc32_update(crc: int, raw: U8, a: int, b: int, t: I64) -> int:
    """Continue a (pre-inverted) CRC-32 over raw[a:b], eight bytes a step (read as one
    word, :func:`word_at`), then four (a chunk header's twelve bytes: two steps), then
    byte by byte."""
    p = a
    while p + 8 <= b:
        w = np.int64(word_at(raw, p))  # the eight bytes in one load
        lo = crc ^ (w & 0xFFFFFFFF)
        crc = (
            t[7, lo & 0xFF]
            ^ t[6, (lo >> 8) & 0xFF]
            ^ t[5, (lo >> 16) & 0xFF]
            ^ t[4, lo >> 24]
            ^ t[3, (w >> 32) & 0xFF]
            ^ t[2, (w >> 40) & 0xFF]
            ^ t[1, (w >> 48) & 0xFF]
            ^ t[0, (w >> 56) & 0xFF]
        )
        p += 8
    if p + 4 <= b:
        x = crc ^ (
            int(raw[p]) | (int(raw[p + 1]) << 8) | (int(raw[p + 2]) << 16) | (int(raw[p + 3]) << 24)
        )
        crc = t[3, x & 0xFF] ^ t[2, (x >> 8) & 0xFF] ^ t[1, (x >> 16) & 0xFF] ^ t[0, x >> 24]
        p += 4
    while p < b:
        crc = t[0, (crc ^ raw[p]) & 0xFF] ^ (crc >> 8)
        p += 1
    return crc


def _scan_chunks(
    raw: U8, start: int, t: I64, limit: int, room: list[I64] | None = None
) -> tuple[I64, I64, I64, int]:
    """(header positions, data lengths, host times' bits (little-endian float64 read as
    int64), position where scanning stopped) of the chunks from ``start`` while each is
    whole and its CRC checks, up to the first at or after ``limit``. Its kernel
    (:func:`_scan_into`) releases the GIL: two stretches of a window can be scanned at
    once. The outputs are made here, with room for a chunk per header's bytes (pages
    never written cost nothing): an allocation in a kernel compiles code of its own.
    ``room``: a list holding the outputs' memory from one call to the next (empty at
    first; made larger when a call needs more): the results are views of it, good until
    the next call given the same list, and a window's scan writes pages the last one
    took already instead of fresh ones (a page fault per 4 KB)."""
    cap = max((min(raw.shape[0], limit + HEAD) - start) // HEAD + 1, 0)
    pos, lengths, hosts = reused_rows(room, cap)
    k, stop = _scan_into(raw, start, t, limit, pos, lengths, hosts)
    return pos[:k], lengths[:k], hosts[:k], stop


def reused_rows(room: list[I64] | None, n: int) -> I64:
    """A ``(3, m)`` int64 array, ``m >= n``, for three outputs of ``n`` values: the one
    ``room`` holds (a list keeping it from one call to the next) where it is large enough,
    else a new one, kept in ``room`` (when given) for the next call."""
    if room and room[0].shape[1] >= n:
        return room[0]
    made = np.empty((3, n), np.int64)
    if room is not None:
        room[:] = [made]
    return made


@njit(cache=True, nogil=True, **PY_ENTRY)
def _scan_into(
    raw: U8, start: int, t: I64, limit: int, pos: I64, lengths: I64, hosts: I64
) -> tuple[int, int]:
    """:func:`_scan_chunks`' walk: the chunks' header positions, data lengths and host
    times' bits into ``pos``, ``lengths`` and ``hosts`` (room for as many chunks as the
    walk can find, the same in each); returns (chunks found, where scanning stopped)."""
    n = raw.shape[0]
    k = 0
    p = start
    while p + HEAD <= n and p < limit and k < pos.shape[0]:
        if raw[p] != 67 or raw[p + 1] != 72 or raw[p + 2] != 78 or raw[p + 3] != 75:  # CHNK
            break
        m = (
            int(raw[p + 4])
            | (int(raw[p + 5]) << 8)
            | (int(raw[p + 6]) << 16)
            | (int(raw[p + 7]) << 24)
        )
        if m > MAX_CHUNK or p + HEAD + m > n:
            break
        want = (
            int(raw[p + 16])
            | (int(raw[p + 17]) << 8)
            | (int(raw[p + 18]) << 16)
            | (int(raw[p + 19]) << 24)
        )
        crc = 0xFFFFFFFF
        a, b = p + 4, p + 16  # the header's length and host time, then the data
        for _ in range(2):  # one call site: the CRC's loops are compiled once
            crc = _crc32_update(crc, raw, a, b, t)
            a, b = p + HEAD, p + HEAD + m
        if (crc ^ 0xFFFFFFFF) != want:
            break
        pos[k] = p
        lengths[k] = m
        bits = 0
        for i in range(15, 7, -1):
            bits = (bits << 8) | int(raw[p + i])
        hosts[k] = bits
        k += 1
        p += HEAD + m
    return k, p


@njit(cache=True, nogil=True, **PY_ENTRY)
def _gather(raw: U8, pos: I64, lens: I64, out: U8) -> None:
    """The chunks' data, one after the other, into ``out`` (:func:`copy_bytes`: not a
    slice assignment, whose error message took three times as long to compile as the
    rest of the reading kernel). Releases the GIL: two runs of chunks can be gathered
    at once."""
    w = 0
    for i in range(pos.shape[0]):
        a = pos[i] + HEAD
        m = lens[i]
        if a < 0 or m < 0 or a + m > raw.shape[0] or w + m > out.shape[0]:
            raise ValueError("a chunk outside the bytes read, or more data than room")
        copy_bytes(out, w, raw, a, m)
        w += m
