"""The vectorised encoder equals the single-frame encoder, byte for byte."""

from __future__ import annotations

import numpy as np
import pytest

from devices.sensorbox import encode_samples, encode_samples_many
from devices.sensorbox.encode_many import crc16_rows
from devices.sensorbox.frames import crc16


def reference(seqs: list[int], t: np.ndarray, period: int, v: np.ndarray) -> bytes:
    return b"".join(
        encode_samples(s, int(ti), period, vi) for s, ti, vi in zip(seqs, t, v, strict=True)
    )


def test_crc_rows_matches_binascii(rng: np.random.Generator) -> None:
    rows = rng.integers(0, 256, (50, 37), dtype=np.uint8)
    assert crc16_rows(rows).tolist() == [crc16(r.tobytes()) for r in rows]


@pytest.mark.parametrize(("n", "c"), [(1, 1), (10, 4), (20, 4), (64, 16), (3, 2)])
def test_random_values_equal_reference(rng: np.random.Generator, n: int, c: int) -> None:
    f = 40
    v = rng.integers(-300, 300, (f, n, c)).astype(np.int16)
    v[::7] = 0  # zero-rich frames
    t = np.cumsum(rng.integers(1, 20000, f)) + 2**32 - 50000  # crosses the 32-bit wrap
    got = encode_samples_many(65530, t, 1000, v)
    want = reference([(65530 + i) & 0xFFFF for i in range(f)], t, 1000, v)
    assert got == want


def test_long_nonzero_runs_fall_back_to_cobs_blocks(rng: np.random.Generator) -> None:
    v = rng.integers(-300, 300, (6, 64, 4)).astype(np.int16)
    v[1] = 0x0101  # 512 non-zero bytes in a row: needs COBS 254-byte blocks
    v[4] = 0x0102
    t = np.arange(6) * 64000 + 1
    assert encode_samples_many(1, t, 1000, v) == reference(list(range(1, 7)), t, 1000, v)


def test_seq_array_and_empty() -> None:
    v = np.ones((3, 2, 1), dtype=np.int16)
    t = np.array([10, 20, 30])
    seqs = [5, 9, 70000]
    assert encode_samples_many(seqs, t, 5, v) == reference([5, 9, 70000 & 0xFFFF], t, 5, v)
    assert encode_samples_many(0, np.zeros(0), 5, np.zeros((0, 2, 1), np.int16)) == b""


def test_bad_input_is_refused() -> None:
    v = np.ones((3, 2, 1), dtype=np.int16)
    with pytest.raises(ValueError, match="t_us"):
        encode_samples_many(0, np.zeros(2), 10, v)
    with pytest.raises(ValueError, match="seq"):
        encode_samples_many([1, 2], np.zeros(3), 10, v)
    with pytest.raises(ValueError, match="shape"):
        encode_samples_many(0, np.zeros(3), 10, np.ones((3, 2)))
    with pytest.raises(ValueError, match="int16"):
        encode_samples_many(0, np.zeros(3), 10, v.astype(np.int64) * 40000)
