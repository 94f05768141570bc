"""devices._byte_copy: a memcpy for kernels, byte for byte what a slice assignment does, and
a word read at any offset."""

from __future__ import annotations

import numpy as np
from numba import njit

from devices._byte_copy import copy_bytes, word_at
from devices.recording._scan_kernels import HEAD, _gather


@njit(cache=False)
def _copy(dst: np.ndarray, d: int, src: np.ndarray, s: int, n: int) -> None:
    copy_bytes(dst, d, src, s, n)


def test_copy_bytes_copies_the_range_and_nothing_else() -> None:
    rng = np.random.default_rng(1)
    src = rng.integers(0, 256, 300, dtype=np.uint8)
    for d, s, n in [(0, 0, 0), (0, 0, 300), (7, 13, 1), (100, 5, 199), (3, 250, 50)]:
        dst = np.full(300, 7, np.uint8)
        want = dst.copy()
        want[d : d + n] = src[s : s + n]
        _copy(dst, d, src, s, n)
        assert np.array_equal(dst, want)


def test_gather_joins_the_chunks_data() -> None:
    rng = np.random.default_rng(2)
    raw = rng.integers(0, 256, 5000, dtype=np.uint8)
    lens = np.array([0, 1, 96, 7, 1000, 3], np.int64)
    pos = np.cumsum(np.concatenate([[0], lens[:-1] + HEAD])).astype(np.int64)
    out = np.zeros(int(lens.sum()), np.uint8)
    _gather(raw, pos, lens, out)
    want = np.concatenate([raw[p + HEAD : p + HEAD + m] for p, m in zip(pos, lens, strict=True)])
    assert np.array_equal(out, want)


@njit(cache=False)
def _words(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    out = np.empty(at.size, np.uint64)
    for i in range(at.size):
        out[i] = word_at(buf, at[i])
    return out


def test_word_at_reads_eight_bytes_little_endian_at_any_offset() -> None:
    rng = np.random.default_rng(3)
    buf = rng.integers(0, 256, 64, dtype=np.uint8)
    at = np.arange(57, dtype=np.int64)  # every offset, aligned or not, up to the last word
    want = [int.from_bytes(buf[i : i + 8].tobytes(), "little") for i in at.tolist()]
    assert _words(buf, at).tolist() == want
    assert _words(buf[3:], at[:54]).tolist() == want[3:]  # an array starting off a word
