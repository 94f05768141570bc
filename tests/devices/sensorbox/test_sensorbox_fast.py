"""The numba recording decoder against the live StreamDecoder (the slow reference)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sensorbox_streams import Box

from devices.errors import InputError
from devices.sensorbox import Event, HelloEvent, SampleBlock, StreamDecoder, encode_samples
from devices.sensorbox._fast_inputs import _run_decoder
from devices.sensorbox.fast import decode_stream


def reference(
    data: bytes, offsets: list[int], hosts: list[float], window: int = 4
) -> tuple[list[Event], StreamDecoder]:
    """The live decoder fed chunk by chunk; an empty chunk is a new connection."""
    d = StreamDecoder(reorder_window=window)
    ev: list[Event] = []
    ends = [*offsets[1:], len(data)] if offsets else []
    for a, b, h in zip(offsets, ends, hosts, strict=True):
        ev.extend(d.feed(data[a:b], h) if b > a else d.new_connection(h))
    ev.extend(d.flush())
    return ev, d


def first_hello_chunk(
    data: bytes, offsets: list[int], hosts: list[float], window: int
) -> int | None:
    """The chunk whose feed released the first HELLO (len(offsets): the flush); an empty
    chunk is a new connection."""
    d = StreamDecoder(reorder_window=window)
    ends = [*offsets[1:], len(data)] if offsets else []
    for i, (a, b, h) in enumerate(zip(offsets, ends, hosts, strict=True)):
        out = d.feed(data[a:b], h) if b > a else d.new_connection(h)
        if any(isinstance(e, HelloEvent) for e in out):
            return i
    return len(offsets) if any(isinstance(e, HelloEvent) for e in d.flush()) else None


def check_same(data: bytes, cuts: list[int], window: int = 4, reopens: list[int] = ()) -> None:
    """The fast decoder equals the reference on ``data`` cut at ``cuts``, with a new
    connection (an empty chunk) at each of ``reopens``."""
    offsets = sorted({0, *(c % len(data) for c in cuts)}) if data else []
    offsets = sorted([*offsets, *(r % (len(data) + 1) for r in reopens)])
    hosts = [100.0 + 0.37 * i for i in range(len(offsets))]
    ev, d = reference(data, offsets, hosts, window)
    fast = decode_stream(data, offsets, hosts, reorder_window=window)
    assert fast.stats == d.stats
    assert fast.pending == d.pending
    assert fast.events() == ev
    assert fast.first_hello_chunk() == first_hello_chunk(data, offsets, hosts, window)
    blocks = [e for e in ev if isinstance(e, SampleBlock)]
    if blocks and fast.channels > 0:
        assert np.array_equal(fast.t_us, np.concatenate([b.t_us for b in blocks]))
        assert np.array_equal(fast.values, np.concatenate([b.values for b in blocks]))
    # the counts start the room a consumer widens them to float32 in
    assert fast.values_room.size >= 4 * fast.values_flat.size
    assert np.shares_memory(fast.values_room, fast.values_flat) or not fast.values_flat.size
    # decoded in the caller's own buffer (a recording read whole): the same result
    given_over = decode_stream(bytearray(data), offsets, hosts, reorder_window=window, consume=True)
    assert given_over.stats == d.stats and given_over.events() == ev
    # ... with room after it (the reader's buffer): the counts may take the bytes' place
    room = np.empty(2 * len(data), np.uint8)
    room[: len(data)] = np.frombuffer(data, np.uint8)
    in_room = decode_stream(
        room[: len(data)], offsets, hosts, reorder_window=window, consume=True, room=room
    )
    assert in_room.stats == d.stats and in_room.events() == ev
    # framed in parts at once (a second core, and more): the same result
    for threads in (2, 3):
        parts = decode_stream(data, offsets, hosts, reorder_window=window, threads=threads)
        assert parts.stats == d.stats and parts.pending == d.pending
        assert parts.events() == ev


def frames_of(kinds: list[str], seed: int, seq: int, t: int) -> list[bytes]:
    rng = np.random.default_rng(seed)
    box = Box(seq=seq, t_us=t)
    out = []
    for k in ["hello", *kinds]:
        box.n = int(rng.integers(1, 12))
        out.append(box.frame(k, rng)[0])
    return out


kinds_st = st.lists(
    st.sampled_from(["samples"] * 6 + ["belt", "status", "error"]), min_size=1, max_size=30
)


@st.composite
def damaged_streams(draw: st.DrawFn) -> bytes:
    frames = frames_of(
        draw(kinds_st),
        draw(st.integers(0, 999)),
        draw(st.integers(0, 0xFFFF)),
        draw(st.integers(0, 2**32 - 1)),
    )
    if draw(st.booleans()):  # reorder a few neighbours
        for i in draw(st.lists(st.integers(0, len(frames) - 2), max_size=4)):
            frames[i], frames[i + 1] = frames[i + 1], frames[i]
    if draw(st.booleans()):  # the box restarts
        frames += frames_of(draw(kinds_st), draw(st.integers(0, 999)), 0, 0)
    buf = bytearray(b"".join(frames))
    for pos, bit in draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), max_size=4)):
        buf[pos % len(buf)] ^= 1 << bit
    for pos, n in draw(st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 200)), max_size=2)):
        p = pos % len(buf)
        buf[p:p] = buf[p : p + n]
    if draw(st.booleans()):  # a long burst of garbage without delimiters
        p = draw(st.integers(0, len(buf)))
        buf[p:p] = bytes(draw(st.integers(1, 255)) for _ in range(draw(st.integers(1, 5000))))
    return bytes(buf)


@pytest.mark.slow
@settings(max_examples=200)
@given(damaged_streams(), st.lists(st.integers(0, 10**6), max_size=12), st.integers(0, 6))
def test_fast_equals_reference_on_damaged_streams(data: bytes, cuts: list[int], w: int) -> None:
    check_same(data, cuts, w)


@settings(max_examples=150)
@given(
    damaged_streams(),
    st.lists(st.integers(0, 10**6), max_size=8),
    st.integers(0, 6),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
)
def test_fast_equals_reference_across_new_connections(
    data: bytes, cuts: list[int], w: int, reopens: list[int]
) -> None:
    check_same(data, cuts, w, reopens)


@settings(max_examples=100)
@given(
    st.lists(st.sampled_from(["samples"] * 8 + ["belt"]), min_size=8, max_size=60),
    st.integers(0, 999),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 10**6)), min_size=1, max_size=3),
    st.integers(0, 6),
    st.lists(st.integers(0, 10**6), max_size=6),
)
def test_fast_equals_reference_with_frames_held_long(
    kinds: list[str], seed: int, moves: list[tuple[int, int]], w: int, cuts: list[int]
) -> None:
    """A frame that arrives far ahead of its turn waits in the reorder window while many
    frames are released around it (its row of the decoder's frame table is kept, the
    others' rows are reused): the same result as the live decoder, and the counts written
    in place or, where a held frame lies before frames released ahead of it, elsewhere."""
    frames = frames_of(kinds, seed, 7, 1000)
    for a, b in moves:
        i, j = sorted((1 + a % (len(frames) - 1), 1 + b % (len(frames) - 1)))
        frames.insert(i, frames.pop(j))  # frame j arrives before frames i .. j-1
    check_same(b"".join(frames), cuts, w)


def test_counts_written_over_their_bytes_only_where_safe() -> None:
    """In order, the counts take the place of the recorded bytes (no new memory); with a
    frame held back for reordering before frames released ahead of it, they go to new
    memory. Both give the live decoder's samples."""
    frames = frames_of(["samples"] * 12, 5, 0, 0)
    for order in (frames, [frames[0], frames[3], frames[1], frames[2], *frames[4:]]):
        data = b"".join(order)
        room = np.empty(2 * len(data), np.uint8)
        room[: len(data)] = np.frombuffer(data, np.uint8)
        box = decode_stream(room[: len(data)], [0], [1.0], consume=True, room=room)
        ev, _ = reference(data, [0], [1.0])
        assert box.events() == ev
        in_place = np.shares_memory(box.values_room, room)
        assert in_place == (order is frames)


def test_a_new_connection_restarts_a_box_whose_counters_carry_on() -> None:
    # A box power-cycled while the port was closed, whose seq and clock happen to go on
    # from where the old one stopped: without the new connection it reads as one stream.
    frames = frames_of(["samples"] * 6, 3, 0, 0)
    data = b"".join(frames)
    cut = len(b"".join(frames[:4])) + 5  # the port is lost mid-frame
    seamless = decode_stream(data, [0, cut], [100.0, 116.0])
    assert seamless.stats.restarts == 0 and not seamless.block_restart.any()
    reopened = decode_stream(data, [0, cut, cut], [100.0, 116.0, 116.0])
    assert reopened.stats.restarts == 1
    assert reopened.block_restart.tolist() == [False, False, False, True, False]
    check_same(data, [cut], reopens=[cut])
    # its time goes on from the host's clock: the outage is in the samples' times
    first_after = int(reopened.block_start[3])
    step = reopened.t_us[first_after] - reopened.t_us[first_after - 1]
    assert step > 10_000_000


@pytest.mark.parametrize("pad", range(8))
def test_a_new_connection_after_the_last_delimiter(pad: int) -> None:
    # Every byte decoded, then the port reopened: the delimiter search starts at the end
    # of the bytes, whatever their length modulo its eight-byte words.
    data = b"\x00" * pad + b"".join(frames_of(["samples"] * 3, 1, 0, 0))
    check_same(data, [], reopens=[len(data)])
    check_same(data, [len(data) // 2], reopens=[len(data), len(data) - 1])


@settings(max_examples=150)
@given(st.binary(max_size=3000), st.lists(st.integers(0, 10**6), max_size=6))
def test_fast_equals_reference_on_random_bytes(data: bytes, cuts: list[int]) -> None:
    check_same(data, cuts)


@pytest.mark.parametrize(
    "data",
    [b"", b"\x00", b"\x00" * 50, b"\xff" * 5000, b"\x01" * 3000 + b"\x00", bytes(range(256)) * 20],
)
def test_edge_inputs(data: bytes) -> None:
    check_same(data, [0, 1, 2071, 2072, 4000])


def test_long_cobs_blocks_and_unknown_types() -> None:
    from devices.sensorbox import encode_frame

    v = np.full((64, 4), 0x0101, dtype=np.int16)  # 512 non-zero bytes: 0xFF COBS blocks
    data = encode_samples(0, 0, 1000, v) + encode_frame(0x77, 1, 64000, b"\x01" * 3000)
    data += encode_samples(2, 64000, 1000, v)
    check_same(data, [])
    check_same(data, [100, 2500])  # the long unknown frame is split: oversize at 2500


def test_belt_speed_with_the_counts_per_metre_of_the_last_hello() -> None:
    """Each BELT frame's speed uses the counts per metre of the last HELLO released
    before it (none, zero or negative: no speed), an interval of 0 gives none."""
    from devices.sensorbox import encode_belt, encode_hello
    from devices.sensorbox.frames import ChannelSpec, Hello

    chans = (ChannelSpec.of("L", "heel"), ChannelSpec.of("R", "heel"))
    data, seq = encode_belt(0, 10, 7, 1000), 1  # before any HELLO
    for cpm in (1234.567, 0.0, 3.3e-5, -5.0, 1e30, 977.25):
        data += encode_hello(seq, seq * 100, Hello(chans, 100, belt_counts_per_m=cpm))
        for counts, interval in ((25, 20000), (-3, 999), (40, 0), (2**31 - 1, 1)):
            seq += 1
            data += encode_belt(seq, seq * 100, counts, interval)
        seq += 1
    check_same(data, [])
    check_same(data, [50, 51, 300])


@pytest.mark.parametrize("run", [1, 253, 254, 255, 256, 600])
def test_frames_decoded_in_place_around_long_blocks(run: int) -> None:
    # Frames are decoded where they were received: a block's zero goes where the next
    # code byte stood; after a 0xFF block (no implied zero) the bytes move down instead.
    from devices.sensorbox import encode_frame

    rng = np.random.default_rng(run)
    data = b""
    for i, zeros_after in enumerate([0, 1, 2, 5]):
        body = bytes(rng.integers(1, 256, run, dtype=np.uint8)) + b"\x00" * zeros_after
        data += encode_frame(0x77, i, 1000 * i, body + bytes(rng.integers(1, 256, 7)))
    data += encode_frame(0x77, 4, 4000, b"\x00" * 40)  # every block is one zero
    check_same(data, [])
    check_same(data, [3, run + 9])


@settings(max_examples=100)
@given(
    st.lists(st.tuples(st.integers(0, 300), st.integers(0, 3)), min_size=1, max_size=6),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 255)), min_size=1, max_size=4),
    st.integers(0, 999),
)
def test_fast_equals_reference_where_a_cobs_walk_fails_part_way(
    runs: list[tuple[int, int]], hits: list[tuple[int, int]], seed: int
) -> None:
    # The code bytes of a frame are zeroed as they are walked; a walk that fails after some
    # of them (a code past the frame's end, or a 0xFF block after zeros: decoded byte by
    # byte) puts them back first. A byte written over (a code or not) makes either.
    from devices.sensorbox import encode_frame

    rng = np.random.default_rng(seed)
    frames = []
    for i, (run, zeros) in enumerate(runs):
        body = b"\x00" * zeros + bytes(rng.integers(1, 256, run, dtype=np.uint8)) + b"\x00" * zeros
        frames.append(bytearray(encode_frame(0x77, i, 1000 * i, body + b"\x01\x00\x02")))
    for pos, value in hits:
        f = frames[pos % len(frames)]
        f[(pos // len(frames)) % (len(f) - 1)] = value  # never the delimiter
    data = b"".join(frames)
    check_same(data, [])
    check_same(data, [len(data) // 2])


def test_arrays_and_channel_change() -> None:
    frames = frames_of(["samples", "belt", "samples"], 1, 0, 0)
    data = b"".join(frames)
    r = decode_stream(data)
    assert r.values.shape == (int(r.block_start[-1]), 4) and r.channels == 4
    assert r.hello is not None and r.belt_speed_mps.tolist() == [pytest.approx(1.25)]
    two = encode_samples(0, 0, 1000, np.zeros((1, 2), np.int16)) + encode_samples(
        1, 1000, 1000, np.zeros((1, 3), np.int16)
    )
    mixed = decode_stream(two)
    assert mixed.channels == -1
    with pytest.raises(InputError, match="channel count"):
        _ = mixed.values


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="chunk_offsets"):
        decode_stream(b"abc", [1], [0.0])
    with pytest.raises(ValueError, match="chunk_offsets"):
        decode_stream(b"abc", [0, 2, 1], [0.0, 1.0, 2.0])
    with pytest.raises(ValueError, match="chunk_offsets"):
        decode_stream(b"abc", [0, 4], [0.0, 1.0])
    with pytest.raises(ValueError, match="same length"):
        decode_stream(b"abc", [0], [0.0, 1.0])
    with pytest.raises(ValueError, match="reorder_window"):
        decode_stream(b"abc", reorder_window=-1)


def test_importing_devices_does_not_import_numba() -> None:
    code = (
        "import sys, devices.sensorbox, devices.sensorbox.fast, devices.recording;"
        "print('numba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def kernel_outputs(
    data: bytes, offsets: list[int], hosts: list[float], window: int, **split: Any
) -> list[Any]:
    """What the decoder kernel returns (the decoded bytes, the released frames and their
    host times and chunks, the counters, the pending bytes), as lists."""
    buf = np.frombuffer(data, np.uint8).copy()
    starts = np.array(offsets, np.int64)
    got = _run_decoder(buf, starts, np.array(hosts, np.float64), window, True, **split)
    return [x.tolist() if isinstance(x, np.ndarray) else x for x in got]


def check_split(
    data: bytes, cuts: list[int], splits: list[int], window: int = 4, reopens: list[int] = ()
) -> None:
    """The stream framed in parts at once, cut at the first delimiter from each of
    ``splits``, or framed ahead in one part on one thread, gives the kernel's single-pass
    result to the byte."""
    offsets = sorted({0, *(c % len(data) for c in cuts)}) if data else []
    offsets = sorted([*offsets, *(r % (len(data) + 1) for r in reopens)])
    hosts = [100.0 + 0.37 * i for i in range(len(offsets))]
    one = kernel_outputs(data, offsets, hosts, window, ahead=False)
    at = [s % (len(data) + 1) for s in splits]
    assert kernel_outputs(data, offsets, hosts, window, threads=len(at) + 1, cuts=at) == one
    assert kernel_outputs(data, offsets, hosts, window, ahead=True) == one  # one thread


@settings(max_examples=150)
@given(
    damaged_streams(),
    st.lists(st.integers(0, 10**6), max_size=8),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=4),
    st.integers(0, 6),
    st.lists(st.integers(0, 10**6), max_size=3),
)
def test_split_framing_equals_one_pass_on_damaged_streams(
    data: bytes, cuts: list[int], splits: list[int], w: int, reopens: list[int]
) -> None:
    """Wherever the stream is cut for framing in parts (inside a damaged stretch, a long
    burst without delimiters, a frame straddling the cut, next to a new connection):
    the same frames, counters and pending bytes as one pass."""
    check_split(data, cuts, splits, w, reopens)


@settings(max_examples=100)
@given(
    st.binary(max_size=3000),
    st.lists(st.integers(0, 10**6), max_size=6),
    st.lists(st.integers(0, 10**6), min_size=1, max_size=3),
)
def test_split_framing_equals_one_pass_on_random_bytes(
    data: bytes, cuts: list[int], splits: list[int]
) -> None:
    check_split(data, cuts, splits)


@pytest.mark.parametrize("split", [0, 1, 2, 9, 10, 11, 2500, 2600, 10**6])
def test_split_framing_at_edges(split: int) -> None:
    """Cuts at the first bytes, at the end, inside an oversize stretch (a 3000-byte
    unknown frame), and a new connection right at a cut."""
    from devices.sensorbox import encode_frame

    v = np.full((64, 4), 0x0101, dtype=np.int16)
    data = encode_samples(0, 0, 1000, v) + encode_frame(0x77, 1, 64000, b"\x01" * 3000)
    data += encode_samples(2, 64000, 1000, v) + b"\x00" + encode_samples(3, 65000, 1000, v)
    for reopens in ([], [split], [split + 1], [len(data)]):
        check_split(data, [100, 2500], [split], reopens=reopens)
        check_split(data, [], [split, split // 2], reopens=reopens)


def decoder_calls(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The ``rare`` argument of each call of the decoder kernel from now on."""
    from devices.sensorbox import _fast_kernels

    calls: list[Any] = []
    kernel = _fast_kernels._decode_stream

    def spy(*args: Any) -> Any:
        calls.append(args[-1])
        return kernel(*args)

    monkeypatch.setattr(_fast_kernels, "_decode_stream", spy)
    return calls


@settings(max_examples=20)
@given(kinds_st, st.integers(0, 999), st.integers(0, 0xFFFF), st.integers(0, 2**32 - 1))
def test_a_stream_in_order_takes_the_common_paths_only(
    kinds: list[str], seed: int, seq: int, t: int
) -> None:
    """Frames in order, the first one included (seq and time anywhere, wrapping): one
    call of the kernel with only the common paths compiled, as the live decoder."""
    with pytest.MonkeyPatch.context() as mp:
        calls = decoder_calls(mp)
        check_same(b"".join(frames_of(kinds, seed, seq, t)), [], reopens=[])
    assert calls and all(rare is None for rare in calls)


@settings(max_examples=150)
@given(
    kinds_st,
    st.integers(0, 999),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**32 - 1),
    st.integers(0, 10**6),
    st.sampled_from(["swap", "duplicate", "restart", "late", "reopen"]),
    st.integers(0, 6),
    st.lists(st.integers(0, 10**6), max_size=4),
)
def test_the_decoder_goes_on_where_a_rare_path_begins(
    kinds: list[str],
    seed: int,
    seq: int,
    t: int,
    at: int,
    rare: str,
    w: int,
    cuts: list[int],
) -> None:
    """A stream in order but for one frame or mark the sequencer's rarer paths take (two
    frames swapped, a frame again, the box restarted, a frame come late, a new connection),
    anywhere: the kernel stops there, and the call with every path goes on from where it
    stopped (the frame it stopped at pushed, or the connection begun): the same result
    as the live decoder, framed in one pass or in parts."""
    frames = frames_of(kinds, seed, seq, t)
    i = at % len(frames)
    reopens: list[int] = []
    if rare == "swap" and i + 1 < len(frames):
        frames[i], frames[i + 1] = frames[i + 1], frames[i]
    elif rare == "duplicate":
        frames.insert(i + 1, frames[i])
    elif rare == "restart":
        frames[i + 1 :] = frames_of(kinds[i:], seed + 1, 0, 0)
    elif rare == "late" and i + 2 < len(frames):
        frames.insert(i + 2, frames.pop(i))
    else:  # an empty chunk where a chunk begins
        reopens = [len(b"".join(frames[: i + 1]))]
        cuts = [*cuts, *reopens]
    with pytest.MonkeyPatch.context() as mp:
        calls = decoder_calls(mp)
        check_same(b"".join(frames), cuts, w, reopens)
    assert True in calls or rare in ("swap", "late")  # (swapped last, or held: in order)


def test_a_command_hears_before_the_rare_paths_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """The decoder calls the registered notices with the rare call's arguments (a command
    says so when those paths must compile first), and only when a rare path is taken."""
    from devices.sensorbox import _fast_inputs

    heard: list[Any] = []
    monkeypatch.setattr(
        _fast_inputs, "RARE_PATH_NOTICES", [lambda kernel, args: heard.append(args[-1])]
    )
    frames = frames_of(["samples"] * 8, 3, 10, 1000)
    check_same(b"".join(frames), [], reopens=[])
    assert heard == []
    frames.insert(4, frames[3])  # a frame again: the sequencer's rare path
    check_same(b"".join(frames), [], reopens=[])  # decodes it several ways, each heard
    assert heard and all(rare is True for rare in heard)


@settings(max_examples=60)
@given(
    st.lists(
        st.tuples(st.integers(-(2**40), 2**40), st.integers(1, 65535), st.integers(0, 70)),
        max_size=40,
    ),
    st.sampled_from([1, 2]),
)
def test_sample_times_written_in_two_parts_equal_one_pass(
    blocks: list[tuple[int, int, int]], threads: int
) -> None:
    """Each block's samples' times (its first time plus its period per sample), the second
    half of the blocks on a thread of its own at once (however few): each block's times,
    as numpy computes them."""
    from devices.cores import read_threads, set_read_threads
    from devices.sensorbox import _fast_gather

    bt = np.array([b[0] for b in blocks], np.int64)
    period = np.array([b[1] for b in blocks], np.int32)
    sizes = np.array([b[2] for b in blocks], np.int64)
    bstart = np.r_[0, np.cumsum(sizes)].astype(np.int64)
    want = np.concatenate(
        [np.zeros(0, np.int64)] + [t + p * np.arange(k) for t, p, k in blocks]
    ).astype(np.int64)
    old = read_threads(), _fast_gather.MIN_SPLIT_BLOCKS
    set_read_threads(threads)
    _fast_gather.MIN_SPLIT_BLOCKS = 0
    try:
        got = _fast_gather.gather_times(bt, period, bstart)
    finally:
        set_read_threads(old[0])
        _fast_gather.MIN_SPLIT_BLOCKS = old[1]
    assert got.dtype == np.int64 and np.array_equal(got, want)
