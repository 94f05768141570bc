"""Gait profiles NAME:SEVERITY and custom asymmetries: values, and errors for bad input."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import InputError
from sim.params import Feedback, GaitParams
from sim.profiles import HEALTHY, PROFILES, parse_profile, profile_params


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_every_profile_is_healthy_at_severity_zero_and_valid_at_one(name: str) -> None:
    assert profile_params(name, 0.0) == HEALTHY
    p = profile_params(name, 1.0)
    assert isinstance(p, GaitParams)
    assert parse_profile(f"{name}:1").params == p


def test_antalgic_left_shortens_left_stance_and_right_step_and_unloads_left() -> None:
    p = parse_profile("antalgic-left:0.5").params
    assert p.stance_asym == pytest.approx(-0.08)
    assert p.step_length_asym == pytest.approx(0.10)  # left step longer = right step shorter
    assert p.load_asym < 0
    mirror = parse_profile("antalgic-right:0.5").params
    assert mirror.stance_asym == -p.stance_asym
    assert mirror.load_asym == -p.load_asym


def test_parkinsonian_short_steps_high_cadence_low_alpha_freezing() -> None:
    p = parse_profile("parkinsonian:1").params
    assert p.walk_ratio < HEALTHY.walk_ratio * 0.75
    assert p.alpha == pytest.approx(0.60)
    assert p.freeze_per_min > 0
    assert p.contact_left == p.contact_right == "flat"
    assert parse_profile("parkinsonian:0.2").params.freeze_per_min == 0


def test_drop_foot_contact_types() -> None:
    assert parse_profile("drop-foot-left:0.3").params.contact_left == "flat"
    assert parse_profile("drop-foot-left:0.8").params.contact_left == "toe"
    assert parse_profile("drop-foot-left:0.8").params.contact_right == "heel"
    assert parse_profile("drop-foot-right:0.8").params.contact_right == "toe"


def test_default_severity_and_labels() -> None:
    assert parse_profile("parkinsonian").severity == 0.5
    assert parse_profile("healthy").label == "healthy:0"
    assert parse_profile(" Antalgic-Left:0.40 ").label == "antalgic-left:0.4"


def test_custom_asymmetries_in_percent() -> None:
    prof = parse_profile("custom:step_length=10,step_time=8,stance=-6,load=-20")
    p = prof.params
    assert (p.step_length_asym, p.step_time_asym, p.stance_asym, p.load_asym) == pytest.approx(
        (0.10, 0.08, -0.06, -0.20)
    )
    assert prof.label.startswith("custom:")
    one = parse_profile("custom:step_length=10").params
    assert one.step_time_asym == one.step_length_asym == pytest.approx(0.10)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("bogus", "unknown gait profile"),
        ("antalgic-left:1.5", "severity"),
        ("antalgic-left:-0.1", "severity"),
        ("antalgic-left:abc", "severity"),
        ("custom:", "sets nothing"),
        ("custom:height=3", "cannot read"),
        ("custom:stance=abc", "percentage"),
        ("custom:stance=90", "outside"),
        ("custom:stance=-40,step_time=-40", "double support"),
    ],
)
def test_bad_profiles_are_refused_with_the_fix(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match) as exc:
        parse_profile(text)
    assert exc.value.fix


@given(st.text(max_size=40))
def test_any_text_parses_or_is_refused_clearly(text: str) -> None:
    try:
        prof = parse_profile(text)
    except InputError as err:
        assert err.problem and err.fix
    else:
        assert 0.0 <= prof.severity <= 1.0
        assert isinstance(prof.params, GaitParams)


@given(
    st.sampled_from(sorted(PROFILES)),
    st.floats(min_value=0.0, max_value=1.0, allow_nan=False),
)
def test_every_severity_gives_valid_parameters(name: str, severity: float) -> None:
    assert isinstance(profile_params(name, severity), GaitParams)


def test_parameter_ranges_are_checked() -> None:
    with pytest.raises(InputError, match="stance_fraction"):
        GaitParams(stance_fraction=0.3)
    with pytest.raises(InputError, match="alpha"):
        GaitParams(alpha=1.2)
    with pytest.raises(InputError, match="contact"):
        GaitParams(contact_left="knee")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="unknown gait parameter"):
        GaitParams().with_(speed=3)
    with pytest.raises(InputError, match="residual"):
        Feedback(residual=2.0)
    assert GaitParams().with_(alpha=0.7).alpha == 0.7


def test_split_golden_values() -> None:
    from sim.params import split

    assert split(1.0, 0.2) == pytest.approx((1.1, 0.9))
    left, right = split(0.6, -0.1)
    assert (left - right) / ((left + right) / 2) == pytest.approx(-0.1)
    assert (left + right) / 2 == pytest.approx(0.6)


def test_huntington_chorea_rises_with_severity() -> None:
    mild, severe = parse_profile("huntington:0.2").params, parse_profile("huntington:1").params
    assert severe.stride_cv == pytest.approx(0.25)
    assert mild.stride_cv < 0.1 < severe.stride_cv
    assert severe.alpha == pytest.approx(0.55)
    assert (severe.swing_touch_rate, severe.two_stage_rate, severe.scuff_rate) == pytest.approx(
        (0.5, 0.6, 0.3)
    )
    assert mild.two_stage_rate < severe.two_stage_rate
    assert HEALTHY.swing_touch_rate == HEALTHY.two_stage_rate == HEALTHY.scuff_rate == 0.0


def test_rates_out_of_range_are_refused() -> None:
    with pytest.raises(InputError, match="swing_touch_rate"):
        GaitParams(swing_touch_rate=1.5)
    with pytest.raises(InputError, match="stride_cv"):
        GaitParams(stride_cv=0.4)
