"""Roll-over classification against a contact-by-contact reference: one and several
heel and forefoot cells, cells that never loaded, onsets on the flat tolerance."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stride.core.rollover import FLAT, HEEL_FIRST, TOE_FIRST, UNKNOWN, classify_contacts
from stride.core.signals import HEEL_PLACES, TOE_PLACES


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
