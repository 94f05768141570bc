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

from devices._byte_copy import word_at
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


@njit(cache=True, **JIT_ONLY)
def _crc16(buf: U8, q: int, m: int, t: I64) -> int:
    """The frames' CRC-16 (CCITT, from 0xFFFF) of ``buf[q : q + m]``, ``t``: the tables of
    a byte followed by 0 to 15 zero bytes, 256 entries each (``_fast_inputs._crc_tables``).
    Sixteen bytes a step, read as two words (:func:`word_at`): only two of a step's
    sixteen look-ups wait for the CRC so far; then eight, four, and byte by byte."""
    crc = np.int64(0xFFFF)
    for _ in range(m >> 4):
        w = np.int64(word_at(buf, q))
        v = np.int64(word_at(buf, q + 8))
        x = crc ^ (((w & 0xFF) << 8) | ((w >> 8) & 0xFF))
        crc = (
            t[3840 + (x >> 8)]
            ^ t[3584 + (x & 0xFF)]
            ^ t[3328 + ((w >> 16) & 0xFF)]
            ^ t[3072 + ((w >> 24) & 0xFF)]
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
        q += 16
    if m & 8:
        w = np.int64(word_at(buf, q))
        x = crc ^ (((w & 0xFF) << 8) | ((w >> 8) & 0xFF))
        crc = (
            t[1792 + (x >> 8)]
            ^ t[1536 + (x & 0xFF)]
            ^ t[1280 + ((w >> 16) & 0xFF)]
            ^ t[1024 + ((w >> 24) & 0xFF)]
            ^ t[768 + ((w >> 32) & 0xFF)]
            ^ t[512 + ((w >> 40) & 0xFF)]
            ^ t[256 + ((w >> 48) & 0xFF)]
            ^ t[(w >> 56) & 0xFF]
        )
        q += 8
    if m & 4:
        x = crc ^ ((np.int64(buf[q]) << 8) | buf[q + 1])
        crc = t[768 + (x >> 8)] ^ t[512 + (x & 0xFF)] ^ t[256 + buf[q + 2]] ^ t[buf[q + 3]]
        q += 4
    for _ in range(m & 3):
        crc = ((crc << 8) & 0xFFFF) ^ t[((crc >> 8) ^ buf[q]) & 0xFF]
        q += 1
    return int(crc)


@njit(cache=True, inline="always")
def _frame_check(buf: U8, start: int, j: int, zeros: I64, crc_table: I64) -> tuple[int, int]:
    """Decode the frame buf[start:j] (j its delimiter) in place to buf[start + 1:] and
    check it: (decoded length, OK, COBS_ERR, TRUNC or CRC_ERR)."""
    flen, problem = _cobs_decode(buf, start, j, zeros)
    return flen, _problem(buf, start + 1, flen, problem, crc_table)


@njit(cache=True, inline="always")
def _problem(buf: U8, dpos: int, flen: int, problem: int, crc_table: I64) -> int:
    """A frame decoded to ``buf[dpos : dpos + flen]`` with COBS ``problem``: its problem
    (OK, COBS_ERR, TRUNC or CRC_ERR)."""
    if problem == OK and flen < 9:
        problem = TRUNC
    if problem == OK and _crc16(buf, dpos, flen - 2, crc_table) != (
        buf[dpos + flen - 2] | (buf[dpos + flen - 1] << 8)
    ):
        problem = CRC_ERR
    return problem


@njit(cache=True, inline="always")
def _walk_on(buf: U8, p: int, code: int, j: int, at: I64, k: int) -> int:
    """:func:`_walk_two`'s walk of one frame's code bytes on from the code ``code`` at
    ``p`` (``k`` of them in ``at`` so far): the number of codes before the delimiter ``j``,
    or -1 if the frame is not the common case."""
    while True:
        e = p + code
        if e >= j:
            return k if e == j else -1
        if code == 0xFF or k == at.shape[0]:
            return -1
        at[k] = e
        k += 1
        p = e
        code = int(buf[e])


@njit(cache=True, **JIT_ONLY)
def _walk_two(buf: U8, s1: int, j1: int, s2: int, j2: int, at1: I64, at2: I64) -> tuple[int, int]:
    """The code bytes of two frames, ``buf[s1:j1]`` and ``buf[s2:j2]`` (each without a
    zero, ``j`` its delimiter), walked at once, reading only: each walk waits on the
    code it read last, two of them keep the core busy twice as much. For each frame, the
    places of its codes after the first in ``at1`` / ``at2`` and their number, where
    the walk lands on the delimiter without a 0xFF block (the common case of
    :func:`_cobs_decode`: decoding is zeroing them), else -1 (nothing was written: the
    frame goes to :func:`_frame_check`)."""
    p1, p2 = s1, s2
    c1, c2 = int(buf[s1]), int(buf[s2])
    k = 0
    n = min(at1.shape[0], at2.shape[0])
    while True:
        e1, e2 = p1 + c1, p2 + c2
        if e1 >= j1 or e2 >= j2 or c1 == 0xFF or c2 == 0xFF or k == n:
            break
        at1[k], at2[k] = e1, e2
        k += 1
        p1, p2 = e1, e2
        c1, c2 = int(buf[e1]), int(buf[e2])
    return _walk_on(buf, p1, c1, j1, at1, k), _walk_on(buf, p2, c2, j2, at2, k)


@njit(cache=True, inline="always")
def _framed(buf: U8, start: int, j: int, codes: int, at: I64, crc_table: I64) -> int:
    """The record (see PRE_FLEN) of the frame ``buf[start:j]`` decoded and checked in
    place: its ``codes`` code bytes at ``at`` zeroed (the common case, found by
    :func:`_walk_two`), or with ``codes`` -1 by :func:`_frame_check` (``at``: scratch)."""
    if codes < 0:
        flen, problem = _frame_check(buf, start, j, at, crc_table)
    else:
        for i in range(codes):
            buf[at[i]] = 0
        flen = j - start - 1
        problem = _problem(buf, start + 1, flen, OK, crc_table)
    return (j - start) | (flen << PRE_FLEN) | ((problem + 1) << PRE_PROBLEM)


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
    as uint64 (by the caller: numba compiles the view slower). Two frames in a row are
    walked at once (:func:`_walk_two`), each then checked on its own: the same records."""
    at1 = np.empty(MAX_WIRE + 1, np.int64)
    at2 = np.empty(MAX_WIRE + 1, np.int64)
    k = 0
    j = -1  # the delimiter ending the stretch from ``start``, where found already
    while start < stop and k < out.shape[0]:
        if j < start:
            j = _next_zero(buf, words, start)
        length = j - start
        if j >= limit or length > MAX_WIRE:
            break
        if length == 0:
            out[k] = 0
            k += 1
            start = j + 1
            continue
        s2 = j + 1  # the next stretch: framed with this one where it is a frame too
        j2 = _next_zero(buf, words, s2) if s2 < stop and k + 1 < out.shape[0] else -1
        two = s2 < j2 < limit and j2 - s2 <= MAX_WIRE
        codes = _walk_two(buf, start, j, s2, j2, at1, at2) if two else (-1, -1)
        for f in range(2 if two else 1):  # (one call site: its code compiled once)
            a, e, c, at = (start, j, codes[0], at1) if f == 0 else (s2, j2, codes[1], at2)
            out[k] = _framed(buf, a, e, c, at, crc_table)
            k += 1
        start = j2 + 1 if two else s2
        j = j2
    return k
