"""The numba stream-file scanner against the pure-Python reader, on damaged files."""

from __future__ import annotations

import io
import zlib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_streams import damage_st, damaged

from devices.cores import set_read_threads
from devices.recording import SessionReader, SessionWriter, scan
from devices.recording._scan_kernels import _crc32_update, crc32_tables
from devices.recording.scan import StreamProblems, parse_stream_bytes, read_whole


@pytest.mark.parametrize("data", [b"", b"a", b"123456789", bytes(range(256)) * 41 + b"xyz"])
def test_crc32_kernel_matches_zlib(data: bytes) -> None:
    raw = np.frombuffer(b"--" + data, dtype=np.uint8)
    got = _crc32_update(0xFFFFFFFF, raw, 2, raw.size, crc32_tables()) ^ 0xFFFFFFFF
    assert got == zlib.crc32(data)
    if data == b"123456789":
        assert got == 0xCBF43926  # the CRC-32 check value


@settings(max_examples=100)
@given(st.binary(max_size=100), st.integers(0, 2**32 - 1))
def test_crc32_kernel_continues_like_zlib(data: bytes, before: int) -> None:
    # every length around the kernel's eight-byte steps, from any CRC so far
    raw = np.frombuffer(b"-" + data, dtype=np.uint8)
    got = _crc32_update(before ^ 0xFFFFFFFF, raw, 1, raw.size, crc32_tables()) ^ 0xFFFFFFFF
    assert got == zlib.crc32(data, before)


chunks_st = st.lists(
    st.tuples(st.floats(0, 1e6, allow_nan=False), st.binary(min_size=1, max_size=60)),
    max_size=30,
)


@settings(max_examples=200)
@given(
    chunks_st,
    damage_st,
    st.integers(0, 40),
)
def test_kernel_equals_python_on_damaged_files(chunks: list, damage: list, cut: int) -> None:
    raw = damaged(chunks, damage, cut)
    fast, fast_problems = parse_stream_bytes(bytes(raw))
    slow, slow_problems = parse_stream_bytes(bytes(raw), use_kernel=False)
    assert fast_problems == slow_problems
    assert fast.data == slow.data
    assert np.array_equal(fast.offsets, slow.offsets)
    assert np.array_equal(fast.host_t, slow.host_t)
    if not damage and cut == 0:
        assert list(fast.chunks()) == chunks


@settings(max_examples=150)
@given(chunks_st, damage_st, st.integers(0, 40), st.integers(2, 3), st.integers(20, 400))
def test_windows_scanned_in_two_parts_at_once_equal_one_pass(
    chunks: list, damage: list, cut: int, threads: int, window: int
) -> None:
    """Each window scanned in two parts at once (the second from an intact chunk found half
    way, damage in either part, a chunk found that the walk passes over): the same
    chunks, skips and counts as the Python reader."""
    _split_equals_python(bytes(damaged(chunks, damage, cut)), threads, window)


@pytest.mark.parametrize("tail", [0, 1, 25])
def test_a_chunk_found_half_way_inside_another_chunk_is_not_taken(tail: int) -> None:
    """A chunk's data may hold whole chunks of its own (a recording of recordings): the
    second part of a split scan may start at one; the walk passes over it and goes on
    alone. The same chunks as the Python reader, damaged after it or not."""
    from recording_streams import stream_file

    from devices.recording.layout import pack_chunk

    inner = b"".join(pack_chunk(bytes([i + 1]) * 30, float(i)) for i in range(40))
    chunks = [(1.0, b"a" * 10), (2.0, inner), (3.0, b"z" * 10)] + [(4.0, b"q")] * tail
    raw = bytearray(stream_file(chunks))
    if tail:
        raw[-3] ^= 0xFF  # the last chunk damaged
    _split_equals_python(bytes(raw), 2)


@settings(max_examples=100)
@given(
    chunks_st,
    damage_st,
    st.integers(40, 400),
)
def test_reading_whole_into_one_buffer_equals_joining_windows(
    chunks: list, damage: list, window: int
) -> None:
    """A stream read whole (its chunks gathered window by window straight into one buffer)
    holds what the windows joined hold, damaged or not; the buffer is writable."""
    raw = damaged(chunks, damage)
    joined, joined_problems = parse_stream_bytes(bytes(raw), window=window)
    problems = StreamProblems()
    whole = read_whole(io.BytesIO(bytes(raw)), "a stream", problems, window=window)
    assert problems == joined_problems
    assert whole.data == joined.data and len(whole.data) == len(joined.data)
    assert np.array_equal(whole.offsets, joined.offsets)
    assert np.array_equal(whole.host_t, joined.host_t)
    if len(whole.data):
        data = np.frombuffer(whole.data, np.uint8)
        assert data.flags.writeable
        # the buffer the data starts, with room for twice the file: a decoder's result
        room = whole.room
        assert room is not None and room.size >= 2 * len(raw)
        assert room.__array_interface__["data"][0] == data.__array_interface__["data"][0]


def test_append_many_equals_appending_one_by_one(tmp_path: Path) -> None:
    rng = np.random.default_rng(4)
    data = bytes(rng.integers(0, 256, 50_000, dtype=np.uint8))
    offsets = np.sort(rng.choice(np.arange(1, len(data)), 999, replace=False))
    offsets = np.concatenate([[0], offsets])
    host = np.cumsum(rng.random(offsets.size))
    with SessionWriter(tmp_path / "a") as w:
        w.add_stream("box", "x").append_many(data, offsets, host)
    with SessionWriter(tmp_path / "b") as w:
        rec = w.add_stream("box", "x")
        for a, b, t in zip(offsets, [*offsets[1:], len(data)], host, strict=True):
            rec.append(data[a:b], float(t))
    fa = (tmp_path / "a" / "streams" / "box.rec").read_bytes()
    assert fa == (tmp_path / "b" / "streams" / "box.rec").read_bytes()
    sd = SessionReader(tmp_path / "a").read_stream("box")
    assert sd.data == data and np.array_equal(sd.offsets, offsets)
    with SessionWriter(tmp_path / "c") as w, pytest.raises(ValueError, match="offsets"):
        w.add_stream("box", "x").append_many(b"abc", [1], [0.0])


def _split_equals_python(raw: bytes, threads: int, window: int | None = None) -> None:
    """``raw`` scanned with ``threads`` threads, every window split however small (the
    chunks found gathered in two parts at once), gives the chunks, skips and counts of the
    Python reader."""
    slow, slow_problems = parse_stream_bytes(raw, use_kernel=False)
    old = scan.MIN_SPLIT, scan.MIN_SPLIT_CHUNKS
    set_read_threads(threads)
    scan.MIN_SPLIT = scan.MIN_SPLIT_CHUNKS = 0  # the chunks gathered in two parts too
    try:
        fast, fast_problems = parse_stream_bytes(raw, window=window)
    finally:
        set_read_threads(1)
        scan.MIN_SPLIT, scan.MIN_SPLIT_CHUNKS = old
    assert fast_problems == slow_problems
    assert fast.data == slow.data
    assert np.array_equal(fast.offsets, slow.offsets)
    assert np.array_equal(fast.host_t, slow.host_t)


def test_a_scan_writes_its_outputs_where_the_last_one_did() -> None:
    """Given the same room, a window's scan writes its outputs over the last window's (no
    fresh pages), the same results as a scan with memory of its own; a scan needing more
    room than held makes it larger."""
    from recording_streams import stream_file

    from devices.recording._scan_kernels import _scan_chunks

    raw = np.frombuffer(stream_file([(float(i), bytes([i + 1]) * 7) for i in range(9)]), np.uint8)
    start = raw.tobytes().index(b"CHNK")
    tables = crc32_tables()
    room: list[np.ndarray] = []
    short = _scan_chunks(raw, start, tables, start + 1, room)
    small = room[0]
    alone = _scan_chunks(raw, start, tables, raw.size)
    first = _scan_chunks(raw, start, tables, raw.size, room)
    assert room[0] is not small and room[0].shape[1] > small.shape[1]  # made larger
    again = _scan_chunks(raw, start + 27, tables, raw.size, room)
    assert short[0].size == 1 and alone[0].size == 9 and again[0].size == 8
    assert all(np.shares_memory(a, b) for a, b in zip(first[:3], again[:3], strict=True))
    assert np.array_equal(again[0], alone[0][1:]) and np.array_equal(again[2], alone[2][1:])
    assert again[3] == alone[3] == raw.size
