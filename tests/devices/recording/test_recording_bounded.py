"""Stream files are read a window at a time, lie inside their recording and are regular files.

The windowed scanner must give exactly what one pass over the whole file gives, for any
window size and any damage; memory follows the window, not the file size; a stream file
named outside the recording, a FIFO, a device or a folder is refused without reading it.
"""

from __future__ import annotations

import json
import os
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recording_streams import damage_st, damaged, stream_file

from devices.errors import InputError
from devices.recording import SessionReader, SessionWriter, scan
from devices.recording.layout import FILE_HEAD
from devices.recording.scan import parse_stream_bytes

chunks_st = st.lists(
    st.tuples(st.floats(0, 1e6, allow_nan=False), st.binary(min_size=1, max_size=90)),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(
    chunks_st,
    damage_st,
    st.integers(0, 40),
    st.sampled_from([20, 21, 37, 64, 200]),
    st.booleans(),
)
def test_any_window_gives_what_one_pass_gives(
    chunks: list, damage: list, cut: int, window: int, kernel: bool
) -> None:
    raw = damaged(chunks, damage, cut)
    whole, whole_problems = parse_stream_bytes(bytes(raw), use_kernel=False, window=1 << 30)
    got, problems = parse_stream_bytes(bytes(raw), use_kernel=kernel, window=window)
    assert problems == whole_problems
    assert got.data == whole.data
    assert np.array_equal(got.offsets, whole.offsets)
    assert np.array_equal(got.host_t, whole.host_t)
    if not damage and cut == 0:
        assert list(got.chunks()) == chunks
        assert problems.clean


def test_a_chunk_larger_than_the_window_is_read_whole() -> None:
    big = bytes(range(256)) * 40  # 10 kB, window 64 bytes
    raw = stream_file([(1.0, b"a"), (2.0, big), (3.0, b"z")])
    got, problems = parse_stream_bytes(raw, window=64)
    assert list(got.chunks()) == [(1.0, b"a"), (2.0, big), (3.0, b"z")] and problems.clean


def _recording(tmp_path: Path, chunks: list[tuple[float, bytes]]) -> Path:
    with SessionWriter(tmp_path / "rec") as w:
        rec = w.add_stream("box", "sensorbox-v1")
        for t, d in chunks:
            rec.append(d, t)
    return tmp_path / "rec"


def _sparse_zeros_after_header(rec: Path, size: int) -> Path:
    box = rec / "streams" / "box.rec"
    raw = box.read_bytes()
    _, _, jlen = FILE_HEAD.unpack_from(raw)
    with box.open("wb") as fh:
        fh.write(raw[: FILE_HEAD.size + jlen])
        fh.truncate(FILE_HEAD.size + jlen + size)
    return box


def test_zeros_after_a_valid_header_are_damaged_not_empty_in_bounded_memory(
    tmp_path: Path,
) -> None:
    rec = _recording(tmp_path, [(1.0, b"x")])
    _sparse_zeros_after_header(rec, 256 << 20)  # 256 MB of zeros (sparse: no disk used)
    reader = SessionReader(rec)
    parse_stream_bytes(stream_file([(1.0, b"warm")]))  # load the kernels before measuring
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match=r"damaged: none of its 268435456 bytes"):
            reader.require_data("box", "sensor-box stream")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 << 20, peak  # the window (8 MB) and its copies, not the file
    assert reader.problems["box"].torn == 1


def test_an_empty_stream_is_called_empty(tmp_path: Path) -> None:
    rec = _recording(tmp_path, [])
    with pytest.raises(InputError, match="is empty"):
        SessionReader(rec).require_data("box")


def test_chunks_stream_a_large_file_in_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan, "WINDOW", 1 << 20)  # 1 MB windows over a 48 MB file
    block = bytes(np.random.default_rng(1).integers(0, 256, 4000, dtype=np.uint8))
    n = 12_000  # 48 MB of data in 12 000 chunks
    with SessionWriter(tmp_path / "rec") as w:
        rec = w.add_stream("box", "sensorbox-v1")
        rec.append_many(block * n, np.arange(n) * len(block), np.arange(n, dtype=np.float64))
    reader = SessionReader(tmp_path / "rec")
    parse_stream_bytes(stream_file([(1.0, b"warm")]))  # load the kernels before measuring
    tracemalloc.start()
    try:
        total = count = 0
        for t, data in reader.chunks("box"):
            assert t == count and data == block
            total += len(data)
            count += 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (count, total) == (n, n * len(block)) and reader.problems["box"].clean
    assert peak < 8 << 20, peak  # a few 1 MB windows, not the 48 MB file


def _point_stream_at(rec: Path, file: str) -> None:
    sj = rec / "session.json"
    meta = json.loads(sj.read_text())
    meta["streams"]["box"]["file"] = file
    sj.write_text(json.dumps(meta))


@pytest.mark.parametrize("file", ["../outside.rec", "/dev/zero", "streams/../../x.rec", ""])
def test_a_stream_file_named_outside_the_recording_is_refused(tmp_path: Path, file: str) -> None:
    rec = _recording(tmp_path, [(1.0, b"x")])
    (tmp_path / "outside.rec").write_bytes(stream_file([(1.0, b"y")]))
    _point_stream_at(rec, file)
    with pytest.raises(InputError, match="not a path inside the recording"):
        SessionReader(rec)


def _refused_quickly(rec: Path, words: str) -> None:
    """Reading the stream ends (no hang on a FIFO) with one InputError naming ``words``."""
    out: list[BaseException | None] = []

    def read() -> None:
        try:
            SessionReader(rec).read_stream("box")
            out.append(None)
        except BaseException as err:
            out.append(err)

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(60)
    assert out, "reading the stream did not return"
    assert isinstance(out[0], InputError) and words in str(out[0]), out[0]


def test_a_symlink_out_of_the_recording_is_refused(tmp_path: Path) -> None:
    rec = _recording(tmp_path, [(1.0, b"x")])
    box = rec / "streams" / "box.rec"
    box.unlink()
    box.symlink_to("/dev/zero")
    _refused_quickly(rec, "outside the recording folder")


def test_a_fifo_a_device_and_a_folder_are_refused(tmp_path: Path) -> None:
    rec = _recording(tmp_path, [(1.0, b"x")])
    box = rec / "streams" / "box.rec"
    box.unlink()
    os.mkfifo(box)
    _refused_quickly(rec, "not a regular file")
    box.unlink()
    (rec / "streams" / "zero").symlink_to("/dev/zero")
    _point_stream_at(rec, "streams/zero")
    _refused_quickly(rec, "outside the recording folder")
    _point_stream_at(rec, "streams/box.rec")
    box.mkdir()
    _refused_quickly(rec, "is a directory")
