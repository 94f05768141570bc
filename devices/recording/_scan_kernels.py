"""numba kernels for reading stream files fast (private; used by devices.recording.reader).

``_walk_chunks`` walks chunk headers from a position while each chunk is whole, and
``_first_bad`` finds the first of them whose CRC-32 (zlib's, slicing-by-8) does not check
(in parts at once, on threads of their own, where a core is idle): scanning stops there,
and the reader's pure-Python path then handles the damage. ``_gather`` copies the chunks'
data into one buffer.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._byte_copy import copy_bytes

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
    """Continue a (pre-inverted) CRC-32 over raw[a:b], eight bytes a step, then four (a
    chunk header's twelve bytes: two steps), then byte by byte."""
    p = a
    while p + 8 <= b:
        lo = crc ^ (
            int(raw[p]) | (int(raw[p + 1]) << 8) | (int(raw[p + 2]) << 16) | (int(raw[p + 3]) << 24)
        )
        crc = (
            t[7, lo & 0xFF]
            ^ t[6, (lo >> 8) & 0xFF]
            ^ t[5, (lo >> 16) & 0xFF]
            ^ t[4, lo >> 24]
            ^ t[3, raw[p + 4]]
            ^ t[2, raw[p + 5]]
            ^ t[1, raw[p + 6]]
            ^ t[0, raw[p + 7]]
        )
        p += 8
    if p + 4 <= b:
        lo = crc ^ (
            int(raw[p]) | (int(raw[p + 1]) << 8) | (int(raw[p + 2]) << 16) | (int(raw[p + 3]) << 24)
        )
        crc = t[3, lo & 0xFF] ^ t[2, (lo >> 8) & 0xFF] ^ t[1, (lo >> 16) & 0xFF] ^ t[0, lo >> 24]
        p += 4
    while p < b:
        crc = t[0, (crc ^ raw[p]) & 0xFF] ^ (crc >> 8)
        p += 1
    return crc


@njit(cache=True)
def _walk_chunks(raw: U8, start: int) -> tuple[I64, I64, I64, I64, int]:
    """The chunk headers from ``start`` while each is whole (magic, a length that fits):
    (header positions, data lengths, host times' bits (little-endian float64 read as
    int64), the CRC-32 each header gives, position where walking stopped). The CRCs are
    checked by :func:`_first_bad`: the chunks to take are those before the first bad
    one, which is where scanning stops."""
    n = raw.shape[0]
    cap = (n - start) // HEAD + 1
    pos_out = np.empty(cap, np.int64)
    len_out = np.empty(cap, np.int64)
    host_out = np.empty(cap, np.int64)
    crc_out = np.empty(cap, np.int64)
    k = 0
    p = start
    while p + HEAD <= n:
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
        pos_out[k] = p
        len_out[k] = m
        bits = 0
        for i in range(15, 7, -1):
            bits = (bits << 8) | int(raw[p + i])
        host_out[k] = bits
        crc_out[k] = (
            int(raw[p + 16])
            | (int(raw[p + 17]) << 8)
            | (int(raw[p + 18]) << 16)
            | (int(raw[p + 19]) << 24)
        )
        k += 1
        p += HEAD + m
    return pos_out[:k], len_out[:k], host_out[:k], crc_out[:k], p


@njit(cache=True, nogil=True)
def _first_bad(raw: U8, pos: I64, lens: I64, want: I64, t: I64, lo: int, hi: int) -> int:
    """The first of chunks ``lo`` to ``hi`` (:func:`_walk_chunks`' rows) whose CRC-32
    (of the header's length and host time, then the data) is not the one its header
    gives, or ``hi``. Releases the GIL: the rows can be checked in parts at once."""
    for k in range(lo, hi):
        p = pos[k]
        crc = 0xFFFFFFFF
        a, b = p + 4, p + 16  # the header's length and host time, then the data
        for _ in range(2):  # one call site: the CRC's loops are compiled once
            crc = _crc32_update(crc, raw, a, b, t)
            a, b = p + HEAD, p + HEAD + lens[k]
        if (crc ^ 0xFFFFFFFF) != want[k]:
            return k
    return hi


@njit(cache=True)
def _gather(raw: U8, pos: I64, lens: I64, out: U8) -> None:
    """The chunks' data, one after the other, into ``out`` (:func:`copy_bytes`: not a
    slice assignment, whose error message took three times as long to compile as the
    rest of the reading kernel)."""
    w = 0
    for i in range(pos.shape[0]):
        a = pos[i] + HEAD
        m = lens[i]
        if a < 0 or m < 0 or a + m > raw.shape[0] or w + m > out.shape[0]:
            raise ValueError("a chunk outside the bytes read, or more data than room")
        copy_bytes(out, w, raw, a, m)
        w += m
