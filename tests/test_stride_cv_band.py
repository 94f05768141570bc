"""The stride-time CV band the reports print (healthy adults about 2-4 %,
``stride.core.norms``) against real walkers: the shipped gaitndd records' own stride tables
(``benchmarks/stride_cv_controls.py``)."""

from __future__ import annotations

import statistics
from pathlib import Path

from benchmarks.stride_cv_controls import group_cvs
from stride.core.norms import STRIDE_CV_NORMAL_PCT

DATA = Path(__file__).resolve().parents[1] / "data" / "physionet"


def test_the_band_holds_the_controls_and_not_the_patients() -> None:
    lo, hi = STRIDE_CV_NORMAL_PCT
    cvs = group_cvs(DATA)
    table, ours = cvs["table"], cvs["stride"]
    assert len(table["control"]) == 16  # 8 healthy controls, both feet
    for by_group in (table, ours):
        assert lo <= statistics.median(by_group["control"]) <= hi
        for group in ("als", "hunt", "park"):  # each patient group's typical foot is above it
            assert statistics.median(by_group[group]) > hi, group
    assert max(table["control"]) <= hi  # no healthy walker's table above the band


def test_the_printed_source_states_the_measured_range() -> None:
    from stride.core.norms import STRIDE_CV_SOURCE

    controls = group_cvs(DATA, analysis=False)["table"]["control"]
    assert f"{min(controls):.1f}-{max(controls):.1f} %" in STRIDE_CV_SOURCE
    # a source a referrer can look up, not a file of this repository ("gait-metrics.md")
    assert "Hausdorff et al. 2000, J Appl Physiol 88:2045" in STRIDE_CV_SOURCE
    assert ".md" not in STRIDE_CV_SOURCE
