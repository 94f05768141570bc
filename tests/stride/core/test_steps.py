"""The steps table from hand-made contacts: golden values for every column and flag.

Contacts come from a tiny stand-in (the arrays the contact detector returns), so these
tests check the step logic alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.core.belt import BeltTrack
from stride.core.rollover import FLAT, HEEL_FIRST, TOE_FIRST, UNKNOWN
from stride.core.step_intervals import trusted_ics
from stride.core.steps import (
    FLAG_ALTERNATION,
    FLAG_EDGE,
    FLAG_GAP,
    FLAG_STOP,
    FLAG_TURN,
    FLOAT_COLUMNS,
    StepParams,
    StepTable,
    flag_names,
    merge_sides,
    side_rows,
)

NO_GAPS = (np.zeros(0), np.zeros(0))


@dataclass
class Contacts:
    on_t: np.ndarray
    off_t: np.ndarray
    complete: np.ndarray
    gap_before: np.ndarray
    sensor_on_t: np.ndarray
    impulse: np.ndarray
    peak: np.ndarray
    on_seen: np.ndarray
    off_seen: np.ndarray
    confidence: np.ndarray


def contacts(on: list[float], stance: float = 0.6, sensors: np.ndarray | None = None) -> Contacts:
    a = np.asarray(on, dtype=np.float64)
    m = a.size
    return Contacts(
        a,
        a + stance,
        np.ones(m, bool),
        np.zeros(m, bool),
        a[:, None].copy() if sensors is None else sensors,
        np.full(m, 10.0),
        np.full(m, 5.0),
        np.ones(m, bool),
        np.ones(m, bool),
        np.ones(m),
    )


def belt(speed: float = 1.0) -> BeltTrack:
    b = BeltTrack()
    bt = np.arange(-1.0, 30.0, 0.05)
    b.append(bt, np.full(bt.size, speed))
    return b


def table(
    left: Contacts,
    right: Contacts,
    belts: tuple[BeltTrack | None, BeltTrack | None] = (None, None),
    gaps: tuple[np.ndarray, np.ndarray] = NO_GAPS,
    places: tuple[list[str], list[str]] = (["foot"], ["foot"]),
) -> StepTable:
    p = StepParams()
    lt = side_rows(left, right, 0, places[0], 100.0, belts[0], gaps[0], gaps[1], p)
    rt = side_rows(right, left, 1, places[1], 100.0, belts[1], gaps[0], gaps[1], p)
    return merge_sides(lt, rt)


def regular(n: int = 6) -> tuple[Contacts, Contacts]:
    return contacts([float(i) for i in range(n)]), contacts([i + 0.5 for i in range(n)])


def test_golden_row_of_regular_walking() -> None:
    left, right = regular()
    b = belt(1.2)
    tab = table(left, right, (b, b))
    assert tab.side.tolist() == [0, 1] * 6
    assert tab["ic_s"].tolist() == [0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5.0, 5.5]
    row = next(r for r in tab.rows() if r["side"] == "L" and r["ic_s"] == 2.0)
    assert row["fc_s"] == pytest.approx(2.6)
    assert row["step_time_s"] == pytest.approx(0.5)
    assert row["stride_time_s"] == pytest.approx(1.0)
    assert row["stance_s"] == pytest.approx(0.6)
    assert row["swing_s"] == pytest.approx(0.4)
    assert row["step_length_m"] == pytest.approx(0.6)  # 1.2 m/s x 0.5 s
    assert row["stride_length_m"] == pytest.approx(1.2)
    assert row["double_support_initial_s"] == pytest.approx(0.1)  # R off at 2.1
    assert row["double_support_terminal_s"] == pytest.approx(0.1)  # R on at 2.5
    assert row["flags"] == []
    assert row["impulse"] == 10.0 and row["peak"] == 5.0
    # first contact of each foot has no stride: edge, lengths not measurable
    first = next(tab.rows())
    assert first["flags"] == ["edge"] and first["stride_length_m"] is None
    assert first["step_time_s"] is None  # no earlier IC of the other foot


def test_no_belt_means_no_lengths_and_split_belts_use_the_foot_belt() -> None:
    left, right = regular()
    tab = table(left, right)
    assert np.isnan(tab["step_length_m"]).all()
    tab = table(left, right, (belt(1.0), belt(1.5)))
    right_rows = tab.take(np.flatnonzero(tab.valid & (tab.side == 1)))
    left_rows = tab.take(np.flatnonzero(tab.valid & (tab.side == 0)))
    assert right_rows["step_length_m"] == pytest.approx(0.75)
    assert left_rows["step_length_m"] == pytest.approx(0.5)


def test_gap_flags_and_unmeasured_intervals() -> None:
    left, right = regular()
    b = belt()
    gaps = (np.array([2.2]), np.array([2.4]))  # inside L swing / R stance of R contact 1.5
    tab = table(left, right, (b, b), gaps)
    rows = {(r["side"], r["ic_s"]): r for r in tab.rows()}
    r = rows[("L", 3.0)]  # stride 2.0 -> 3.0 spans the gap
    assert "gap" in r["flags"] and r["stride_time_s"] is None and r["stride_length_m"] is None
    assert r["swing_s"] is None
    assert r["step_time_s"] == pytest.approx(0.5)  # step 2.5 -> 3.0 does not
    assert "gap" in rows[("R", 2.5)]["flags"]  # its step 2.0 -> 2.5 spans the gap
    assert rows[("L", 4.0)]["flags"] == []
    # the detector's own gap_before mark is honoured too
    left.gap_before[4] = True
    tab = table(left, right, (b, b))
    assert tab.flags[(tab.side == 0) & (tab.contact == 4)][0] & FLAG_GAP


def test_stop_turn_alternation_edge() -> None:
    ons = [0.0, 1.0, 2.0, 3.0, 4.0, 8.0, 9.0, 10.0, 11.0, 11.6, 12.6]
    left = contacts(ons)
    right = contacts([o + 0.5 for o in ons])
    tab = table(left, right)
    lrows = {r["ic_s"]: r for r in tab.rows() if r["side"] == "L"}
    assert "stop" in lrows[8.0]["flags"]  # a 4 s stride: a pause, not a stride
    assert lrows[8.0]["stride_time_s"] is None and lrows[8.0]["step_time_s"] is None
    assert lrows[9.0]["stride_time_s"] == pytest.approx(1.0)
    assert "turn" in lrows[11.6]["flags"]  # 0.6 s among 1.0 s strides
    assert lrows[10.0]["flags"] == []
    # a missed right contact breaks alternation for the left stride around it
    right2 = contacts([o + 0.5 for o in ons if o != 2.0])
    tab = table(left, right2)
    f = tab.flags[(tab.side == 0) & (tab["ic_s"] == 3.0)][0]
    assert f & FLAG_ALTERNATION
    # a last contact cut by the record's end: its stride counts, but it has no FC,
    # stance or loading
    left.complete[-1] = left.off_seen[-1] = False
    tab = table(left, right)
    last = tab.take(np.flatnonzero((tab.side == 0) & (tab.contact == len(ons) - 1)))
    assert last.flags[0] & FLAG_EDGE == 0 and np.isnan(last["fc_s"][0])
    assert np.isnan(last["impulse"][0]) and np.isnan(last["stance_s"][0])
    assert last["stride_time_s"][0] == pytest.approx(1.0)
    # a first contact that began before the record: no IC, so no stride ends at the next
    left.complete[0] = left.on_seen[0] = False
    tab = table(left, right)
    second = tab.take(np.flatnonzero((tab.side == 0) & (tab.contact == 1)))
    assert second.flags[0] & FLAG_EDGE and np.isnan(second["stride_time_s"][0])
    assert flag_names(FLAG_STOP | FLAG_TURN) == ["turn", "stop"]


def test_a_contact_standing_through_a_pause_is_a_stop_not_a_stance() -> None:
    # a freeze of gait: both feet stand about 3.7 s, the strides around are 1.0 s
    ons = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 9.0, 10.0, 11.0, 12.0]
    left, right = contacts(ons), contacts([o + 0.5 for o in ons])
    left.off_t[5], right.off_t[5] = 5.0 + 3.67, 5.5 + 3.6
    tab = table(left, right)
    rows = {(r["side"], r["ic_s"]): r for r in tab.rows()}
    for key in (("L", 5.0), ("R", 5.5)):  # standing: a pause's contact, not a stance
        assert rows[key]["flags"] == ["stop"]
        assert rows[key]["stance_s"] > 3.5  # kept in the table, out of the summary
        assert rows[key]["step_time_s"] == pytest.approx(0.5)
    assert "stop" in rows[("L", 9.0)]["flags"]  # the 4 s stride, as before
    assert rows[("L", 4.0)]["flags"] == [] and rows[("L", 10.0)]["flags"] == []
    # on a belt (stopped while the walker stood) the same
    assert (table(left, right, (belt(), belt())).flags == tab.flags).all()
    # a slow walker's long stances are walking: 1.9 s stances in 3.0 s strides
    slow = [3.0 * i for i in range(8)]
    tab = table(contacts(slow, 1.9), contacts([o + 1.5 for o in slow], 1.9))
    assert not (tab.flags[tab.contact > 0] & FLAG_STOP).any()


def test_a_short_freeze_is_standing_though_under_the_pause_limits() -> None:
    # a freeze of about a second: stances 0.7 -> 1.7 s in 1.1 s strides (1.7 s is under
    # 3.0 s and 2 x 1.1 s): a foot loaded longer than its whole stride stood through it
    ons = [1.1 * i for i in range(12)]
    left, right = contacts(ons, 0.7), contacts([o + 0.55 for o in ons], 0.7)
    for foot, freeze in ((left, 6), (right, 6)):
        foot.off_t[freeze] += 1.0
        foot.on_t[freeze + 1 :] += 1.0
    tab = table(left, right)
    rows = {(r["side"], r["contact"]): r for r in _rows_with_contact(tab)}
    assert rows[("L", 6)]["flags"] == ["stop"] and rows[("R", 6)]["flags"] == ["stop"]
    assert rows[("L", 6)]["stance_s"] == pytest.approx(1.7)
    # the walking stances around it are not: 0.7 s, and 1.05 s (just under a 1.1 s stride)
    assert rows[("L", 5)]["flags"] == [] and rows[("L", 8)]["flags"] == []
    left.off_t[4] += 0.35
    assert table(left, right).take(np.array([8])).flags[0] == 0  # L contact 4
    left.off_t[4] += 0.1  # 1.15 s: longer than the stride, standing
    assert table(left, right).take(np.array([8])).flags[0] == FLAG_STOP


def _rows_with_contact(tab: StepTable) -> list[dict[str, object]]:
    return [{**r, "contact": int(c)} for r, c in zip(tab.rows(), tab.contact.tolist(), strict=True)]


def test_rollover_columns() -> None:
    on = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
    heel = on.copy()
    toe = on + np.array([0.08, 0.08, 0.005, -0.05, np.nan])
    left = contacts(on.tolist(), sensors=np.stack([heel, toe], axis=1))
    right = contacts((on + 0.5).tolist())
    tab = table(left, right, places=(["heel", "toe"], ["foot"]))
    lt = tab.take(np.flatnonzero(tab.side == 0))
    # the first contact's IC is not trusted (it may be a phantom in mid-stance): no type
    assert lt.contact_type.tolist() == [UNKNOWN, HEEL_FIRST, FLAT, TOE_FIRST, HEEL_FIRST]
    assert lt["heel_toe_s"][1:4] == pytest.approx([0.08, 0.005, -0.05])
    assert [r["contact_type"] for r in lt.rows()] == [None, "heel", "flat", "toe", "heel"]


def test_rows_for_a_subset_equal_rows_of_the_whole() -> None:
    ons = [0.0, 1.0, 2.1, 3.0, 4.3, 5.0, 6.0, 7.2, 8.0]
    left, right = contacts(ons), contacts([o + 0.45 for o in ons])
    b = belt()
    p = StepParams()
    whole = side_rows(left, right, 0, ["foot"], 100.0, b, *NO_GAPS, p)
    part = side_rows(left, right, 0, ["foot"], 100.0, b, *NO_GAPS, p, np.arange(5, 9))
    for k in whole.values:
        assert np.array_equal(whole[k][5:], part[k], equal_nan=True)
    assert np.array_equal(whole.flags[5:], part.flags)


def test_a_long_step_is_a_turn_even_when_its_stride_is_not() -> None:
    # regular 1 s strides, right IC half-way; at t = 8 the left foot waits 0.25 s longer
    # (first step of a turn): its stride is 1.25 s (within 30 %), its step 0.75 s (+50 %)
    ons_l = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.25, 9.25, 10.25]
    ons_r = [0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.75, 9.75]
    tab = table(contacts(ons_l), contacts(ons_r))
    lrows = {r["ic_s"]: r for r in tab.rows() if r["side"] == "L"}
    assert lrows[8.25]["flags"] == ["turn"]
    assert lrows[7.0]["flags"] == [] and lrows[9.25]["flags"] == []


def test_variable_steps_with_steady_strides_are_not_turns() -> None:
    # steady 1.2 s strides but the right IC drifts between 0.3 and 0.7 of the stride (as
    # in advanced ALS): step times vary by +-40 %, strides by under 10 %; nothing is a turn
    k = np.arange(30)
    ons_l = k * 1.2
    ons_r = ons_l + 1.2 * (0.5 + 0.2 * np.sin(2 * np.pi * k / 12))
    tab = table(contacts(ons_l.tolist(), 0.8), contacts(ons_r.tolist(), 0.8))
    assert not np.any(tab.flags & FLAG_TURN)


def test_confidence_is_the_lesser_of_the_strides_two_contacts() -> None:
    left = contacts([0.0, 1.0, 2.0, 3.0, 4.0])
    left.confidence[:] = [0.9, 0.3, 1.0, 1.0, 0.6]
    right = contacts([0.5, 1.5, 2.5, 3.5, 4.5])
    tab = table(left, right)
    conf = [r["confidence"] for r in tab.rows() if r["side"] == "L"]
    assert conf == pytest.approx([0.9, 0.3, 0.3, 1.0, 0.6])
    # low-confidence rows are kept, flagged only as they would be anyway
    assert len([r for r in tab.rows() if r["side"] == "L"]) == 5


def test_no_stride_or_step_starts_at_a_foots_first_contact() -> None:
    """Joining a stream mid-stance can give a first contact with a "seen" IC in mid-stance
    (a phantom stride from it): a foot's first seen IC starts nothing; later ones do, after
    a gap (an unseen IC) too."""
    assert trusted_ics(np.array([True, True, True])).tolist() == [False, True, True]
    assert trusted_ics(np.array([False, True, True, False, True, True])).tolist() == [
        False, False, True, False, True, True,
    ]  # fmt: skip
    assert trusted_ics(np.zeros(0, bool)).tolist() == []
    left, right = regular()
    left.on_t[0] = 0.3  # a phantom IC in mid-stance: a 0.7 s "stride" to the next
    tab = table(left, right)
    rows: dict[tuple[str, int], dict[str, object]] = {}
    for side in ("L", "R"):
        for i, r in enumerate(r for r in tab.rows() if r["side"] == side):
            rows[(side, i)] = r
    assert rows[("L", 1)]["flags"] == ["edge"] and rows[("L", 1)]["stride_time_s"] is None
    assert rows[("R", 0)]["flags"] == ["edge"]  # its step would begin at L's phantom IC
    assert rows[("R", 1)]["flags"] == ["edge"] and rows[("R", 1)]["stride_time_s"] is None
    assert rows[("L", 2)]["flags"] == [] and rows[("L", 2)]["stride_time_s"] == pytest.approx(1.0)
    assert rows[("R", 2)]["stride_time_s"] == pytest.approx(1.0)


def _side_table(side: int, ic: np.ndarray, rng: np.random.Generator) -> StepTable:
    n = ic.shape[0]
    values = {k: rng.standard_normal(n) for k in FLOAT_COLUMNS}
    values["ic_s"] = ic
    return StepTable(
        np.full(n, side, np.int8),
        np.arange(n, dtype=np.int64),
        rng.integers(0, 32, n).astype(np.uint16),
        rng.integers(-1, 3, n).astype(np.int8),
        rng.integers(-1, 2, n).astype(np.int8),
        values,
    )


@pytest.mark.parametrize("n", [1500, 3000])
def test_long_tables_are_merged_by_placing_as_by_sorting(
    monkeypatch: pytest.MonkeyPatch, rng: np.random.Generator, n: int
) -> None:
    """Ties between the feet (L first), repeated ICs within a foot (kept in order), and
    tables that are not in IC order (sorted as before)."""
    import stride.core.steps as steps_module

    ic_l = np.sort(np.round(rng.uniform(0, 600, n), 1))
    ic_r = np.sort(np.concatenate([np.round(rng.uniform(0, 600, n - 50), 1), ic_l[:50]]))
    cases = [(ic_l, ic_r), (ic_l, ic_r[::-1].copy()), (np.where(ic_l > 500, np.nan, ic_l), ic_r)]
    for a, b in cases:
        left, right = _side_table(0, a, rng), _side_table(1, b, rng)
        if a is ic_l and b is ic_r:  # the case of a whole record's analysis
            assert steps_module._in_order(left, 0) and steps_module._in_order(right, 1)
        placed = merge_sides(left, right)
        monkeypatch.setattr(steps_module, "MERGE_BY_PLACING", 10**9)
        sorted_ = merge_sides(left, right)
        monkeypatch.undo()
        for name in ("side", "contact", "flags", "contact_type", "on_target"):
            assert np.array_equal(getattr(placed, name), getattr(sorted_, name))
        assert list(placed.values) == list(sorted_.values)
        for k in FLOAT_COLUMNS:
            assert np.array_equal(placed[k], sorted_[k], equal_nan=True)


@settings(max_examples=80, deadline=None)
@given(
    nl=st.integers(0, 40),
    nr=st.integers(0, 40),
    nan=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_short_tables_merged_as_joined_then_sorted(nl: int, nr: int, nan: bool, seed: int) -> None:
    """Tables below ``MERGE_BY_PLACING`` rows: every column as the two tables joined
    (``StepTable.concat``) and taken in ``np.lexsort`` order by IC, then side: ties
    within a foot and between the feet, ICs out of order, NaN ICs."""
    rng = np.random.default_rng(seed)
    ic_l = np.round(rng.uniform(0, 5, nl), 1)
    ic_r = np.round(rng.uniform(0, 5, nr), 1)
    if nan and nl:
        ic_l[rng.integers(nl)] = np.nan
    left, right = _side_table(0, ic_l, rng), _side_table(1, ic_r, rng)
    joined = StepTable.concat([left, right])
    want = joined.take(np.lexsort((joined.side, joined["ic_s"])))
    got = merge_sides(left, right)
    for name in ("side", "contact", "flags", "contact_type", "on_target"):
        assert np.array_equal(getattr(got, name), getattr(want, name))
        assert getattr(got, name).dtype == getattr(want, name).dtype
    assert list(got.values) == list(want.values)
    for k in FLOAT_COLUMNS:
        assert np.array_equal(got[k], want[k], equal_nan=True)
