"""The contact scan's summaries of each force layout against the plain-Python reference, on
simulated sessions as recorded (int16 counts, four columns: the 64-bit word path) and as a
reader scales them (float32 newtons: the two-column path), and on random two-column
signals with signed zeros and NaN (the float sums' order and the sign of a zero sum)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from contacts_reference import same_as_reference
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stride.core import _contact_gap, _contact_scan, _contact_state, _step_kernels
from stride.core.contacts import ContactParams, detect_contacts, detect_feet
from stride.core.kernels import warm_analysis_kernels
from stride.core.signals import Channel, GaitSignals


@pytest.mark.parametrize("profile", ["healthy", "huntington:0.6"])
@pytest.mark.parametrize("dtype", ["int16", "float32"])
def test_simulated_heel_toe_sessions_equal_the_reference(profile: str, dtype: str) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from benchmarks.realistic import simulated

    sig = simulated(profile, "heel-toe", 0.25, seed=5)
    if dtype == "float32":  # scaled to newtons as a reader does: not whole numbers
        x = (np.asarray(sig.forces, np.float64) * 0.0625 - 3.3).astype(np.float32)
        sig = GaitSignals(sig.t, x, sig.channels, sig.fs)
    for side in ("L", "R"):
        assert same_as_reference(sig, side, ContactParams()) >= 10


_values = st.one_of(
    st.sampled_from([0.0, -0.0, 40.0, 900.0, np.nan]),
    st.floats(-50, 1000, allow_nan=False, width=32),
)


@settings(max_examples=60, deadline=None)
@given(
    hnp.arrays(np.float32, st.tuples(st.integers(1, 150), st.just(2)), elements=_values),
    st.integers(min_value=1, max_value=30),
)
def test_random_two_column_signals_equal_the_reference(x: np.ndarray, hold: int) -> None:
    """Values held for runs of samples (quiet runs summarised at once), signed zeros that
    sum to -0.0 or 0.0 depending on the order, NaN anywhere."""
    x = np.repeat(x, hold, axis=0)
    t = np.arange(x.shape[0]) / 200.0
    sig = GaitSignals(t, x, (Channel("L", "heel"), Channel("L", "toe")), 200.0)
    same_as_reference(sig, "L", ContactParams(min_contact_s=0.02, min_swing_s=0.02))


def test_each_helper_is_compiled_once() -> None:
    """A literal True, False or 0 passed to a helper would compile it once more (cold-cache
    time of every first run): after scans of every path, one signature each."""
    rng = np.random.default_rng(1)
    for dtype in (np.int16, np.float32):
        x = (rng.integers(0, 4, (6000, 4)) * 300).astype(dtype)
        t = np.arange(6000) / 1000.0
        chans = tuple(Channel(s, p) for s in "LR" for p in ("heel", "toe"))
        for side in ("L", "R"):
            detect_contacts(GaitSignals(t, x, chans, 1000.0), side)
    warm_analysis_kernels("int16")  # the step kernels too
    helpers = (
        _contact_state.emit,
        _contact_state.open_contact,
        _contact_state.lift,
        _contact_gap.forget,
        _contact_scan._next_bad_step,
        _step_kernels._mad_of_sorted_finite,
    )
    for helper in helpers:
        assert len(helper.signatures) <= 1, (helper, helper.signatures)  # 0: from the cache
    scans = [str(sig[1].dtype) for sig in _contact_scan.scan.signatures]
    assert scans.count("int16") == 1 and scans.count("float32") == 1, scans


def test_the_end_of_a_stream_is_scanned_with_the_types_of_its_chunks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The end (the scan's start -1) compiles no scan of its own: it passes arguments of
    the same numba types as the chunks did, for every dtype and layout."""
    from numba import typeof

    real = _contact_scan.scan
    seen: dict[int, set[tuple[object, ...]]] = {0: set(), -1: set()}

    def typed(*args: object) -> tuple[int, int]:
        seen[0 if int(args[3]) >= 0 else -1].add(tuple(typeof(a) for a in args))
        return real(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(_contact_scan, "scan", typed)
    rng = np.random.default_rng(2)
    t = np.arange(6000) / 1000.0
    for dtype in (np.int16, np.uint16, np.float32, np.float64):
        for parts in (("heel", "toe"), ("foot",), tuple(f"s{k}" for k in range(8))):
            ph = (t[:, None] + rng.uniform(0, 1, 2 * len(parts))) % 1.0
            x = ((ph < 0.6) * 800 + rng.integers(0, 4, ph.shape)).astype(dtype)
            chans = tuple(Channel(s, p) for s in "LR" for p in parts)
            detect_feet(GaitSignals(t, x, chans, 1000.0), ("L", "R"))
    assert seen[-1] and seen[-1] <= seen[0]


_walk = [(1.0, 600), (0.0, 400)] * 4  # a few steps first: the levels settle


@settings(max_examples=40, deadline=None)
@example([(1.0, 40), (0.05, 20), (0.17, 100), (1.0, 600), (0.0, 400)], 0.5)  # a touch first
@given(
    st.lists(
        st.tuples(st.sampled_from([0.0, 0.05, 0.12, 0.17, 0.3, 0.6, 1.0]), st.integers(1, 200)),
        min_size=3,
        max_size=30,
    ),
    st.sampled_from([0.2, 0.5, 0.8]),
)
def test_held_levels_of_a_heel_and_toe_equal_the_reference(
    steps: list[tuple[float, int]], share: float
) -> None:
    """Float32 heel + toe held at levels between the envelopes' (after a few steps):
    quiet runs in every state, among them lifts inside a contact with a candidate above
    the onset level (the contact's and the candidate's sums both kept) and runs whose last
    sample crosses a level (then scanned one by one, not summarised)."""
    f = np.concatenate([np.full(n, level) for level, n in _walk + steps]) * 800.0
    x = np.stack([f * share, f * (1.0 - share)], axis=1)
    x = (np.round(x / 0.3) * 0.3).astype(np.float32)  # counts scaled as a reader does
    t = np.arange(x.shape[0]) / 1000.0
    sig = GaitSignals(t, x, (Channel("L", "heel"), Channel("L", "toe")), 1000.0)
    same_as_reference(sig, "L", ContactParams())
