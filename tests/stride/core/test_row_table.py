"""Step rows back into a table: the table's rows round-trip, and the one summary builder
gives the analysis' own summary from the rows alone (every figure, bit for bit)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.core.analyzer import AnalysisConfig, analyze
from stride.core.row_table import RowTable, table_from_rows
from stride.core.rows import json_safe
from stride.core.summary import summarize
from stride.core.targets import Target

Walk = Callable[..., Any]


@pytest.mark.parametrize(
    ("kwargs", "target"),
    [
        ({"seconds": 25.0, "fs": 150.0, "stride_jitter": 0.05, "seed": 5}, Target(0.55, 0.05)),
        ({"seconds": 25.0, "fs": 120.0, "heel_toe": True, "seed": 6}, None),
        ({"seconds": 20.0, "fs": 100.0, "belt_mps": None, "seed": 7}, Target(0.6)),
    ],
)
def test_the_summary_of_the_rows_is_the_analysis_summary(
    synth_walk: Walk, kwargs: dict[str, Any], target: Target | None
) -> None:
    sig, _ = synth_walk(**kwargs)
    an = analyze(sig, AnalysisConfig(target=target))
    rows = an.step_rows()
    table = table_from_rows(rows)
    assert list(table.rows(with_target=target is not None)) == rows
    multi = tuple(sum(c.side == s for c in sig.channels) > 1 for s in ("L", "R"))
    belt = None if sig.belt_speed is None else sig.belt_speed.reshape(len(sig.belt_t), -1)
    again = summarize(table, multi_sensor=multi, belt_speed=belt, target=target)
    assert json_safe(again) == json_safe(an.summary)


def test_flags_contact_types_and_targets_map_back() -> None:
    rows: list[dict[str, object]] = [
        {
            "side": "L",
            "ic_s": 1.0,
            "flags": ["gap", "turn"],
            "contact_type": "heel",
            "on_target": True,
            "step_length_m": 0.61,
        },
        {
            "side": "R",
            "ic_s": 1.5,
            "flags": ["belt-unknown"],
            "contact_type": None,
            "on_target": None,
            "step_length_m": None,
        },
        {"side": "L", "ic_s": 2.0, "flags": [], "contact_type": "toe", "on_target": False},
        {"side": "?", "ic_s": 2.5},
    ]
    rt = RowTable().extend(rows)
    t = rt.table()
    assert len(t) == 3 and rt.skipped == 1
    assert t.side.tolist() == [0, 1, 0] and t.contact.tolist() == [0, 0, 1]
    assert t.flags.tolist() == [1 | 2, 0, 0]  # belt-unknown is not a table flag
    assert t.contact_type.tolist() == [0, -1, 2]
    assert t.on_target.tolist() == [1, -1, 0]
    assert t["step_length_m"][0] == 0.61 and math.isnan(t["step_length_m"][1])
    assert math.isnan(t["step_length_m"][2])  # a missing key is not measurable


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "side": st.sampled_from(["L", "R", "", None, 3]),
                "ic_s": st.one_of(st.none(), st.floats(), st.text(max_size=3), st.booleans()),
                "flags": st.one_of(st.none(), st.lists(st.text(max_size=6)), st.integers()),
                "contact_type": st.one_of(st.none(), st.text(max_size=5)),
                "on_target": st.one_of(st.none(), st.booleans(), st.integers()),
            }
        ),
        max_size=20,
    )
)
def test_any_rows_give_a_consistent_table(rows: list[dict[str, object]]) -> None:
    rt = RowTable().extend(rows)
    t = rt.table()
    n = len(t)
    assert n + rt.skipped == len(rows)
    assert all(v.shape == (n,) for v in t.values.values())
    assert t.flags.shape == t.on_target.shape == t.contact_type.shape == (n,)
    assert set(t.on_target.tolist()) <= {-1, 0, 1}
    assert np.all(np.isnan(t["step_length_m"]))  # no row gave one
