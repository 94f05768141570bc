"""What course mode's learnings share (``stride/core/course_shared.py``: each walking
steps' readings taken once, what the laws take from them, count priors, the start's
evidence; a rival's segmentation without its ends' probabilities): the reading kept and
its rivals are, float for float, what each learning gives alone."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from test_course import _choreic_walk  # type: ignore[import-not-found]
from test_course_batched import segment_inputs  # type: ignore[import-not-found]

import stride.core.course as course
import stride.core.course_fit as fit
import stride.core.course_shared as shared
from stride.core.course_fit import Laws, Phases
from stride.core.course_segment import count_prior, segment_course
from stride.core.step_ratios import step_ratios
from stride.core.steps import StepTable


def _alone(mp: pytest.MonkeyPatch) -> None:
    """Each learning on its own: readings taken afresh (writable: nothing kept with them),
    priors not kept, each start's own evidence, every segmentation whole."""
    learn = fit._learn
    mp.setattr(fit, "taken_once", lambda readings_of: readings_of)
    mp.setattr(fit, "count_priors", lambda *a: shared._count_priors.__wrapped__(*a))

    def whole(*args: object, rival: bool = False, evidence: object = None) -> object:
        return learn(*args[:6])  # type: ignore[arg-type]

    mp.setattr(fit, "_learn", whole)


def _same_reading(tab: StepTable) -> None:
    ratio = step_ratios(tab)
    p = course.CourseParams()
    found = course.threshold_passes(tab, p, ratio)
    new = course._segmentation(tab, ratio, found, p)
    with pytest.MonkeyPatch.context() as mp:
        _alone(mp)
        old = course._segmentation(tab, ratio, found, p)
    assert repr(new) == repr(old)  # floats as repr: every bit
    assert course.apply_course(tab, 10.0)[1] == _records_alone(tab)


def _records_alone(tab: StepTable) -> list[dict[str, object]]:
    with pytest.MonkeyPatch.context() as mp:
        _alone(mp)
        return course.apply_course(tab, 10.0)[1]


@pytest.mark.parametrize("seed", range(4))
def test_shared_learnings_are_each_alone_on_a_choreic_walk(seed: int) -> None:
    _same_reading(_choreic_walk(seed))


@pytest.mark.parametrize("seed", [117, 270])
def test_shared_learnings_are_each_alone_where_a_rival_is_near(seed: int, tmp_path: Path) -> None:
    """Sessions (huntington:0.7, 30 ms of swing-time noise) where a rival reading comes
    within the margin: its likelihood decides which passes are measured."""
    from sim.cli_support import build_spec
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    spec = build_spec(
        minutes=2.0,
        speed="3.6kmh",
        profile="huntington:0.7",
        seed=seed,
        rate=1000,
        overground=True,
        swing_jitter_ms=30.0,
    )
    simulate_session(tmp_path, spec)
    _, result, _ = run(tmp_path, AnalysisConfig())
    reasons = [p.get("reason", "") for p in result.summary["course"]["passes"]]  # type: ignore[index]
    assert any("nats apart" in str(r) for r in reasons)
    _same_reading(result.steps)


def _learnt(mp: pytest.MonkeyPatch) -> list[tuple[tuple[float, float, float], bool]]:
    """Each learning's start (its counts) and whether it took its ends' probabilities, as
    they are run."""
    learn, runs = fit._learn, []

    def counted(*args: object, **kw: object) -> object:
        start, rival = args[2], args[6] if len(args) > 6 else kw.get("rival", False)
        assert isinstance(start, Laws)
        runs.append(((start.pass_count, start.pass_sd, start.turn_count), not rival))
        return learn(*args, **kw)  # type: ignore[arg-type]

    mp.setattr(fit, "_learn", counted)
    return runs


def _learnt_once(tab: StepTable) -> list[tuple[tuple[float, float, float], bool]]:
    """The learnings of ``tab``'s reading, each start learnt once (the reading kept, when
    first learnt as a rival, again with its ends), the reading as each learning alone."""
    ratio = step_ratios(tab)
    p = course.CourseParams()
    with pytest.MonkeyPatch.context() as mp:
        runs = _learnt(mp)
        course._segmentation(tab, ratio, course.threshold_passes(tab, p, ratio), p)
    starts = [s for s, _ in runs]
    again = [s for s in set(starts) if starts.count(s) > 1]
    assert len(again) <= 1 and all(runs[-1] == (s, True) for s in again)
    _same_reading(tab)
    return runs


@pytest.mark.parametrize("seed", range(4))
def test_each_start_is_learnt_once_and_a_rival_s_without_its_ends(seed: int) -> None:
    runs = _learnt_once(_choreic_walk(seed))
    assert runs[0][1] and not runs[-1][1]  # the first reading with its ends, a rival without
    assert len(runs) == len({s for s, _ in runs})


def _simulated(tmp_path: Path, profile: str, seed: int) -> StepTable:
    """The steps of a 2-minute overground session of ``profile`` at 1 kHz."""
    from sim.cli_support import build_spec
    from sim.session import simulate_session
    from stride.analysis import run
    from stride.core.analyzer import AnalysisConfig

    spec = build_spec(
        minutes=2.0, speed="3.6kmh", profile=profile, seed=seed, rate=1000, overground=True
    )
    simulate_session(tmp_path, spec)
    return run(tmp_path, AnalysisConfig())[1].steps


def test_a_turn_off_throughout_s_count_that_is_a_rival_s_start_is_learnt_once(
    tmp_path: Path,
) -> None:
    """healthy seed 6: the threshold's turns as the learnt ones, so learning from
    (n - m) / 2 is also the rival's that takes every other turn as missed."""
    runs = _learnt_once(_simulated(tmp_path, "healthy", 6))
    assert [whole for _, whole in runs] == [True, False, False, False, False]


def test_a_reading_a_turn_off_throughout_kept_is_learnt_again_with_its_ends(
    tmp_path: Path,
) -> None:
    """huntington:0.7 seed 270 (2 minutes): every other turn missed; the reading learnt
    from the count that implies is kept."""
    runs = _learnt_once(_simulated(tmp_path, "huntington:0.7", 270))
    assert runs[-1][1] and runs.count((runs[-1][0], False)) == 1  # kept: learnt again


@settings(max_examples=150, deadline=None)
@given(inputs=segment_inputs())
def test_a_rival_s_segmentation_has_the_passes_and_likelihood_of_the_whole_one(
    inputs: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> None:
    evidence, pass_lp, turn_lp = inputs
    whole = segment_course(evidence, pass_lp, turn_lp, 2)
    rival = segment_course(evidence, pass_lp, turn_lp, 2, ends=False)
    assert (whole is None) == (rival is None)
    if whole is not None and rival is not None:
        assert rival.passes == whole.passes and rival.closed == whole.closed
        assert repr(rival.log_total) == repr(whole.log_total)
        assert np.isnan(rival.confidence).all() and len(rival.confidence) == len(whole.passes)


def test_readings_are_taken_once_per_walking_steps_read_only_and_the_caller_s_untouched() -> None:
    calls: list[bytes] = []
    ratio, share, side = np.linspace(0.5, 1.5, 6), np.full(6, 0.6), np.array([0, 1] * 3, np.int8)

    def readings_of(walking: np.ndarray) -> tuple[np.ndarray, Phases]:
        calls.append(walking.tobytes())
        return ratio, Phases(share, side)

    once = shared.taken_once(readings_of)
    a, b = np.array([True] * 6), np.array([True, False] * 3)
    first, again, other = once(a), once(a.copy()), once(b)
    assert calls == [a.tobytes(), b.tobytes()]
    assert first[0] is again[0] and first[1] is again[1] and other[0] is not first[0]
    assert first[1] is not None and not first[1].ratio.flags.writeable
    assert not first[0].flags.writeable and ratio.flags.writeable and share.flags.writeable
    assert _bits(first[0]) == _bits(ratio) and _bits(first[1].ratio) == _bits(share)


def _bits(a: np.ndarray) -> bytes:
    return np.ascontiguousarray(a).tobytes()


def test_what_is_kept_with_readings_is_kept_only_for_read_only_ones() -> None:
    ratio, phase = np.array([1.0, 1.2, np.nan, 0.9]), Phases(np.full(4, 0.6), np.zeros(4, np.int8))
    assert shared.prepared(ratio, phase) is not shared.prepared(ratio, phase)  # writable
    ratio.setflags(write=False)
    phase.ratio.setflags(write=False)
    kept = shared.prepared(ratio, phase)
    assert shared.prepared(ratio, phase) is kept
    other = ratio.copy()
    other.setflags(write=False)
    assert shared.prepared(other, phase) is not kept  # another ratio: taken again
    assert _bits(kept.known_ratio) == _bits(ratio[np.isfinite(ratio)])


def test_count_priors_are_count_prior_s_and_fresh_copies() -> None:
    seen = np.array([0.0, 0.0, 1.5, 3.0, 0.5])
    laws = Laws(17.0, 2.0, 4.0, 0.5, 0.1, 1.6, 0.2, turn_seen=seen)
    pass_lp, turn_lp = laws.priors()
    assert _bits(pass_lp) == _bits(count_prior(17.0, 2.0, 63))
    assert _bits(turn_lp) == _bits(count_prior(4.0, 0.5, 14, seen))
    pass_lp[:] = 0.0
    assert _bits(laws.priors()[0]) == _bits(count_prior(17.0, 2.0, 63))
