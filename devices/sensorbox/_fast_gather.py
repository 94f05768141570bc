"""numba kernels that split a decoded sensor-box stream into arrays (private; used by
:func:`devices.sensorbox.fast.decode_stream` after ``_fast_kernels._decode_stream``).

Two passes, so that the decoder's per-frame tables (36 bytes a frame) are freed before
the samples (8 bytes of time and 2 bytes a value) are written; and the samples in two
steps, the counts (over the recorded bytes they came from) before the times, with the
decoded bytes past the counts given back in between: the peak memory of a decode is the
recording's bytes with the frame tables and the per-block arrays, or the counts with
the per-block arrays and the times, never the recording's bytes with the times. Three of
the per-block arrays (host times, release chunks, first sample times) are written over
the frame tables' rows already read, so they cost no memory beside the tables."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._byte_copy import copy_bytes
from devices._kernel_options import PY_ENTRY
from devices.memory import huge_empty, release_pages, return_freed_memory, small_pages_empty
from devices.sensorbox._fast_sequencer import (
    F64,
    I64,
    P_MISS,
    P_RST,
    P_SEQ,
    R_OFF,
    R_PACK,
    R_T,
    U8,
)

I8 = NDArray[np.int8]
I32 = NDArray[np.int32]
B1 = NDArray[np.bool_]


def _gather_blocks(
    dec: U8,
    rel: I64,
    rel_host: F64,
    rel_chunk: I32 | I64,
    f32: NDArray[np.float32],
    f32_bits: NDArray[np.uint32],
) -> tuple[
    I64,
    I64,
    tuple[I32, I64, B1, I32, I32, I32 | I64],
    F64,
    I64,
    F64,
    tuple[I64, F64, int],
    I8,
    I64,
    I64,
    F64,
]:
    """Split the released frames into per-frame arrays, in one pass (the samples follow
    in :func:`_gather_samples`, once the decoder's frame tables are gone).

    Returns per SAMPLES block: sample offsets (B+1), value offsets (B+1), (seq, missing,
    restart, channels, period, release chunk), each as compact as its values allow (seq,
    channels and period are 16-bit on the wire; the chunk of ``rel_chunk``'s type), host
    time; per BELT frame: [t_us, counts, interval, seq] (4 x K), host time; the other
    frames (HELLO, STATUS, ERROR, in order): their ``rel`` rows and host times, and the
    release chunk of the first HELLO (-1 if none); the type of every released frame; per
    block its payload offset in ``dec`` and its first sample's unwrapped t_us; and per
    BELT frame its speed in m/s, ``counts / cpm / (interval * 1e-6)`` with ``cpm`` the
    float32 counts per metre of the last HELLO released before it (NaN where none was
    known, or no interval; ``f32_bits``: ``f32``'s memory (one value), so that the
    payload's bits are read as a float32).

    The blocks' host times, release chunks and first sample times are written over the
    release tables they are read from (``rel_host``, ``rel_chunk`` and ``rel`` read as
    one flat array, each from its start: block b comes from a release row at or after b,
    read before it is written over), and returned as views of them: the tables' rows read
    make room for them, so the gather's peak memory is the tables plus the other arrays
    only. The tables are garbage afterwards (their other rows are returned first).

    The arrays are allocated here, the frames counted by type with numpy first, and
    filled by :func:`_fill_blocks` (an allocation in a kernel compiles code of its own:
    a first run compiles faster without them), :data:`FILL_PART` released frames a call:
    between calls the tables' rows read, those the views above do not keep, are given
    back, and the arrays' pages are taken as they are written (huge pages: a fault per
    2 MB), so the tables shrink while the arrays grow instead of both being whole at once.
    """
    rtype = _frame_types(rel)
    count = {k: int(np.count_nonzero(rtype == k)) for k in range(1, 6)}  # (no int64 copy)
    nb, nbelt, nother = count[2], count[3], count[1] + count[4] + count[5]
    new = small_pages_empty  # each array below is written whole by the fill: its pages as it goes
    bstart, bvstart = new(nb + 1, np.int64), new(nb + 1, np.int64)
    bstart[0] = bvstart[0] = 0  # (the fill writes the rest)
    # seq, channels and period: the rows of one array (its whole 2 MB stretches huge
    # pages; its three fields go when the box drops its per-block arrays, all at once)
    bseq, bch, bper = new((3, nb), np.int32)
    bmiss, brst = new(nb, np.int64), new(nb, np.bool_)
    binfo = (bseq, bmiss, brst, bch, bper, rel_chunk[:nb])  # the chunks: written over
    # the rows read (b <= i)
    bhost = rel_host[:nb]
    boff = new(nb, np.int64)
    bt = rel.reshape(rel.size)[:nb]  # rel's first b words: rows before b // 3 + 1
    belt = new((4, nbelt), np.int64)
    belt_speed, belt_host = new(nbelt, np.float64), new(nbelt, np.float64)
    other = np.empty((nother, 3), np.int64)
    other_host = np.empty(nother, np.float64)
    blocks = (bstart, bvstart, *binfo, bhost, boff, bt)
    out = (*blocks, belt, belt_speed, belt_host, other, other_host)
    hello_chunk = _fill_in_parts((dec, rel, rel_host, rel_chunk, rtype, f32, f32_bits), out, nb)
    rare = (other, other_host, hello_chunk)
    return bstart, bvstart, binfo, bhost, belt, belt_host, rare, rtype, boff, bt, belt_speed


#: released frames per :func:`_fill_blocks` call (the tables' rows read given back between)
FILL_PART = 1 << 16
#: :func:`_fill_blocks`' state carried from call to call: frames lost and restarts since
#: the last block, blocks, samples, values, belt readings and other frames so far, and
#: the release chunk of the first HELLO (-1: none yet)
F_MISS, F_RST, F_BLOCK, F_SAMPLE, F_VALUE, F_BELT, F_OTHER, F_HELLO, N_FILL = range(9)


def _fill_in_parts(args: tuple[Any, ...], out: tuple[Any, ...], nb: int) -> int:
    """:func:`_fill_blocks` over the released frames (``args``: the decoded bytes, the
    three release tables, the frame types and the HELLO's float32 scratch) into ``out``,
    :data:`FILL_PART` frames a call, the tables' rows read past the first ``nb`` (where
    the blocks' views lie) given back after each; returns the first HELLO's chunk."""
    rel, rel_host, rel_chunk = args[1:4]
    state = np.zeros(N_FILL, np.int64)
    state[F_HELLO] = -1
    cpm = np.zeros(1, np.float64)
    nr = rel.shape[0]
    for i0 in range(0, nr, FILL_PART):
        i1 = min(nr, i0 + FILL_PART)
        _fill_blocks(*args, *out, i0, i1, state, cpm)
        _release_read(rel.reshape(-1), nb, 3 * i1)
        _release_read(rel_host, nb, i1)
        _release_read(rel_chunk, nb, i1)
    return int(state[F_HELLO])


def _release_read(table: NDArray[np.generic], kept: int, read: int) -> None:
    """The pages of a release table's items ``kept..read-1`` (read by the block gather;
    the first ``kept`` hold the blocks' arrays) given back to the system."""
    if read > kept:
        release_pages(table[kept:read].view(np.uint8))


def _frame_types(rel: I64) -> I8:
    """The type of every released frame (``rel``'s packed word's low byte), read as the
    byte it is where the machine is little-endian (no temporary the size of the column)."""
    nr = rel.shape[0]
    if sys.byteorder == "little" and rel.flags.c_contiguous:
        return rel.view(np.uint8).reshape(nr, 24)[:, 8 * R_PACK].view(np.int8).copy()
    return (rel[:, R_PACK] & 0xFF).astype(np.int8)


@njit(cache=True, **PY_ENTRY)
def _fill_blocks(
    dec: U8,
    rel: I64,
    rel_host: F64,
    rel_chunk: I32 | I64,
    rtype: I8,
    f32: NDArray[np.float32],
    f32_bits: NDArray[np.uint32],
    bstart: I64,
    bvstart: I64,
    bseq: I32,
    bmiss: I64,
    brst: B1,
    bch: I32,
    bper: I32,
    bchunk: I32 | I64,
    bhost: F64,
    boff: I64,
    bt: I64,
    belt: I64,
    belt_speed: F64,
    belt_host: F64,
    other: I64,
    other_host: F64,
    i0: int,
    i1: int,
    state: I64,
    cpm_state: F64,
) -> None:
    """:func:`_gather_blocks`' pass over released frames ``i0..i1-1``, into the arrays it
    made (``bchunk``, ``bhost`` and ``bt`` are views of the release tables, each slot
    written after the row it lies in is read); ``state`` (:data:`N_FILL`: the counts so
    far and the first HELLO's release chunk) and ``cpm_state`` (the last HELLO's counts
    per metre) carried from the call before and left for the next."""
    hello_chunk = state[F_HELLO]
    acc_m = state[F_MISS]
    acc_r = state[F_RST]
    b = state[F_BLOCK]
    s = state[F_SAMPLE]
    v = state[F_VALUE]
    k = state[F_BELT]
    o = state[F_OTHER]
    cpm = cpm_state[0]
    for i in range(i0, i1):
        ty = rtype[i]
        off = rel[i, R_OFF]
        pack = rel[i, R_PACK]
        seq = (pack >> P_SEQ) & 0xFFFF
        miss = (pack >> P_MISS) & 0xFFFF
        rst = (pack >> P_RST) & 1
        if ty != 2:
            acc_m += miss
            acc_r = acc_r | rst
            if ty == 3:
                belt[0, k] = rel[i, R_T]
                cnt = (
                    np.int64(dec[off])
                    | (np.int64(dec[off + 1]) << 8)
                    | (np.int64(dec[off + 2]) << 16)
                    | (np.int64(dec[off + 3]) << 24)
                )
                belt[1, k] = cnt - 0x100000000 if cnt >= 0x80000000 else cnt
                belt[2, k] = (
                    np.int64(dec[off + 4])
                    | (np.int64(dec[off + 5]) << 8)
                    | (np.int64(dec[off + 6]) << 16)
                    | (np.int64(dec[off + 7]) << 24)
                )
                belt[3, k] = seq
                interval = belt[2, k]
                if cpm > 0 and interval > 0:
                    belt_speed[k] = belt[1, k] / cpm / (interval * 1e-6)
                else:
                    belt_speed[k] = np.nan
                belt_host[k] = rel_host[i]
                k += 1
            elif 1 <= ty <= 5:
                if ty == 1:  # checked by the decoder: counts per metre at 14 (HELLO_FIXED)
                    f32_bits[0] = (
                        np.uint32(dec[off + 14])
                        | (np.uint32(dec[off + 15]) << 8)
                        | (np.uint32(dec[off + 16]) << 16)
                        | (np.uint32(dec[off + 17]) << 24)
                    )
                    cpm = np.float64(f32[0])
                    if hello_chunk < 0:
                        hello_chunk = int(rel_chunk[i])
                other[o, 0] = rel[i, 0]
                other[o, 1] = rel[i, 1]
                other[o, 2] = rel[i, 2]
                other_host[o] = rel_host[i]
                o += 1
            continue
        c = int(dec[off])
        n = int(dec[off + 1])
        bseq[b] = seq
        bmiss[b] = acc_m + miss
        brst[b] = (acc_r | rst) != 0
        bch[b] = c
        bper[b] = int(dec[off + 2]) | (int(dec[off + 3]) << 8)
        bchunk[b] = rel_chunk[i]  # b <= i: row i is read before slot b is written
        bhost[b] = rel_host[i]
        boff[b] = off
        bt[b] = rel[i, R_T]  # the last read of row i (slot b <= i lies in rows <= i)
        acc_m = 0
        acc_r = 0
        s += n
        v += n * c
        b += 1
        bstart[b] = s
        bvstart[b] = v
    state[F_HELLO] = hello_chunk
    state[F_MISS] = acc_m
    state[F_RST] = acc_r
    state[F_BLOCK] = b
    state[F_SAMPLE] = s
    state[F_VALUE] = v
    state[F_BELT] = k
    state[F_OTHER] = o
    cpm_state[0] = cpm


@njit(cache=True, nogil=True, **PY_ENTRY)
def _gather_samples(
    dec: U8,
    boff: I64,
    bt: I64,
    period: I32,
    bstart: I64,
    bvstart: I64,
    t: I64,
    values: U8,
    in_place: bool,
    what: int = 3,
) -> bool:
    """Every block's samples: t_us per sample into ``t`` (``bstart[-1]`` of them; ``what``
    bit 2), and the value bytes (little-endian int16) at the start of ``values`` (bit 1;
    ``dec``, ``boff`` and ``values`` are not read without it). ``in_place``: ``values``
    is the memory ``dec`` starts at (the counts take the place of the bytes they were
    decoded from); then nothing is written, and False returned, unless every block's
    place starts at or before its own bytes and ends before the bytes of every block
    released after it (not always so: a frame held back for reordering lies before frames
    released ahead of it); overlapping bytes are copied forwards, one at a time. Both are
    allocated by the caller: numpy asks the kernel for huge pages for large arrays, so
    writing them takes a few page faults instead of one per 4 KB. Releases the GIL: the
    times of two runs of blocks can be written at once (:func:`gather_times`)."""
    nb = bt.shape[0]
    if in_place and what & 1:
        later = np.int64(1) << 62  # the first payload byte of the blocks after b
        for b in range(nb - 1, -1, -1):
            src = boff[b] + 4
            if 2 * bvstart[b] > src or 2 * bvstart[b + 1] > later:
                return False
            later = min(later, src)
    for b in range(nb):
        if what & 1:
            off = boff[b] + 4
            v = 2 * bvstart[b]
            nb2 = 2 * (bvstart[b + 1] - bvstart[b])
            if not in_place or v + nb2 <= off:  # apart: one block copy
                if v < 0 or off < 0 or v + nb2 > values.shape[0] or off + nb2 > dec.shape[0]:
                    raise ValueError("a block outside the bytes decoded or the room given")
                copy_bytes(values, v, dec, off, nb2)  # not a slice assignment: see its module
            else:  # overlapping, v <= off: forwards, a byte at a time
                for q in range(nb2):
                    values[v + q] = dec[off + q]
        if what & 2:
            s = bstart[b]
            for q in range(bstart[b + 1] - s):
                t[s + q] = bt[b] + period[b] * q
    return True


def gather_samples(
    dec: U8, per_block: list[I64], bstart: I64, bvstart: I64, room: U8 | None = None
) -> U8:
    """:func:`_gather_samples`' value bytes. ``per_block``: the blocks' payload offsets in
    ``dec`` and first sample times, given over (the list is emptied). The counts go over
    the bytes they came from where they fit; then the decoded bytes after them and the
    offsets are let go. The times per sample are not written here: a consumer that needs
    them writes them from the blocks (:func:`gather_times`), once the recording's bytes
    are gone (``DecodedBox.t_us``), or takes them as runs without them."""
    boff, bt = per_block
    per_block.clear()
    room, in_place = gather_values(dec, boff, bt, bstart, bvstart, room)
    if in_place:  # the rest of the bytes decoded is done with: its pages go
        release_pages(room[2 * int(bvstart[-1]) : dec.shape[0]])
    del boff
    return_freed_memory()  # the offsets' memory, and what the C heap kept
    return room


def gather_values(
    dec: U8, boff: I64, bt: I64, bstart: I64, bvstart: I64, room: U8 | None = None
) -> tuple[U8, bool]:
    """The value bytes of every block, and whether they took the place of the bytes they
    were decoded from. They go to the start of ``room`` (the memory ``dec`` starts at, or
    None) where they fit in place, else to new memory with room for 4 bytes per value (a
    consumer may widen them to float32 there; the room beyond the counts is never touched,
    so it costs no memory until then)."""
    nv = int(bvstart[-1])
    period, t = np.zeros(0, np.int32), np.zeros(0, np.int64)  # not read, not written
    if (
        room is not None
        and room.size >= 2 * nv
        and _gather_samples(dec, boff, bt, period, bstart, bvstart, t, room, True, 1)
    ):
        return room, True
    room = np.empty(4 * nv, np.uint8)
    _gather_samples(dec, boff, bt, period, bstart, bvstart, t, room, False, 1)
    return room, False


#: Blocks worth writing the times of in two parts at once (fewer: one pass).
MIN_SPLIT_BLOCKS = 4096


def gather_times(bt: I64, period: I32, bstart: I64) -> I64:
    """t_us of every sample: each block's first plus its period per sample; the second
    half of the blocks on a thread of its own at once where
    :func:`devices.cores.read_threads` allows two threads."""
    from devices.cores import in_two_parts

    t = huge_empty(int(bstart[-1]), np.int64)  # its halves' pages taken by their threads
    none = np.zeros(0, np.uint8)

    def part(a: int, b: int) -> None:  # blocks a to b (their samples' places in bstart)
        s = bstart[a : b + 1]
        _gather_samples(none, bt[a:b], bt[a:b], period[a:b], s, s, t, none, False, 2)

    in_two_parts(int(bt.shape[0]), MIN_SPLIT_BLOCKS, part)
    return t
