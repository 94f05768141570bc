"""The step-time ratios' running median against a slow, obviously correct reference (one
window at a time, as course mode first computed it)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_steps import contacts, table  # type: ignore[import-not-found]

from stride.core.step_ratios import phase_ratios, running_median, step_ratios, swing_ratios

values = st.lists(
    st.one_of(
        st.floats(0.2, 3.0),
        st.just(float("nan")),
        st.just(float("inf")),
    ),
    max_size=40,
)


def _slow_median(x: np.ndarray, window: int) -> np.ndarray:
    out = np.full(x.size, np.nan)
    for k in range(x.size):
        seg = x[max(0, k - window) : k + window + 1]
        seg = seg[np.isfinite(seg)]
        if seg.size:
            out[k] = float(np.median(seg))
    return out


@settings(max_examples=300, deadline=None)
@given(values, st.integers(0, 6))
def test_running_median_matches_the_window_by_window_reference(xs: list[float], w: int) -> None:
    x = np.array(xs, dtype=np.float64)
    np.testing.assert_array_equal(running_median(x, w), _slow_median(x, w))


def test_running_median_golden_values() -> None:
    x = np.array([1.0, 5.0, np.nan, 2.0, 4.0])
    # windows of one either side: [1,5] [1,5] [5,2] [2,4] [2,4]
    np.testing.assert_array_equal(running_median(x, 1), [3.0, 3.0, 3.5, 3.0, 3.0])


def test_a_slow_step_stands_out_against_its_own_foot_s_neighbours() -> None:
    ics = np.cumsum([0.0] + [0.5] * 10 + [0.9] + [0.5] * 10)
    left, right = contacts(list(ics[0::2]), stance=0.3), contacts(list(ics[1::2]), stance=0.3)
    r = step_ratios(table(left, right))
    assert np.nanargmax(r) == 11 and r[11] == pytest.approx(0.9 / 0.5)
    assert np.nanmax(np.delete(r, 11)) <= 1.0 + 1e-12


def test_phase_ratios_golden_values() -> None:
    # 0.5 s steps, each foot standing 0.6 s (0.1 s of double support after each landing):
    # swing 0.4 s of every 0.5 s step, a ratio of 1 to the foot's neighbours...
    on = [0.5 * i for i in range(24)]
    tab = table(contacts(on[0::2], stance=0.6), contacts(on[1::2], stance=0.6))
    ph = phase_ratios(tab)
    assert np.isnan(ph[:3]).all()  # the first rows: no step time or no swing yet
    assert np.all(ph[3:] == pytest.approx(1.0))
    # ...and a step landing 0.25 s late, its double support kept: swing 0.65 s of 0.75 s
    late = [t + (0.25 if i >= 12 else 0.0) for i, t in enumerate(on)]
    right = contacts(late[1::2], stance=0.6)
    right.off_t[5] += 0.25  # the standing foot waits for the late landing
    tab = table(contacts(late[0::2], stance=0.6), right)
    ph = phase_ratios(tab)
    assert ph[12] == pytest.approx((0.65 / 0.75) / 0.8)
    # a step time unknown or no double support: no phase
    assert np.isnan(phase_ratios(table(contacts(on[0::2], 0.3), contacts(on[1::2], 0.3)))).all()


def test_swing_ratios_golden_values() -> None:
    # 0.5 s steps, each foot standing 0.6 s: every swing 0.4 s, a ratio of 1...
    on = [0.5 * i for i in range(24)]
    sw = swing_ratios(table(contacts(on[0::2], stance=0.6), contacts(on[1::2], stance=0.6)))
    assert np.isnan(sw[:2]).all()  # the first landing of each foot: no swing yet
    assert np.all(sw[2:] == pytest.approx(1.0))
    # ...a 3 s pause before row 12, its foot standing through it: a walking swing, while
    # its step time is a pause's; the same pause with the foot lifted early: 8.5 x
    late = [t + (3.0 if i >= 12 else 0.0) for i, t in enumerate(on)]
    stood = contacts(late[0::2], stance=0.6)
    stood.off_t[5] += 3.0
    tab = table(stood, contacts(late[1::2], stance=0.6))
    assert np.isposinf(step_ratios(tab)[12])
    assert swing_ratios(tab)[12] == pytest.approx(1.0)
    lifted = table(contacts(late[0::2], stance=0.6), contacts(late[1::2], stance=0.6))
    assert swing_ratios(lifted)[12] == pytest.approx(3.4 / 0.4)
