"""The typed step row is what the core emits and what every table is written with; the
rolling 20-stride figures have one definition, used alike by the dashboard and the report."""

from __future__ import annotations

import csv
import math
import statistics
from typing import Any

import numpy as np
import pytest

from sim.truth import TRUTH_COLUMNS
from stride.core.analyzer import AnalysisConfig, analyze
from stride.core.rolling import (
    MIN_ROLLING_CV_VALUES,
    RollingWindow,
    rolling_cv,
    rolling_symmetry,
)
from stride.core.rows import SHARED_COLUMNS, STEP_COLUMNS, StepRow, json_safe, steps_csv_text
from stride.core.symmetry import symmetry_index
from stride.core.targets import Target
from stride.core.variability import coefficient_of_variation


def test_the_truth_table_starts_with_the_shared_step_columns() -> None:
    """``sim`` cannot import stride: its truth header is compared with the row's names."""
    assert TRUTH_COLUMNS[: len(SHARED_COLUMNS)] == SHARED_COLUMNS
    assert TRUTH_COLUMNS[len(SHARED_COLUMNS)] == "flags" == STEP_COLUMNS[len(SHARED_COLUMNS)]


def test_core_rows_carry_exactly_the_step_row_keys(synth_walk: Any) -> None:
    sig, _ = synth_walk(seconds=20.0, heel_toe=True)
    plain = analyze(sig).step_rows()
    scored = analyze(sig, AnalysisConfig(target=Target(0.6))).step_rows()
    optional = {"target_error_m", "on_target", "confidence"}
    for row in plain:
        assert list(row) == [k for k in STEP_COLUMNS if k not in optional]
    for row in scored:
        assert list(row) == [k for k in STEP_COLUMNS if k != "confidence"]
    assert set(StepRow.__annotations__) == set(STEP_COLUMNS)
    header = next(csv.reader(steps_csv_text(scored).splitlines()))
    assert tuple(header) == STEP_COLUMNS


def test_json_safe_golden() -> None:
    assert json_safe({"a": (1, np.float64(math.nan), np.int64(3)), "b": np.bool_(True)}) == {
        "a": [1, None, 3],
        "b": True,
    }
    assert json_safe([math.inf, -math.inf, 0.5, "x", None]) == [None, None, 0.5, "x", None]


def test_window_keeps_each_foots_last_finite_values() -> None:
    w = RollingWindow(window=3)
    for i, v in enumerate([1.0, None, 2.0, math.nan, 4.0, 8.0]):
        w.add("L", {"x": v, "y": float(i)})
    assert w.values("x", "L") == [2.0, 4.0, 8.0]  # missing values skipped, not counted
    assert w.mean("x", "L") == pytest.approx(14 / 3)
    assert w.symmetry_index("x") is None  # no right foot yet
    w.add("R", {"x": 7.0})
    assert w.symmetry_index("x") == pytest.approx(symmetry_index(14 / 3, 7.0))
    assert w.cv("x", "L") == pytest.approx(100 * statistics.stdev([2, 4, 8]) / (14 / 3))
    assert w.cv("x", "R") is None  # fewer than MIN_ROLLING_CV_VALUES
    assert MIN_ROLLING_CV_VALUES == 3
    with pytest.raises(ValueError):
        RollingWindow(window=0)


def test_series_end_with_the_window_figures() -> None:
    sides = ["L", "R"] * 30
    rng = np.random.default_rng(4)
    values = rng.normal(0.6, 0.03, 60).tolist()
    values[7] = math.nan
    si = rolling_symmetry(sides, values, window=20)
    w = RollingWindow(20)
    for side, v in zip(sides, values, strict=True):
        w.add(side, {"x": v})
    assert si[-1] == w.symmetry_index("x")
    left = [v for s, v in zip(sides, values, strict=True) if s == "L" and math.isfinite(v)]
    cv = rolling_cv(left, window=20)
    assert cv[-1] == pytest.approx(coefficient_of_variation(np.asarray(left[-20:])))
    assert np.isnan(cv[: MIN_ROLLING_CV_VALUES - 1]).all()
