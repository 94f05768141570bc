"""Course mode (overground passes of known length) on hand-made walks: where passes begin
and end, which passes are measured, and the golden step lengths (docs/metrics.md)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_steps import contacts, table  # type: ignore[import-not-found]

from stride.core.course import CourseParams, apply_course, course_passes, slow_steps, turn_rows
from stride.core.step_ratios import phase_ratios, step_ratios
from stride.core.steps import StepTable

STEP = {"L": 0.55, "R": 0.45}  # a limp: left steps take longer


def walk(
    passes: list[int],
    *,
    turn: int = 4,
    turn_factor: float = 1.5,
    pause: tuple[int, int, float] | None = None,
    cut_turn: int = 0,
) -> tuple[StepTable, list[float]]:
    """Passes of ``n`` walking steps, each followed by a turn of ``turn`` slow steps except
    the last; ``pause`` = (pass, step, seconds) makes that step longer (a freeze);
    ``cut_turn`` slow steps after the last pass (a turn the record cuts off)."""
    ics: list[float] = []
    t = 0.0
    side = 0
    for k, n in enumerate(passes):
        slow = turn if k < len(passes) - 1 else cut_turn
        for i in range(n + slow):
            name = "LR"[side]
            dt = STEP[name] * (turn_factor if i >= n else 1.0)
            if pause is not None and pause[:2] == (k, i):
                dt += pause[2]
            t += dt if ics else 0.0
            ics.append(t)
            side ^= 1
    left = contacts(ics[0::2], stance=0.3)
    right = contacts(ics[1::2], stance=0.3)
    return table(left, right), ics


def _lengths(tab: StepTable, side: int) -> np.ndarray:
    x = tab["step_length_m"][tab.side == side]
    return x[np.isfinite(x)]


def test_passes_end_at_turns_and_the_last_cut_off_pass_is_not_measured() -> None:
    tab, _ = walk([14, 14, 14, 6])
    new, passes = apply_course(tab, 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14, 6]
    assert [p["measured"] for p in passes] == [True, True, True, False]
    assert [p["ended_by"] for p in passes] == ["turn", "turn", "turn", "end of recording"]
    assert "end of the recording" in str(passes[3]["reason"])
    # golden: the steps of a pass cover it, line to line: 10 / 14 per step
    for p in passes[:3]:
        assert p["mean_step_m"] == pytest.approx(10.0 / 14)
        assert p["length_m"] == pytest.approx(10.0)
    # constant speed within a pass: left steps (0.55 s) longer than right (0.45 s)
    left, right = _lengths(new, 0), _lengths(new, 1)
    assert left == pytest.approx(np.full(left.size, 2 * 10.0 / 14 * 0.55))
    assert right == pytest.approx(np.full(right.size, 2 * 10.0 / 14 * 0.45))
    # nothing of the last pass or of the turns has a length
    ic = new["ic_s"]
    assert np.isnan(new["step_length_m"][ic > passes[2]["end_s"]]).all()  # type: ignore[operator]


def test_a_freeze_inside_a_pass_does_not_split_it() -> None:
    tab, ics = walk([14, 14, 14, 3], pause=(1, 6, 3.5))
    new, passes = apply_course(tab, 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14, 3]
    assert all(p["measured"] for p in passes[:3])
    # the step that ends the pause counts in the pass but gets no length of its own
    paused = int(np.argmin(np.abs(new["ic_s"] - ics[14 + 4 + 6])))
    assert np.isnan(new["step_length_m"][paused])
    assert passes[1]["mean_step_m"] == pytest.approx(10.0 / 14)


def test_one_slow_step_is_not_a_turn_and_a_missed_turn_is_not_measured() -> None:
    # the second turn shows as one slow step only: passes 2 and 3 run together
    tab, _ = walk([14, 14, 14, 14, 14, 3])
    slow = slow_steps(tab, CourseParams().slow_factor)
    turn = turn_rows(slow, 2)
    assert slow.sum() == 5 * 4 and turn.sum() == 5 * 4
    one_slow = slow.copy()
    first_turn = np.flatnonzero(slow)[4:8]  # the second turn's four steps
    one_slow[first_turn[1:]] = False
    assert turn_rows(one_slow, 2)[first_turn].sum() == 0
    # as a table: make those three turn steps ordinary by walking them at normal speed
    tab2, _ = walk([14, 31, 14, 14, 3])  # 14 + 3 + 14: the turn between is invisible
    _, passes = apply_course(tab2, 10.0)
    assert [p["steps"] for p in passes] == [14, 31, 14, 14, 3]
    assert not passes[1]["measured"]
    assert "other passes have 14" in str(passes[1]["reason"])
    assert [p["measured"] for p in passes] == [True, False, True, True, False]


def test_a_turn_cut_off_by_the_end_closes_nothing() -> None:
    tab, _ = walk([14, 14, 14], cut_turn=1)
    _, passes = apply_course(tab, 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14]  # the slow last step is not walking
    assert [p["measured"] for p in passes] == [True, True, False]


def test_missing_samples_inside_a_pass_leave_it_unmeasured() -> None:
    _, ics = walk([14, 14, 14, 3])
    left = contacts(ics[0::2], stance=0.3)
    right = contacts(ics[1::2], stance=0.3)
    mid = ics[14 + 4 + 7]  # inside the second pass
    gaps = (np.array([mid + 0.05]), np.array([mid + 0.15]))
    _, passes = apply_course(table(left, right, gaps=gaps), 10.0)
    assert [p["measured"] for p in passes] == [True, False, True, False]
    assert "cannot be counted" in str(passes[1]["reason"])


def test_implausible_and_invalid_pass_lengths() -> None:
    tab, _ = walk([14, 14, 3])
    new, passes = apply_course(tab, 200.0)  # 14 steps cannot cover 200 m
    assert not any(p["measured"] for p in passes)
    assert np.isnan(new["step_length_m"]).all()
    assert "not told apart" in str(passes[0]["reason"])
    with pytest.raises(ValueError):
        apply_course(tab, -1.0)
    assert apply_course(StepTable.empty(), 10.0)[1] == []
    assert course_passes(StepTable.empty()) == []


def test_stride_lengths_are_two_steps_of_the_same_pass() -> None:
    tab, _ = walk([14, 14, 3])
    new, _ = apply_course(tab, 10.0)
    stride = new["stride_length_m"]
    ok = np.isfinite(stride)
    # every step of a measured pass but its first; in the record's first pass, the first
    # two steps have no step time (no step starts at a foot's first contact) and so the
    # first three no stride
    assert ok.sum() == 10 + 13
    assert stride[ok] == pytest.approx(np.full(ok.sum(), 10.0 / 14 * 2))


def _timed_walk(
    stray: list[float],
    turn_factor: float,
    passes: tuple[int, ...] = (14, 14, 14, 14),
    edit: dict[int, float] | None = None,
) -> StepTable:
    """Passes of ``passes`` steps (the last cut off), 0.5 s steps times ``stray`` (cycled),
    turns of four steps at ``turn_factor`` x 0.5 s; ``edit`` = {step: factor} sets a step's
    time to factor x 0.5 s."""
    times: list[float] = []
    for k, n in enumerate(passes):
        times += [0.5 * stray[(len(times) + i) % len(stray)] for i in range(n)]
        times += [0.5 * turn_factor] * (4 if k < len(passes) - 1 else 0)
    for i, f in (edit or {}).items():
        times[i] = 0.5 * f
    ics = np.concatenate([[0.0], np.cumsum(times[1:])])
    return table(contacts(ics[0::2].tolist(), stance=0.3), contacts(ics[1::2].tolist(), stance=0.3))


STRAY = [0.85, 0.85, 1.15, 1.15, 1.0, 1.0]  # step times straying 0.85-1.15 x


def test_a_turn_step_near_the_threshold_is_clear_only_for_a_steady_walker() -> None:
    # too few passes to know what a pass takes: each step is decided alone, against the
    # walker's own spread. A steady walker's turn step at 1.35 x is a turn...
    _, passes = apply_course(_timed_walk([1.0], 1.35, (14, 14, 14)), 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14]
    assert [p["measured"] for p in passes] == [True, True, False]
    # ...in a walker whose step times stray 0.85-1.15 x it could be a walking step too
    _, strayed = apply_course(_timed_walk(STRAY, 1.35, (14, 14, 14)), 10.0)
    assert [p["steps"] for p in strayed] == [14, 14, 14]  # told apart, yet...
    assert not any(p["measured"] for p in strayed)  # ...not measured
    assert "neither clearly walking" in str(strayed[1]["reason"])


def test_the_course_s_regular_counts_settle_ends_the_step_times_leave_unclear() -> None:
    # the same straying walker over more passes: every pass takes 14 steps and every turn
    # four, so turn steps at 1.45 x (within two of the walker's spreads of the threshold:
    # unclear, step by step) and even one at 1.25 x are placed with the others
    _, passes = apply_course(_timed_walk(STRAY, 1.45, (14, 14, 14, 14, 5)), 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14, 14, 5]
    assert [p["measured"] for p in passes] == [True, True, True, True, False]
    _, passes = apply_course(_timed_walk(STRAY, 1.6, (14, 14, 14, 14, 5), {32: 1.25}), 10.0)
    assert [p["steps"] for p in passes] == [14, 14, 14, 14, 5]
    assert [p["measured"] for p in passes] == [True, True, True, True, False]


def test_a_turn_its_step_times_shift_by_a_step_leaves_its_passes_unmeasured() -> None:
    # the second pass's last step as slow as a turn step and the turn's last step as quick
    # as a walking one: the step times say 13 + 15, the counts say 14 + 14; neither is
    # sure, so neither pass is measured (the others are)
    tab = _timed_walk(STRAY, 1.6, (14, 14, 14, 14, 5), {31: 1.6, 35: 1.0})
    _, passes = apply_course(tab, 10.0)
    assert [p["measured"] for p in passes] == [True, False, False, True, False]
    assert all("neither clearly walking" in str(p["reason"]) for p in passes[1:3])
    assert all(float(p["ends_probability"]) < 0.95 for p in passes[1:3])  # type: ignore[arg-type]
    assert float(passes[0]["ends_probability"]) >= 0.95  # type: ignore[arg-type]
    assert "probability" in str(passes[1]["reason"])
    assert sum(p["steps"] for p in passes[1:3]) == 28  # type: ignore[misc]


def _choreic_walk(seed: int, passes: int = 8, steps: int = 14) -> StepTable:
    """Passes of ``steps`` steps and turns of four steps at 1.4 x, every step time straying
    with a 10 % SD (choreic gait): the threshold cuts many turns short."""
    rng = np.random.default_rng(seed)
    ics: list[float] = []
    t, side = 0.0, 0
    for k in range(passes):
        for f in [1.0] * steps + ([1.4] * 4 if k < passes - 1 else []):
            t += STEP["LR"[side]] * f * (1 + 0.1 * rng.standard_normal()) if ics else 0.0
            ics.append(t)
            side ^= 1
    return table(contacts(ics[0::2], stance=0.3), contacts(ics[1::2], stance=0.3))


def test_turns_the_threshold_cuts_short_are_learnt_from_the_whole_session() -> None:
    # seed 0: the threshold finds turns of two steps; taken as the walker's turns, they
    # made every pass 16 steps and two of them measured (0.63 m steps for 0.71 m)
    _, passes = apply_course(_choreic_walk(0), 10.0)
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert [p["steps"] for p in closed] == [14] * 7
    assert sum(bool(p["measured"]) for p in closed) >= 5


@pytest.mark.parametrize("seed", range(1, 9))
def test_a_choreic_walker_s_measured_passes_have_the_true_count(seed: int) -> None:
    _, passes = apply_course(_choreic_walk(seed), 10.0)
    assert all(p["steps"] == 14 for p in passes if p["measured"])
    assert sum(bool(p["measured"]) for p in passes) >= 4


def _some_turns_hardly_slow(seed: int, passes: int = 9, steps: int = 14) -> StepTable:
    """Passes of ``steps`` steps and turns of four steps, the 1st, 3rd and 6th of every 8
    at 1.6 x the step time and the others at 1.2 x (below the slow threshold), every step
    time straying with a 5 % SD: the threshold misses most turns."""
    rng = np.random.default_rng(seed)
    slow = [1.6, 1.2, 1.6, 1.2, 1.2, 1.6, 1.2, 1.2]
    ics: list[float] = []
    t, side = 0.0, 0
    for k in range(passes):
        for f in [1.0] * steps + ([slow[k % 8]] * 4 if k < passes - 1 else []):
            t += STEP["LR"[side]] * f * (1 + 0.05 * rng.standard_normal()) if ics else 0.0
            ics.append(t)
            side ^= 1
    return table(contacts(ics[0::2], stance=0.3), contacts(ics[1::2], stance=0.3))


@pytest.mark.parametrize("seed", [0, 1])
def test_passes_whose_turns_the_threshold_missed_are_told_apart(seed: int) -> None:
    # the threshold reads passes of 14, 32 and 50 steps (one and two turns missed), and
    # learning from their median count (32: two passes and a turn) stayed there, one pass
    # measured; started again from the counts that disagree, the likeliest reading is the
    # walk's (of seeds 0-7: 7 told apart, against 1 before; in seed 2 learning from 14
    # steps finds a less likely reading, and the first one is kept, its one pass of 14
    # measured)
    _, passes = apply_course(_some_turns_hardly_slow(seed), 10.0)
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert [p["steps"] for p in closed] == [14] * 8
    assert all(p["measured"] for p in closed)


@pytest.mark.parametrize("seed", [4, 19])
def test_a_turn_step_as_quick_as_a_walking_one_is_placed_by_the_session_s_turns(
    seed: int,
) -> None:
    # every turn of this choreic walker takes four steps, and the session shows it: a turn
    # whose first or last step is no slower than walking is then a 4-step turn with a
    # probability above 0.95 (the counts weighed as a whole step's spread allows: 5 of
    # the 7 closed passes measured)
    _, passes = apply_course(_choreic_walk(seed), 10.0)
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert [p["steps"] for p in closed] == [14] * 7
    assert all(p["measured"] for p in closed)


@given(st.lists(st.floats(0.05, 5.0, allow_subnormal=False), min_size=1, max_size=40))
def test_pass_median_is_numpys_median_to_the_bit(values: list[float]) -> None:
    from stride.core.course_weights import median_of_few

    x = np.asarray(values)
    assert median_of_few(x) == float(np.median(x))
    assert median_of_few(x[::-1].copy()) == float(np.median(x))


def _split_walk(seed: int, factor: float, passes: int = 8, steps: int = 14) -> StepTable:
    """A walker whose stride time strays with a 10 % SD from one gait cycle to the next
    (each left landing starts one) and whose turns take four steps at ``factor`` x: the
    stride's fluctuation stretches a walking step's double support with it, while a turn's
    extra time is spent in the swing (the double support kept), as in the simulator's
    turns (docs/simulation.md)."""
    rng = np.random.default_rng(seed)
    ics: list[float] = []
    base: list[float] = []
    t, side, stretch = 0.0, 0, 1.0
    for k in range(passes):
        for f in [1.0] * steps + ([factor] * 4 if k < passes - 1 else []):
            if side == 0:
                stretch = 1 + 0.1 * rng.standard_normal()
            b = STEP["LR"[side]] * stretch
            t += b * f if ics else 0.0
            ics.append(t)
            base.append(b)
            side ^= 1
    on, b = np.array(ics), np.array(base)
    # each foot stands until the other has landed and a quarter of that step more
    off = np.append(on[1:], on[-1] + 0.5) + 0.25 * np.append(b[1:], b[-1])
    left = dataclasses.replace(contacts(on[0::2].tolist()), off_t=off[0::2])
    right = dataclasses.replace(contacts(on[1::2].tolist()), off_t=off[1::2])
    return table(left, right)


def test_how_a_step_splits_between_double_support_and_swing_tells_turns_apart() -> None:
    # seed 4: turn steps at 1.3 x, within this walker's step-time spread of its walking
    # steps; their swing share sets them apart, which step times alone do not
    tab = _split_walk(4, 1.3)
    _, passes = apply_course(tab, 10.0)
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert [p["steps"] for p in closed] == [14] * 7
    measured = [p for p in passes if p["measured"]]
    assert len(measured) >= 5 and all(p["steps"] == 14 for p in measured)
    _, alone = apply_course(tab, 10.0, CourseParams(weigh_phase=False))
    assert [p["steps"] for p in alone if p["ended_by"] == "turn"] != [14] * 7
    assert sum(bool(p["measured"]) for p in alone) <= 1


def test_a_step_without_double_support_has_no_phase() -> None:
    # stances of 0.3 s at 0.45-0.55 s steps: a flight phase, not walking; its split says
    # nothing, so course mode weighs the step times alone (the same passes either way)
    tab, _ = walk([14, 14, 14, 14, 5])
    assert np.isnan(phase_ratios(tab)).all()
    with_phase = apply_course(tab, 10.0)[1]
    assert with_phase == apply_course(tab, 10.0, CourseParams(weigh_phase=False))[1]


def _freeze_walk(freeze_at: int, passes: int = 6, steps: int = 14) -> StepTable:
    """A walker whose stride time strays by 3 % from one gait cycle to the next and whose
    turns take four steps at 1.5 x, their extra time in the swing (as
    :func:`_split_walk`'s), with a 3 s freeze of gait before step ``freeze_at`` (counted
    from the record's first landing): both feet stand still on the floor, then the foot
    lifts and swings as in walking (as in the simulator, docs/simulation.md)."""
    rng = np.random.default_rng(0)
    on: list[float] = []
    base: list[float] = []
    t, side, stretch = 0.0, 0, 1.0
    for k in range(passes):
        for f in [1.0] * steps + ([1.5] * 4 if k < passes - 1 else []):
            if side == 0:
                stretch = 1 + 0.03 * rng.standard_normal()
            b = STEP["LR"[side]] * stretch
            t += (b * f + (3.0 if len(on) == freeze_at else 0.0)) if on else 0.0
            on.append(t)
            base.append(b)
            side ^= 1
    ic, b = np.array(on), np.array(base)
    # each foot stands until the other has landed and a quarter of that step more; the
    # foot that steps out of the freeze stood through it, lifting a swing before landing
    off = np.append(ic[1:], ic[-1] + 0.5) + 0.25 * np.append(b[1:], b[-1])
    off[freeze_at - 2] = ic[freeze_at] - 0.75 * b[freeze_at]
    left = dataclasses.replace(contacts(ic[0::2].tolist()), off_t=off[0::2])
    right = dataclasses.replace(contacts(ic[1::2].tolist()), off_t=off[1::2])
    return table(left, right)


@pytest.mark.parametrize("where", ["before a turn", "setting off after a turn"])
def test_a_freeze_of_gait_next_to_a_turn_is_not_a_turn_step(where: str) -> None:
    # the pass's last walking step (or the next pass's first) comes after 3 s standing on
    # both feet: a pause whose foot then swung as in walking, weighed as neither a turn
    # step nor a walking step, so the counts keep it in its pass (a turn step before)
    at = 2 * 18 + (13 if where == "before a turn" else 18)
    tab = _freeze_walk(at)
    assert np.isposinf(step_ratios(tab)[at])  # a pause: no step time of its own
    _, passes = apply_course(tab, 10.0)
    assert [p["steps"] for p in passes if p["ended_by"] == "turn"] == [14] * 5
    assert all(p["measured"] for p in passes if p["ended_by"] == "turn")
    # weighed as a pause, the freeze lengthens the turn by a step and shortens the pass
    _, old = apply_course(tab, 10.0, CourseParams(weigh_stood=False))
    assert [p["steps"] for p in old if p["ended_by"] == "turn"] != [14] * 5
