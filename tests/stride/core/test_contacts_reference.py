"""The numba kernel against the slow plain-Python reference: same results, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from contact_synth import adc, foot_force
from contacts_reference import reference_contacts
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from stride.core.contacts import ContactParams, FootContacts, detect_contacts
from stride.core.signals import Channel, GaitSignals

FIELDS = (
    "on_t", "off_t", "on_idx", "off_idx", "complete", "gap_before", "sensor_on_t",
    "impulse", "peak", "on_seen", "off_seen", "confidence",
)  # fmt: skip


def check(t: np.ndarray, x: np.ndarray, fs: float, params: ContactParams | None = None) -> int:
    """Kernel == reference on the left foot made of every column; returns the row count."""
    p = params or ContactParams()
    sig = GaitSignals(t, x, tuple(Channel("L", f"cell{i}") for i in range(x.shape[1])), fs)
    got: FootContacts = detect_contacts(sig, "L", p)
    want = reference_contacts(t, x, list(range(x.shape[1])), fs, p)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), want[name], err_msg=name)
    assert (got.blips, got.touches) == (want["blips"], want["touches"])
    return len(got)


def _gait(seed: int, fs: float = 100.0, seconds: float = 20.0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    t, f, _ = foot_force(rng, seconds, fs)
    return t, f


def test_walking_int16() -> None:
    t, f = _gait(1)
    x = adc(f, np.random.default_rng(2), base=-2052.0, drift=150.0)[:, None]
    assert check(t, x, 100.0) > 10


def test_walking_with_nans_gaps_and_two_sensors() -> None:
    t, f = _gait(3)
    x = np.stack([f, np.roll(f, 5) * 0.5], axis=1) * 800.0 + 20.0
    x[300:320, 0] = np.nan
    x[900, 1] = np.nan
    keep = np.ones(t.size, bool)
    keep[1200:1260] = False
    keep[1500] = False
    assert check(t[keep], x[keep], 100.0) > 10


def test_eight_cell_insole_float32() -> None:
    t, f = _gait(4)
    rng = np.random.default_rng(5)
    cells = [np.roll(f, k) * rng.uniform(10, 200) + rng.uniform(0, 30) for k in range(8)]
    x = np.stack(cells, axis=1).astype(np.float32)
    assert check(t, x, 100.0) > 10


@pytest.mark.parametrize(
    "x",
    [
        np.zeros((500, 1)),
        np.full((500, 1), -2048, np.int16),
        np.full((500, 2), np.nan),
        np.zeros((0, 1)),
        np.ones((1, 1)),
        np.array([[0.0], [1e9], [0.0], [np.inf], [5.0]]),
    ],
    ids=["zeros", "adc_floor", "all_nan", "empty", "one_sample", "inf_and_spike"],
)
def test_edge_inputs(x: np.ndarray) -> None:
    t = np.arange(x.shape[0]) / 100.0
    check(t, x, 100.0)


def test_short_settings() -> None:
    """Other settings take the same paths (tiny blocks, no noise gate, long swings)."""
    t, f = _gait(6)
    x = (f * 50.0)[:, None]
    p = ContactParams(block_s=0.001, noise_ratio=0.0, min_swing_s=0.3, low_frac=0.3)
    assert check(t, x, 100.0, p) > 5


@given(
    hnp.arrays(
        np.float64,
        st.integers(min_value=1, max_value=400),
        elements=st.one_of(
            st.floats(-100, 100, allow_nan=False),
            st.just(np.nan),
            st.sampled_from([0.0, 50.0, 100.0]),
        ),
    ),
    st.integers(min_value=1, max_value=5),
)
def test_random_signals(x: np.ndarray, hold: int) -> None:
    """Random steps held for a few samples: all state changes, in any order."""
    x = np.repeat(x, hold)[:, None]
    t = np.arange(x.shape[0]) / 50.0
    check(t, x, 50.0, ContactParams(min_contact_s=0.04, min_swing_s=0.04))


@given(
    hnp.arrays(
        np.float32,
        st.tuples(st.integers(min_value=1, max_value=300), st.integers(3, 5)),
        elements=st.one_of(
            st.floats(-100, 100, allow_nan=False, width=32),
            st.just(np.nan),
            st.sampled_from([0.0, -0.0, 50.0, 100.0]),
        ),
    ),
    st.integers(min_value=1, max_value=8),
)
def test_random_signals_of_several_cells(x: np.ndarray, hold: int) -> None:
    """The same with 3-5 cells of float32 (an insole as a reader scales it): each cell's
    extremes and the sums in the generic paths."""
    x = np.repeat(x, hold, axis=0)
    t = np.arange(x.shape[0]) / 50.0
    check(t, x, 50.0, ContactParams(min_contact_s=0.04, min_swing_s=0.04))


@pytest.mark.parametrize("cells", [2, 8])
def test_glitches_on_several_sensors(cells: int) -> None:
    """A glitch a second a sensor (+/- its loaded level): each sensor's baseline rules
    (heel + toe in float64, an insole's eight cells in float32, the vectors' paths)."""
    t, f = _gait(7, seconds=40.0)
    rng = np.random.default_rng(8)
    x = np.stack([np.roll(f, 2 * k) * (900.0 - 50 * k) + 20.0 for k in range(cells)], axis=1)
    for k in range(cells):
        at = rng.integers(0, t.size, 40)
        x[at, k] += (900.0 - 50 * k) * rng.choice([-1.0, 1.0], at.size)
    assert check(t, x.astype(np.float32) if cells == 8 else x, 100.0) > 20
