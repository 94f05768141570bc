"""The streaming decoder: round trips, counters, gaps, reordering, wrap-around, restarts."""

from __future__ import annotations

import numpy as np
import pytest
from sensorbox_streams import HELLO, Box, stream

from devices.sensorbox import (
    BeltBlock,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
    StreamDecoder,
    encode_belt,
    encode_frame,
    encode_samples,
    raw_frame,
)
from devices.sensorbox.frames import wire


def decode_all(chunks: list[bytes], window: int = 4) -> tuple[list[Event], StreamDecoder]:
    d = StreamDecoder(reorder_window=window)
    out: list[Event] = []
    for i, c in enumerate(chunks):
        out.extend(d.feed(c, float(i)))
    out.extend(d.flush())
    return out, d


def accounting_ok(d: StreamDecoder) -> bool:
    s = d.stats
    return s.bytes_in == s.bytes_ok + s.bytes_discarded + d.pending


def test_round_trip_all_types() -> None:
    box = Box()
    made = [box.frame(k) for k in ("hello", "samples", "belt", "status", "error")]
    parts = [m[0] for m in made]
    ev, d = decode_all([b"".join(parts)])
    assert [type(e) for e in ev] == [HelloEvent, SampleBlock, BeltBlock, StatusEvent, ErrorEvent]
    h, s, b, st, er = ev
    assert isinstance(h, HelloEvent) and h.hello == HELLO and h.seq == 0
    assert isinstance(s, SampleBlock)
    assert s.t_us.tolist() == list(range(0, 10000, 1000))
    assert s.values.dtype == np.int16 and s.values.shape == (10, 4)
    assert np.array_equal(s.values, made[1][1]["values"])
    assert isinstance(b, BeltBlock) and b.counts == 25 and b.interval_us == 20000
    assert b.speed_mps == pytest.approx(25 / 1000.0 / 0.02)
    assert isinstance(st, StatusEvent) and st.samples_dropped and not st.saturated
    assert st.dropped == 3 and st.supply_mv == 5000
    assert isinstance(er, ErrorEvent) and er.code == 1 and er.message == "L-heel open"
    assert d.stats.frames == 5 and d.stats.samples == 10 and d.stats.gaps == 0
    assert accounting_ok(d) and d.pending == 0


def test_sample_values_exact() -> None:
    v = np.array([[1, -2, 3, 32767], [-32768, 0, 5, 6]], dtype=np.int16)
    ev, _ = decode_all([encode_samples(3, 500, 250, v)])
    (blk,) = ev
    assert isinstance(blk, SampleBlock)
    assert np.array_equal(blk.values, v) and blk.t_us.tolist() == [500, 750]
    assert blk.period_us == 250 and blk.missing_before == 0 and not blk.gap_before


def test_belt_speed_none_before_hello() -> None:
    ev, _ = decode_all([encode_belt(0, 10, 100, 10000)])
    assert isinstance(ev[0], BeltBlock) and ev[0].speed_mps is None


def test_any_chunking_gives_the_same_events() -> None:
    frames, _ = stream(30)
    data = b"".join(frames)
    whole, _ = decode_all([data])
    assert len(whole) == 30
    for cut in range(0, len(data), 7):
        d = StreamDecoder()
        ev = d.feed(data[:cut], 0.0) + d.feed(data[cut:], 0.0) + d.flush()
        assert [(type(e), e.seq) for e in ev] == [(type(e), e.seq) for e in whole]
    onebyte, d = decode_all([data[i : i + 1] for i in range(len(data))])
    assert [e.seq for e in onebyte] == [e.seq for e in whole]


def test_joining_mid_stream_is_not_a_crc_error() -> None:
    frames, _ = stream(6)
    data = b"".join(frames)
    ev, d = decode_all([data[5:]])
    assert [e.seq for e in ev] == [1, 2, 3, 4, 5]
    assert d.stats.crc_errors == 0 and d.stats.bytes_discarded == len(frames[0]) - 5
    assert accounting_ok(d)


def test_corrupt_byte_counts_crc_error_and_resyncs() -> None:
    frames, _ = stream(6)
    bad = bytearray(frames[2])
    bad[5] ^= 0x10
    if 0 in bad[:-1]:
        bad[5] ^= 0x30
    ev, d = decode_all([b"".join([*frames[:2], bytes(bad), *frames[3:]])])
    assert [e.seq for e in ev] == [0, 1, 3, 4, 5]
    assert d.stats.crc_errors + d.stats.cobs_errors + d.stats.truncated == 1
    assert d.stats.resyncs == 1 and d.stats.gaps == 1 and d.stats.frames_lost == 1
    blk = ev[2]
    assert isinstance(blk, SampleBlock) and blk.missing_before == 1 and blk.gap_before


@pytest.mark.parametrize("window", [0, 1, 4])
def test_lost_frame_is_a_marked_gap(window: int) -> None:
    box = Box()
    frames = [box.frame("samples")[0] for _ in range(10)]
    ev, d = decode_all([f for i, f in enumerate(frames) if i != 4], window)
    assert [e.seq for e in ev] == [0, 1, 2, 3, 5, 6, 7, 8, 9]
    assert [e.missing_before for e in ev if isinstance(e, SampleBlock)] == [0] * 4 + [1] + [0] * 4
    t = np.concatenate([e.t_us for e in ev if isinstance(e, SampleBlock)])
    assert np.all(np.diff(t) > 0) and len(t) == 90  # nothing interpolated
    assert d.stats.gaps == 1 and d.stats.frames_lost == 1


def test_lost_non_sample_frame_is_reported_on_the_next_block() -> None:
    box = Box()
    frames = [box.frame(k)[0] for k in ("samples", "belt", "samples")]
    ev, _ = decode_all([frames[0] + frames[2]])
    assert isinstance(ev[1], SampleBlock) and ev[1].missing_before == 1


def test_reordered_frames_come_out_in_device_order() -> None:
    box = Box()
    frames = [box.frame("samples")[0] for _ in range(8)]
    order = [0, 1, 3, 2, 4, 7, 5, 6]
    ev, d = decode_all([b"".join(frames[i] for i in order)])
    assert [e.seq for e in ev] == list(range(8))
    t = np.concatenate([e.t_us for e in ev if isinstance(e, SampleBlock)])
    assert np.all(np.diff(t) == 1000)
    assert d.stats.gaps == 0 and d.stats.reordered == 2


def test_frames_beyond_the_window_are_late_and_dropped() -> None:
    box = Box()
    frames = [box.frame("samples")[0] for _ in range(10)]
    order = [0, 2, 3, 4, 1, 5, 6, 7, 8, 9]
    ev, d = decode_all([b"".join(frames[i] for i in order)], window=2)
    assert [e.seq for e in ev] == [0, 2, 3, 4, 5, 6, 7, 8, 9]
    assert d.stats.late == 1 and d.stats.gaps == 1


def test_duplicates_are_dropped() -> None:
    frames, _ = stream(6)
    ev, d = decode_all([b"".join([*frames[:3], frames[2], frames[1], *frames[3:]])])
    assert [e.seq for e in ev] == [0, 1, 2, 3, 4, 5]
    assert d.stats.duplicates == 2 and d.stats.gaps == 0


def test_seq_and_time_wrap_around() -> None:
    frames, _ = stream(40, start_seq=65520, start_t=2**32 - 150_000)
    ev, d = decode_all([b"".join(frames)])
    assert len(ev) == 40 and d.stats.gaps == 0 and d.stats.restarts == 0
    t = np.concatenate([e.t_us for e in ev if isinstance(e, SampleBlock)])
    assert np.all(np.diff(t) == 1000)
    assert t[0] == 2**32 - 150_000 and t[-1] > 2**32


def test_box_restart_keeps_time_monotonic() -> None:
    a, _ = stream(20, start_t=5_000_000)
    b, _ = stream(10, seed=2)  # the box rebooted: seq 0, t 0
    d = StreamDecoder()
    ev = d.feed(b"".join(a), 100.0) + d.feed(b"".join(b), 103.0) + d.flush()
    assert d.stats.restarts == 1 and len(ev) == 30
    blocks = [e for e in ev if isinstance(e, SampleBlock)]
    t = np.concatenate([e.t_us for e in blocks])
    assert np.all(np.diff(t) > 0)
    assert sum(e.restart for e in blocks) == 1


def test_unknown_types_are_counted_and_keep_seq() -> None:
    box = Box()
    f0 = box.frame("samples")[0]
    unknown = encode_frame(0x42, 1, box.t_us, b"future")
    box.seq = 2
    f2 = box.frame("samples")[0]
    ev, d = decode_all([f0 + unknown + f2])
    assert [e.seq for e in ev] == [0, 2] and d.stats.unknown_types == 1 and d.stats.gaps == 0


def test_good_crc_wrong_payload_is_malformed() -> None:
    bad = [
        encode_frame(0x03, 0, 0, b"\x01\x02\x03"),  # BELT payload 3 bytes
        encode_frame(0x04, 1, 0, b""),
        encode_frame(0x05, 2, 0, b""),
        encode_frame(0x02, 3, 0, bytes([2, 1, 0xE8, 0x03, 1, 2, 3])),  # short samples
        encode_frame(0x02, 4, 0, bytes([2, 0, 0xE8, 0x03])),  # N = 0
        encode_frame(0x01, 5, 0, b"\x01" * 10),
    ]
    ev, d = decode_all([b"".join(bad)])
    assert ev == [] and d.stats.malformed == 6 and accounting_ok(d)


def test_channel_count_must_match_hello() -> None:
    box = Box()
    hello = box.frame("hello")[0]
    two = encode_samples(1, 0, 1000, np.zeros((1, 2), np.int16))
    ev, d = decode_all([hello + two])
    assert len(ev) == 1 and d.stats.channel_mismatch == 1


def test_oversize_garbage_is_discarded_then_resyncs(rng: np.random.Generator) -> None:
    junk = bytes(rng.integers(1, 256, 10_000, dtype=np.uint8))
    frames, _ = stream(5)
    ev, d = decode_all([frames[0], junk[:6000], junk[6000:], b"\x00", *frames[1:]])
    assert [e.seq for e in ev] == [0, 1, 2, 3, 4]
    assert d.stats.oversize >= 1 and d.stats.bytes_discarded == 10_001 and accounting_ok(d)


def test_short_and_empty_frames() -> None:
    ev, d = decode_all([b"\x00\x00" + wire(raw_frame(2, 0, 0, b"")[:5]) + b"\x00"])
    assert ev == [] and d.stats.truncated == 1 and accounting_ok(d)


def test_a_usb_burst_keeps_device_spacing() -> None:
    """Twenty frames delivered in one read: device times keep their 1 ms spacing, the
    host time (same for all) is only carried along."""
    box = Box()
    burst = b"".join(box.frame("samples")[0] for _ in range(20))
    d = StreamDecoder()
    ev = d.feed(burst, 5.0)
    t = np.concatenate([e.t_us for e in ev if isinstance(e, SampleBlock)])
    assert np.array_equal(t, np.arange(200) * 1000)
    assert {e.host_t for e in ev if isinstance(e, SampleBlock)} == {5.0}
