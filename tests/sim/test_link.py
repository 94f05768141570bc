"""The serial link: queued transmission, host reads that split frames, injected faults."""

from __future__ import annotations

import numpy as np
import pytest

from devices.errors import InputError
from sim.link import Faults, LinkConfig, apply_faults, host_reads, link_for, wire_times


def test_wire_times_match_a_loop_reference() -> None:
    rng = np.random.default_rng(0)
    emit = np.sort(rng.uniform(0, 1, 200))
    lengths = rng.integers(5, 200, 200)
    start, end = wire_times(emit, lengths, 1000.0)
    free = 0.0
    for i in range(200):  # the obvious sequential definition
        s = max(emit[i], free)
        free = s + lengths[i] / 1000.0
        assert start[i] == pytest.approx(s)
        assert end[i] == pytest.approx(free)


def test_reads_deliver_every_byte_in_order_and_split_frames() -> None:
    rng = np.random.default_rng(1)
    emit = np.arange(0.01, 2.0, 0.01)
    lengths = np.full(emit.size, 95)
    t, ends = host_reads(emit, lengths, LinkConfig(), rng)
    assert ends[-1] == lengths.sum()
    assert np.all(np.diff(ends) > 0) and np.all(np.diff(t) > 0)
    frame_ends = set(np.cumsum(lengths).tolist())
    assert any(e not in frame_ends for e in ends.tolist())  # some reads end mid-frame
    # No byte is read before it could have crossed the link.
    _, wire_end = wire_times(emit, lengths, LinkConfig().byte_rate)
    got_frames = np.searchsorted(np.cumsum(lengths), ends, side="right")
    for k, tr in zip(got_frames.tolist(), t.tolist(), strict=True):
        if k:
            assert wire_end[k - 1] <= tr


def test_faults_flip_drop_and_unplug() -> None:
    rng = np.random.default_rng(2)
    data = np.arange(100_000, dtype=np.int64).astype(np.uint8)
    ends = np.arange(100, 100_001, 100)
    t = np.arange(ends.size, dtype=np.float64) * 0.01
    out, _, new_t, spans = apply_faults(
        data, ends, t, Faults(bit_flip_rate=1e-3, unplug_at_s=(2.0,), unplug_s=1.0), rng
    )
    assert spans == [(2.0, 3.0)]
    assert not np.any((new_t >= 2.0) & (new_t < 3.0))
    assert out.size == data.size - 100 * 100
    flipped = np.count_nonzero(out != np.delete(data, np.arange(20_000, 30_000)))
    assert 50 < flipped < 150
    out2, ends2, _, _ = apply_faults(data, ends, t, Faults(drop_byte_rate=0.01), rng)
    assert out2.size == ends2[-1]
    assert 800 < data.size - out2.size < 1200
    same, e3, t3, none = apply_faults(data, ends, t, Faults(), rng)
    assert same is data and none == [] and e3 is ends and t3 is t


def test_fault_rates_are_checked() -> None:
    with pytest.raises(InputError):
        Faults(bit_flip_rate=0.5)


def test_link_speed_follows_the_data_rate() -> None:
    base = LinkConfig()
    assert link_for(base, 9500.0) == base  # 1 kHz x 4 channels fits 115200 baud
    fast = link_for(base, 80_000.0)  # 10 kHz x 4 channels does not
    assert fast.baud == 2_000_000 and fast.byte_rate >= 1.2 * 80_000
