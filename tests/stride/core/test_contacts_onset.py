"""The initial contact dated back from the onset level along its rise (``onset_back_s``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from contact_synth import adc, foot_force

from stride.core._contact_bounds import onset_time
from stride.core._contact_state import _crossing
from stride.core.contacts import ContactParams, FootContacts, detect_contacts
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError


@pytest.mark.parametrize(
    ("most", "expected"),
    [
        (0.0, 0.3),  # not dated back: the crossing of the onset level
        (1.0, 0.2),  # back along the rise (slope 10) to the band's top: (3 - 2) / 10
        (0.05, 0.25),  # ... but by no more than ``most``
    ],
)
def test_onset_time_golden_values(most: float, expected: float) -> None:
    # the rise from 0 at t=0 to 10 at t=1 crosses the onset level 3 at 0.3; the band's top is 2
    assert onset_time(0.0, 10.0, 0.0, 1.0, 3.0, 2.0, most) == pytest.approx(expected, abs=1e-12)


def test_onset_time_without_a_rise_or_a_previous_sample_is_the_crossing() -> None:
    nan = math.nan
    # a previous sample unknown (after a gap): the sample itself, as the crossing is
    assert onset_time(nan, 10.0, 0.0, 1.0, 3.0, 2.0, 1.0) == _crossing(nan, 10.0, 0.0, 1.0, 3.0)
    assert onset_time(0.0, 10.0, nan, 1.0, 3.0, 2.0, 1.0) == 1.0
    # no rise: nothing to date back along
    assert onset_time(5.0, 5.0, 0.0, 1.0, 3.0, 2.0, 1.0) == 1.0
    # the band's top at the onset level: no distance to go back
    assert onset_time(0.0, 10.0, 0.0, 1.0, 3.0, 3.0, 1.0) == pytest.approx(0.3)


def _contacts(t: np.ndarray, x: np.ndarray, fs: float, back: float) -> FootContacts:
    sig = GaitSignals(t, x[:, None], (Channel("L", "foot"),), fs)
    return detect_contacts(sig, "L", ContactParams(onset_back_s=back))


@pytest.mark.parametrize("fs", [100.0, 300.0, 1000.0])
def test_only_initial_contacts_move_earlier_by_at_most_the_setting(
    rng: np.random.Generator, fs: float
) -> None:
    t, f, truth = foot_force(rng, 60.0, fs, jitter=0.0)
    x = adc(f, rng)
    before = _contacts(t, x, fs, 0.0)
    after = _contacts(t, x, fs, 0.005)
    assert len(before) == len(after) > 40
    d = before.on_t - after.on_t
    seen = before.on_seen
    assert np.all(d[seen] > 0.0) and np.all(d[seen] <= 0.005 + 1e-12)
    np.testing.assert_array_equal(after.off_t, before.off_t)
    np.testing.assert_array_equal(after.on_idx, before.on_idx)
    # dated back towards the true touch-down, never before it
    inner = (truth.on > 3.0) & (truth.on < 58.0)
    on = after.on_t[after.complete]
    lag = np.array([on[np.argmin(np.abs(on - v))] - v for v in truth.on[inner]])
    lag0 = np.array([before.on_t[np.argmin(np.abs(before.on_t - v))] - v for v in truth.on[inner]])
    assert np.all(lag >= 0.0) and np.median(lag) < np.median(lag0)


def test_a_slow_creep_is_dated_back_by_the_setting_only() -> None:
    # a foot whose force creeps up over 0.3 s before loading: dated back 5 ms, not to the
    # creep's start
    fs = 1000.0
    t = np.arange(round(20 * fs)) / fs
    u = (t % 1.0) / 1.0
    x = np.where(u < 0.3, 0.0, np.where(u < 0.6, (u - 0.3) / 0.3, np.where(u < 0.9, 1.0, 0.0)))
    sig = (-1900 + 2000 * x).astype(np.int16)
    before = _contacts(t, sig, fs, 0.0)
    after = _contacts(t, sig, fs, 0.005)
    seen = before.on_seen & after.on_seen
    np.testing.assert_allclose((before.on_t - after.on_t)[seen], 0.005, atol=1e-9)


def test_a_negative_setting_is_refused() -> None:
    t = np.arange(600) / 300.0
    with pytest.raises(InputError, match="onset_back_s"):
        _contacts(t, np.zeros(600, np.int16), 300.0, -0.001)
