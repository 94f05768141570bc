"""numba kernels of the fast recording decoder (imported lazily by devices.sensorbox.fast).

``_decode_stream`` is the whole live decoder (framing, COBS, CRC, payload checks and the
sequencer of :mod:`devices.sensorbox.sequencer`) as one pass over a recorded stream, given
the recording's chunk boundaries, so that it reproduces ``StreamDecoder`` fed chunk by chunk
exactly, counters included (``_fast_gather`` then copies the released frames into flat
arrays). Private: call through :func:`devices.sensorbox.fast.decode_stream`.

State lives in small arrays so the helpers take few arguments:
``fr`` (slots x 5: type, seq, t_us, payload offset, payload length) and ``fh`` (host time)
for the good frames held in the reorder window and the one arriving (a row each, reused);
``rel`` (released x 3: unwrapped t_us, payload offset, and type, seq, payload length,
frames missing before and restart packed in one word) and ``rel_host`` in release order
(24 + 8 bytes a frame: what the gather needs, nothing else kept per frame); ``st`` the
sequencer's scalars; ``held`` (2 x window+2: seq, row of ``fr``) the reorder window;
``rc`` the ring of the last 64
(seq, t_us) followed by a count per seq value (an O(1) duplicate pre-check). The layout
and the sequencer's kernels are in :mod:`devices.sensorbox._fast_sequencer`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._kernel_options import JIT_ONLY, PY_ENTRY
from devices.sensorbox._fast_frames import (
    I32,
    PRE_FLEN,
    PRE_MASK,
    PRE_PROBLEM,
    _cobs_decode,
    _next_zero,
)
from devices.sensorbox._fast_sequencer import (
    BYTES_IN,
    BYTES_OK,
    COBS_ERR,
    COUNT,
    CRC_ERR,
    DISCARDED,
    EXPECTED,
    F64,
    F_LEN,
    F_OFF,
    F_SEQ,
    F_T,
    F_TYPE,
    FRAMES,
    HELLO_C,
    I64,
    LAST_END,
    LAST_UNWRAPPED,
    LAST_WRAPPED,
    MALFORMED,
    MAX_WIRE,
    MISMATCH,
    N_ST,
    N_STATS,
    NHELD,
    NREL,
    OK,
    OVERSIZE,
    P_LEN,
    P_SEQ,
    R_OFF,
    R_PACK,
    R_T,
    RESYNCS,
    SAMPLES,
    STARTED,
    TRUNC,
    U8,
    UNKNOWN,
    _connection_begun,
    _crc_of,
    _free_slot,
    _push,
    _recent_add,
    _release_oldest,
    _signed32,
)

__all__ = ["MAX_WIRE", "_decode_stream", "decoder_state", "frame_tables"]

# The decoder loop's place in ``st``, after the sequencer's scalars (kept there when the
# first call stops for the rare paths), and what the call going on must do first.
L_START, L_CE, L_KN, L_RG, L_PK, L_PEND, L_PNEXT, L_SYNCED, L_SKIP = range(N_ST, N_ST + 9)
PENDING, PEND_G = N_ST + 9, N_ST + 10
N_DEC_ST = N_ST + 11
PEND_PUSH, PEND_NEW = 1, 2  # PENDING: push frame PEND_G; begin new connection L_KN


def frame_tables(n: int, window: int, chunks: int = 0) -> tuple[I64, F64, I64, F64, NDArray[Any]]:
    """The decoder's tables for ``n`` wire bytes in ``chunks`` chunks and a reorder window
    of ``window`` frames (``fr``, ``fh``: a row per frame held or being sequenced; ``rel``,
    ``rel_host``, ``rel_chunk``: a row per released frame; see :func:`_decode_stream`),
    allocated by numpy: it asks the kernel for huge pages for large arrays, so the rows
    written cost a few page faults, not one per 4 KB, and the rows never written cost
    nothing. ``rel_chunk`` (chunk numbers up to ``chunks``) is int32 where they fit."""
    rows = n // 11 + 2  # a good frame takes at least 11 wire bytes
    slots = window + 3  # more than the frames held at once, and the one arriving
    chunk_type: Any = np.int32 if chunks < np.iinfo(np.int32).max else np.int64
    return (
        np.empty((slots, 5), np.int64),
        np.empty(slots, np.float64),
        np.empty((rows, 3), np.int64),
        np.empty(rows, np.float64),
        np.empty(rows, chunk_type),
    )


def decoder_state(
    n: int, window: int, pre_at: I64, pre_first: I64
) -> tuple[I64, I64, F64, I64, I64]:
    """The state :func:`_decode_stream` starts from, for ``n`` bytes, a reorder window of
    ``window`` frames and the stretches framed already: ``stats`` (the counters), ``st``
    (the sequencer's scalars and the loop's place), ``lh`` (the last host time),
    ``held`` (the reorder window) and ``rc`` (the recent frames)."""
    stats = np.zeros(N_STATS, np.int64)
    stats[BYTES_IN] = n
    st = np.zeros(N_DEC_ST, np.int64)
    st[EXPECTED] = -1
    st[L_PEND] = pre_first[1] if pre_at.shape[0] else 0
    st[L_PNEXT] = pre_at[0] if pre_at.shape[0] else -1
    held = np.empty((2, window + 2), np.int64)
    return stats, st, np.zeros(1, np.float64), held, np.zeros(COUNT + 65536, np.int64)


@njit(cache=True, **JIT_ONLY)
def _payload_problem(dec: U8, off: int, n: int, ftype: int, hello_c: int) -> int:
    """OK, MALFORMED or MISMATCH, exactly as decoder.payload_ok decides."""
    if ftype == 2:
        if n < 4:
            return MALFORMED
        c = np.int64(dec[off])
        k = np.int64(dec[off + 1])
        period = np.int64(dec[off + 2]) | (np.int64(dec[off + 3]) << 8)
        if c < 1 or c > 16 or k < 1 or k > 64 or period == 0:
            return MALFORMED
        if n != 4 + 2 * c * k:
            return MALFORMED
        if hello_c > 0 and c != hello_c:
            return MISMATCH
        return OK
    if ftype == 1:
        if n < 19:
            return MALFORMED
        c = np.int64(dec[off + 18])
        if c < 1 or c > 16 or n != 19 + 7 * c:
            return MALFORMED
        return OK
    if ftype == 3 or ftype == 4:
        return OK if n == 8 else MALFORMED
    if ftype == 5:
        return OK if n >= 1 else MALFORMED
    return OK


@njit(cache=True, inline="always")
def _chunk_end(chunk_starts: I64, ce: int, n: int) -> int:
    """Where chunk ``ce`` ends: where the next one starts, or at the end of the bytes."""
    return chunk_starts[ce + 1] if ce + 1 < chunk_starts.shape[0] else n


@njit(cache=True, inline="always")
def _oversize(
    chunk_starts: I64, ce: int, n: int, start: int, lim: int, stats: I64
) -> tuple[int, int, bool]:
    """The live decoder's discarding of a stretch longer than a frame at a chunk end, for
    a stretch from ``start`` that goes on past ``lim``, ``ce`` the first chunk ending
    after ``start``: returns the first chunk ending after ``lim`` and where the stretch
    now starts, and whether bytes were discarded (the rest of the stretch then too)."""
    dropped = False
    nchunks = chunk_starts.shape[0]
    while ce < nchunks:
        end = _chunk_end(chunk_starts, ce, n)
        if end > lim:
            break
        if end - start > MAX_WIRE:
            stats[DISCARDED] += end - start
            stats[OVERSIZE] += 1
            stats[RESYNCS] += 1
            start = end
            dropped = True
        ce += 1
    return ce, start, dropped


@njit(cache=True, **PY_ENTRY)
def _decode_stream(
    buf: U8,
    words: NDArray[np.uint64],
    chunk_starts: I64,
    chunk_host_t: F64,
    window: int,
    flush: bool,
    crc_table: I64,
    new_at: I64,
    new_chunk: I64,
    new_gap_us: I64,
    fr: I64,
    fh: F64,
    rel: I64,
    rel_host: F64,
    rel_chunk: I64,
    pre: I32,
    pre_at: I64,
    pre_first: I64,
    stats: I64,
    st: I64,
    lh: F64,
    held: I64,
    rc: I64,
    zeros: I64,
    rare: bool | None,
) -> tuple[int, int]:
    """Decode ``buf`` in place (each good frame decoded where it was received, one byte
    after its start), recorded in chunks starting at ``chunk_starts`` (0 first, never
    decreasing) and received at ``chunk_host_t``; returns (the bytes the frames' offsets
    point into, rel, rel_host, the chunk each released frame was released in (the number
    of chunks: at the flush), counters, pending bytes). ``words``: ``buf[: n - n % 8]``
    read as uint64. A new connection
    (StreamDecoder.new_connection) begins at byte ``new_at[i]``, as chunk ``new_chunk[i]``
    (an empty chunk: the recording's mark of a reopened port), ``new_gap_us[i]`` of host
    time after the last bytes before it. The tables come from the caller
    (:func:`frame_tables`): ``fr`` (window + 3 x 5) and ``fh``, a row per frame held or
    being sequenced; ``rel`` (F x 3), ``rel_host`` and ``rel_chunk`` with room for ``F =
    len(buf) // 11 + 2`` released frames (a good frame takes at least 11 wire bytes).
    Stretches framed already (:func:`_predecode`, on other threads): region ``r`` of them
    starts at byte ``pre_at[r]``, its stretches are ``pre[pre_first[r]:pre_first[r + 1]]``,
    none of them empty (none framed already: empty arrays and ``pre_first`` ``[0]``).
    ``stats``, ``st``, ``lh``, ``held``, ``rc``: the decoder's state
    (:func:`decoder_state`), the loop's place included.

    ``rare`` None (the first call): only the common paths are compiled (frames in order,
    the first frame); at a frame the sequencer's rarer paths must take (out of order,
    duplicate, late, restart) or at a new connection the kernel stops, leaving
    ``st[PENDING]`` set and nothing returned, and the caller calls it again with ``rare``
    True and the same arguments: that call (numba compiles it only when first needed)
    takes the pending step and goes on to the end, with every path. ``rare`` is a
    ``None``/``bool`` argument so that numba prunes the branches on ``rare is None``
    at compile time."""
    n = buf.shape[0]
    dec = buf  # decoded in place
    start, ce, kn = st[L_START], st[L_CE], st[L_KN]  # ce: the first chunk ending after start
    synced, skip = st[L_SYNCED] != 0, st[L_SKIP] != 0
    nchunks = chunk_starts.shape[0]
    # the next stretch framed already: its region (none empty), index, region's end, byte
    rg, pk, pend, pnext = st[L_RG], st[L_PK], st[L_PEND], st[L_PNEXT]
    if rare is not None:  # the pending step of the call that stopped, if any
        pending = st[PENDING]
        st[PENDING] = 0
        if pending == PEND_PUSH:
            nrel = st[NREL]
            _push(st[PEND_G], window, st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
            for r in range(nrel, st[NREL]):
                rel_chunk[r] = ce
        elif pending == PEND_NEW:
            start = _connection_begun(
                kn, start, new_at, new_chunk, new_gap_us,
                st, lh, stats, held, fr, fh, dec, rc, rel, rel_host, rel_chunk,
            )  # fmt: skip
            skip = False
            synced = False
            kn += 1
    while start < n or kn < new_at.shape[0]:
        # The stretch ends at the next delimiter (or is still pending at the end).
        rec = -1
        if start == pnext:
            rec = int(pre[pk])
            j = start + (rec & PRE_MASK)
        else:
            j = _next_zero(buf, words, start)
        # A new connection before the stretch ends: what is pending then is discarded.
        cut = new_at[kn] if kn < new_at.shape[0] and new_at[kn] <= j else -1
        # Oversize: the live decoder discards a stretch longer than a frame at a chunk end.
        while ce < nchunks and _chunk_end(chunk_starts, ce, n) <= start:
            ce += 1
        lim = j if cut < 0 else cut
        if lim - start > MAX_WIRE:
            ce, start, dropped = _oversize(chunk_starts, ce, n, start, lim, stats)
            skip = skip or dropped
        if cut >= 0:
            if rare is None:  # stop: the caller goes on with every path compiled
                st[PENDING] = PEND_NEW
                break
            start = _connection_begun(  # cut is new_at[kn]
                kn, start, new_at, new_chunk, new_gap_us,
                st, lh, stats, held, fr, fh, dec, rc, rel, rel_host, rel_chunk,
            )  # fmt: skip
            skip = False
            synced = False
            kn += 1
            continue
        if rec >= 0:
            pk += 1
            pnext = j + 1
            if pk >= pend:  # the next region's stretches follow this one's in ``pre``
                rg += 1
                pnext = pre_at[rg] if rg < pre_at.shape[0] else -1
                pend = pre_first[rg + 1] if rg < pre_at.shape[0] else 0
        if j >= n:
            break  # pending: no delimiter yet
        while ce < nchunks and _chunk_end(chunk_starts, ce, n) <= j:
            ce += 1
        host = chunk_host_t[ce]
        length = j - start
        if skip:
            skip = False
            stats[DISCARDED] += length + 1
            synced = True
            start = j + 1
            continue
        first = not synced
        synced = True
        if length == 0:
            start = j + 1
            stats[BYTES_OK] += 1
            continue
        dpos = start + 1  # where the frame is decoded: in place
        if rec >= 0:  # decoded and checked already (:func:`_predecode`)
            flen, problem = (rec >> PRE_FLEN) & PRE_MASK, (rec >> PRE_PROBLEM) - 1
        else:  # as _fast_frames._frame_check (written out: inlining it compiles slower)
            flen, problem = _cobs_decode(buf, start, j, zeros)
            if problem == OK and flen < 9:
                problem = TRUNC
            if problem == OK:
                crc = 0xFFFF
                m = flen - 2
                q = dpos
                # Eight bytes a step: table k holds a byte followed by k zero bytes.
                for _ in range(m >> 3):
                    x = crc ^ ((np.int64(dec[q]) << 8) | dec[q + 1])
                    crc = (
                        crc_table[1792 + (x >> 8)]
                        ^ crc_table[1536 + (x & 0xFF)]
                        ^ crc_table[1280 + dec[q + 2]]
                        ^ crc_table[1024 + dec[q + 3]]
                        ^ crc_table[768 + dec[q + 4]]
                        ^ crc_table[512 + dec[q + 5]]
                        ^ crc_table[256 + dec[q + 6]]
                        ^ crc_table[dec[q + 7]]
                    )
                    q += 8
                if m & 4:
                    x = crc ^ ((np.int64(dec[q]) << 8) | dec[q + 1])
                    crc = (
                        crc_table[768 + (x >> 8)]
                        ^ crc_table[512 + (x & 0xFF)]
                        ^ crc_table[256 + dec[q + 2]]
                        ^ crc_table[dec[q + 3]]
                    )
                    q += 4
                for _ in range(m & 3):
                    crc = ((crc << 8) & 0xFFFF) ^ crc_table[((crc >> 8) ^ dec[q]) & 0xFF]
                    q += 1
                if crc != (dec[dpos + flen - 2] | (dec[dpos + flen - 1] << 8)):
                    problem = CRC_ERR
        start = j + 1
        if problem == OK:
            ftype = dec[dpos]
            problem = _payload_problem(dec, dpos + 7, flen - 9, ftype, st[HELLO_C])
            if problem == OK:
                stats[BYTES_OK] += length + 1
                stats[FRAMES] += 1
                if ftype < 1 or ftype > 5:
                    stats[UNKNOWN] += 1
                seq = dec[dpos + 1] | (np.int64(dec[dpos + 2]) << 8)
                t = (
                    np.int64(dec[dpos + 3])
                    | (np.int64(dec[dpos + 4]) << 8)
                    | (np.int64(dec[dpos + 5]) << 16)
                    | (np.int64(dec[dpos + 6]) << 24)
                )
                nrel = st[NREL]
                dt = _signed32(t - st[LAST_WRAPPED])
                first_frame = st[STARTED] == 0
                if first_frame or (
                    seq == st[EXPECTED] and st[NHELD] == 0 and rc[COUNT + seq] == 0 and dt >= 0
                ):  # the common case, in order, or the first frame (none held or recent
                    # then, no restart): what _push would do, without the call; in order,
                    # the expected seq is known, so a frame came before (_release's
                    # restart and missing branches do not apply)
                    tu = t if first_frame else st[LAST_UNWRAPPED] + dt
                    st[STARTED] = 1
                    st[LAST_WRAPPED] = t
                    st[LAST_UNWRAPPED] = tu
                    lh[0] = host
                    st[EXPECTED] = (seq + 1) & 0xFFFF
                    _recent_add(st, rc, seq, t, _crc_of(dec, dpos + 7, flen - 9))
                    rel[nrel, R_T] = tu
                    rel[nrel, R_OFF] = dpos + 7
                    rel[nrel, R_PACK] = ftype | (seq << P_SEQ) | (np.int64(flen - 9) << P_LEN)
                    rel_host[nrel] = host
                    st[NREL] = nrel + 1
                    if ftype == 1:
                        st[HELLO_C] = dec[dpos + 25]
                    elif ftype == 2:
                        stats[SAMPLES] += dec[dpos + 8]
                        period = np.int64(dec[dpos + 9]) | (np.int64(dec[dpos + 10]) << 8)
                        st[LAST_END] = tu + (np.int64(dec[dpos + 8]) - 1) * period
                else:
                    g = int(_free_slot(held, st))
                    fr[g, F_TYPE] = ftype
                    fr[g, F_SEQ] = seq
                    fr[g, F_T] = t
                    fr[g, F_OFF] = dpos + 7
                    fr[g, F_LEN] = flen - 9
                    fh[g] = host
                    if rare is None:  # stop: the caller goes on with every path compiled
                        st[PEND_G] = g
                        st[PENDING] = PEND_PUSH
                        break
                    _push(g, window, st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
                for r in range(nrel, st[NREL]):
                    rel_chunk[r] = ce
                continue
            if problem == MISMATCH:
                stats[FRAMES] += 1
        stats[DISCARDED] += length + 1
        stats[RESYNCS] += 1
        framing = problem in (COBS_ERR, TRUNC, CRC_ERR)
        if not (first and framing):
            stats[problem] += 1
    if rare is None:  # noqa: SIM102 - numba prunes a branch on ``rare is None`` alone
        if st[PENDING] != 0:  # the loop's place, for the call that goes on
            st[L_START], st[L_CE], st[L_KN] = start, ce, kn
            st[L_SYNCED], st[L_SKIP] = 1 if synced else 0, 1 if skip else 0
            st[L_RG], st[L_PK], st[L_PEND], st[L_PNEXT] = rg, pk, pend, pnext
            return 0, 0
    nrel = st[NREL]
    if flush:  # noqa: SIM102 - see above
        if rare is not None:  # (nothing is held without the rare paths)
            while st[NHELD] > 0:
                _release_oldest(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
    for r in range(nrel, st[NREL]):
        rel_chunk[r] = nchunks
    return start, st[NREL]
