"""The contact scan's vector summary of float32 heel + toe rows (``pair_rows``: four rows
at a time, the sums in another order than one chain, taken only when exact) against a
plain loop and, through the scan, against the plain-Python reference: values on and off
the sums' grid, sums past the exact range, signed zeros, NaN and infinities."""

from __future__ import annotations

import numpy as np
import pytest
from contacts_reference import reference_contacts
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit

from stride.core._contact_bounds import PAIR_STEP, pair_rows
from stride.core.contacts import ContactParams, detect_contacts
from stride.core.signals import Channel, GaitSignals

FIELDS = (
    "on_t", "off_t", "on_idx", "off_idx", "complete", "gap_before", "sensor_on_t",
    "impulse", "peak", "on_seen", "off_seen", "confidence",
)  # fmt: skip


@njit
def _pairs(x: np.ndarray, c0: int, a: int, b: int, acc: float, keep: bool) -> tuple[float, ...]:
    return pair_rows(x, c0, a, b, acc, keep)  # type: ignore[no-any-return]


def _same(u: float, v: float) -> bool:
    """Equal to the bit (the sign of a zero, NaN as NaN)."""
    return bool(np.float64(u).tobytes() == np.float64(v).tobytes() or (u != u and v != v))


def _plain(x: np.ndarray, c0: int, a: int, b: int, acc: float) -> tuple[list[float], float]:
    """The scalar loop's extremes (in row order, NaN skipped) and one chain's sum."""
    big = 1.7976931348623157e308
    ext = [big, -big, big, -big, big, -big]
    for j in range(a, b):
        v0, v1 = float(x[j, c0]), float(x[j, c0 + 1])
        sv = 0.0 + v0 + v1
        for k, v in enumerate((v0, v0, v1, v1, sv, sv)):
            ext[k] = (v if v < ext[k] else ext[k]) if k % 2 == 0 else (v if v > ext[k] else ext[k])
        acc += sv
    return ext, acc


_accs = st.sampled_from([0.0, -0.0, 123.25, 1e-12, 5e5, 2.0**21, -3.0e6, float(np.float32(0.3))])


@settings(max_examples=120, deadline=None)
@given(
    st.integers(PAIR_STEP, 50),
    st.integers(0, 2),
    st.sampled_from([0.3, 2.0**-7, 1e-3, 3.3e4, 1.0]),
    _accs,
    st.integers(0, 2**31),
)
def test_pair_rows_equal_the_scalar_loop(
    n: int, c0: int, scale: float, acc: float, seed: int
) -> None:
    rng = np.random.default_rng(seed)
    x = (rng.integers(-20, 3000, (n + 3, 4)) * scale).astype(np.float32)
    if seed % 3 == 0:  # values off the sums' grid: their sums round
        x[rng.integers(0, n, 3), rng.integers(0, 4, 3)] = np.float32(1e-7)
    if seed % 5 == 0:
        x[rng.integers(0, n, 3), rng.integers(0, 4, 3)] = 0.0
    got = _pairs(x, c0, 1, 1 + n, acc, True)
    ext, chain = _plain(x, c0, 1, 1 + n, acc)
    assert list(got[:6]) == ext
    assert _same(got[6], chain)  # the one chain's sum, to the bit
    assert got[7] == 0.0  # no -0.0


def test_zeros_of_both_signs_in_a_column_are_flagged() -> None:
    x = np.zeros((8, 2), np.float32)
    x[1::2, 0] = -0.0  # even rows 0.0, odd rows -0.0: the first seen decides the sign
    x[:, 1] = 5.0
    assert _pairs(x, 0, 0, 8, 0.0, True)[7] == 1.0
    x[:, 0] = -0.0
    assert _pairs(x, 0, 0, 8, 0.0, True)[7] == 1.0  # -0.0 anywhere: taken one by one
    x[:, 0] = 0.0
    got = _pairs(x, 0, 0, 8, -0.0, True)
    assert got[7] == 0.0 and not np.signbit(got[0]) and not np.signbit(got[1])
    assert _same(got[6], 40.0)


def test_nan_and_inf_give_the_chains_sum() -> None:
    x = np.full((9, 2), 3.0, np.float32)
    x[5, 1] = np.nan
    got = _pairs(x, 0, 0, 9, 0.0, False)
    assert got[6] != got[6] and got[2] == 3.0 and got[3] == 3.0  # NaN skipped by extremes
    for bad in (np.inf, -np.inf):
        x[5, 1] = bad
        got = _pairs(x, 0, 0, 9, 7.5, True)
        assert _same(got[6], _plain(x, 0, 0, 9, 7.5)[1])


def _walk(scale: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Heel and toe of a walk (contacts of 0.6 s every second), in units of ``scale``."""
    t = np.arange(n) / 1000.0
    phase = t % 1.0
    heel = (phase < 0.45) * 700.0 + rng.integers(-3, 4, n)
    toe = ((phase > 0.15) & (phase < 0.6)) * 650.0 + rng.integers(-3, 4, n)
    return (np.stack([heel, toe], 1) * scale).astype(np.float32)


@pytest.mark.parametrize(
    "scale",
    [0.3, 1e-3, 2.0**-9, 40.0],  # on the grid; off it; at its edge; contact sums past 2**21
)
@pytest.mark.parametrize("oddity", ["none", "tiny", "negative-zero", "nan", "inf"])
def test_scaled_walks_equal_the_reference(scale: float, oddity: str) -> None:
    rng = np.random.default_rng(7)
    x = _walk(scale, 12_000, rng)
    if oddity == "tiny":  # an unloaded toe within 1e-6 of zero: sums that round
        quiet = np.abs(x[:, 1]) < 5 * scale
        x[quiet, 1] = rng.uniform(-1e-6, 1e-6, int(quiet.sum())).astype(np.float32)
    elif oddity == "negative-zero":
        rows = rng.integers(0, x.shape[0], 400)
        x[rows, rng.integers(0, 2, 400)] = -0.0
        x[rng.integers(0, x.shape[0], 400), 0] = 0.0
    elif oddity in ("nan", "inf"):
        x[rng.integers(2000, x.shape[0], 3), 1] = np.nan if oddity == "nan" else np.inf
    t = np.arange(x.shape[0]) / 1000.0
    sig = GaitSignals(t, x, (Channel("L", "heel"), Channel("L", "toe")), 1000.0)
    params = ContactParams()
    got = detect_contacts(sig, "L", params)
    want = reference_contacts(t, x, [0, 1], 1000.0, params)
    for name in FIELDS:
        np.testing.assert_array_equal(getattr(got, name), want[name], err_msg=name)
    assert len(got) >= 5
