"""The fast decoder's inputs, checked and prepared, and its kernel run (private; used by
:func:`devices.sensorbox.fast.decode_stream`): the recorded bytes in a buffer with room
for the result where it can be had, the chunk starts and host times, the new connections
(empty chunks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from devices.sensorbox.encode_many import _CRC_TABLE

#: called with the decoder and its arguments before its rare paths first run (a frame out
#: of order, duplicated or late, a restarted box, a new connection): they are compiled only
#: when a recording needs them, seconds on a first run, so a command can say so first
#: (:func:`stride.cli.kernel_notice.notice_rare_reading`)
RARE_PATH_NOTICES: list[Callable[[Any, tuple[Any, ...]], None]] = []


def _crc_tables() -> NDArray[np.int64]:
    """CRC tables of a byte followed by 0 to 15 zero bytes (sixteen bytes a step)."""
    tables = [_CRC_TABLE.astype(np.int64)]
    for _ in range(15):
        t = tables[-1]
        tables.append(((t << 8) & 0xFFFF) ^ tables[0][t >> 8])
    return np.concatenate(tables)


def _run_decoder(
    buf: NDArray[np.uint8],
    starts: NDArray[np.int64],
    ht: NDArray[np.float64],
    reorder_window: int,
    flush: bool,
    threads: int = 1,
    cuts: list[int] | None = None,
    ahead: bool | None = None,
) -> tuple[Any, ...]:
    """The decoder kernel over ``buf`` (chunks at ``starts``, received at ``ht``); with
    ``threads`` above 1, the stream cut in as many parts (at the first delimiter from
    each of ``cuts``, by default from each of the equal parts' starts) and the parts
    framed at once first (:func:`_framed_ahead`); with one, framed ahead in one part
    where ``ahead`` says so (the framing kernel is faster than the decoder's own; None:
    as :func:`devices.cores.frame_ahead` says): the same result."""
    from devices.cores import frame_ahead
    from devices.sensorbox import _fast_kernels

    new_chunk, new_gap_us = _new_connections(starts, buf.shape[0], ht)
    crc = _crc_tables()
    new_at = starts[new_chunk]
    n = buf.shape[0]
    words = buf[: n - n % 8].view(np.uint64)  # (numba compiles the view slower in a kernel)
    if cuts is None:
        cuts = [n * i // threads for i in range(1, threads)] if threads > 1 else []
    if cuts or (frame_ahead() if ahead is None else ahead):
        pre = _framed_ahead(buf, words, new_at, crc, cuts)
    else:
        pre = (np.zeros(0, np.int32), np.zeros(0, np.int64), np.zeros(1, np.int64))
    state = _fast_kernels.decoder_state(n, reorder_window, pre[1], pre[2])
    args = (
        buf,
        words,
        starts,
        ht,
        reorder_window,
        flush,
        crc,
        new_at,
        new_chunk,
        new_gap_us,
        *_fast_kernels.frame_tables(n, reorder_window, starts.shape[0]),
        *pre,
        *state,
        np.empty(_fast_kernels.MAX_WIRE + 1, np.int64),  # the kernel's scratch
    )
    end, nrel = _fast_kernels._decode_stream(*args, None)  # the common paths only
    if state[1][_fast_kernels.PENDING]:  # it stopped where a rare path begins: on from
        every = (*args, True)  # there, every path compiled
        for notice in RARE_PATH_NOTICES:
            notice(_fast_kernels._decode_stream, every)
        end, nrel = _fast_kernels._decode_stream(*every)
    rel, rel_host, rel_chunk = args[12:15]
    del args
    return buf[:end], rel[:nrel], rel_host[:nrel], rel_chunk[:nrel], state[0], n - end


def _delimiter_from(buf: NDArray[np.uint8], at: int) -> int:
    """The first zero byte of ``buf`` at or after ``at`` (its length if none), a block
    at a time (no comparison of the whole buffer at once)."""
    n = buf.shape[0]
    at = max(at, 0)
    while at < n:
        hit = np.flatnonzero(buf[at : at + 65536] == 0)
        if hit.size:
            return at + int(hit[0])
        at += 65536
    return n


def _framed_ahead(
    buf: NDArray[np.uint8],
    words: NDArray[np.uint64],
    new_at: NDArray[np.int64],
    crc: NDArray[np.int64],
    cuts: list[int],
) -> tuple[NDArray[np.int32], NDArray[np.int64], NDArray[np.int64]]:
    """The stretches of ``buf`` framed ahead of the decoder, the stream cut after the
    first delimiter from each of ``cuts`` and each part framed on a thread of its own (the
    kernel releases the GIL; the first part on this one): the decoder's ``pre``,
    ``pre_at`` and ``pre_first``. A part stops before a new connection or a stretch
    longer than a frame (:func:`devices.sensorbox._fast_frames._predecode`); the decoder
    frames the rest itself. ``words``: ``buf[: n - n % 8]`` read as uint64."""
    import threading

    from devices.sensorbox._fast_frames import _predecode

    n = buf.shape[0]
    at = sorted({0, *(min(_delimiter_from(buf, c) + 1, n) for c in cuts)})
    ends = [*at[1:], n]
    # Room for a stretch per 8 bytes (a frame takes 11 at least): a part that has more
    # (zeros, garbage) stops when its room is full and the decoder frames the rest.
    room_at = np.cumsum([0, *((e - a) // 8 + 16 for a, e in zip(at, ends, strict=True))])
    pre = np.empty(int(room_at[-1]), np.int32)
    got: list[int] = [0] * len(at)
    failed: list[BaseException] = []

    def frame(i: int) -> None:
        later = new_at[new_at >= at[i]]
        limit = int(later[0]) if later.size else n
        room = pre[room_at[i] : room_at[i + 1]]
        try:
            got[i] = _predecode(buf, words, at[i], ends[i], limit, crc, room)
        except BaseException as err:  # said by the caller's thread, not lost in this one
            failed.append(err)

    helpers = [threading.Thread(target=frame, args=(i,), daemon=True) for i in range(1, len(at))]
    for h in helpers:
        h.start()
    frame(0)
    for h in helpers:
        h.join()
    if failed:
        raise failed[0]
    first, starts = [0], []
    for i, k in enumerate(got):  # each part's stretches moved down after those before
        if k:  # (a part with none is left out)
            pre[first[-1] : first[-1] + k] = pre[room_at[i] : room_at[i] + k]
            first.append(first[-1] + k)
            starts.append(at[i])
    return pre[: first[-1]], np.array(starts, np.int64), np.array(first, np.int64)


def _own_buffer(
    buf: NDArray[np.uint8], room: NDArray[np.uint8] | None, consume: bool
) -> tuple[NDArray[np.uint8], NDArray[np.uint8] | None]:
    """The bytes to decode in place, and the buffer they start (None: the counts go to
    new memory), with room for twice them where it can be had: ``data`` itself when given
    over (``consume``), in ``room`` if that starts at the same address; else a copy in
    new memory (untouched room is free)."""
    n = buf.shape[0]
    at = buf.__array_interface__["data"][0]
    if consume and buf.flags.writeable and buf.flags.c_contiguous:
        if at % 8:
            return buf, None  # counts written here would be misaligned
        if (
            room is not None
            and room.dtype == np.uint8
            and room.ndim == 1
            and room.size >= 2 * n
            and room.__array_interface__["data"][0] == at
        ):
            return buf, room
        return buf, buf
    own = np.empty(2 * n, np.uint8)
    own[:n] = buf
    return own[:n], own


def _new_connections(
    starts: NDArray[np.int64], n: int, host_t: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """The empty chunks (a new connection each) and, for each, the host time in
    microseconds from the last chunk with bytes before it (``StreamDecoder``'s
    ``new_connection``; 0 where none came before). ``starts``: where each chunk starts in
    the ``n`` bytes."""
    at = np.flatnonzero(starts[1:] == starts[:-1]).astype(np.int64)
    if starts.size and starts[-1] == n:
        at = np.append(at, starts.size - 1)
    if not at.size:
        return at, at
    empty = np.zeros(starts.size, np.bool_)
    empty[at] = True
    idx = np.where(~empty, np.arange(starts.size), -1)
    last = np.maximum.accumulate(idx)
    prev = last[at]
    before = np.where(prev >= 0, host_t[np.maximum(prev, 0)], host_t[at])
    gap_us = np.floor((host_t[at] - before) * 1e6 + 0.5).astype(np.int64)
    return at, gap_us


def _checked(
    data: bytes | bytearray | memoryview | NDArray[np.uint8],
    chunk_offsets: ArrayLike | None,
    host_t: ArrayLike | None,
    reorder_window: int,
) -> tuple[NDArray[np.uint8], NDArray[np.int64], NDArray[np.float64]]:
    """The kernel's inputs (bytes, chunk starts, chunk host times), or a ValueError."""
    buf = data if isinstance(data, np.ndarray) else np.frombuffer(data, dtype=np.uint8)
    if buf.dtype != np.uint8 or buf.ndim != 1:
        raise ValueError("data must be bytes or a 1-D uint8 array")
    n = buf.shape[0]
    if chunk_offsets is None:
        offs = np.zeros(1 if n else 0, dtype=np.int64)
    else:
        offs = np.ascontiguousarray(chunk_offsets, dtype=np.int64)
    ht = np.zeros(offs.shape[0]) if host_t is None else np.asarray(host_t, dtype=np.float64)
    if offs.ndim != 1 or ht.shape != offs.shape:
        raise ValueError("chunk_offsets and host_t must be 1-D and of the same length")
    if offs.size and (offs[0] != 0 or bool((offs[1:] < offs[:-1]).any()) or offs[-1] > n):
        raise ValueError("chunk_offsets must start at 0 and never decrease within data")
    if reorder_window < 0:
        raise ValueError("reorder_window must be >= 0")
    return buf, offs, ht
