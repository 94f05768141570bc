"""Hypothesis fuzzing of the live decoder: it never raises, never lets a bad frame through,
keeps its counters consistent and marks gaps instead of inventing samples."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sensorbox_streams import Box

from devices.sensorbox import Event, SampleBlock, StreamDecoder


def build(kinds: list[str], seed: int, start_seq: int, start_t: int) -> tuple[bytes, dict]:
    rng = np.random.default_rng(seed)
    box = Box(seq=start_seq, t_us=start_t)
    parts, truth = [], {}
    for k in ["hello", *kinds]:
        box.n = int(rng.integers(1, 12))
        b, info = box.frame(k, rng)
        parts.append(b)
        truth[info["seq"]] = info
    return b"".join(parts), truth


kinds_st = st.lists(
    st.sampled_from(["samples"] * 6 + ["belt", "status", "error"]), min_size=1, max_size=25
)
stream_st = st.builds(
    build,
    kinds_st,
    st.integers(0, 2**16),
    st.integers(0, 0xFFFF),
    st.integers(0, 2**32 - 1),
)


def run(
    data: bytes, cuts: list[int], window: int = 4, host: float | None = None
) -> tuple[list[Event], StreamDecoder]:
    d = StreamDecoder(reorder_window=window)
    out: list[Event] = []
    bounds = [0, *sorted(c % (len(data) + 1) for c in cuts), len(data)]
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        out.extend(d.feed(data[a:b], float(i) if host is None else host))
        assert d.stats.bytes_in == d.stats.bytes_ok + d.stats.bytes_discarded + d.pending
    out.extend(d.flush())
    return out, d


def matches_truth(ev: Event, truth: dict) -> bool:
    """An emitted event is exactly a frame the box sent (so no bad frame got through)."""
    info = truth.get(ev.seq)
    if info is None:
        return False
    if isinstance(ev, SampleBlock):
        return info["kind"] == "samples" and np.array_equal(ev.values, info["values"])
    return info["kind"] != "samples"


def samples_ok(events: list[Event], truth: dict) -> None:
    """Sample times strictly increase, and are the box's times (never interpolated)."""
    blocks = [e for e in events if isinstance(e, SampleBlock)]
    if not blocks:
        return
    t = np.concatenate([b.t_us for b in blocks])
    assert np.all(np.diff(t) > 0)
    for b in blocks:
        assert (b.t_us[0] - truth[b.seq]["t_us"]) % 2**32 == 0
        assert np.all(np.diff(b.t_us) == 1000)


@settings(max_examples=150)
@given(st.binary(max_size=600), st.lists(st.integers(0, 600), max_size=8))
def test_random_bytes_never_raise(data: bytes, cuts: list[int]) -> None:
    ev, d = run(data, cuts)
    s = d.stats
    assert s.frames >= len(ev) - 0 and s.frames_lost >= 0
    assert s.resyncs >= s.crc_errors + s.cobs_errors + s.truncated + s.malformed


@settings(max_examples=120)
@given(stream_st, st.lists(st.integers(0, 10**6), max_size=6))
def test_clean_stream_any_chunking(made: tuple[bytes, dict], cuts: list[int]) -> None:
    data, truth = made
    ev, d = run(data, cuts)
    assert len(ev) == len(truth) and all(matches_truth(e, truth) for e in ev)
    assert d.stats.gaps == d.stats.frames_lost == d.stats.resyncs == 0
    samples_ok(ev, truth)


@settings(max_examples=150)
@given(
    stream_st,
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 7)), min_size=1, max_size=6),
    st.lists(st.integers(0, 10**6), max_size=5),
)
def test_bit_flips_are_caught(made: tuple[bytes, dict], flips: list, cuts: list[int]) -> None:
    data, truth = made
    buf = bytearray(data)
    for pos, bit in flips:
        buf[pos % len(buf)] ^= 1 << bit
    ev, _d = run(bytes(buf), cuts)
    assert all(matches_truth(e, truth) for e in ev)
    samples_ok(ev, truth)
    seqs = [e.seq for e in ev]
    assert len(set(seqs)) == len(seqs)


@settings(max_examples=100)
@given(stream_st, st.integers(0, 10**6))
def test_truncation_gives_a_prefix(made: tuple[bytes, dict], cut: int) -> None:
    data, _truth = made
    full, _ = run(data, [])
    part, d = run(data[: cut % (len(data) + 1)], [])
    assert [e.seq for e in part] == [e.seq for e in full[: len(part)]]
    assert d.pending < len(data) + 1


@settings(max_examples=100)
@given(
    stream_st,
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(1, 300)), min_size=1, max_size=4),
)
def test_duplicated_stretches_are_dropped(made: tuple[bytes, dict], dups: list) -> None:
    data, truth = made
    buf = data
    for pos, n in dups:
        p = pos % len(buf)
        buf = buf[: p + n] + buf[p : p + n] + buf[p + n :]
    ev, _d = run(buf, [])
    assert all(matches_truth(e, truth) for e in ev)
    seqs = [e.seq for e in ev]
    assert len(set(seqs)) == len(seqs)
    samples_ok(ev, truth)


@settings(max_examples=100)
@given(stream_st, st.sets(st.integers(1, 30), max_size=8), st.integers(0, 6))
def test_lost_frames_are_counted_and_marked(made: tuple[bytes, dict], drop: set, w: int) -> None:
    data, truth = made
    frames = [f + b"\x00" for f in data.split(b"\x00")[:-1]]
    seqs = list(truth)  # in the order sent
    kept = [i for i in range(len(frames)) if i not in drop]
    ev, d = run(b"".join(frames[i] for i in kept), [], window=w)
    assert [e.seq for e in ev] == [seqs[i] for i in kept]
    # A loss is visible once a later frame arrives; trailing losses cannot be seen.
    assert d.stats.frames_lost == sum(1 for i in drop if i < len(frames) and i < kept[-1])
    blocks = [e for e in ev if isinstance(e, SampleBlock)]
    assert sum(b.missing_before for b in blocks) <= d.stats.frames_lost
    samples_ok(ev, truth)


def test_every_split_point_of_a_damaged_stream() -> None:
    data, _truth = build(["samples", "belt", "samples", "status", "samples"] * 3, 5, 65530, 7)
    buf = bytearray(data)
    buf[len(buf) // 3] ^= 0x5A
    buf = bytes(buf)
    whole, dw = run(buf, [], host=0.0)
    assert dw.stats.resyncs == 1 and dw.stats.gaps == 1
    for cut in range(len(buf) + 1):
        ev, d = run(buf, [cut], host=0.0)
        assert ev == whole and d.stats == dw.stats
