"""Vectorised encoding of many SAMPLES frames at once (the simulator writes hours in seconds).

All F frames share N, C and the period, so their decoded frames form an (F, L) byte matrix:
headers, payloads and CRCs are built column-wise with numpy, and COBS is applied to the whole
buffer by computing, for every zero byte, the distance to the next zero. A frame holding a
run of 254 or more non-zero bytes (rare, needs COBS block splitting: a code byte of 255
means 254 data bytes *not* followed by a zero, so a zero after exactly 254 non-zero bytes
needs a block of its own) is encoded by the ``cobs`` package instead, so the output always
equals ``encode_samples`` frame by frame.
"""

from __future__ import annotations

import numpy as np
from cobs import cobs
from numpy.typing import ArrayLike, NDArray

from devices.sensorbox.frames import (
    CRC_SIZE,
    HEADER_SIZE,
    MAX_CHANNELS,
    MAX_SAMPLES,
    T_SAMPLES,
    _as_int16,
)


def _crc_table() -> NDArray[np.uint16]:
    table = np.zeros(256, dtype=np.uint16)
    for i in range(256):
        crc = i << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table[i] = crc & 0xFFFF
    return table


_CRC_TABLE = _crc_table()


def crc16_rows(rows: NDArray[np.uint8]) -> NDArray[np.uint16]:
    """CRC-16/CCITT-FALSE of every row of an (F, L) uint8 matrix, column by column."""
    crc = np.full(rows.shape[0], 0xFFFF, dtype=np.uint16)
    for j in range(rows.shape[1]):
        idx = ((crc >> 8) ^ rows[:, j]).astype(np.uint8)
        crc = ((crc << 8) ^ _CRC_TABLE[idx]).astype(np.uint16)
    return crc


def encode_samples_many(
    seq0: int | ArrayLike, t_us: ArrayLike, period_us: int, values: ArrayLike
) -> bytes:
    """Wire bytes of F consecutive SAMPLES frames, identical to F ``encode_samples`` calls.

    ``values``: (F, N, C) int16; ``t_us``: (F,) first-sample times (unwrapped allowed, sent
    modulo 2**32); ``seq0``: the first frame's seq (frame i gets ``seq0 + i``) or an (F,)
    array of seqs, so a caller can leave room for HELLO/STATUS/BELT frames in between.
    """
    v = np.asarray(values)
    if v.ndim != 3 or not 1 <= v.shape[1] <= MAX_SAMPLES or not 1 <= v.shape[2] <= MAX_CHANNELS:
        raise ValueError(
            f"values must have shape (F, N, C) with N in 1..{MAX_SAMPLES} and C in "
            f"1..{MAX_CHANNELS}, got {v.shape}"
        )
    f, n, c = v.shape
    t = np.asarray(t_us, dtype=np.int64)
    if t.shape != (f,):
        raise ValueError(f"t_us must have shape ({f},), got {t.shape}")
    if np.ndim(seq0) == 0:
        seq = (int(seq0) + np.arange(f, dtype=np.int64)) & 0xFFFF  # type: ignore[arg-type]
    else:
        seq = np.asarray(seq0, dtype=np.int64)
        if seq.shape != (f,):
            raise ValueError(f"seq must be an int or have shape ({f},), got {seq.shape}")
        seq = seq & 0xFFFF
    if not 0 < period_us <= 0xFFFF:
        raise ValueError(f"sample period must be 1..65535 us, got {period_us}")
    if f == 0:
        return b""
    v16 = _as_int16(v.reshape(f, n * c)).astype("<i2")

    body_len = HEADER_SIZE + 4 + 2 * n * c
    raw = np.empty((f, body_len + CRC_SIZE), dtype=np.uint8)
    raw[:, 0] = T_SAMPLES
    raw[:, 1:3] = seq.astype("<u2").view(np.uint8).reshape(f, 2)
    raw[:, 3:7] = (t & 0xFFFFFFFF).astype("<u4").view(np.uint8).reshape(f, 4)
    raw[:, 7] = c
    raw[:, 8] = n
    raw[:, 9] = period_us & 0xFF
    raw[:, 10] = period_us >> 8
    raw[:, 11:body_len] = v16.view(np.uint8).reshape(f, 2 * n * c)
    crc = crc16_rows(raw[:, :body_len])
    raw[:, body_len] = (crc & 0xFF).astype(np.uint8)
    raw[:, body_len + 1] = (crc >> 8).astype(np.uint8)
    return _cobs_rows(raw)


def _cobs_rows(raw: NDArray[np.uint8]) -> bytes:
    """COBS-encode each row and append 0x00; rows need not contain zeros."""
    f, length = raw.shape
    width = length + 2
    ext = np.zeros((f, width), dtype=np.uint8)
    ext[:, 1 : length + 1] = raw
    flat = ext.reshape(-1)
    zeros = np.flatnonzero(flat == 0)
    dist = np.diff(zeros)
    out = flat.copy()
    out[zeros[:-1]] = np.minimum(dist, 255).astype(np.uint8)
    out[length + 1 :: width] = 0  # the delimiters
    long_runs = np.zeros(f, dtype=bool)
    # a distance of 255 is 254 non-zero bytes then a zero: code 255 would drop that zero
    bad = zeros[:-1][dist >= 255]
    if bad.size:
        long_runs[bad // width] = True
    # A zero at a row's last position links to the next row's placeholder: not a run.
    if not long_runs.any():
        return out.tobytes()
    rows = out.reshape(f, width)
    parts = [
        cobs.encode(raw[i].tobytes()) + b"\x00" if long_runs[i] else rows[i].tobytes()
        for i in range(f)
    ]
    return b"".join(parts)
