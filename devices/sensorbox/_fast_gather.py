"""numba kernel that splits a decoded sensor-box stream into arrays (private; used by
:func:`devices.sensorbox.fast.decode_stream` after ``_fast_kernels._decode_stream``)."""

from __future__ import annotations

import numpy as np
from numba import njit

from devices.sensorbox._fast_sequencer import (
    F64,
    F_OFF,
    F_SEQ,
    F_TYPE,
    I64,
    R_G,
    R_MISS,
    R_RST,
    R_T,
    U8,
)


@njit(cache=True)
def _gather(
    dec: U8, fr: I64, fh: F64, rel: I64, rel_chunk: I64, total: int
) -> tuple[I64, U8, I64, I64, I64, F64, I64, F64, I64, I64]:
    """Split the released frames into arrays, in one pass.

    Returns, per sample: t_us, value bytes (little-endian int16, at the start of a buffer
    with room for 4 bytes per value: a consumer may widen them in place); per SAMPLES block:
    sample offsets (B+1), value offsets (B+1), [seq, missing, restart, channels, period,
    release chunk] (6 x B), host time; per BELT frame: [t_us, counts, interval, seq, index
    of the last HELLO released before it or -1] (5 x K), host time; the release indices of the other
    frames (HELLO, STATUS, ERROR, in order); and the type of every released frame.
    """
    nr = rel.shape[0]
    rtype = np.empty(nr, np.int64)
    nb = 0
    nbelt = 0
    nother = 0
    for i in range(nr):
        ty = fr[rel[i, R_G], F_TYPE]
        rtype[i] = ty
        if ty == 2:
            nb += 1
        elif ty == 3:
            nbelt += 1
        elif 1 <= ty <= 5:
            nother += 1
    values = np.empty(total * 64, np.uint8)  # 16 channels x 4 bytes; untouched: free
    t = np.empty(total, np.int64)
    bstart = np.zeros(nb + 1, np.int64)
    bvstart = np.zeros(nb + 1, np.int64)
    binfo = np.empty((6, nb), np.int64)
    bhost = np.empty(nb, np.float64)
    belt = np.empty((5, nbelt), np.int64)
    belt_host = np.empty(nbelt, np.float64)
    other = np.empty(nother, np.int64)
    acc_m = 0
    acc_r = 0
    b = 0
    s = 0
    v = 0
    k = 0
    o = 0
    n_hello = 0
    for i in range(nr):
        g = rel[i, R_G]
        ty = rtype[i]
        off = fr[g, F_OFF]
        if ty != 2:
            acc_m += rel[i, R_MISS]
            acc_r = acc_r | rel[i, R_RST]
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
                belt[3, k] = fr[g, F_SEQ]
                belt[4, k] = n_hello - 1
                belt_host[k] = fh[g]
                k += 1
            elif 1 <= ty <= 5:
                if ty == 1:
                    n_hello += 1
                other[o] = i
                o += 1
            continue
        c = int(dec[off])
        n = int(dec[off + 1])
        period = int(dec[off + 2]) | (int(dec[off + 3]) << 8)
        nb2 = 2 * n * c
        values[2 * v : 2 * v + nb2] = dec[off + 4 : off + 4 + nb2]
        for q in range(n):
            t[s + q] = rel[i, R_T] + period * q
        binfo[0, b] = fr[g, F_SEQ]
        binfo[1, b] = acc_m + rel[i, R_MISS]
        binfo[2, b] = acc_r | rel[i, R_RST]
        binfo[3, b] = c
        binfo[4, b] = period
        binfo[5, b] = rel_chunk[i]
        bhost[b] = fh[g]
        acc_m = 0
        acc_r = 0
        s += n
        v += n * c
        b += 1
        bstart[b] = s
        bvstart[b] = v
    return t, values, bstart, bvstart, binfo, bhost, belt, belt_host, other, rtype
