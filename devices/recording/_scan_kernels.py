"""numba kernels for reading stream files fast (private; used by devices.recording.reader).

``_scan_chunks`` walks chunk headers from a position while each chunk is whole and its
CRC-32 (zlib's, slicing-by-16) checks, and stops at the first one that is not: the reader's
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
    """zlib's CRC-32 table and the fifteen more tables of slicing-by-16, as int64, one
    after the other (16 x 256, flat: a look-up adds a constant, no row stride): table k,
    at ``256 * k``, holds a byte's CRC followed by k zero bytes."""
    t = np.zeros((16, 256), dtype=np.int64)
    c = np.arange(256, dtype=np.int64)  # every byte at once: 0.2 ms, not 4 ms a read
    for _ in range(8):
        c = np.where(c & 1, (c >> 1) ^ 0xEDB88320, c >> 1)
    t[0] = c
    for k in range(1, 16):
        t[k] = (t[k - 1] >> 8) ^ t[0, t[k - 1] & 0xFF]
    return t.reshape(-1)


@njit(cache=True, inline="always")
def _crc32_update(crc: int, raw: U8, a: int, b: int, t: I64) -> int:
    """Continue a (pre-inverted) CRC-32 over raw[a:b], sixteen bytes a step (two words
    read at once, :func:`word_at`: the sixteen table look-ups of a step depend on the CRC
    so far through four of them only), then eight, then four (a chunk header's twelve
    bytes: eight and four), then byte by byte."""
    p = a
    while p + 16 <= b:
        w = np.int64(word_at(raw, p))
        v = np.int64(word_at(raw, p + 8))
        lo = crc ^ (w & 0xFFFFFFFF)
        crc = (
            t[3840 + (lo & 0xFF)]
            ^ t[3584 + ((lo >> 8) & 0xFF)]
            ^ t[3328 + ((lo >> 16) & 0xFF)]
            ^ t[3072 + (lo >> 24)]
            ^ t[2816 + ((w >> 32) & 0xFF)]
            ^ t[2560 + ((w >> 40) & 0xFF)]
            ^ t[2304 + ((w >> 48) & 0xFF)]
            ^ t[2048 + ((w >> 56) & 0xFF)]
            ^ t[1792 + (v & 0xFF)]
            ^ t[1536 + ((v >> 8) & 0xFF)]
            ^ t[1280 + ((v >> 16) & 0xFF)]
            ^ t[1024 + ((v >> 24) & 0xFF)]
            ^ t[768 + ((v >> 32) & 0xFF)]
            ^ t[512 + ((v >> 40) & 0xFF)]
            ^ t[256 + ((v >> 48) & 0xFF)]
            ^ t[(v >> 56) & 0xFF]
        )
        p += 16
    if p + 8 <= b:
        w = np.int64(word_at(raw, p))
        lo = crc ^ (w & 0xFFFFFFFF)
        crc = (
            t[1792 + (lo & 0xFF)]
            ^ t[1536 + ((lo >> 8) & 0xFF)]
            ^ t[1280 + ((lo >> 16) & 0xFF)]
            ^ t[1024 + (lo >> 24)]
            ^ t[768 + ((w >> 32) & 0xFF)]
            ^ t[512 + ((w >> 40) & 0xFF)]
            ^ t[256 + ((w >> 48) & 0xFF)]
            ^ t[(w >> 56) & 0xFF]
        )
        p += 8
    if p + 4 <= b:
        x = crc ^ (
            int(raw[p]) | (int(raw[p + 1]) << 8) | (int(raw[p + 2]) << 16) | (int(raw[p + 3]) << 24)
        )
        crc = (
            t[768 + (x & 0xFF)]
            ^ t[512 + ((x >> 8) & 0xFF)]
            ^ t[256 + ((x >> 16) & 0xFF)]
            ^ t[x >> 24]
        )
        p += 4
    while p < b:
        crc = t[(crc ^ raw[p]) & 0xFF] ^ (crc >> 8)
        p += 1
    return crc


def _scan_chunks(raw: U8, start: int, t: I64, limit: int) -> tuple[I64, I64, I64, int]:
    """(header positions, data lengths, host times' bits (little-endian float64 read as
    int64), position where scanning stopped) of the chunks from ``start`` while each is
    whole and its CRC checks, up to the first at or after ``limit``. Its kernel
    (:func:`_scan_into`) releases the GIL: two stretches of a window can be scanned at
    once. The outputs are made here, with room for a chunk per header's bytes (pages
    never written cost nothing): an allocation in a kernel compiles code of its own."""
    cap = max((min(raw.shape[0], limit + HEAD) - start) // HEAD + 1, 0)
    pos, lengths, hosts = (np.empty(cap, np.int64) for _ in range(3))
    k, stop = _scan_into(raw, start, t, limit, pos, lengths, hosts)
    return pos[:k], lengths[:k], hosts[:k], stop


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
