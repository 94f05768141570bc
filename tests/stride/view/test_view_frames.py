"""How each step is judged and counted for the page, against obviously correct references."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.errors import InputError
from stride.view.frames import CoursePasses, LastMinute, ViewTarget, plain, step_error_m, verdict
from stride.view.hub import error_text

LINES = ViewTarget(spacing_m=0.30, lines_per_step=2, tolerance_m=0.05)


def test_goal_from_lines_or_given() -> None:
    assert LINES.goal_m == pytest.approx(0.60)
    assert ViewTarget(step_length_m=0.7, spacing_m=0.3, lines_per_step=2).goal_m == 0.7
    assert ViewTarget().goal_m is None


@pytest.mark.parametrize(
    ("step", "expected"),
    [
        ({"step_length_m": 0.60}, "in"),
        ({"step_length_m": 0.65}, "in"),  # exactly at the tolerance counts as on target
        ({"step_length_m": 0.55}, "in"),
        ({"step_length_m": 0.6501}, "long"),
        ({"step_length_m": 0.5499}, "short"),
        ({"step_length_m": 0.9, "target_error_m": -0.10}, "short"),  # the row's own error wins
        ({"step_length_m": float("nan")}, "none"),
        ({"step_length_m": None}, "none"),
        ({"step_length_m": 0.60, "flags": ["gap"]}, "flagged"),
    ],
)
def test_verdict_golden(step: dict[str, object], expected: str) -> None:
    assert verdict(step, LINES) == expected


def test_error_without_a_target_is_unmeasured() -> None:
    assert step_error_m({"step_length_m": 0.6}, ViewTarget()) is None
    assert verdict({"step_length_m": 0.6}, ViewTarget()) == "none"


@pytest.mark.parametrize(
    ("error_m", "text"),
    [
        (0.032, "+3.2"),
        (-0.015, "-1.5"),
        (0.0, "0.0"),
        (-0.0004, "0.0"),  # rounds to zero: no sign
        (0.1249, "+12.5"),
        (None, "—"),
    ],
)
def test_error_text_golden(error_m: float | None, text: str) -> None:
    assert error_text(error_m) == text


@given(st.floats(-2, 2, allow_nan=False))
def test_error_text_is_the_signed_centimetres_to_one_decimal(error_m: float) -> None:
    text = error_text(error_m)
    assert float(text) == pytest.approx(round(error_m * 100, 1), abs=0.051)
    assert text.startswith("+") == (float(text) > 0)


def test_bad_targets_are_refused() -> None:
    for bad in ({"mode": "walk"}, {"spacing_m": 0}, {"tolerance_m": -1}, {"lines_per_step": 0}):
        with pytest.raises(InputError):
            ViewTarget(**bad)  # type: ignore[arg-type]


def _reference_share(steps: list[tuple[float, str, str]], window: float) -> dict[str, object]:
    judged = [s for s in steps if s[2] in ("in", "short", "long")]
    if not judged:
        return {"L": None, "R": None, "n": {"L": 0, "R": 0}}
    newest = max(s[0] for s in judged)
    kept = [s for s in judged if s[0] >= newest - window]
    out: dict[str, object] = {}
    n = {}
    for side in "LR":
        mine = [s for s in kept if s[1] == side]
        n[side] = len(mine)
        out[side] = sum(s[2] == "in" for s in mine) / len(mine) if mine else None
    out["n"] = n
    return out


@given(
    st.lists(
        st.tuples(
            st.floats(0, 400, allow_nan=False),
            st.sampled_from("LRX"),
            st.sampled_from(["in", "short", "long", "none", "flagged"]),
        ),
        max_size=60,
    )
)
def test_last_minute_share_matches_a_reference(raw: list[tuple[float, str, str]]) -> None:
    steps = sorted(raw)  # initial contacts arrive in time order
    minute = LastMinute(60.0)
    for ic, side, judged in steps:
        minute.add(ic, side, judged)
    assert minute.share() == _reference_share([s for s in steps if s[1] in "LR"], 60.0)


def test_course_passes_split_at_turns_and_use_pass_length_when_lengths_are_unknown() -> None:
    passes = CoursePasses()
    for length in (0.6, 0.62, 0.64):
        passes.add({"step_length_m": length}, 10.0)
    passes.add({"flags": ["turn"]}, 10.0)
    for _ in range(16):
        passes.add({"step_length_m": None}, 10.0)
    passes.add({"flags": ["stop"]}, 10.0)
    passes.add({"step_length_m": 0.7}, 10.0)
    done = passes.as_dict()
    assert done["current_steps"] == 1
    assert [p["steps"] for p in done["passes"]] == [3, 16]
    assert done["passes"][0]["step_length_m"] == pytest.approx(0.62)
    assert done["passes"][1]["step_length_m"] == pytest.approx(10.0 / 16)


def test_plain_makes_numpy_and_nan_json_ready() -> None:
    row = {"a": np.float64(1.5), "b": np.int64(3), "c": float("nan"), "d": [np.float32(2.0)]}
    assert plain(row) == {"a": 1.5, "b": 3, "c": None, "d": [2.0]}
    assert plain({"e": math.inf, "f": True, "g": "x"}) == {"e": None, "f": True, "g": "x"}
