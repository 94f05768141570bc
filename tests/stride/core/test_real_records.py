"""The analysis on real records (PhysioNet gaitndd and gaitpdb): stride statistics agree
with the database's own stride table, DFA agrees with nolds on real stride series, and the
streaming analyzer equals the batch one on real data."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_variability import _nolds_measures  # type: ignore[import-not-found]

from stride.core.analyzer import Analysis, StreamingAnalyzer, analyze
from stride.errors import InputError
from stride.readers import read_signals

DATA = Path(__file__).resolve().parents[2] / "data"
GAITNDD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"
SHIPPED = ["control1", "hunt1", "park5", "als5"]


def _ts_valid(ts_path: Path, col: int) -> np.ndarray:
    """The .ts table's stride intervals of one side, pauses (outside 0.4-3 s) left out."""
    iv = np.loadtxt(ts_path)[:, col]
    return iv[(iv > 0.4) & (iv < 3.0)]


def _check_against_ts(hea: Path, result: Analysis) -> None:
    s = result.summary
    for side, col in (("L", 1), ("R", 2)):
        ref = _ts_valid(hea.with_suffix(".ts"), col)
        got = s[side]["stride_time_s"]  # type: ignore[index]
        # most strides are usable (turns, stops and a dying sensor are left out) ...
        assert got["n"] >= 0.5 * ref.size, (hea.name, side)
        # ... and their mean is the database's within 1.5 %
        assert got["mean"] == pytest.approx(ref.mean(), rel=0.015), (hea.name, side)
    cad = s["cadence_spm"]
    assert cad is not None and 60 < cad < 150  # type: ignore[operator]


_CACHE: dict[str, Analysis] = {}


def _analysis(name: str) -> Analysis:
    if name not in _CACHE:
        _CACHE[name] = analyze(read_signals(GAITNDD / f"{name}.hea"))
    return _CACHE[name]


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_gaitndd_records_agree_with_their_stride_table(name: str) -> None:
    _check_against_ts(GAITNDD / f"{name}.hea", _analysis(name))


def test_dead_sensor_is_flagged_not_averaged() -> None:
    # als5: the right sensor dies after 168 s; left strides then contain no right IC
    a = _analysis("als5")
    late = a.steps.take(np.flatnonzero(a.steps["ic_s"] > 200.0))
    assert len(late) > 50
    assert np.all(late.flags != 0)
    assert a.summary["flags"]["alternation"] > 50  # type: ignore[index]


def test_dfa_agrees_with_nolds_on_real_strides() -> None:
    measures = _nolds_measures()
    a = _analysis("control1")
    for code in (0, 1):
        series = a.steps["stride_time_s"][a.steps.valid & (a.steps.side == code)]
        ours = a.summary["variability"]["dfa_alpha"]["LR"[code]]  # type: ignore[index]
        theirs = measures.dfa(series, fit_exp="poly", fit_trend="poly")
        assert ours is not None and abs(ours - theirs) < 0.03
        assert 0.4 < ours < 1.3


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(st.integers(1, 90_000), min_size=1, max_size=6))
def test_streaming_equals_batch_on_a_real_record(cuts: list[int]) -> None:
    sig = read_signals(GAITNDD / "hunt1.hea")
    batch = _analysis("hunt1")
    sa = StreamingAnalyzer(None, sig.channels, sig.fs, 0)
    bounds = [0, *sorted(cuts), sig.n]
    for a, b in itertools.pairwise(bounds):
        sa.feed(sig.t[a:b], sig.forces[a:b])
    got = sa.finish()
    assert got.summary == batch.summary
    for k in batch.steps.values:
        assert np.array_equal(got.steps[k], batch.steps[k], equal_nan=True)


def test_gaitpdb_trial_is_plausible_and_consistent() -> None:
    a = analyze(read_signals(DATA / "gaitpdb" / "GaCo01_01_30s.txt"))
    s = a.summary
    n_l = s["L"]["stride_time_s"]["n"]  # type: ignore[index]
    n_r = s["R"]["stride_time_s"]["n"]  # type: ignore[index]
    assert n_l >= 15 and abs(n_l - n_r) <= 2
    cad = s["cadence_spm"]
    assert 80 < cad < 130  # type: ignore[operator]
    for side in ("L", "R"):
        stride = s[side]["stride_time_s"]["mean"]  # type: ignore[index]
        # cadence and stride time describe the same walking: stride = 2 steps
        assert stride == pytest.approx(120.0 / cad, rel=0.05)  # type: ignore[operator]
        assert 0.9 < stride < 1.6
    assert "belt_speed_mps" not in s


@pytest.mark.slow
@pytest.mark.shared_data
def test_every_shared_gaitndd_record(shared_data: Path) -> None:
    heas = sorted((shared_data / "gaitndd").glob("*.hea"))
    assert len(heas) >= 30
    checked = 0
    unreadable = []
    for hea in heas:
        try:
            sig = read_signals(hea)
        except InputError as err:
            unreadable.append(f"{hea.name}: {err}")
            continue
        _check_against_ts(hea, analyze(sig))
        checked += 1
    # the readers' own tests own reading; here most records must reach the analysis
    assert checked >= 0.75 * len(heas), unreadable
