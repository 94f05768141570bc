"""Roll-over classification against a contact-by-contact reference: one and several
heel and forefoot cells, cells that never loaded, onsets on the flat tolerance; and the
steps table's roll-over kernel against ``classify_contacts`` (rollover_reference.py)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rollover_reference import classify_contacts

from stride.core.rollover import FLAT, HEEL_FIRST, TOE_FIRST, UNKNOWN, rollover_args
from stride.core.signals import HEEL_PLACES, TOE_PLACES
from stride.core.steps import StepParams, _marks


def _rollover(
    own: _Foot,
    on_seen: np.ndarray,
    j: np.ndarray,
    places: list[str],
    fs: float,
    flat_s: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The steps table's roll-over alone: its arguments as ``side_rows`` makes them, through
    the flags kernel's call with no rows to flag."""
    no = np.zeros(0)
    roll = rollover_args(own.sensor_on_t, on_seen, j, places, fs, flat_s)
    kinds, transition = _marks((no, no, no), (no, no), (no, no, no), (no > 0,) * 3, StepParams(),
                               roll, j)[2:]  # fmt: skip
    return kinds, transition


def _reference(
    on: np.ndarray, places: list[str], fs: float, flat_s: float
) -> tuple[list[int], list[float]]:
    """The rule of the module docstring, one contact at a time in plain Python."""
    tol = max(flat_s, 1.0 / fs)
    if not (set(places) & HEEL_PLACES and set(places) & TOE_PLACES):
        return [UNKNOWN] * len(on), [math.nan] * len(on)  # no roll-over to see
    kinds, transitions = [], []
    for row in on.tolist():
        heel = [v for v, p in zip(row, places, strict=True) if p in HEEL_PLACES and v == v]
        toe = [v for v, p in zip(row, places, strict=True) if p in TOE_PLACES and v == v]
        h = min(heel) if heel else math.nan
        t = min(toe) if toe else math.nan
        d = t - h
        if math.isfinite(d):
            kinds.append(FLAT if abs(d) <= tol else HEEL_FIRST if d > tol else TOE_FIRST)
            transitions.append(d)
            continue
        transitions.append(math.nan)
        seen_h, seen_t = math.isfinite(h), math.isfinite(t)
        kinds.append(HEEL_FIRST if seen_h and not seen_t else TOE_FIRST if seen_t and not seen_h
                     else UNKNOWN)  # fmt: skip
    return kinds, transitions


@pytest.mark.parametrize(
    "places",
    [
        ["heel", "toe"],
        ["toe", "heel"],
        ["heel", "lateral", "medial", "toe"],
        ["heel", "heel", "toe", "cell"],
        ["heel", "cell"],
    ],
)
def test_classification_equals_the_reference(places: list[str]) -> None:
    rng = np.random.default_rng(len(places) + sum(map(len, places)))
    m, fs, flat_s = 400, 1000.0, 4 / 256
    # onsets on a grid of 1/256 s: differences exact, many of them exactly +/- flat_s
    on = np.arange(m)[:, None] + rng.integers(0, 12, (m, len(places))) / 256
    on[rng.random(on.shape) < 0.25] = np.nan
    on[5] = np.nan  # nothing loaded
    on[6, :] = on[6, 0]  # every cell at once: flat
    kinds, transition = classify_contacts(on, places, fs, flat_s)
    want_kinds, want_transition = _reference(on, places, fs, flat_s)
    assert kinds.dtype == np.int8 and kinds.tolist() == want_kinds
    np.testing.assert_array_equal(transition, np.array(want_transition), strict=True)
    # the steps table's kernel, every contact seen: the same
    got = _rollover(_Foot(on), np.ones(m, np.bool_), np.arange(m), places, fs, flat_s)
    assert got[0].tobytes() == kinds.tobytes() and got[1].tobytes() == transition.tobytes()
    if "toe" in places and "heel" in places:
        assert set(want_kinds) >= {FLAT, HEEL_FIRST, TOE_FIRST, UNKNOWN}
        assert np.count_nonzero(np.abs(transition) == flat_s) > 10  # on the tolerance


def test_no_contacts_or_no_forefoot_cell_give_unknown() -> None:
    kinds, transition = classify_contacts(np.zeros((0, 2)), ["heel", "toe"], 1000.0)
    assert kinds.shape == (0,) and transition.shape == (0,)
    kinds, transition = classify_contacts(np.ones((3, 2)), ["heel", "cell"], 1000.0)
    assert kinds.tolist() == [UNKNOWN] * 3 and np.isnan(transition).all()
    with pytest.raises(ValueError, match="one column per sensor place"):
        classify_contacts(np.ones((3, 2)), ["heel"], 1000.0)


class _Foot(NamedTuple):
    """What the steps table's roll-over reads of a foot's contacts."""

    sensor_on_t: np.ndarray


#: onset times on a grid of 1/64 s (differences exact, many of them exactly the flat
#: tolerance), the same time in several cells, NaN (a cell that did not load), infinities
_ONSET = (st.integers(60, 68).map(lambda i: i / 64) | st.sampled_from([0.0, np.nan, np.inf,
                                                                      -np.inf])
          | st.floats(0.0, 4.0))  # fmt: skip
_PLACES = st.lists(st.sampled_from(["heel", "toe", "lateral", "medial", "mid", "cell"]),
                   min_size=1, max_size=9)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(_PLACES, st.integers(0, 10), st.sampled_from([1 / 64, 2 / 64, 0.010, 0.0]), st.data())
def test_steps_table_rollover_equals_the_whole_array_version(
    places: list[str], m: int, flat_s: float, data: st.DataObject
) -> None:
    """The steps table's roll-over kernel (:func:`_rollover`) against
    :func:`classify_contacts` of the rows' onsets, masked by the ICs seen, as the table
    computed it before: bit for bit, for any rows (repeated, out of order, a subset)."""
    k = len(places)
    on = np.array(data.draw(st.lists(_ONSET, min_size=m * k, max_size=m * k)), np.float64)
    on = on.reshape(m, k)
    seen = np.array(data.draw(st.lists(st.booleans(), min_size=m, max_size=m)), np.bool_)
    rows = st.lists(st.integers(0, max(m - 1, 0)), max_size=2 * m if m else 0)
    j = np.array(data.draw(rows), np.int64)
    fs = data.draw(st.sampled_from([1000.0, 64.0, 50.0]))
    kinds, transition = _rollover(_Foot(on), seen, j, places, fs, flat_s)
    with np.errstate(invalid="ignore"):  # infinite onsets: inf - inf
        want_kinds, want_transition = classify_contacts(on[j], places, fs, flat_s)
    want_kinds = np.where(seen[j], want_kinds, UNKNOWN).astype(np.int8)
    assert kinds.dtype == np.int8 and kinds.tobytes() == want_kinds.tobytes()
    assert transition.dtype == np.float64
    assert transition.tobytes() == want_transition.tobytes()


def test_steps_table_rollover_of_rows_outside_the_contacts_is_refused() -> None:
    on = np.zeros((2, 2))
    with pytest.raises(IndexError):
        _rollover(_Foot(on), np.ones(2, np.bool_), np.array([2]), ["heel", "toe"], 1e3, 0.01)
    with pytest.raises(IndexError):
        _rollover(_Foot(on), np.ones(2, np.bool_), np.array([-1]), ["heel", "toe"], 1e3, 0.01)
