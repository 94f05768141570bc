"""Checks shared by the analysis tests: two analyses the same, step for step."""

from __future__ import annotations

import numpy as np

from stride.core.analyzer import Analysis


def same_analysis(a: Analysis, b: Analysis, fewest_steps: int = 0) -> None:
    """``a`` and ``b`` the same analysis: every column of the steps tables (NaN as NaN),
    the summary and the samples; with at least ``fewest_steps`` steps (so that a comparison
    of two empty tables does not pass for one of the walking)."""
    assert len(a.steps) == len(b.steps) >= fewest_steps
    assert np.array_equal(a.steps.side, b.steps.side)
    assert np.array_equal(a.steps.flags, b.steps.flags)
    assert np.array_equal(a.steps.contact_type, b.steps.contact_type)
    assert np.array_equal(a.steps.on_target, b.steps.on_target)
    for k in a.steps.values:
        assert np.array_equal(a.steps[k], b.steps[k], equal_nan=True), k
    assert a.summary == b.summary
    assert a.samples == b.samples
