"""Golden values for the symmetry measures (gait-metrics.md worked values) and the
published bugs they must not have."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from variability_reference import phase_coordination_index_reference

from stride.core.symmetry import (
    gait_asymmetry,
    phase_coordination_index,
    symmetry,
    symmetry_angle,
    symmetry_index,
    symmetry_ratio,
)

XL, XR = 0.39, 0.25


def test_worked_values_from_the_published_table() -> None:
    assert symmetry_index(XL, XR) == pytest.approx(43.75, abs=0.005)
    assert symmetry_angle(XL, XR) == pytest.approx(-13.71, abs=0.005)
    # the table's other two forms follow from SI: (L-R)/(L+R) = SI/2, L/(L+R)
    assert symmetry_index(XL, XR) / 2 == pytest.approx(21.88, abs=0.005)  # type: ignore[operator]
    share_left = XL / (XL + XR) * 100
    assert share_left == pytest.approx(60.94, abs=0.005)
    assert symmetry_ratio(XL, XR) == pytest.approx(1.56)
    assert gait_asymmetry(XL, XR) == pytest.approx(100 * math.log(1.56))


def test_hand_computed_cases() -> None:
    # L = 0.6, R = 0.4: SI = 0.2 / 0.5 = 40 %; GA = 100 ln 1.5 = 40.5465; ratio 1.5
    assert symmetry_index(0.6, 0.4) == pytest.approx(40.0)
    assert gait_asymmetry(0.6, 0.4) == pytest.approx(40.546510810816)
    assert symmetry_ratio(0.6, 0.4) == pytest.approx(1.5)
    # SA: arctan(1.5) = 56.3099 deg -> (45 - 56.3099) / 90 * 100 = -12.5666
    assert symmetry_angle(0.6, 0.4) == pytest.approx(-12.56659, abs=1e-4)
    # perfect symmetry: all zero, ratio one
    assert symmetry(0.5, 0.5).as_dict() == {"si": 0.0, "ga": 0.0, "sa": 0.0, "ratio": 1.0}


def test_sign_convention_positive_means_left_larger() -> None:
    assert symmetry_index(0.6, 0.5) > 0  # type: ignore[operator]
    assert symmetry_index(0.5, 0.6) < 0  # type: ignore[operator]
    # SI is antisymmetric in L and R
    assert symmetry_index(0.5, 0.6) == pytest.approx(-symmetry_index(0.6, 0.5))  # type: ignore[operator]


def test_published_bugs_are_caught() -> None:
    # SI as a ratio (L/R*100 or L/mean*100) would give 156 or 121.9, not 43.75
    assert symmetry_index(XL, XR) != pytest.approx(156.0, abs=1)
    assert symmetry_index(XL, XR) != pytest.approx(121.875, abs=1)
    # SA with arctan in radians against 45 and 90 degrees: (45 - 1.0008) / 90 * 100 = 48.89
    assert symmetry_angle(XL, XR) != pytest.approx(48.89, abs=0.1)
    # GA without abs is negative when R > L
    assert gait_asymmetry(XR, XL) == pytest.approx(gait_asymmetry(XL, XR))
    assert gait_asymmetry(XR, XL) > 0  # type: ignore[operator]


def test_undefined_inputs_give_none_not_zero() -> None:
    assert symmetry(None, 0.5) == (None, None, None, None)
    assert symmetry(0.5, float("nan")).si is None
    assert gait_asymmetry(0.0, 0.5) is None
    assert symmetry_ratio(0.5, 0.0) is None
    assert symmetry_index(0.0, 0.0) is None


def test_pci_hand_computed() -> None:
    # perfectly anti-phased: 0
    assert phase_coordination_index([180.0, 180.0, 180.0]) == pytest.approx(0.0)
    # 170, 190: mean 180, sd 14.1421 -> CV 7.8567 %; mean |phi-180| = 10 -> 5.5556 %
    assert phase_coordination_index([170.0, 190.0]) == pytest.approx(13.41226, abs=1e-4)
    # 160 constant: CV 0, 100 * 20 / 180 = 11.111
    assert phase_coordination_index([160.0, 160.0]) == pytest.approx(11.1111, abs=1e-4)
    assert phase_coordination_index([180.0]) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(min_value=0.0, max_value=720.0),
            st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 180.0]),
        ),
        max_size=60,
    )
)
def test_pci_matches_reference(phases: list[float]) -> None:
    """The vectorised PCI equals the plain-Python reference, NaN/inf dropped as before.

    Phases are non-negative (0-360 from the strides; up to 720 to be generous): with
    mixed signs the mean could cancel to rounding noise, where any two summation orders
    disagree."""
    ref = phase_coordination_index_reference(phases)
    ours = phase_coordination_index(np.asarray(phases, dtype=np.float64))
    assert (ours is None) == (ref is None)
    if ours is not None and ref is not None:
        assert ours == pytest.approx(ref, rel=1e-9, abs=1e-9 * (1.0 + abs(ref)))
    assert phase_coordination_index(phases) == ours  # a list works the same


@pytest.mark.parametrize("n", [2, 3, 1000, 20000])
def test_pci_long_series_matches_reference(n: int, rng: np.random.Generator) -> None:
    phases = 180.0 + 15.0 * rng.standard_normal(n)
    ours = phase_coordination_index(phases)
    assert ours == pytest.approx(phase_coordination_index_reference(phases.tolist()), rel=1e-9)
