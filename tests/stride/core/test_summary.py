"""The summary from hand-made steps: golden values, the keys of docs/formats.md, targets, course
mode, and "no data" reported as None with n = 0, never as zeros."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_steps import belt, contacts, table  # type: ignore[import-not-found]

from stride.core.rollover import HEEL_FIRST, UNKNOWN
from stride.core.steps import FLAG_NAMES, FLOAT_COLUMNS, StepTable
from stride.core.summary import (
    SQUARES_AT_ONCE,
    _cv,
    column_stats,
    flag_counts,
    left_stride_phases,
    squared_deviations,
    stats,
    summarize,
)
from stride.core.targets import Target, apply_course, apply_target, matching_cadence_spm
from stride.core.variability import coefficient_of_variation, dfa_alpha


def _walk(n: int = 12, right_at: float = 0.45, stance: float = 0.6) -> tuple[object, object]:
    left = contacts([float(i) for i in range(n)], stance)
    right = contacts([i + right_at for i in range(n)], stance)
    return left, right


def test_golden_summary_of_regular_asymmetric_walking() -> None:
    left, right = _walk()
    b = belt(1.0)
    tab = table(left, right, (b, b))
    s = summarize(tab, belt_speed=np.full((100, 1), 1.0))
    # left steps (R IC -> L IC) take 0.55 s, right steps 0.45 s
    assert s["L"]["step_time_s"]["mean"] == pytest.approx(0.55)  # type: ignore[index]
    assert s["R"]["step_time_s"]["mean"] == pytest.approx(0.45)  # type: ignore[index]
    assert s["L"]["step_length_m"]["mean"] == pytest.approx(0.55)  # type: ignore[index]
    assert s["L"]["stride_time_s"]["sd"] == pytest.approx(0.0, abs=1e-12)  # type: ignore[index]
    # SI of step time = 0.1 / 0.5 = 20 %; ratio 0.55 / 0.45
    sym = s["symmetry"]["step_time"]  # type: ignore[index]
    assert sym["si"] == pytest.approx(20.0)
    assert sym["ratio"] == pytest.approx(0.55 / 0.45)
    # phi = 360 * 0.45 = 162 deg for every stride: PCI = 0 + 100 * 18 / 180 = 10
    # 12 left contacts: no stride ends at the first two (a foot's first contact starts none)
    assert left_stride_phases(tab) == pytest.approx(np.full(10, 162.0))
    assert s["symmetry"]["pci"] == pytest.approx(10.0)  # type: ignore[index]
    assert s["cadence_spm"] == pytest.approx(120.0)  # 60 / mean step time 0.5 s
    assert s["belt_speed_mps"] == {"mean": 1.0, "sd": 0.0}
    # the first two rows of each side are edges: no stride or step starts at a first contact
    assert s["steps"] == 24 and s["steps_used"] == 20
    assert s["low_confidence"] == {"threshold": 0.5, "L": 0, "R": 0}
    assert "warnings" not in s
    assert "loading" not in s["symmetry"]  # type: ignore[operator]


def test_no_usable_steps_is_none_not_zero() -> None:
    left, right = contacts([0.0]), contacts([0.5])
    s = summarize(table(left, right), multi_sensor=(True, True), target=Target(0.6))
    assert s["steps_used"] == 0 and s["cadence_spm"] is None
    assert s["L"]["step_time_s"] == {"mean": None, "sd": None, "n": 0}  # type: ignore[index]
    assert s["L"]["heel_first_share"] is None  # type: ignore[index]
    assert s["symmetry"]["pci"] is None  # type: ignore[index]
    assert s["symmetry"]["loading"]["si"] is None  # type: ignore[index]
    assert s["variability"]["stride_time_cv"] == {"L": None, "R": None}  # type: ignore[index]
    assert s["target"]["within"] == {"L": None, "R": None}  # type: ignore[index]


def test_target_errors_and_shares() -> None:
    left, right = _walk(right_at=0.45)
    b = belt(1.0)
    target = Target.from_lines(0.25, 2, tolerance_m=0.06, cadence_spm=110.0)
    assert target.step_length_m == pytest.approx(0.5)
    tab = apply_target(table(left, right, (b, b)), target)
    # left steps 0.55 m: +0.05 (within 0.06); right steps 0.45 m: -0.05 (within)
    rows = [r for r in tab.rows(with_target=True) if not r["flags"]]
    assert {round(r["target_error_m"], 6) for r in rows} == {0.05, -0.05}  # type: ignore[arg-type]
    assert all(r["on_target"] for r in rows)
    s = summarize(tab, target=target, belt_speed=np.full((10, 1), 1.0))
    t = s["target"]
    assert t["within"] == {"L": 1.0, "R": 1.0}  # type: ignore[index]
    assert t["cadence_spm"] == 110.0 and t["cadence_error_spm"] == pytest.approx(10.0)  # type: ignore[index]
    assert t["matching_cadence_spm"] == pytest.approx(120.0)  # type: ignore[index]
    tight = apply_target(tab, Target(0.5, tolerance_m=0.04))
    assert not any(r["on_target"] for r in tight.rows(with_target=True) if not r["flags"])
    assert matching_cadence_spm(1.0, 0.6) == pytest.approx(100.0)


def test_course_mode_in_the_summary_and_a_stop_is_not_a_turn() -> None:
    # two stretches of walking separated by a 6 s stop: standing still does not turn the
    # walker around, so it is one pass, and with no turn after it, it is not measured
    ons = [float(i) for i in range(7)] + [13.0 + i for i in range(7)]
    left = contacts(ons)
    right = contacts([o + 0.5 for o in ons])
    new, passes = apply_course(table(left, right), 8.0)
    assert len(passes) == 1 and passes[0]["steps"] == 28
    assert not passes[0]["measured"] and np.isnan(new["step_length_m"]).all()
    s = summarize(new, course=passes, pass_length_m=8.0)
    assert s["course"] == {"pass_length_m": 8.0, "passes": passes}
    assert any("course mode" in a for a in s["assumptions"])  # type: ignore[attr-defined]


def test_loading_and_rollover_shares() -> None:
    on = np.arange(10.0)
    heel = on.copy()
    toe = on + np.where(on % 2 == 0, 0.08, 0.0)  # half heel-first, half flat
    left = contacts(on.tolist(), sensors=np.stack([heel, toe], axis=1))
    left.impulse = np.full(10, 12.0)
    right = contacts((on + 0.5).tolist(), sensors=np.stack([on + 0.5, on + 0.58], axis=1))
    right.impulse = np.full(10, 8.0)
    tab = table(left, right, places=(["heel", "toe"], ["heel", "toe"]))
    s = summarize(tab, multi_sensor=(True, True))
    assert s["R"]["heel_first_share"] == 1.0  # type: ignore[index]
    assert 0.3 < s["L"]["heel_first_share"] < 0.7  # type: ignore[index,operator]
    # impulse SI = (12 - 8) / 10 = 40 % (left loads more)
    assert s["symmetry"]["loading"]["si"] == pytest.approx(40.0)  # type: ignore[index]
    assert s["L"]["impulse"]["mean"] == pytest.approx(12.0)  # type: ignore[index]


def _stats_reference(x: np.ndarray) -> dict[str, float | int | None]:
    """The plain definition: mean and sample SD of the finite values via numpy."""
    a = x[np.isfinite(x)]
    n = int(a.size)
    return {
        "mean": float(a.mean()) if n else None,
        "sd": float(a.std(ddof=1)) if n > 1 else None,
        "n": n,
    }


@pytest.mark.parametrize("seed", range(10))
def test_stats_equal_plain_numpy_bit_for_bit(seed: int) -> None:
    """NaN/inf dropped, empty, single, constant and 2-D (belt) inputs."""
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 3, 17, 1000, SQUARES_AT_ONCE + 1, 3 * SQUARES_AT_ONCE + 13):
        x = rng.uniform(-5.0, 100.0) + rng.uniform(0.0, 10.0) * rng.standard_normal(n)
        if seed % 2:
            x[rng.random(n) < 0.2] = rng.choice([np.nan, np.inf, -np.inf])
        assert stats(x) == _stats_reference(x)
        assert stats(np.full(n, 1.1)) == _stats_reference(np.full(n, 1.1))
    v = rng.standard_normal((50, 2))
    v[rng.random((50, 2)) < 0.1] = np.nan
    assert stats(v) == _stats_reference(v[np.isfinite(v)])
    big = np.array([1e308, 1e308, 1.0])  # finite values whose sum is not
    with np.errstate(over="ignore", invalid="ignore"):
        assert stats(big) == _stats_reference(big)
    assert stats(np.array([np.nan, np.nan])) == _stats_reference(np.array([np.nan, np.nan]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inf and -inf: nothing to say, as before
        assert stats(np.array([np.inf, -np.inf, 2.0, 4.0]))["mean"] == 3.0


@pytest.mark.parametrize("n", [2, 9, 16_000, 16_001, 16_008, 65_537, 180_005, 1_000_003])
def test_squared_deviations_equal_numpy_bit_for_bit(n: int) -> None:
    """The halves split where numpy's pairwise sum splits: any other split differs in the
    last bits on values like an hour's belt speeds."""
    rng = np.random.default_rng(n)
    a = 1.0 + 0.05 * rng.standard_normal(n) + 1e-3 * rng.random(n)
    mean = float(np.add.reduce(a) / n)
    dev = a - mean
    assert squared_deviations(a, mean) == float(np.add.reduce(dev * dev))


def test_phases_do_not_depend_on_row_order(rng: np.random.Generator) -> None:
    """Rows out of time order (a table put together by hand) give the same phases."""
    left, right = _walk(n=30, right_at=0.4)
    tab = table(left, right)
    shuffled = tab.take(rng.permutation(len(tab)))
    ordered = np.sort(left_stride_phases(tab))
    assert ordered.size == 28  # 30 left contacts: the first two end no stride
    np.testing.assert_array_equal(np.sort(left_stride_phases(shuffled)), ordered)
    assert ordered == pytest.approx(np.full(28, 144.0))


def test_low_confidence_strides_are_counted_not_dropped() -> None:
    left = contacts([float(i) for i in range(12)])
    right = contacts([i + 0.5 for i in range(12)])
    left.confidence[5] = 0.2  # rows of contacts 5 and 6 rest on it
    right.confidence[3] = 0.49
    s = summarize(table(left, right))
    assert s["low_confidence"] == {"threshold": 0.5, "L": 2, "R": 2}
    assert s["steps_used"] == 20  # still used (the first two rows of each side are edges)


@pytest.mark.parametrize("seed", range(6))
def test_column_stats_equal_stats_of_each_row_bit_for_bit(seed: int) -> None:
    """Rows of values, constants, NaN, all NaN, infinities and sums that overflow, of
    every length the pairwise sum treats differently; rows given as columns too (a
    Fortran-ordered block: summed along a row, its values would be added in another
    order)."""
    rng = np.random.default_rng(seed)
    for n in (0, 1, 2, 7, 8, 9, 128, 129, 1000, 4099, SQUARES_AT_ONCE + 9):
        block = rng.uniform(-5.0, 100.0, (7, 1)) + rng.uniform(0.1, 10.0, (7, 1)) * (
            rng.standard_normal((7, n))
        )
        block[1] = 1.1
        if n:
            block[2, rng.integers(n)] = np.nan
            block[3] = np.nan
            block[4, rng.integers(n)] = rng.choice([np.inf, -np.inf])
            block[5, : min(n, 2)] = 1e308
        with np.errstate(over="ignore", invalid="ignore"):  # the sums that overflow
            want = [stats(row) for row in block]
            assert column_stats(block) == want
            assert column_stats(np.asfortranarray(block)) == want
            assert column_stats(block[:, ::-1]) == [stats(row) for row in block[:, ::-1]]
            finite = block[[0, 1, 6]]  # every value finite: the usual block's way
            assert column_stats(finite) == [stats(row) for row in finite]


def test_flag_counts_count_each_flag(rng: np.random.Generator) -> None:
    for n in (0, 1, 500):
        flags = rng.integers(0, 32, n).astype(np.uint16)
        want = {name: int(np.count_nonzero(flags & bit)) for bit, name in FLAG_NAMES}
        assert flag_counts(flags) == want


def test_cv_from_stats_equals_coefficient_of_variation_bit_for_bit(
    rng: np.random.Generator,
) -> None:
    for n in (0, 1, 2, 3, 50, 700):
        x = 1.1 + 0.03 * rng.standard_normal(n)
        x[rng.random(n) < 0.1] = np.nan
        for series in (x, np.zeros(n), np.full(n, 1.1)):
            assert _cv(stats(series)) == coefficient_of_variation(series)


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 400),
    lost=st.sampled_from([0.0, 0.02, 0.3]),
    unknown=st.sampled_from([0.0, 0.2, 1.0]),
    seed=st.integers(0, 2**32 - 1),
)
def test_shares_and_variability_as_plain_numpy(
    n: int, lost: float, unknown: float, seed: int
) -> None:
    """Each foot's heel-first share, stride-time CV and DFA (with its count) are what
    plain numpy gives from the foot's unflagged rows: a mean of the known contact types,
    the CV and DFA of the finite stride times (some not finite, or none)."""
    rng = np.random.default_rng(seed)
    side = rng.integers(0, 2, n).astype(np.int8)
    flags = np.where(rng.random(n) < 0.1, 4, 0).astype(np.uint16)
    kinds = rng.integers(0, 3, n).astype(np.int8)
    kinds[rng.random(n) < unknown] = UNKNOWN
    values = {k: rng.uniform(0.2, 1.5, n) for k in FLOAT_COLUMNS}
    values["ic_s"] = np.cumsum(rng.uniform(0.4, 0.6, n))
    stride = values["stride_time_s"] = 1.1 + 0.05 * rng.standard_normal(n)
    stride[rng.random(n) < lost] = rng.choice([np.nan, np.inf])
    tab = StepTable(side, np.arange(n), flags, kinds, np.full(n, -1, np.int8), values)
    s = summarize(tab, multi_sensor=(True, True))
    var = s["variability"]
    for code, name in ((0, "L"), (1, "R")):
        rows = (side == code) & (flags == 0)
        known = kinds[rows][kinds[rows] != UNKNOWN]
        share = float((known == HEEL_FIRST).mean()) if known.size else None
        assert s[name]["heel_first_share"] == share  # type: ignore[index]
        series = stride[rows][np.isfinite(stride[rows])]
        assert var["stride_time_cv"][name] == coefficient_of_variation(series)  # type: ignore[index]
        assert var["dfa_alpha"][name] == dfa_alpha(series)  # type: ignore[index]
        assert var["dfa_alpha"]["n"][name] == series.size  # type: ignore[index]
