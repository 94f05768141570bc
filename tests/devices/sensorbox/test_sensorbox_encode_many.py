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


def rows_with_runs(rng: np.random.Generator, f: int, length: int) -> np.ndarray:
    """Random rows, zero-rich, each holding a run of 253-256 non-zero bytes at a random place,
    some followed by a zero inside the row (the case COBS code 255 cannot carry), some
    reaching the row's end."""
    rows = rng.integers(0, 256, (f, length), dtype=np.uint8)
    rows[rng.random((f, length)) < 0.1] = 0
    for i in range(f):
        run = min(int(rng.integers(253, 257)), length)
        start = int(rng.integers(0, length - run + 1))
        rows[i, start : start + run] = rng.integers(1, 256, run, dtype=np.uint8)
        if start + run < length:
            rows[i, start + run] = 0 if i % 3 else rows[i, start + run]
    return rows


@pytest.mark.parametrize("length", [253, 254, 255, 256, 300, 517])
def test_cobs_rows_equal_the_cobs_package(rng: np.random.Generator, length: int) -> None:
    """Every row encodes as ``cobs.encode`` + delimiter, including a zero right after
    exactly 254 non-zero bytes (code 255 means "no zero follows": that zero was lost)."""
    from cobs import cobs

    from devices.sensorbox.encode_many import _cobs_rows

    rows = rows_with_runs(rng, 60, length)
    want = b"".join(cobs.encode(r.tobytes()) + b"\x00" for r in rows)
    assert _cobs_rows(rows) == want


@pytest.mark.parametrize("run", [253, 254, 255, 256])
def test_a_zero_after_each_run_length_survives(run: int) -> None:
    from cobs import cobs

    from devices.sensorbox.encode_many import _cobs_rows

    row = np.array([7] * run + [0, 9, 0], np.uint8)[None, :]
    got = _cobs_rows(row)
    assert got == cobs.encode(row[0].tobytes()) + b"\x00"
    assert cobs.decode(got[:-1]) == row[0].tobytes()


def test_frames_with_254_nonzero_bytes_before_a_zero_equal_the_reference() -> None:
    """SAMPLES frames whose payload starts with exactly 254 non-zero bytes and then a zero
    (the payload follows the header's zero high byte of a period below 256 us)."""
    v = np.full((3, 64, 2), 0x0101, np.int16)
    v[:, 63, 1] = 0x0100  # payload byte 254 (the low byte of the 128th value) is zero
    payload = v[0].astype("<i2").tobytes()
    assert payload.index(0) == 254 and b"\x00" not in payload[:254]
    t = np.array([1, 64001, 128001])
    assert encode_samples_many(3, t, 156, v) == reference([3, 4, 5], t, 156, v)


@pytest.mark.slow
def test_simulated_foot_session_at_6400_hz_has_no_crc_errors() -> None:
    """Regression: a 6400 Hz session with one sensor per foot made frames with a zero after
    254 non-zero bytes; they failed their CRC (4 CRC errors, 4 lost frames in 2 minutes
    with seed 1), spurious gaps in data meant to be ground truth."""
    from devices.sensorbox.fast import decode_stream
    from sim.box import BoxConfig
    from sim.session import SessionSpec, simulate

    sim = simulate(SessionSpec(minutes=2, seed=1, box=BoxConfig(rate_hz=6400, sensors="foot")))
    decoded = decode_stream(sim.data)
    assert decoded.stats.crc_errors == 0
    assert decoded.stats.cobs_errors == 0
    assert int(decoded.block_missing.sum()) == 0
    assert decoded.t_us.shape[0] >= 2 * 60 * 6400
    assert np.all(np.diff(decoded.t_us) == 156)  # no sample lost: one period (us) apart
