"""Fuzzing the history's inputs: any summary, meta or date gives a stored session or an
InputError, never a crash, and what is stored reads back equal (non-finite -> null)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from stride.errors import InputError
from stride.history import list_sessions, register_session
from stride.history.metrics import trend_columns

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
summaries = st.dictionaries(
    st.sampled_from(["steps", "cadence_spm", "symmetry", "target", "variability", "x"]),
    json_values,
    max_size=5,
)


def _finite(obj: Any) -> Any:
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {k: _finite(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_finite(v) for v in obj]
    return obj


@given(summaries, json_values)
def test_trend_columns_never_fail(summary: dict[str, Any], meta: Any) -> None:
    cols = trend_columns(summary, meta if isinstance(meta, dict) else {})
    assert len(cols) == 6
    assert all(c is None or (isinstance(c, int | float) and math.isfinite(c)) for c in cols)


@settings(max_examples=40)
@given(summary=summaries, started=st.text(max_size=30))
def test_any_summary_and_date_is_stored_or_refused(
    tmp_path_factory: Any, summary: dict[str, Any], started: str
) -> None:
    db: Path = tmp_path_factory.mktemp("fuzz") / "h.sqlite"
    try:
        sid = register_session(db, subject="F", started_at=started, source="sim", summary=summary)
    except InputError as err:
        assert err.fix
        return
    (rec,) = list_sessions(db)
    assert rec.id == sid and rec.summary == _finite(summary)
