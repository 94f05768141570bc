"""The JSON document is built row by row: it must equal the whole document made
JSON-safe at once (the plain reference), with and without a target and timing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stride.analysis import Timing, document, run
from stride.core.analyzer import Analysis, AnalysisConfig
from stride.core.rows import json_safe
from stride.core.targets import Target
from stride.ingest.treadmill_clock import with_treadmill

RECORD = Path(__file__).resolve().parents[2] / "data" / "physionet" / "gaitndd" / "als1.hea"


def reference(result: Analysis, timing: Timing | None) -> object:
    doc: dict[str, object] = {"summary": result.summary, "steps": result.step_rows()}
    if timing is not None:
        doc["timing"] = timing.as_dict()
    return json_safe(doc)


@pytest.mark.parametrize("outages", [[], [[10.0, 20.0]]])
@pytest.mark.parametrize("target", [None, Target(step_length_m=0.6, cadence_spm=110.0)])
def test_document_equals_the_whole_document_made_safe(
    target: Target | None, outages: list[list[float]]
) -> None:
    _, result, timing = run(RECORD, AnalysisConfig(target=target))
    result = with_treadmill(result, outages, [])  # rows flagged where the treadmill was silent
    result.summary["not_measured"] = float("nan")  # a NaN must become null in both
    assert len(result.steps) > 100 and ("target" in result.summary) == (target is not None)
    for t in (timing, None):
        got = json.dumps(document(result, t), allow_nan=False)
        assert got == json.dumps(reference(result, t), allow_nan=False)
    assert '"not_measured": null' in got
    assert ('"on_target"' in got) == (target is not None)
    assert ('"belt-unknown"' in got) == bool(outages)


def test_belt_unknown_only_says_why_a_step_has_no_length() -> None:
    """``belt-unknown`` rows keep their timing in the summary (docs/formats.md): the summary
    with a treadmill outage is the summary without one, and ``steps_used`` counts the rows
    with no other flag."""
    _, result, _ = run(RECORD, AnalysisConfig())
    flagged = with_treadmill(result, [[10.0, 20.0]], [])
    rows = flagged.step_rows()
    unknown = [r for r in rows if "belt-unknown" in r["flags"]]
    assert unknown and all(r["step_length_m"] is None for r in unknown)
    assert flagged.summary == result.summary
    others = [r for r in rows if not set(r["flags"]) - {"belt-unknown"}]
    assert flagged.summary["steps_used"] == len(others) < len(rows)
