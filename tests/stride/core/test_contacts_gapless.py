"""The analysis skips the gap finder's read of the samples when the contact scan showed
there is no gap (``FootContacts.breaks``): the gaps must be those :func:`find_gaps` finds
on every record, with NaN rows, infinities, lost samples and any ``gap_factor``. And both
feet scanned side by side (threads) equal them scanned one after another, bit for bit."""

from __future__ import annotations

import numpy as np
import pytest
from contact_synth import adc, foot_force
from hypothesis import given, settings
from hypothesis import strategies as st
from test_contacts_feet import _assert_same, _two_feet

from stride.core import contacts, foot_workers
from stride.core.contacts import ContactParams, detect_feet
from stride.core.gaps import find_gaps
from stride.core.scan import scan_samples
from stride.core.signals import GaitSignals


def _record(seed: int, dtype: str) -> GaitSignals:
    rng = np.random.default_rng(seed)
    fs = 200.0
    t, fl, _ = foot_force(rng, 20.0, fs, phase=0.3)
    _, fr, _ = foot_force(rng, 20.0, fs, phase=0.85)
    x = np.stack([adc(fl, rng), adc(0.8 * fl, rng), adc(fr, rng), adc(0.8 * fr, rng)], axis=1)
    sig = _two_feet(rng, fs, 1.0)  # for its channels
    return GaitSignals(t, x.astype(dtype), sig.channels, fs)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["int16", "float32", "float64"]),
    st.integers(0, 3),  # NaN cells (float forces)
    st.integers(0, 2),  # infinite cells (float forces)
    st.integers(0, 3),  # time jumps
    st.sampled_from([1.2, 1.5, 3.0]),  # gap_factor
)
def test_the_gaps_are_find_gaps_s(
    seed: int, dtype: str, nans: int, infs: int, jumps: int, gap_factor: float
) -> None:
    rng = np.random.default_rng(seed)
    sig = _record(seed, dtype)
    t, x = sig.t.copy(), sig.forces.copy()
    if x.dtype.kind == "f":
        for value, count in ((np.nan, nans), (np.inf, infs)):
            for _ in range(count):
                x[rng.integers(0, t.size), rng.integers(0, 4)] = value
    for _ in range(jumps):
        # a step of 1.3 .. 4 sample periods: some are gaps for find_gaps only (1.5)
        a = int(rng.integers(1, t.size))
        t[a:] += rng.uniform(0.3, 3.0) / sig.fs
    sig = GaitSignals(t, x, sig.channels, sig.fs)
    scan = scan_samples(sig, ContactParams(gap_factor=gap_factor))
    starts, ends = find_gaps(t, x, sig.fs)
    assert np.array_equal(scan.gap_starts, starts) and np.array_equal(scan.gap_ends, ends)
    if nans and dtype != "int16":
        assert starts.size > 0 and sum(c.breaks for c in scan.contacts.values()) > 0


def test_a_nan_in_one_channel_is_a_gap() -> None:
    sig = _record(7, "float32")
    x = sig.forces.copy()
    x[1500, 3] = np.nan  # the right toe only
    scan = scan_samples(GaitSignals(sig.t, x, sig.channels, sig.fs), ContactParams())
    assert scan.contacts["R"].breaks == 1 and scan.contacts["L"].breaks == 0
    assert scan.gap_starts.tolist() == [sig.t[1499]] and scan.gap_ends.tolist() == [sig.t[1501]]


def test_a_gapless_record_has_no_breaks() -> None:
    scan = scan_samples(_record(8, "float32"), ContactParams())
    assert [c.breaks for c in scan.contacts.values()] == [0, 0]
    assert scan.gap_starts.size == 0 and scan.gap_ends.size == 0


@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_feet_side_by_side_equal_one_after_another(
    monkeypatch: pytest.MonkeyPatch, dtype: str
) -> None:
    sig = _record(9, dtype)
    keep = np.ones(sig.n, bool)
    keep[1000:1040] = False  # lost samples
    sig = GaitSignals(sig.t[keep], sig.forces[keep], sig.channels, sig.fs)
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
    try:
        foot_workers.set_foot_threads(1)
        alone = detect_feet(sig, ("L", "R"))
        foot_workers.set_foot_threads(2)
        both = detect_feet(sig, ("L", "R"))
    finally:
        foot_workers.set_foot_threads(1)
    for side in ("L", "R"):
        assert len(alone[side]) > 10 and alone[side].breaks == 1
        _assert_same(both[side], alone[side])


def test_a_step_the_scan_bridges_is_still_a_gap() -> None:
    """With ``gap_factor`` 3 the scan bridges a step of 2 sample periods; find_gaps (1.5
    periods) does not."""
    sig = _record(10, "int16")
    t = sig.t.copy()
    t[2000:] += 1.0 / sig.fs
    scan = scan_samples(
        GaitSignals(t, sig.forces, sig.channels, sig.fs), ContactParams(gap_factor=3.0)
    )
    assert [c.breaks for c in scan.contacts.values()] == [0, 0]
    assert scan.gap_starts.tolist() == [t[1999]] and scan.gap_ends.tolist() == [t[2000]]


def test_feet_one_after_another_unless_a_caller_asks() -> None:
    """The core does not look at the machine: one foot after the other unless its caller
    (``stride analyze``, on an idle core) asks for more."""
    assert foot_workers.foot_threads() == 1
    foot_workers.set_foot_threads(2)
    try:
        assert foot_workers.foot_threads() == 2
    finally:
        foot_workers.set_foot_threads(0)  # at least one
    assert foot_workers.foot_threads() == 1


@pytest.mark.parametrize(("idle", "threads"), [(True, 2), (False, 1)])
def test_analyze_scans_the_feet_side_by_side_only_on_an_idle_core(
    monkeypatch: pytest.MonkeyPatch, idle: bool, threads: int
) -> None:
    from pathlib import Path

    from cli_helpers import stride_in_process

    from stride.cli import first_run

    record = Path(__file__).resolve().parents[2] / "data" / "gaitpdb" / "GaCo01_01_30s.txt"
    monkeypatch.setattr(foot_workers, "_THREADS", [1])  # put back after the test
    monkeypatch.setattr(first_run, "idle_core", lambda: idle)
    done = stride_in_process("analyze", str(record), "--json")
    assert done.returncode == 0, done.stderr
    assert foot_workers.foot_threads() == threads
