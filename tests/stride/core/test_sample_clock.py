"""Sample times as a clock (:class:`stride.core.clock.SampleClock`): its expansion kernel
against a slow reference, bit for bit, and the contact scan and the gap finder given a
clock against the same times as an array."""

from __future__ import annotations

import bisect
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stride_testkit import walk  # type: ignore[import-not-found]

from stride.core import clock_scan, contact_runner, contacts
from stride.core.clock import SampleClock
from stride.core.contacts import ContactParams, detect_feet, set_foot_threads
from stride.core.gaps import find_gaps
from stride.core.scan import scan_samples
from stride.errors import InputError


def reference_times(clock: SampleClock, lo: int, hi: int) -> list[float]:
    """Each sample's time, one by one: its run found by bisection, its tick in Python's
    integers, then ``float(tick) / tick_hz`` (what a reader computes per sample)."""
    starts = clock.starts.tolist()
    out = []
    for i in range(lo, hi):
        r = bisect.bisect_right(starts, i) - 1
        tick = int(clock.ticks[r]) + (i - starts[r]) * int(clock.steps[r])
        out.append(float(tick) / clock.tick_hz)
    return out


@st.composite
def clocks(draw: st.DrawFn) -> SampleClock:
    """Runs of 1-40 samples, steps of 1-1000 ticks, gaps between runs of 1 tick or more,
    ticks from about -2**40 to 2**40, rates from 1 to 1e9 ticks a second."""
    lengths = draw(st.lists(st.integers(1, 40), max_size=12))
    tick = draw(st.integers(-(1 << 40), 1 << 40))
    starts, ticks, steps = [0], [], []
    for m in lengths:
        step = draw(st.integers(1, 1000))
        ticks.append(tick)
        steps.append(step)
        starts.append(starts[-1] + m)
        tick += (m - 1) * step + draw(st.integers(1, 10**6))
    hz = draw(st.sampled_from([1.0, 1e3, 1e6, 44100.0, 1e9, 3.0]))
    as64 = lambda v: np.asarray(v, np.int64)  # noqa: E731
    return SampleClock(as64(starts), as64(ticks), as64(steps), hz)


@settings(max_examples=300, deadline=None)
@given(clock=clocks(), data=st.data())
def test_times_equal_the_reference_bit_for_bit(clock: SampleClock, data: st.DataObject) -> None:
    lo = data.draw(st.integers(0, clock.n))
    hi = data.draw(st.integers(lo, clock.n))
    got = clock.times(lo, hi)
    want = np.asarray(reference_times(clock, lo, hi), np.float64)
    assert got.tobytes() == want.tobytes()
    out = np.full(hi - lo, np.nan)
    assert clock.times(lo, hi, out) is out and out.tobytes() == want.tobytes()
    if clock.n:
        assert clock[-1] == reference_times(clock, clock.n - 1, clock.n)[0]
        assert np.asarray(clock).tobytes() == clock.times().tobytes()


def test_a_readers_microseconds() -> None:
    """An hour at 1 kHz from microsecond ticks: each time as ``(t_us - t0) / 1e6``."""
    t_us = 7_000_123 + np.arange(3_600_000, dtype=np.int64) * 1000
    clock = SampleClock.regular(t_us.size, 1000, 1e6, int(t_us[0] - 7_000_000))
    assert clock.times().tobytes() == ((t_us - 7_000_000) / 1e6).tobytes()
    assert clock.n == len(clock) == clock.shape[0] == 3_600_000


@pytest.mark.parametrize(
    ("starts", "ticks", "steps", "hz"),
    [
        ([0, 3, 5], [0, 4], [2, 1], 1.0),  # run 2 starts at the last tick of run 1
        ([0, 3, 5], [0, 10], [0, 1], 1.0),  # a step of 0
        ([1, 3], [0], [1], 1.0),  # not from sample 0
        ([0, 2, 2], [0, 9], [1, 1], 1.0),  # an empty run
        ([0, 2], [0], [1], 0.0),  # no rate
        ([0, 2], [1 << 53], [1], 1.0),  # ticks too large for a float64
        ([0, 2], [0, 1], [1], 1.0),  # two ticks, one run
    ],
)
def test_clocks_that_are_not_strictly_increasing_times_are_refused(
    starts: list[int], ticks: list[int], steps: list[int], hz: float
) -> None:
    with pytest.raises(InputError):
        SampleClock(*(np.asarray(v, np.int64) for v in (starts, ticks, steps)), hz)


def test_times_out_of_range_or_into_a_wrong_buffer() -> None:
    clock = SampleClock.regular(10, 5, 1e3)
    with pytest.raises(IndexError):
        clock.times(3, 11)
    with pytest.raises(IndexError):
        clock[10]
    with pytest.raises(ValueError):
        clock.times(0, 4, np.zeros(4, np.float32))


def _with_gaps(sig: object) -> tuple[object, SampleClock]:
    """A walk whose times (1 kHz) jump at a few places, and its clock."""
    n = sig.n  # type: ignore[attr-defined]
    ticks = np.arange(n, dtype=np.int64) * 1000
    for cut in (n // 5, 997 * 30, n // 2, n // 2 + 1, 3 * n // 4):  # (one where a chunk
        ticks[cut:] += 40_000  # of 997 samples starts): 40 ms lost
    sig = replace(sig, t=ticks / 1e6)  # type: ignore[type-var]
    at = np.flatnonzero(np.diff(ticks) != 1000) + 1
    starts = np.concatenate([[0], at, [n]]).astype(np.int64)
    runs = starts[:-1]
    clock = SampleClock(starts, ticks[runs], np.full(runs.size, 1000, np.int64), 1e6)
    return sig, clock


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("chunk", [997, 1 << 16])
def test_the_scan_of_a_clock_equals_the_scan_of_its_times(
    threads: int, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Contacts and gaps of both feet, the times as a clock (in chunks of any size: here
    997 samples, so contacts span chunks, and rows fill up) and as an array: equal."""
    sig, _ = walk(seconds=90.0, fs=1000.0, seed=3, heel_toe=True)
    sig, clock = _with_gaps(sig)
    monkeypatch.setattr(clock_scan, "CLOCK_CHUNK", chunk)
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 1000)
    set_foot_threads(threads)
    try:
        want = scan_samples(sig, ContactParams())
        got = scan_samples(replace(sig, t=clock), ContactParams())
    finally:
        set_foot_threads(1)
    assert got.samples == want.samples
    assert got.gap_starts.tolist() == want.gap_starts.tolist() and got.gap_starts.size == 5
    assert got.gap_ends.tolist() == want.gap_ends.tolist()
    for side in ("L", "R"):
        a, b = got.contacts[side], want.contacts[side]
        assert len(a) > 50 and (a.blips, a.touches, a.breaks) == (b.blips, b.touches, b.breaks)
        for name in FIELDS:
            assert np.array_equal(getattr(a, name), getattr(b, name), equal_nan=True), name


FIELDS = ("on_t", "off_t", "on_idx", "off_idx", "complete", "gap_before", "sensor_on_t",
          "impulse", "peak", "on_seen", "off_seen", "confidence")  # fmt: skip


def test_the_rows_of_a_chunk_fill_up(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each foot's output rows sized small: the scan returns with them full and goes on
    into new ones, as the array path does."""
    sig, _ = walk(seconds=60.0, fs=1000.0, seed=4, heel_toe=False)
    clock = SampleClock.regular(sig.n, 1000, 1e6)
    sig = replace(sig, t=clock.times())
    want = detect_feet(sig, ("L", "R"))
    small = contact_runner._FootRunner._alloc
    monkeypatch.setattr(contact_runner._FootRunner, "_alloc", lambda self, n: small(self, 0))
    monkeypatch.setattr(clock_scan, "CLOCK_CHUNK", 5000)
    got = detect_feet(replace(sig, t=clock), ("L", "R"))
    for side in ("L", "R"):
        assert len(got[side]) > 40 and got[side].on_t.tolist() == want[side].on_t.tolist()
        assert got[side].off_idx.tolist() == want[side].off_idx.tolist()


def test_gaps_of_a_clock_with_nan_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    sig, _ = walk(seconds=30.0, fs=1000.0, seed=5, heel_toe=True)
    sig, clock = _with_gaps(sig)
    x = np.asarray(sig.forces, np.float64).copy()  # type: ignore[attr-defined]
    x[12_000:12_040, 1] = np.nan
    monkeypatch.setattr("stride.core.gaps.CLOCK_CHUNK", 1000)
    want = find_gaps(sig.t, x, 1000.0)  # type: ignore[attr-defined]
    got = find_gaps(clock, x, 1000.0)
    assert got[0].tolist() == want[0].tolist() and len(got[0]) == 6  # 5 jumps, 1 NaN run
    assert got[1].tolist() == want[1].tolist()


def test_a_clock_that_does_not_fit_the_forces() -> None:
    sig, _ = walk(seconds=5.0, fs=1000.0, seed=1, heel_toe=True)
    with pytest.raises(InputError, match="do not fit"):
        detect_feet(replace(sig, t=SampleClock.regular(sig.n - 1, 1, 1e3)), ("L", "R"))
    with pytest.raises(InputError, match="sample rate"):  # the rate checked on its times
        detect_feet(replace(sig, t=SampleClock.regular(sig.n, 1, 10.0)), ("L", "R"))
