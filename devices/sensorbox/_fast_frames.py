"""Framing kernels of the fast recording decoder (private; used by
:mod:`devices.sensorbox._fast_kernels`): the next delimiter, a frame's COBS decoding in
place and its CRC-16 check (:func:`_frame_check`), and :func:`_predecode`, which does
those for a stretch of the stream ahead of the sequencer.

A stretch of bytes between two delimiters is a frame's place on the wire whatever came
before it, so its decoding and check depend on its own bytes only: the stream can be cut
at a delimiter and its two parts framed at once, each on a core of its own (the kernels
release the GIL), while what depends on the order of the frames (the sequencer, the
counters, the chunk each frame came in, a new connection, a stretch too long for a frame)
stays with :func:`devices.sensorbox._fast_kernels._decode_stream`, which takes the
results in stream order. :func:`_predecode` stops before any stretch that the decoder
would not frame on its own (a new connection inside it, or longer than a frame): the
decoder frames the rest itself, so the results are those of one pass.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._kernel_options import JIT_ONLY, PY_ENTRY
from devices.sensorbox._fast_sequencer import COBS_ERR, CRC_ERR, I64, MAX_WIRE, OK, TRUNC, U8

I32 = NDArray[np.int32]

#: A framed stretch as one int32 (:func:`_predecode`): its length (the delimiter's offset
#: from its first byte) in the low PRE_FLEN bits, the decoded frame's length from bit
#: PRE_FLEN, and its problem + 1 (0: OK) from bit PRE_PROBLEM.
PRE_FLEN, PRE_PROBLEM = 12, 24
PRE_MASK = (1 << PRE_FLEN) - 1
assert MAX_WIRE <= PRE_MASK

#: Eight bytes as one word: a zero byte among them makes ``(w - ONES) & ~w & HIGH`` non-zero.
ONES = np.uint64(0x0101010101010101)
HIGH = np.uint64(0x8080808080808080)


@njit(cache=True, inline="always")
def _next_zero(buf: U8, words: NDArray[np.uint64], j: int) -> int:
    """The first zero byte at or after ``j`` (``buf.shape[0]`` if none): byte by byte to
    an eight-byte boundary, then a word (``words``: ``buf`` read as uint64) at a time."""
    n = buf.shape[0]
    while j < n and j & 7:
        if buf[j] == 0:
            return j
        j += 1
    if j >= n:
        return n
    w = j >> 3
    while w < words.shape[0]:
        v = words[w]
        if (v - ONES) & ~v & HIGH:
            break
        w += 1
    j = w << 3
    while j < n and buf[j] != 0:
        j += 1
    return j


@njit(cache=True, **JIT_ONLY)
def _cobs_decode(buf: U8, start: int, j: int, zeros: I64) -> tuple[int, int]:
    """COBS-decode buf[start:j] (no zeros inside) in place, to buf[start + 1:], as
    cobs.decode does. Returns (decoded length, OK or COBS_ERR).

    The common case (no 0xFF block) moves nothing: a frame's bytes already sit one place
    after its first code byte, and each later code byte stands where its zero goes. The
    code bytes are walked and zeroed in one pass (their places go to ``zeros``); where
    the walk fails (a code past the frame's end, or a 0xFF block: no implied zero) the
    codes zeroed are put back, and a frame with a 0xFF block is moved down byte by byte.
    """
    m = j - start - 1
    k = 0
    p = start
    code = int(buf[p])
    while True:
        e = p + code
        if e >= j:
            if e == j:
                return m, OK
            break
        if code == 0xFF or k == zeros.shape[0]:
            break
        nxt = int(buf[e])
        buf[e] = 0
        zeros[k] = e
        k += 1
        p = e
        code = nxt
    for i in range(k - 1):  # each code zeroed: the distance to the next one
        buf[zeros[i]] = zeros[i + 1] - zeros[i]
    if k:
        buf[zeros[k - 1]] = code
    if e > j:
        return m, COBS_ERR
    return _cobs_bytewise(buf, start, j)


@njit(cache=True, **JIT_ONLY)
def _cobs_bytewise(buf: U8, start: int, j: int) -> tuple[int, int]:
    """:func:`_cobs_decode` byte by byte (0xFF blocks carry no implied zero). The bytes
    move down, never past the one being read (``out <= q``); a block's zero may land on
    the next code byte (no 0xFF block before it), so that code is read first."""
    dpos = start + 1
    out = dpos
    p = start
    code = int(buf[p])
    while True:
        e = p + code
        if e > j:
            return out - dpos, COBS_ERR
        for q in range(p + 1, e):
            buf[out] = buf[q]
            out += 1
        if e == j:
            return out - dpos, OK
        nxt = int(buf[e])
        if code < 0xFF:
            buf[out] = 0
            out += 1
        p = e
        code = nxt


@njit(cache=True, inline="always")
def _frame_check(buf: U8, start: int, j: int, zeros: I64, crc_table: I64) -> tuple[int, int]:
    """Decode the frame buf[start:j] (j its delimiter) in place to buf[start + 1:] and
    check it: (decoded length, OK, COBS_ERR, TRUNC or CRC_ERR)."""
    dpos = start + 1
    flen, problem = _cobs_decode(buf, start, j, zeros)
    if problem == OK and flen < 9:
        problem = TRUNC
    if problem == OK:
        crc = 0xFFFF
        m = flen - 2
        q = dpos
        # Eight bytes a step: table k holds a byte followed by k zero bytes.
        for _ in range(m >> 3):
            x = crc ^ ((np.int64(buf[q]) << 8) | buf[q + 1])
            crc = (
                crc_table[1792 + (x >> 8)]
                ^ crc_table[1536 + (x & 0xFF)]
                ^ crc_table[1280 + buf[q + 2]]
                ^ crc_table[1024 + buf[q + 3]]
                ^ crc_table[768 + buf[q + 4]]
                ^ crc_table[512 + buf[q + 5]]
                ^ crc_table[256 + buf[q + 6]]
                ^ crc_table[buf[q + 7]]
            )
            q += 8
        if m & 4:
            x = crc ^ ((np.int64(buf[q]) << 8) | buf[q + 1])
            crc = (
                crc_table[768 + (x >> 8)]
                ^ crc_table[512 + (x & 0xFF)]
                ^ crc_table[256 + buf[q + 2]]
                ^ crc_table[buf[q + 3]]
            )
            q += 4
        for _ in range(m & 3):
            crc = ((crc << 8) & 0xFFFF) ^ crc_table[((crc >> 8) ^ buf[q]) & 0xFF]
            q += 1
        if crc != (buf[dpos + flen - 2] | (buf[dpos + flen - 1] << 8)):
            problem = CRC_ERR
    return flen, problem


@njit(cache=True, nogil=True, **PY_ENTRY)
def _predecode(
    buf: U8, words: NDArray[np.uint64], start: int, stop: int, limit: int, crc_table: I64, out: I32
) -> int:
    """Frame the stretches of ``buf`` from ``start`` (a stretch's first byte) that begin
    before ``stop``, in place, as :func:`_frame_check` does, writing one int32 per stretch
    to ``out`` (see PRE_FLEN); stops before a stretch that ends at or after ``limit`` (a
    new connection there, or the end of the bytes: pending) or is longer than a frame
    (the decoder's oversize rule looks at chunk ends there), or when ``out`` is full.
    Returns the stretches framed; they are consecutive, from ``start``. Touches only the
    bytes before the delimiter of the last of them. ``words``: ``buf[: n - n % 8]`` read
    as uint64 (by the caller: numba compiles the view slower)."""
    zeros = np.empty(MAX_WIRE + 1, np.int64)
    k = 0
    while start < stop and k < out.shape[0]:
        j = _next_zero(buf, words, start)
        length = j - start
        if j >= limit or length > MAX_WIRE:
            break
        if length == 0:
            out[k] = 0
        else:
            flen, problem = _frame_check(buf, start, j, zeros, crc_table)
            out[k] = length | (flen << PRE_FLEN) | ((problem + 1) << PRE_PROBLEM)
        k += 1
        start = j + 1
    return k
