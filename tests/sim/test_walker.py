"""The walker: timing structure, long-range correlations, staying on the belt, feedback."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import numpy as np
import pytest
import simpy

from sim.forces import G, layout, render_forces
from sim.params import Feedback, GaitParams
from sim.treadmill import Treadmill
from sim.walker import MIN_DOUBLE_SUPPORT_S, MIN_SWING_S, Contact, Walker


def walk(
    params: GaitParams,
    seconds: float,
    *,
    seed: int = 0,
    speed: float = 1.0,
    belt: bool = True,
    feedback: Feedback | None = None,
) -> tuple[Walker, Treadmill | None]:
    env = simpy.Environment()
    tm = Treadmill(speed, body_mass_kg=params.body_mass_kg) if belt else None
    w = Walker(env, params, np.random.default_rng(seed), tm, feedback=feedback)
    env.run(until=seconds)
    return w, tm


def side(w: Walker, s: str) -> list[Contact]:
    return [c for c in w.contacts if c.side == s and c.fc is not None]


def stride_times(w: Walker, s: str) -> np.ndarray:
    return np.diff([c.ic for c in w.contacts if c.side == s])


def test_contacts_alternate_and_stance_is_60_percent() -> None:
    w, _ = walk(GaitParams(), 120)
    sides = [c.side for c in w.contacts]
    assert all(a != b for a, b in itertools.pairwise(sides))
    for s in "LR":
        stride = stride_times(w, s).mean()
        stance = np.mean([c.fc - c.ic for c in side(w, s)])  # type: ignore[operator]
        assert stance / stride == pytest.approx(0.60, abs=0.01)


def test_double_support_both_sides() -> None:
    w, _ = walk(GaitParams(), 60)
    cs = w.contacts
    for prev, nxt in itertools.pairwise(cs):
        if prev.fc is None:
            continue
        # The next foot lands before this one lifts: a double-support phase.
        assert nxt.ic < prev.fc


def test_both_feet_split_their_steps_alike_as_the_stride_time_varies() -> None:
    # A walker's stance, swing and double support all follow its stride time, on both feet:
    # the right foot, standing when a gait cycle is drawn at a left landing, lifts by that
    # cycle. (Lifting by the cycle it landed in, a long cycle's extra time went all to its
    # swing: here a slope of its swing share on its step time of +0.25, the left foot's 0.)
    w, _ = walk(GaitParams(alpha=0.5, stride_cv=0.05, step_jitter_s=0.0), 300)
    last: dict[str, Contact] = {}
    share: dict[str, list[tuple[float, float]]] = {"L": [], "R": []}
    for c in w.contacts:
        other, same = last.get("R" if c.side == "L" else "L"), last.get(c.side)
        if other is not None and same is not None and same.fc is not None:
            step = c.ic - other.ic
            share[c.side].append((np.log(step), np.log((c.ic - same.fc) / step)))
        last[c.side] = c
    for s in "LR":
        x, y = np.array(share[s]).T
        assert abs(np.polyfit(x, y, 1)[0]) < 0.05, s


def test_cadence_follows_walk_ratio() -> None:
    p = GaitParams()
    w, _ = walk(p, 120, speed=1.2)
    step = np.diff([c.ic for c in w.contacts]).mean()
    expected = 60.0 / np.sqrt(60 * 1.2 / p.walk_ratio)
    assert step == pytest.approx(expected, rel=0.03)


@pytest.mark.parametrize("alpha", [0.65, 0.85])
def test_600_strides_measure_the_target_alpha(
    alpha: float, dfa: Callable[..., float], nolds_dfa: Callable[..., float]
) -> None:
    vals = []
    for seed in range(3):
        w, _ = walk(GaitParams(alpha=alpha), 760, seed=seed)
        st = stride_times(w, "L")[:600]
        assert st.size == 600
        vals.append(dfa(st))
        assert nolds_dfa(st) == pytest.approx(alpha, abs=0.12)
    assert np.mean(vals) == pytest.approx(alpha, abs=0.05)
    assert np.median(np.abs(np.array(vals) - alpha)) <= 0.08


def test_stride_cv_is_near_the_parameter() -> None:
    w, _ = walk(GaitParams(stride_cv=0.04, alpha=0.5), 600)
    st = stride_times(w, "L")
    assert st.std() / st.mean() == pytest.approx(0.04, rel=0.2)


def test_walker_keeps_its_place_and_stride_speed_is_anti_persistent(
    dfa: Callable[..., float],
) -> None:
    w, tm = walk(GaitParams(), 800, seed=4)
    assert tm is not None
    left = [c for c in w.contacts if c.side == "L"]
    places = np.array([c.place for c in w.contacts])
    assert np.abs(places).max() < 0.03  # stays within a few cm of its place
    ic = np.array([c.ic for c in left])
    lengths = np.array(
        [tm.displacement(a.ic, b.ic) + b.place - a.place for a, b in itertools.pairwise(left)]
    )
    speed = lengths / np.diff(ic)
    assert dfa(speed[:600]) < 0.5
    assert speed.mean() == pytest.approx(1.0, abs=0.01)


def test_metronome_makes_stride_times_anti_persistent(dfa: Callable[..., float]) -> None:
    w, _ = walk(GaitParams(), 760, feedback=Feedback(metronome_spm=100.0))
    st = stride_times(w, "L")[:600]
    assert st.mean() == pytest.approx(1.2, abs=0.01)
    assert dfa(st) < 0.45


def test_step_time_and_stance_asymmetry_are_realised() -> None:
    p = GaitParams(step_time_asym=0.10, step_length_asym=0.10, stance_asym=-0.08)
    w, _ = walk(p, 300)
    cs = w.contacts
    steps = {"L": [], "R": []}  # type: dict[str, list[float]]
    for a, b in itertools.pairwise(cs):
        steps[b.side].append(b.ic - a.ic)
    mean_l, mean_r = np.mean(steps["L"]), np.mean(steps["R"])
    assert (mean_l - mean_r) / ((mean_l + mean_r) / 2) == pytest.approx(0.10, abs=0.01)
    st = {s: np.mean([c.fc - c.ic for c in side(w, s)]) for s in "LR"}  # type: ignore[operator]
    assert (st["L"] - st["R"]) / ((st["L"] + st["R"]) / 2) == pytest.approx(-0.08, abs=0.01)


def test_feedback_moves_steps_toward_the_target_with_a_residual() -> None:
    p = GaitParams()
    fb = Feedback(step_length_m=0.72, tau_strides=20.0, residual=0.2)
    w, _tm = walk(p, 400, feedback=fb)
    cs = w.contacts
    step_t = np.array([b.ic - a.ic for a, b in itertools.pairwise(cs)])
    first, last = step_t[:6].mean(), step_t[-100:].mean()
    own = 60.0 / np.sqrt(60 * 1.0 / p.walk_ratio)
    target = 0.72 / 1.0
    assert first == pytest.approx(own, rel=0.05)
    # After many time constants, 20 % of the initial distance remains.
    assert last == pytest.approx(target + 0.2 * (own - target), abs=0.01)


def test_symmetry_feedback_reduces_asymmetry() -> None:
    p = GaitParams(step_time_asym=0.2, step_length_asym=0.2)
    w, _ = walk(p, 300, feedback=Feedback(symmetry=True, tau_strides=10.0, residual=0.25))
    cs = w.contacts[-200:]
    steps = {"L": [], "R": []}  # type: dict[str, list[float]]
    for a, b in itertools.pairwise(cs):
        steps[b.side].append(b.ic - a.ic)
    mean_l, mean_r = np.mean(steps["L"]), np.mean(steps["R"])
    assert (mean_l - mean_r) / ((mean_l + mean_r) / 2) == pytest.approx(0.05, abs=0.01)


def stopped_walker() -> tuple[simpy.Environment, Treadmill, Walker]:
    """A walker 20 s on a 1 m/s belt that then stops, run to 40 s."""
    env = simpy.Environment()
    tm = Treadmill(1.0)
    w = Walker(env, GaitParams(), np.random.default_rng(0), tm)
    env.run(until=20)
    tm.stop(20.0)
    env.run(until=40)
    return env, tm, w


def test_walker_stands_while_the_belt_is_stopped() -> None:
    env, tm, w = stopped_walker()
    n_stopped = len(w.contacts)
    env.run(until=60)
    assert len(w.contacts) == n_stopped  # no steps on a stopped belt
    assert w.state.standing
    tm.start(60.0)
    env.run(until=80)
    assert len(w.contacts) > n_stopped + 10


def test_both_feet_stay_loaded_while_the_walker_stands() -> None:
    """A stand's force, rendered while the walker stands (a live world renders up to now)
    and once the stand is over, is the same: both feet loaded as when the belt stopped.
    Before, an open contact's force ended at its planned final contact (a second after
    it landed), however long the walker stood."""
    env, tm, w = stopped_walker()
    layout_ = layout("heel-toe")
    t = np.arange(25.0, 40.0, 0.01)
    during = render_forces(w.contacts, t, layout_, 70.0, 0.1)
    stood = [c for c in w.contacts if c.fc is None]
    assert sorted(c.side for c in stood) == ["L", "R"]
    assert all(c.hold is not None and c.hold[1] is None for c in stood)
    for s in "LR":  # each foot carries load all along (at least a fifth of body weight)
        cols = [i for i, ch in enumerate(layout_) if ch.side == s]
        assert (during[:, cols].sum(axis=1) > 0.2 * 70.0 * G).all()
    tm.start(40.0)
    env.run(until=60)
    assert all(c.fc is not None and c.fc > 40.0 for c in stood)
    assert all(c.hold is not None and c.hold[1] is not None for c in stood)
    after = render_forces(w.contacts, t, layout_, 70.0, 0.1)
    np.testing.assert_allclose(after, during, atol=1e-9)


def test_overground_passes_with_turns() -> None:
    w, _ = walk(GaitParams(), 120, belt=False)
    turns = [c for c in w.contacts if "turn" in c.flags]
    assert w.state.turns >= 5
    assert turns
    lengths = [c.step_length for c in w.contacts if "turn" not in c.flags]
    assert all(length is not None and 0.4 < length < 1.0 for length in lengths)
    # the walker aims its last steps at the end line: the last foot of every pass lands on
    # it, within its placement noise (1.5 % of a step), never a part of a step short
    ends = [
        a.place for a, b in zip(w.contacts, w.contacts[1:], strict=False)
        if "turn" not in a.flags and "turn" in b.flags
    ]  # fmt: skip
    assert len(ends) == w.state.turns
    assert all(abs(x - 10.0) < 0.04 for x in ends), ends
    assert max(c.place for c in w.contacts) < 10.04


def test_freezing_happens_overground_only() -> None:
    p = GaitParams(freeze_per_min=3.0, freeze_s=2.0)
    w, _ = walk(p, 300, belt=False)
    assert w.state.freezes > 3
    frozen = [c for c in w.contacts if "freeze" in c.flags]
    assert frozen
    # both feet stand through a freeze: every contact that stood through one is flagged
    stood = [c for c in w.contacts if c.fc is not None and c.fc - c.ic > p.freeze_s]
    assert stood == frozen
    assert [c.side for c in frozen] == ["L", "R"] * w.state.freezes
    w2, _ = walk(p, 300, belt=True)
    assert w2.state.freezes == 0


def test_same_seed_same_walk() -> None:
    a, _ = walk(GaitParams(), 60, seed=9)
    b, _ = walk(GaitParams(), 60, seed=9)
    c, _ = walk(GaitParams(), 60, seed=10)
    assert [x.ic for x in a.contacts] == [x.ic for x in b.contacts]
    assert [x.ic for x in a.contacts] != [x.ic for x in c.contacts]


def test_chorea_touches_lie_in_the_swings_and_two_stage_contacts_start_at_the_touch() -> None:
    p = GaitParams(stride_cv=0.16, swing_touch_rate=0.5, two_stage_rate=0.6, scuff_rate=0.3)
    w, _ = walk(p, 300.0, seed=4)
    by_side = {s: [c for c in w.contacts if c.side == s and c.fc is not None] for s in "LR"}
    n_events = n_two = 0
    for cs in by_side.values():
        for c, nxt in itertools.pairwise(cs):
            assert nxt.ic - c.fc >= 0.25 - 1e-9  # the swinging leg's shortest swing  # type: ignore[operator]
            for at, dur, level in c.swing_events:
                n_events += 1
                assert c.fc + 0.02 - 1e-9 <= at and at + dur <= nxt.ic - 0.04 + 1e-9  # type: ignore[operator]
                assert 0.015 <= dur <= 0.06 and 0.05 <= level <= 0.7
            if c.pre_touch is not None:
                n_two += 1
                assert 0.03 <= c.pre_touch[0] <= 0.09 and 0.25 <= c.pre_touch[1] <= 0.45
    total = sum(len(cs) for cs in by_side.values())
    assert 0.4 < n_two / total < 0.8
    assert 0.4 < n_events / total < 1.0  # half the swings touch, a third scuff, some no room


def test_no_chorea_draws_no_events_and_leaves_the_walk_unchanged() -> None:
    a, _ = walk(GaitParams(), 60.0, seed=9)
    assert all(c.pre_touch is None and not c.swing_events for c in a.contacts)
    b, _ = walk(GaitParams(), 60.0, seed=9)
    assert [c.ic for c in a.contacts] == [c.ic for c in b.contacts]


@pytest.mark.parametrize("belt", [True, False])
def test_swing_jitter_moves_each_toe_off_alone(belt: bool) -> None:
    # Swing times vary on their own: each toe-off moves by its own Gaussian (SD 10 ms),
    # trading double support against swing; the landings stay where they were, and the
    # double support and the swing keep their shortest.
    a, _ = walk(GaitParams(), 300.0, seed=3, belt=belt)
    b, _ = walk(GaitParams(swing_jitter_s=0.01), 300.0, seed=3, belt=belt)
    assert [c.ic for c in a.contacts] == [c.ic for c in b.contacts]
    pairs = zip(a.contacts, b.contacts, strict=True)
    shift = np.array([y.fc - x.fc for x, y in pairs if x.fc and y.fc])
    assert len(shift) > 400
    assert 0.009 < shift.std() < 0.011 and abs(shift.mean()) < 0.002
    # The largest noise, with a short double support (60 % stance) and a short swing (75 %):
    for stance in (0.60, 0.75):
        c, _ = walk(GaitParams(stance_fraction=stance), 300.0, seed=3, belt=belt)
        d, _ = walk(
            GaitParams(stance_fraction=stance, swing_jitter_s=0.05), 300.0, seed=3, belt=belt
        )
        assert [x.ic for x in c.contacts] == [x.ic for x in d.contacts]
        for prev, nxt in itertools.pairwise(d.contacts):
            if prev.fc is not None:
                assert prev.fc - nxt.ic >= MIN_DOUBLE_SUPPORT_S - 1e-9
        for s in "LR":
            for x, nxt in itertools.pairwise(side(d, s)):
                assert nxt.ic - x.fc >= MIN_SWING_S - 1e-9  # type: ignore[operator]
    # A choreic walker (swings at their shortest, touches and scuffs drawn from the gait's
    # stream): the same steps, and every event still clear of both contacts.
    chorea = GaitParams(stride_cv=0.2, swing_touch_rate=0.5, scuff_rate=0.3)
    c, _ = walk(chorea, 300.0, seed=4, belt=belt)
    d, _ = walk(chorea.with_(swing_jitter_s=0.03), 300.0, seed=4, belt=belt)
    assert [x.ic for x in c.contacts] == [x.ic for x in d.contacts]
    for s in "LR":
        for x, nxt in itertools.pairwise(side(d, s)):
            for at, dur, _ in x.swing_events:
                assert x.fc + 0.02 - 1e-9 <= at and at + dur <= nxt.ic - 0.04 + 1e-9  # type: ignore[operator]
    # Without it the gait's random stream spawns nothing (every session as before).
    assert a.rng.bit_generator.seed_seq.n_children_spawned == 0  # type: ignore[attr-defined]
