"""The analysis glue: targets from options, session defaults, NaN-free JSON, CSV cells."""

from __future__ import annotations

import math

import pytest

from stride.analysis import with_session_defaults
from stride.core.analyzer import AnalysisConfig
from stride.core.rows import _cell, json_safe
from stride.core.targets import Target
from stride.errors import InputError


def target_from_options(
    spacing: float | None,
    lines: int | None,
    step_length: float | None,
    tolerance: float | None,
    cadence: float | None,
) -> Target | None:
    return Target.from_options(
        spacing_m=spacing,
        lines_per_step=lines,
        step_length_m=step_length,
        tolerance_m=tolerance,
        cadence_spm=cadence,
    )


def test_target_from_options() -> None:
    t = target_from_options(0.3, 2, None, None, None)
    assert t is not None and t.step_length_m == pytest.approx(0.6) and t.tolerance_m == 0.05
    t = target_from_options(None, None, 0.55, 0.02, 110.0)
    assert t == Target(0.55, 0.02, 110.0)
    assert target_from_options(None, None, None, None, None) is None
    cadence_only = target_from_options(None, None, None, None, 100.0)
    assert cadence_only is not None and cadence_only.step_length_m is None
    for bad in (
        (0.3, 2, 0.6, None, None),
        (None, None, None, 0.1, None),
        (None, 2, None, None, None),
    ):
        with pytest.raises(InputError):
            target_from_options(*bad)
    with pytest.raises(InputError, match="bad target"):
        target_from_options(None, None, -0.5, None, None)


def test_spacing_alone_means_two_lines_per_step() -> None:
    alone = target_from_options(0.3, None, None, None, None)
    assert alone == target_from_options(0.3, 2, None, None, None)
    assert alone is not None and alone.lines_per_step == 2 and alone.step_length_m == 0.6


def test_session_defaults() -> None:
    meta: dict[str, object] = {
        "session": {
            "target": {
                "step_length_m": 0.6,
                "tolerance_m": None,
                "spacing_m": 0.3,
                "lines_per_step": 2,
            },
            "sim": {"overground": True, "pass_length_m": 10.0},
        }
    }
    cfg = with_session_defaults(AnalysisConfig(), meta)
    assert cfg.target is not None and cfg.target.step_length_m == 0.6
    assert cfg.target.tolerance_m == 0.05 and cfg.pass_length_m == 10.0
    given = AnalysisConfig(target=Target(0.5))
    assert with_session_defaults(given, meta).target == Target(0.5)
    # a badly stored target is left out, not guessed
    broken = {"session": {"target": {"step_length_m": -1}}}
    assert with_session_defaults(AnalysisConfig(), broken).target is None
    assert with_session_defaults(AnalysisConfig(), {}).target is None


def test_finite_and_cells() -> None:
    doc = {"a": [1.0, math.nan, {"b": math.inf}], "c": "x", "d": None, "e": 3}
    assert json_safe(doc) == {"a": [1.0, None, {"b": None}], "c": "x", "d": None, "e": 3}
    assert [_cell(v) for v in (None, math.nan, 0.25, True, ["gap", "turn"], "L")] == [
        "",
        "",
        "0.25",
        "1",
        "gap;turn",
        "L",
    ]
