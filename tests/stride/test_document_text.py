"""The JSON document's text, built column by column (:mod:`stride.document`), must be
the bytes ``json.dumps`` makes of the plain per-row document: same keys in the same
order, same float text, ``null`` for every value that is not finite."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.analysis import ReadNotes, Timing, document, run
from stride.cohort.many import analyse_one
from stride.core.analyzer import Analysis, AnalysisConfig
from stride.core.rows import json_safe
from stride.core.steps import FLOAT_COLUMNS, StepTable
from stride.core.targets import Target
from stride.document import document_text, steps_text, write_out
from stride.ingest.treadmill_clock import with_treadmill

RECORD = Path(__file__).resolve().parents[2] / "data" / "physionet" / "gaitndd" / "als1.hea"
#: values that test the float text: not finite, signed zero, extremes, repr's edges
ODD = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1e16, 1e-7, 5e-324, 1.7976931348623157e308, 0.1]


def per_row(table: StepTable, with_target: bool) -> str:
    """The plain reference: each row a dict made JSON-safe, the list dumped."""
    rows = [json_safe(row) for row in table.rows(with_target)]
    return json.dumps(rows, allow_nan=False)


def table_of(n: int, values: list[float], dtype: str = "float64") -> StepTable:
    """``n`` rows cycling through ``values`` (each column shifted), every code and flag."""
    cycle = np.resize(np.asarray(values or [1.0], np.float64), n + len(FLOAT_COLUMNS))
    with np.errstate(over="ignore"):  # float16's infinities from the largest doubles
        values_of = {k: cycle[i : i + n].astype(dtype) for i, k in enumerate(FLOAT_COLUMNS)}
    return StepTable(
        (np.arange(n) % 2).astype(np.int8),
        np.arange(n, dtype=np.int64),
        (np.arange(n) * 7 % 32).astype(np.uint16),
        (np.arange(n) % 4 - 1).astype(np.int8),
        (np.arange(n) % 3 - 1).astype(np.int8),
        values_of,
    )


@pytest.mark.parametrize("n", [0, 1, 2, 40])
@pytest.mark.parametrize("dtype", ["float64", "float32", "float16", "int64", "bool"])
@pytest.mark.parametrize("with_target", [False, True])
def test_steps_text_is_the_per_row_document(n: int, dtype: str, with_target: bool) -> None:
    table = table_of(n, ODD if dtype.startswith("float") else [0, 1, 3, -2], dtype)
    got = steps_text(table, with_target, table.row_flags())
    assert got == per_row(table, with_target)
    assert (got.count('"on_target"') == n) == with_target or n == 0


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=30),
    st.integers(0, 12),
    st.booleans(),
)
def test_any_floats_give_the_per_row_text(values: list[float], n: int, target: bool) -> None:
    table = table_of(n, values)
    assert steps_text(table, target, table.row_flags()) == per_row(table, target)


def without_output_s(text: str) -> str:
    """The text without ``timing``'s ``output_s`` (the one key the reference lacks)."""
    out, n = re.subn(r', "output_s": [0-9.e-]+\}', "}", text)
    assert n == (1 if '"timing"' in text else 0)
    return out


@pytest.mark.parametrize("outages", [[], [[10.0, 20.0]]])
@pytest.mark.parametrize("target", [None, Target(step_length_m=0.6, cadence_spm=110.0)])
def test_document_text_is_the_document_dumped(
    target: Target | None, outages: list[list[float]]
) -> None:
    _, result, timing = run(RECORD, AnalysisConfig(target=target))
    result = with_treadmill(result, outages, [])  # rows flagged where the treadmill was silent
    result.summary["not_measured"] = float("nan")  # a NaN must become null in both
    notes = ReadNotes({"stream": "box", "skipped_chunks": 2}, ["a chunk was skipped"])
    for t in (timing, None):
        for head in (None, {"path": "ü/als1.hea"}):
            expected = notes.add_to({**(head or {}), **document(result, t)})
            got = document_text(result, t, notes, head)
            assert without_output_s(got) == json.dumps(expected, allow_nan=False)
    assert ('"belt-unknown"' in got) == bool(outages) and '"output_s"' not in got


def test_the_timing_says_the_seconds_making_the_text() -> None:
    _, result, timing = run(RECORD, AnalysisConfig())
    said = json.loads(document_text(result, timing, ReadNotes(None, [])))["timing"]
    assert list(said) == [*Timing(0, 0, 0).as_dict(), "output_s"]
    assert 0 < said["output_s"] < 60


def test_belt_flags_match_the_rows() -> None:
    _, result, _ = run(RECORD, AnalysisConfig())
    flagged: Analysis = with_treadmill(result, [[5.0, 40.0], [100.0, 100.5]], [])
    assert flagged.step_flags() == [row["flags"] for row in flagged.iter_step_rows()]
    assert any("belt-unknown" in f for f in flagged.step_flags())


def test_several_recordings_send_the_same_line(tmp_path: Path) -> None:
    config = AnalysisConfig(target=Target(step_length_m=0.6))
    for path in (str(RECORD), str(tmp_path / "absent")):
        doc = analyse_one((path, config))
        line = analyse_one((path, config, "text"))
        short = analyse_one((path, config, "summary"))
        if "error" in doc:
            assert line == short == doc
            continue
        untimed = re.compile(r', "timing": \{[^{}]*\}')  # two runs: two timings
        got, expected = line.pop("json"), json.dumps(doc, allow_nan=False)
        assert untimed.sub("", got) == untimed.sub("", expected) and got.count('"timing"') == 1
        assert line == {"path": path, "summary": doc["summary"]}
        assert short.pop("timing").keys() == doc["timing"].keys()
        assert short == {k: v for k, v in doc.items() if k not in ("steps", "timing")}


def test_write_out_writes_the_line_as_echo_would(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="utf-8")
    monkeypatch.setattr(sys, "stdout", stdout)
    stdout.write("before ")  # text still buffered is written first
    write_out('{"a": [1, "\\u00fc"]}')
    assert raw.getvalue() == b'before {"a": [1, "\\u00fc"]}\n'
    text_only = io.StringIO()
    monkeypatch.setattr(sys, "stdout", text_only)
    write_out("[]")
    assert text_only.getvalue() == "[]\n"
