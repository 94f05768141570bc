"""The streaming detector gives exactly the batch result for any chunking; several sensors."""

from __future__ import annotations

import itertools
from dataclasses import replace
from functools import cache

import numpy as np
import pytest
from contact_synth import adc, foot_force
from hypothesis import given
from hypothesis import strategies as st

from stride.core.contacts import (
    FootContacts,
    StreamingContactDetector,
    detect_contacts,
)
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError

FIELDS = (
    "on_seen",
    "off_seen",
    "on_t",
    "off_t",
    "on_idx",
    "off_idx",
    "complete",
    "gap_before",
    "sensor_on_t",
    "impulse",
    "peak",
)


def assert_same(a: FootContacts, b: FootContacts) -> None:
    for name in FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        np.testing.assert_array_equal(x, y, err_msg=name, strict=True)


@cache
def _recording() -> GaitSignals:
    """Two feet, heel + toe each, with NaNs, a time gap and a drifting, saturated baseline."""
    rng = np.random.default_rng(7)
    fs = 200.0
    t, fl, _ = foot_force(rng, 25.0, fs, phase=0.2)
    _, fr, _ = foot_force(rng, 25.0, fs, phase=0.75)
    shift = 8  # the toe loads 40 ms after the heel
    cols = []
    for f in (fl, fr):
        heel = adc(f, rng, base=-2055.0, drift=200.0)
        toe = adc(np.roll(f, shift), rng, base=-1500.0, gain=900.0)
        cols += [heel, toe]
    x = np.stack(cols, axis=1).astype(np.float32)
    x[1500:1530, 0] = np.nan
    keep = np.ones(t.size, bool)
    keep[3000:3050] = False
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "heel"), Channel("R", "toe"))
    return GaitSignals(t[keep], x[keep], chans, fs)


@cache
def _recording_int16() -> GaitSignals:
    """The same walking as 12-bit integers (the exact-integer fast path), with the time gap
    but no NaN (integers have none)."""
    sig = _recording()
    x = np.nan_to_num(sig.forces, nan=-2048.0).astype(np.int16)
    return GaitSignals(sig.t, x, sig.channels, sig.fs)


@given(
    cuts=st.lists(st.integers(min_value=0, max_value=4950), max_size=12),
    integers=st.booleans(),
)
def test_any_chunking_gives_the_batch_result(cuts: list[int], integers: bool) -> None:
    sig = _recording_int16() if integers else _recording()
    bounds = [0, *sorted(cuts), sig.n]
    for side in ("L", "R"):
        batch = detect_contacts(sig, side)
        det = StreamingContactDetector.for_signals(sig, side)
        parts = [det.feed(sig.t[a:b], sig.forces[a:b]) for a, b in itertools.pairwise(bounds)]
        parts.append(det.finish())
        assert_same(FootContacts.concat(parts, side, 2), batch)
        assert len(batch) > 15


def test_one_sample_chunks_give_the_batch_result() -> None:
    sig = _recording()
    batch = detect_contacts(sig, "R")
    det = StreamingContactDetector(sig.fs, 4, side="R", columns=[2, 3])
    parts = [det.feed(sig.t[i : i + 1], sig.forces[i : i + 1]) for i in range(sig.n)]
    parts.append(det.finish())
    assert_same(FootContacts.concat(parts, "R", 2), batch)


def test_heel_first_contact_times_ic_at_the_heel() -> None:
    sig = _recording()
    c = detect_contacts(sig, "L")
    done = c.complete
    heel, toe = c.sensor_on_t[done, 0], c.sensor_on_t[done, 1]
    assert np.all(heel < toe)
    assert np.allclose(toe - heel, 0.04, atol=0.012)
    np.testing.assert_array_equal(c.on_t[done], heel)


def test_toe_first_and_flat_contacts() -> None:
    rng = np.random.default_rng(3)
    fs = 500.0
    t, f, _ = foot_force(rng, 30.0, fs)
    toe_first = np.stack([np.roll(f, 30), f], axis=1) * 400.0  # heel 60 ms after the toe
    chans = (Channel("R", "heel"), Channel("R", "toe"))
    c = detect_contacts(GaitSignals(t, toe_first, chans, fs), "R")
    d = c.complete
    assert d.sum() > 20
    assert np.allclose(c.sensor_on_t[d, 0] - c.sensor_on_t[d, 1], 0.06, atol=0.004)
    np.testing.assert_array_equal(c.on_t[d], c.sensor_on_t[d, 1])  # the toe loads first
    # the foot unloads last at the heel: FC is the heel's
    assert np.all(c.off_t[d] > c.on_t[d] + 0.4)
    flat = np.stack([f, f], axis=1) * 400.0
    c2 = detect_contacts(GaitSignals(t, flat, chans, fs), "R")
    d2 = c2.complete
    np.testing.assert_allclose(c2.sensor_on_t[d2, 0], c2.sensor_on_t[d2, 1], atol=1e-9)


def test_bad_streaming_setup_is_an_input_error() -> None:
    with pytest.raises(InputError):
        StreamingContactDetector(100.0, 0)
    with pytest.raises(InputError):
        StreamingContactDetector(100.0, 2, columns=[2])
    with pytest.raises(InputError):
        StreamingContactDetector(float("nan"), 2)
    fast = StreamingContactDetector(1000.0, 1)
    with pytest.raises(InputError, match="sample rate"):
        fast.feed(np.arange(20) / 100.0, np.zeros((20, 1)))
    det = StreamingContactDetector(100.0, 2)
    with pytest.raises(InputError, match="do not fit"):
        det.feed(np.zeros(3), np.zeros((3, 3)))
    det.feed(np.arange(3) / 100.0, np.zeros((3, 2)))
    with pytest.raises(InputError, match="strictly increasing"):
        det.feed(np.array([0.0]), np.zeros((1, 2)))


def _rows_joined(parts: list[FootContacts], name: str) -> np.ndarray:
    """One field of ``parts`` joined the plain way (the reference for the shortcut)."""
    return np.concatenate([getattr(c, name) for c in parts])


def test_joining_one_part_among_empty_ones_is_that_part_with_the_last_counts() -> None:
    """A record's contacts come as one part and an empty end (no contact open): the join
    gives the part itself, fields equal to a plain join, counts of the last part."""
    sig = _recording()
    part = detect_contacts(sig, "L")
    empty = FootContacts.empty("L", 2)
    last = replace(empty, blips=7, touches=3, breaks=2)  # a stream's running totals
    for parts in ([part], [empty, part], [part, empty], [empty, part, last]):
        got = FootContacts.concat(parts, "L", 2)
        for name in (*FIELDS, "confidence"):
            want = _rows_joined(parts, name)
            np.testing.assert_array_equal(getattr(got, name), want, err_msg=name, strict=True)
        counts = (parts[-1].blips, parts[-1].touches, parts[-1].breaks)
        assert (got.blips, got.touches, got.breaks) == counts
    assert FootContacts.concat([empty, part], "L", 2) is part  # its own counts: no copy
    joined = FootContacts.concat([part, part], "L", 2)  # two with contacts: joined
    assert len(joined) == 2 * len(part)
