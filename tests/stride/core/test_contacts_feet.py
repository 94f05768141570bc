"""Both feet scanned with the time gaps found once (``detect_feet``) equal each foot
scanned alone (``detect_contacts``), field for field, bit for bit; and the shared gap
finder against a plain Python reference."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from contact_synth import adc, foot_force
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.core import _contact_state as k
from stride.core import contact_runner, contacts, foot_workers
from stride.core.contact_params import _param_vector
from stride.core.contact_runner import bad_steps
from stride.core.contacts import ContactParams, FootContacts, detect_contacts, detect_feet
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError


def _bad_steps_reference(t: list[float], gap: float) -> list[int]:
    out = [k for k in range(1, len(t)) if not (0.0 < t[k] - t[k - 1] <= gap)]
    return [*out, len(t)]


@settings(max_examples=80, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(0, 3000),
    st.floats(0.0, 0.05),
    st.sampled_from([1, 3, 4096]),
    st.sampled_from([np.int16, np.float32]),
)
def test_bad_steps_match_reference(
    seed: int, n: int, bad_share: float, rows: int, dtype: type[np.generic]
) -> None:
    """Found by the scan's mode (``rows`` per call: more take further calls)."""
    rng = np.random.default_rng(seed)
    dt = np.full(n, 0.01)
    hit = rng.random(n) < bad_share
    dt[hit] = rng.choice([0.0, -0.01, 0.05, np.nan, np.inf], int(hit.sum()))
    t = np.cumsum(dt)
    p = np.zeros(k.N_P)
    p[k.P_GAP_DT] = 0.015
    x = np.zeros((n, 4), dtype)
    got = bad_steps(t, x, np.array([0, 1]), p, rows)
    assert got.dtype == np.int64
    want = _bad_steps_reference(t.tolist(), 0.015)
    assert got.tolist() == want
    # from a step on (the second half of a split pass), and the first half: the times cut
    first = int(rng.integers(0, n + 2))
    later = bad_steps(t, x, np.array([0, 1]), p, rows, first)
    assert later.tolist() == [*[s for s in want[:-1] if s >= first], n]
    head = min(first, n)
    assert bad_steps(t[:head], x[:head], np.array([0, 1]), p, rows).tolist() == [
        *[s for s in want[:-1] if s < head],
        head,
    ]


def _two_feet(rng: np.random.Generator, fs: float, seconds: float) -> GaitSignals:
    t, fl, _ = foot_force(rng, seconds, fs, phase=0.3)
    _, fr, _ = foot_force(rng, seconds, fs, phase=0.85)
    x = np.stack([adc(fl, rng), adc(0.8 * fl, rng), adc(fr, rng), adc(0.8 * fr, rng)], axis=1)
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "heel"), Channel("R", "toe"))
    return GaitSignals(t, x, chans, fs)


def _assert_same(a: FootContacts, b: FootContacts) -> None:
    for f in dataclasses.fields(a):
        va, vb = getattr(a, f.name), getattr(b, f.name)
        if isinstance(va, np.ndarray):
            assert va.dtype == vb.dtype and np.array_equal(va, vb, equal_nan=True), f.name
        else:
            assert va == vb, f.name


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_shared_gap_scan_gives_the_per_foot_contacts(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sig = _two_feet(rng, 500.0, 40.0)
    t, x = sig.t.copy(), sig.forces.copy()
    # lost frames (time gaps), a NaN-free stretch of repeated-rate jitter, and a dropout
    keep = np.ones(t.size, bool)
    for _ in range(4):
        a = int(rng.integers(500, t.size - 500))
        keep[a : a + int(rng.integers(2, 300))] = False
    t = t + rng.uniform(-2e-4, 2e-4, t.size)
    sig = GaitSignals(t[keep], x[keep], sig.channels, sig.fs)
    both = detect_feet(sig, ("L", "R"))
    for side in ("L", "R"):
        alone = detect_contacts(sig, side)
        assert len(alone) > 10 and alone.gap_before.any()
        _assert_same(both[side], alone)


@pytest.fixture(params=[1, 2], ids=["one-thread", "two-threads"])
def foot_threads(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Short records scanned with ``request.param`` threads (with two: the second foot on
    the process's foot thread, each foot finding the bad time steps as it scans)."""
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(foot_workers, "_THREADS", [request.param])
    return int(request.param)


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_two_threads_give_the_one_thread_contacts(where: str) -> None:
    """The feet scanned on two threads, each finding the bad time steps itself (at the
    ends and in the middle), and one after the other with the shared pass of them: field
    for field the same."""
    rng = np.random.default_rng(11)
    sig = _two_feet(rng, 500.0, 30.0)
    t = sig.t.copy()
    n = t.size
    at = {"first": [1, 2], "middle": [n // 2 - 1, n // 2, n // 2 + 1], "last": [n - 1]}[where]
    for i in at:
        t[i:] += 0.05  # a time gap right before sample i
    sig = GaitSignals(t, sig.forces, sig.channels, sig.fs)
    got = {}
    for threads in (1, 2):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
            mp.setattr(foot_workers, "_THREADS", [threads])
            got[threads] = detect_feet(sig, ("L", "R"))
    for side in ("L", "R"):
        assert len(got[1][side]) > 10 and got[1][side].breaks >= 1
        _assert_same(got[2][side], got[1][side])


def test_shared_gap_scan_keeps_the_errors(foot_threads: int) -> None:
    rng = np.random.default_rng(5)
    sig = _two_feet(rng, 200.0, 5.0)
    t = sig.t.copy()
    t[300] = t[299]
    with pytest.raises(InputError, match="strictly increasing"):
        detect_feet(GaitSignals(t, sig.forces, sig.channels, sig.fs), ("L", "R"))
    t = sig.t.copy()
    t[300] = np.nan
    with pytest.raises(InputError, match=r"sample 300 .*not finite"):
        detect_feet(GaitSignals(t, sig.forces, sig.channels, sig.fs), ("L", "R"))
    left_only = GaitSignals(sig.t, sig.forces[:, :2], sig.channels[:2], sig.fs)
    with pytest.raises(InputError, match="no channel for foot 'R'"):
        detect_feet(left_only, ("L", "R"))


@pytest.mark.parametrize("room", [False, True])
@pytest.mark.parametrize("seconds", [0.5, 9.3, 9.6, 40.0])
def test_the_stream_end_in_the_rows_equals_a_part_of_its_own(
    monkeypatch: pytest.MonkeyPatch, seconds: float, room: bool
) -> None:
    """A whole record's foot ends its stream in the rows of its last scan where they have
    the room (``end_into``): the contacts of the scan and then ``finish``, joined. Without
    the room (forced: ``end_into`` finds none) the end is a part of its own, as before."""
    sig = _two_feet(np.random.default_rng(int(10 * seconds)), 500.0, seconds)
    t = np.asarray(sig.t, np.float64)
    runner = contact_runner._FootRunner("L", [0, 1], _param_vector(500.0, ContactParams()))
    scanned = runner.feed(t, sig.forces)
    ended = runner.finish()
    want = FootContacts.concat([scanned, ended], "L", 2)
    if not room:
        monkeypatch.setattr(contact_runner._FootRunner, "end_into", lambda *a: None)
    _assert_same(detect_feet(sig, ("L",))["L"], want)
    assert seconds < 1 or len(scanned) > 3
