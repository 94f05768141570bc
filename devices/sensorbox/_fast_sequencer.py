"""The sequencer of the fast recording decoder as numba kernels, and the state layout it
shares with :mod:`devices.sensorbox._fast_kernels` (private; see that module).

Each kernel is :class:`devices.sensorbox.sequencer.Sequencer`'s method of the same name:
release in seq order, the reorder window, duplicates, late frames, restarts and new
connections, with the same counters. numba caches each module's kernels on their own:
after a change here, remove the ``__pycache__`` entries of ``_fast_kernels`` too.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from devices._kernel_options import JIT_ONLY

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
U8 = NDArray[np.uint8]
Int = int | np.int64

# Counter slots, in the order of DecoderStats' fields (see fast.STAT_FIELDS).
BYTES_IN, BYTES_OK, DISCARDED, RESYNCS, FRAMES, CRC_ERR, COBS_ERR, TRUNC = 0, 1, 2, 3, 4, 5, 6, 7
MALFORMED, OVERSIZE, UNKNOWN, MISMATCH, GAPS, LOST, DUPS, LATE = 8, 9, 10, 11, 12, 13, 14, 15
REORDERED, RESTARTS, SAMPLES = 16, 17, 18
N_STATS = 19

# Sequencer scalars (st); FRESH: a new connection began, the next frame is a restart
# FRESH_GAP microseconds after the last one.
EXPECTED, LAST_WRAPPED, LAST_UNWRAPPED, STARTED, NHELD, NRECENT, RPOS, HELLO_C, NREL = range(9)
FRESH, FRESH_GAP = 9, 10
LAST_END = 11  # unwrapped time of the last sample of the last SAMPLES frame released
N_ST = 12
# Frame record columns (fr: one row per slot, a frame held or being sequenced) and release
# record columns (rel: one row per released frame; R_PACK packs its type (8 bits), seq
# (16), payload length (16), frames missing before it (16) and restart (1) at the P_ bit
# offsets: 24 bytes a frame, where a row per frame of each table took 72).
F_TYPE, F_SEQ, F_T, F_OFF, F_LEN = range(5)
R_T, R_OFF, R_PACK = range(3)
P_SEQ, P_LEN, P_MISS, P_RST = 8, 24, 40, 56

OK = -1
MAX_WIRE = 2071
LATE_US = 1_000_000
RECENT = 64
#: rc, the ring of the last RECENT frames: seq at [0, RECENT), time at [RECENT, 2 RECENT),
#: CRC at [2 RECENT, 3 RECENT), then from COUNT how many of them have each seq.
COUNT = 3 * RECENT


@njit(cache=True, inline="always")
def _signed32(d: int) -> int:
    d &= 0xFFFFFFFF
    if d >= 0x80000000:
        return d - 0x100000000
    return d


@njit(cache=True, inline="always")
def _recent_add(st: I64, rc: I64, seq: Int, t: Int, crc: Int) -> None:
    pos = st[RPOS]
    if st[NRECENT] == RECENT:
        rc[COUNT + rc[pos]] -= 1
    else:
        st[NRECENT] += 1
    rc[pos] = seq
    rc[RECENT + pos] = t
    rc[2 * RECENT + pos] = crc
    rc[COUNT + seq] += 1
    st[RPOS] = (pos + 1) % RECENT


@njit(cache=True, **JIT_ONLY)
def _is_recent(st: I64, rc: I64, seq: int, t: int, crc: int) -> bool:
    if rc[COUNT + seq] == 0:
        return False
    for k in range(st[NRECENT]):
        if rc[k] == seq and rc[RECENT + k] == t and rc[2 * RECENT + k] == crc:
            return True
    return False


@njit(cache=True, inline="always")
def _crc_of(dec: U8, off: Int, n: Int) -> Int:
    """The CRC a frame was sent with: the 2 bytes after its payload (``off``, ``n``)."""
    return np.int64(dec[off + n]) | (np.int64(dec[off + n + 1]) << 8)


@njit(cache=True, inline="always")
def _release(
    g: Int,
    missing: Int,
    restart: Int,
    st: I64,
    lh: F64,
    stats: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    t = fr[g, F_T]
    if st[STARTED] == 0:
        tu = t
        st[STARTED] = 1
    elif restart == 2:  # a new connection: the gap the host measured
        tu = max(st[LAST_UNWRAPPED] + st[FRESH_GAP], st[LAST_END] + 1)
    elif restart:
        gap = np.int64(math.floor((fh[g] - lh[0]) * 1e6 + 0.5))
        tu = max(st[LAST_UNWRAPPED] + max(np.int64(1), gap), st[LAST_END] + 1)
    else:
        tu = st[LAST_UNWRAPPED] + _signed32(t - st[LAST_WRAPPED])
    if missing:
        stats[GAPS] += 1
        stats[LOST] += missing
    st[LAST_WRAPPED] = t
    st[LAST_UNWRAPPED] = tu
    lh[0] = fh[g]
    st[EXPECTED] = (fr[g, F_SEQ] + 1) & 0xFFFF
    _recent_add(st, rc, fr[g, F_SEQ], t, _crc_of(dec, fr[g, F_OFF], fr[g, F_LEN]))
    k = st[NREL]
    rel[k, R_T] = tu
    rel[k, R_OFF] = fr[g, F_OFF]
    rel[k, R_PACK] = (
        fr[g, F_TYPE]
        | (fr[g, F_SEQ] << P_SEQ)
        | (fr[g, F_LEN] << P_LEN)
        | (np.int64(missing) << P_MISS)
        | (np.int64(1 if restart else 0) << P_RST)
    )
    rel_host[k] = fh[g]
    st[NREL] = k + 1
    if fr[g, F_TYPE] == 1:
        st[HELLO_C] = dec[fr[g, F_OFF] + 18]
    elif fr[g, F_TYPE] == 2:
        off = fr[g, F_OFF]
        stats[SAMPLES] += dec[off + 1]
        period = np.int64(dec[off + 2]) | (np.int64(dec[off + 3]) << 8)
        st[LAST_END] = tu + (np.int64(dec[off + 1]) - 1) * period


@njit(cache=True, **JIT_ONLY)
def _release_rare(
    g: Int,
    missing: Int,
    restart: Int,
    st: I64,
    lh: F64,
    stats: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    """:func:`_release` as a kernel of its own, for the sequencer's rarer paths (a frame
    out of order, held, late, restarted): inlined by numba into each of their six call
    sites it was compiled six times over. Its callers pass ``np.int64`` values, never a
    literal ``0`` or ``1`` (numba compiles a kernel once more for each literal argument)."""
    _release(g, missing, restart, st, lh, stats, fr, fh, dec, rc, rel, rel_host)


@njit(cache=True, inline="always")
def _free_slot(held: I64, st: I64) -> np.int64:
    """A row of ``fr`` that no held frame is in (``fr`` has a row more than ``held``
    can hold, so there is one)."""
    s = np.int64(0)  # not a literal 0: the kernels taking it compile once
    while True:
        taken = False
        for h in range(st[NHELD]):
            if held[1, h] == s:
                taken = True
                break
        if not taken:
            return s
        s += 1


@njit(cache=True, **JIT_ONLY)
def _take_held(h: Int, held: I64, st: I64) -> int:
    g = held[1, h]
    last = st[NHELD] - 1
    held[0, h] = held[0, last]
    held[1, h] = held[1, last]
    st[NHELD] = last
    return g


@njit(cache=True, **JIT_ONLY)
def _drain(
    st: I64,
    lh: F64,
    stats: I64,
    held: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    """Release held frames while the next expected one is among them."""
    while st[EXPECTED] >= 0:
        found = -1
        for h in range(st[NHELD]):
            if held[0, h] == st[EXPECTED]:
                found = h
                break
        if found < 0:
            return
        g = _take_held(found, held, st)
        stats[REORDERED] += 1
        zero = np.int64(0)
        _release_rare(g, zero, zero, st, lh, stats, fr, fh, dec, rc, rel, rel_host)


@njit(cache=True, **JIT_ONLY)
def _release_oldest(
    st: I64,
    lh: F64,
    stats: I64,
    held: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    """Release the held frame nearest in seq, reporting the frames missing before it."""
    best: Int = np.int64(0)  # not literals: see _release_rare
    bestd: Int = np.int64(1 << 20)
    for h in range(st[NHELD]):
        d = (held[0, h] - st[EXPECTED]) & 0xFFFF
        if d < bestd:
            bestd = d
            best = h
    g = _take_held(best, held, st)
    _release_rare(g, bestd, np.int64(0), st, lh, stats, fr, fh, dec, rc, rel, rel_host)
    _drain(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)


@njit(cache=True, **JIT_ONLY)
def _push(
    g: int,
    window: int,
    st: I64,
    lh: F64,
    stats: I64,
    held: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    """Sequencer.push for good frame ``g`` (see devices.sensorbox.sequencer)."""
    zero = np.int64(0)  # not a literal 0: see _release_rare
    seq = fr[g, F_SEQ]
    t = fr[g, F_T]
    crc = _crc_of(dec, fr[g, F_OFF], fr[g, F_LEN])
    if _is_recent(st, rc, seq, t, crc):
        stats[DUPS] += 1
        return
    for h in range(st[NHELD]):
        if held[0, h] == seq:
            stats[DUPS] += 1
            return
    if st[EXPECTED] < 0:
        fresh = st[FRESH]
        if fresh:
            stats[RESTARTS] += 1
        _release_rare(g, zero, 2 * fresh, st, lh, stats, fr, fh, dec, rc, rel, rel_host)
        st[FRESH] = 0
        return
    ahead = (seq - st[EXPECTED]) & 0xFFFF
    dt = _signed32(t - st[LAST_WRAPPED])
    if ahead < 0x8000 and dt >= 0:
        if ahead == 0:
            _release_rare(g, zero, zero, st, lh, stats, fr, fh, dec, rc, rel, rel_host)
            if st[NHELD] > 0:
                _drain(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
        elif window == 0:
            _release_rare(g, ahead, zero, st, lh, stats, fr, fh, dec, rc, rel, rel_host)
        else:
            held[0, st[NHELD]] = seq
            held[1, st[NHELD]] = g
            st[NHELD] += 1
            if st[NHELD] > window:
                _release_oldest(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
        return
    behind = (st[EXPECTED] - seq) & 0xFFFF
    seen = rc[COUNT + seq] > 0  # released: not lost, so not late (a restart)
    if ahead >= 0x8000 and behind <= window + 16 and -LATE_US <= dt <= 0 and not seen:
        stats[LATE] += 1
        _recent_add(st, rc, seq, t, crc)
        return
    while st[NHELD] > 0:
        _release_oldest(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
    stats[RESTARTS] += 1
    st[EXPECTED] = -1
    _release_rare(g, zero, np.int64(1), st, lh, stats, fr, fh, dec, rc, rel, rel_host)


@njit(cache=True, **JIT_ONLY)
def _new_connection(
    gap_us: int,
    st: I64,
    lh: F64,
    stats: I64,
    held: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
) -> None:
    """Sequencer.new_connection: release the held frames, forget the recent ones, and
    make the next frame a restart ``gap_us`` after the last (if any frame came before)."""
    while st[NHELD] > 0:
        _release_oldest(st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
    for k in range(st[NRECENT]):
        rc[COUNT + rc[k]] -= 1
    st[NRECENT] = 0
    st[RPOS] = 0
    st[EXPECTED] = -1
    st[FRESH] = st[STARTED]
    st[FRESH_GAP] = gap_us if gap_us > 1 else 1


@njit(cache=True, **JIT_ONLY)
def _connection_begun(
    kn: int,
    start: int,
    new_at: I64,
    new_chunk: I64,
    new_gap_us: I64,
    st: I64,
    lh: F64,
    stats: I64,
    held: I64,
    fr: I64,
    fh: F64,
    dec: U8,
    rc: I64,
    rel: I64,
    rel_host: F64,
    rel_chunk: I64,
) -> int:
    """New connection ``kn`` begun (StreamDecoder.new_connection): the bytes pending from
    ``start`` discarded, the frames it releases marked as its chunk's; returns where the
    stretches go on (the caller forgets its sync and skip)."""
    stats[DISCARDED] += new_at[kn] - start
    nrel = st[NREL]
    _new_connection(new_gap_us[kn], st, lh, stats, held, fr, fh, dec, rc, rel, rel_host)
    for r in range(nrel, st[NREL]):
        rel_chunk[r] = new_chunk[kn]
    return new_at[kn]
