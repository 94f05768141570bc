"""A known break (a sensor box that restarted: ``GaitSignals.breaks``) cuts the contacts as
missing samples do, however close the times on either side of it: the contact open across
it ends there unseen, the next one starts unseen (``gap_before``), and the steps around it
carry the flags lost frames give (``gap``, then ``edge``); the same in the batch scan (times
as an array or a clock, feet on threads or not), the streaming detector and the streaming
analyzer, for any chunking, and the same as the plain-Python reference."""

from __future__ import annotations

import itertools
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
from contact_synth import adc, foot_force
from contacts_reference import FIELDS, reference_contacts
from hypothesis import assume, given
from hypothesis import strategies as st
from stride_testkit import walk

from stride.core._contact_state import S_BPOS, S_INDEX
from stride.core.analyzer import Analysis, StreamingAnalyzer, analyze
from stride.core.clock import SampleClock
from stride.core.contact_breaks import cut
from stride.core.contacts import (
    ContactParams,
    FootContacts,
    StreamingContactDetector,
    detect_contacts,
    detect_feet,
    foot_threads,
    set_foot_threads,
)
from stride.core.signals import Channel, GaitSignals

FS = 200.0
#: the break: in the left foot's sixth stance (walk(): contacts from 0.3 s, 1.1 s apart)
BREAK_S = 5.9


def _restarted(
    at: tuple[float, ...] = (BREAK_S,), seconds: float = 30.0, fs: float = FS, **kw: object
) -> tuple[GaitSignals, np.ndarray]:
    """Walking (heel + toe) with a box restart before the sample at each time ``at``: the
    times on it go on 1 us after the sample before (as a restarted box's are read). The
    signals and the first sample after each break."""
    sig, _ = walk(seconds=seconds, fs=fs, heel_toe=True, **kw)  # type: ignore[arg-type]
    t = np.array(sig.t)
    ks = np.searchsorted(t, at)
    for k in ks:
        t[k:] -= t[k] - t[k - 1] - 1e-6
    return replace(sig, t=t, breaks=t[ks - 1]), ks


def test_a_break_in_mid_stance_cuts_the_contact_there() -> None:
    sig, (k,) = _restarted()
    got = detect_contacts(sig, "L")
    whole = detect_contacts(replace(sig, breaks=None), "L")
    tb = sig.t[k]
    assert np.sum((whole.on_t < tb) & (whole.off_t > tb)) == 1  # one contact across it
    j = int(np.flatnonzero(got.on_t < tb)[-1])
    assert not got.off_seen[j] and not got.complete[j] and got.on_seen[j]
    assert np.isnan(got.off_t[j]) or got.off_t[j] <= sig.t[k - 1]
    assert got.on_t[j + 1] >= tb and not got.on_seen[j + 1] and got.gap_before[j + 1]
    assert len(got) == len(whole) + 1 and got.breaks == 1
    np.testing.assert_array_equal(got.on_t[:j], whole.on_t[:j])
    np.testing.assert_array_equal(got.on_t[j + 2 :], whole.on_t[j + 1 :])


def test_steps_around_a_break_are_flagged_as_around_lost_frames() -> None:
    """The rows near the break get the flags and unmeasured fields that the same walk with
    frames lost there gets (``gap`` for the step into it, ``edge`` for the first IC after)."""
    sig, (k,) = _restarted()
    plain, _ = walk(seconds=30.0, fs=FS, heel_toe=True)
    keep = np.ones(sig.n, bool)
    keep[k] = False  # a frame lost instead of the restart
    lost = replace(plain, t=plain.t[keep], forces=plain.forces[keep])
    a, b = analyze(sig), analyze(lost)
    assert a.steps.flags.tolist() == b.steps.flags.tolist()
    for name in ("fc_s", "stride_time_s", "step_time_s", "stance_s", "swing_s"):
        assert np.array_equal(np.isnan(a.steps[name]), np.isnan(b.steps[name])), name
    rows = [r for r in a.step_rows() if r["side"] == "L" and r["ic_s"] > BREAK_S - 1.0]
    assert rows[0]["fc_s"] is None and rows[0]["stance_s"] is None  # cut: FC not seen
    assert {"gap", "edge"} <= set(rows[1]["flags"])  # starts at the break, IC not seen
    assert "edge" in rows[2]["flags"]
    assert a.gap_starts.tolist() == [sig.t[k - 1]] and a.gap_ends.tolist() == [sig.t[k]]


def _check(t: np.ndarray, x: np.ndarray, cols: list[int], cuts: set[int], fs: float) -> None:
    """The scan's contacts of the left foot (columns ``cols``) with a break before each
    sample in ``cuts`` equal the reference's."""
    p = ContactParams()
    chans = tuple(Channel("L" if c in cols else "R", f"c{c}") for c in range(x.shape[1]))
    if len(cols) == x.shape[1]:  # every column the left foot's: one cell on the right
        x = np.concatenate([x, x[:, :1]], axis=1)
        chans = (*chans, Channel("R", "other"))
    ks = np.asarray(sorted(cuts), np.int64)
    sig = GaitSignals(t, x, chans, fs, breaks=t[ks - 1])
    got = detect_contacts(sig, "L", p)
    want = reference_contacts(t, x, cols, fs, p, frozenset(cuts))
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), want[name], err_msg=name)
    assert (got.blips, got.touches) == (want["blips"], want["touches"])


LAYOUTS = ["heel-toe-int16", "heel-toe-float32", "one", "cells8"]


def _layout(layout: str) -> tuple[np.ndarray, np.ndarray, list[int]]:
    """20 s of one foot walking at 100 Hz in one of the scan's layouts: times, forces, the
    foot's columns."""
    rng = np.random.default_rng(11)
    t, f, _ = foot_force(rng, 20.0, 100.0)
    if layout == "cells8":
        cells = [np.roll(f, k) * (20 + 10 * k) + 5 * k for k in range(8)]
        return t, np.stack(cells, axis=1).astype(np.float32), list(range(8))
    if layout == "one":
        return t, (f * 800.0 + 40.0)[:, None], [0]
    heel = adc(f, rng, base=-2052.0, drift=150.0)
    toe = adc(np.roll(f, 4), rng, base=-1800.0, gain=900.0)
    x = np.stack([heel, toe, toe, heel], axis=1)
    return t, x.astype(np.int16 if layout == "heel-toe-int16" else np.float32), [0, 1]


@pytest.mark.parametrize("layout", LAYOUTS)
@given(cuts=st.sets(st.integers(min_value=1, max_value=1999), min_size=1, max_size=6))
def test_breaks_anywhere_give_the_reference_contacts(layout: str, cuts: set[int]) -> None:
    """Each of the scan's layouts (four int16 channels read as words, float32 side by
    side, one channel, an insole's eight cells), breaks in stance, in swing, at block ends,
    next to each other."""
    t, x, cols = _layout(layout)
    _check(t, x, cols, cuts, 100.0)


def _state(det: StreamingContactDetector) -> tuple[np.ndarray, np.ndarray]:
    """The detector's whole scan state: the foot's fields and every tracker's."""
    return det._runner.fs.copy(), det._runner.tr.copy()


@pytest.mark.parametrize("layout", LAYOUTS)
@given(k=st.integers(min_value=1, max_value=1999))
def test_a_break_leaves_the_state_lost_frames_leave(layout: str, k: int) -> None:
    """Lost frames before sample ``k`` (a time step of a second) and, on the same times, a
    break there instead: the scan meets the gap after the break has cut (the time before
    it forgotten), so the two must give the same contacts and end in the same state, every
    field of the foot and of each tracker."""
    t, x, cols = _layout(layout)
    t = t + np.where(np.arange(t.size) >= k, 1.0, 0.0)
    dets = [StreamingContactDetector(100.0, x.shape[1], None, "L", cols) for _ in range(2)]
    cut_there = FootContacts.concat(
        [dets[0].feed(t, x, t[k - 1 : k]), dets[0].finish()], "L", len(cols)
    )
    lost = FootContacts.concat([dets[1].feed(t, x), dets[1].finish()], "L", len(cols))
    _same_contacts(cut_there, lost)
    assert cut_there.breaks == 1
    for a, b in zip(_state(dets[0]), _state(dets[1]), strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("layout", LAYOUTS[1:])
@given(k=st.integers(min_value=1, max_value=1999))
def test_a_break_forgets_what_a_lost_frame_forgets(layout: str, k: int) -> None:
    """The state just after the cut, before any sample after it is scanned (which would
    set much of it again): a break before sample ``k``, and a lost frame at ``k`` (a NaN
    row; float forces only) scanned. Every field equal but the sample count and the
    block's position (the NaN row counts as a sample), and the contacts they emitted."""
    t, x, cols = _layout(layout)
    lost = x.copy()
    lost[k] = np.nan
    dets = [StreamingContactDetector(100.0, x.shape[1], None, "L", cols) for _ in range(2)]
    got = [dets[0].feed(t[:k], x[:k]), dets[1].feed(t[: k + 1], lost[: k + 1])]
    got[0] = FootContacts.concat([got[0], cut(dets[0]._runner)], "L", len(cols))
    for name in FIELDS:  # (the count of cuts: in the state, counted after the emit)
        np.testing.assert_array_equal(getattr(got[0], name), getattr(got[1], name), name)
    (fa, ta), (fb, tb) = _state(dets[0]), _state(dets[1])
    assume(fb[S_BPOS] != 0.0)  # (the NaN row not a block's last: no block end after it)
    assert (fb[S_INDEX], fb[S_BPOS]) == (fa[S_INDEX] + 1.0, fa[S_BPOS] + 1.0)
    fa[[S_INDEX, S_BPOS]] = fb[[S_INDEX, S_BPOS]]
    np.testing.assert_array_equal(fa, fb)
    np.testing.assert_array_equal(ta, tb)


def _chunked(sig: GaitSignals, side: str, bounds: list[int]) -> FootContacts:
    det = StreamingContactDetector.for_signals(sig, side)  # type: ignore[arg-type]
    t = np.asarray(sig.t)
    parts = [det.feed(t[a:b], sig.forces[a:b], sig.breaks) for a, b in itertools.pairwise(bounds)]
    return FootContacts.concat([*parts, det.finish()], side, 2)  # type: ignore[arg-type]


def _same_contacts(a: FootContacts, b: FootContacts) -> None:
    for name in (*FIELDS, "breaks", "blips", "touches"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


def test_breaks_cut_alike_in_any_chunking() -> None:
    """Chunks ending just before a break, at it, after it, and a break in every chunk's
    list (a chunk takes only the breaks whose next sample it holds)."""
    sig, ks = _restarted(at=(BREAK_S, 12.0, 12.005, 20.0))
    batch = {s: detect_contacts(sig, s) for s in ("L", "R")}  # type: ignore[arg-type]
    k = int(ks[0])
    assert batch["L"].breaks == 4 and not batch["L"].off_seen[batch["L"].on_t < sig.t[k]][-1]
    for cuts in ([k - 1], [k], [k + 1], [k - 1, k, k + 1], [1, k, int(ks[1]) + 1, int(ks[3])]):
        for side in ("L", "R"):
            _same_contacts(_chunked(sig, side, [0, *cuts, sig.n]), batch[side])  # type: ignore[arg-type]


@pytest.mark.parametrize("threads", [1, 2])
def test_breaks_cut_alike_with_times_as_a_clock(threads: int) -> None:
    """Times as a clock (expanded a chunk at a time: a break at a chunk's first sample, and
    inside one), feet on threads or not: the array's contacts."""
    fs, n = 1000.0, 140_000
    ks = np.array([40_000, 1 << 16, 100_001], np.int64)  # (1 << 16: a clock chunk's start)
    starts = np.array([0, *ks, n], np.int64)
    ticks = np.array([0, *(ks * 1000 - np.arange(1, 4) * 999)], np.int64)  # 1 us after
    clock = SampleClock(starts, ticks, np.full(4, 1000, np.int64), 1e6)
    sig, _ = walk(seconds=n / fs, fs=fs, heel_toe=True, dtype=np.int16)
    t = clock.times()
    arr = GaitSignals(t, sig.forces, sig.channels, fs, breaks=t[ks - 1])
    before = foot_threads()
    set_foot_threads(threads)
    try:
        got = detect_feet(replace(arr, t=clock), ("L", "R"))
        want = detect_feet(arr, ("L", "R"))
    finally:
        set_foot_threads(before)
    for side in ("L", "R"):
        assert want[side].breaks == 3  # type: ignore[index]
        _same_contacts(got[side], want[side])  # type: ignore[index]
        alone = detect_contacts(arr, side)  # type: ignore[arg-type]
        _same_contacts(alone, want[side])  # type: ignore[index]


def _streamed(sig: GaitSignals, bounds: list[int]) -> Analysis:
    """The streaming analyzer fed ``sig`` in chunks (the belt readings up to each chunk's
    last sample with it, the rest with the last), every chunk with all the breaks."""
    assert sig.belt_t is not None and sig.belt_speed is not None
    sa = StreamingAnalyzer(None, sig.channels, sig.fs, 1)
    t, belt_t = np.asarray(sig.t), np.asarray(sig.belt_t)
    lo = 0
    for a, b in itertools.pairwise(bounds):
        hi = belt_t.size if b == sig.n else int(np.searchsorted(belt_t, t[b - 1], "right"))
        sa.feed(t[a:b], sig.forces[a:b], belt_t[lo:hi], sig.belt_speed[lo:hi], sig.breaks)
        lo = hi
    return sa.finish()


def test_the_streaming_analyzer_cuts_at_a_break_for_any_chunking() -> None:
    sig, (k,) = _restarted()
    batch = analyze(sig)
    first = batch.steps.flags.tolist()
    for cuts in ([k - 1], [k], [k + 1], [100, k - 3, k + 2, 4000]):
        got = _streamed(sig, [0, *cuts, sig.n])
        assert got.steps.flags.tolist() == first
        for name in batch.steps.values:
            assert np.array_equal(got.steps[name], batch.steps[name], equal_nan=True), name
        assert got.summary == batch.summary
        assert got.gap_starts.tolist() == batch.gap_starts.tolist() == [sig.t[k - 1]]


AS_PYTHON = """
import numpy as np
from stride.core.contacts import detect_contacts
from stride.core.kernels import scan_as_python
from stride.core.signals import Channel, GaitSignals
t = np.arange(3000) / 1000.0
x = ((t[:, None] + np.array([0.0, 0.05, 0.5, 0.55])) % 1.0 < 0.6) * 800.0 + 5.0
x[1500] = np.nan
chans = tuple(Channel(s, p) for s in "LR" for p in ("heel", "toe"))
sig = GaitSignals(t, x, chans, 1000.0, breaks=t[[799]])
with scan_as_python():  # first: nothing the scan calls compiled or loaded in this process
    slow = detect_contacts(sig, "L")
fast = detect_contacts(sig, "L")
print(slow.breaks, fast.breaks, slow.on_t.tolist() == fast.on_t.tolist(),
      slow.off_t.tolist() == fast.off_t.tolist())
"""


def test_the_scan_as_python_forgets_as_the_compiled_scan() -> None:
    """The first run's warm-up runs the scan as plain Python (``kernels.scan_as_python``):
    lost samples and a break on a foot of two sensors there give the compiled scan's
    contacts (the resets' Python form calls the sensors' ``column`` as Python too: the
    compiled one has no Python entry, and called from Python crashed the process)."""
    out = subprocess.run([sys.executable, "-c", AS_PYTHON], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.split() == ["2", "2", "True", "True"], out
