"""Overground course mode against the simulator's truth, for every gait profile.

What ``stride sim session --overground --profile P --minutes 2 --seed N`` and then
``stride analyze`` give (here through the same functions, and once through the command
line): the mean step length is within 2 % of the truth's walking steps (turns excluded);
every pass measured has the ends and the walking-step count of a true pass; a pass cut off
by the end of the recording is never measured; every pass closed by a turn has exactly the
truth's walking steps; all closed passes but one are measured (three in four for the
choreic profile, whose less certain passes are left out: docs/metrics.md, "Course mode";
over a 10-minute session, all but a few). Seeds 6 and 7 (and 4 at 10 minutes) are among
those course mode's settings were chosen on (1-25), a regression guard; its held-out
figures are in docs/accuracy.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_helpers import stride_in_process

from sim.cli_support import build_spec
from sim.course_truth import (
    closed_passes,
    closed_readings,
    matches,
    read_truth,
    walking_mean_m,
)
from sim.profiles import PROFILES
from sim.session import simulate_session
from stride.analysis import run
from stride.core.analyzer import Analysis, AnalysisConfig
from stride.core.signals import GaitSignals

SEEDS = (6, 7)  # among the seeds the settings were chosen on (1-25): a regression guard


def _profile(name: str) -> str:
    return "healthy" if name == "healthy" else f"{name}:0.5"


def _mean_step(summary: dict[str, object]) -> float:
    sides = [summary[s]["step_length_m"] for s in "LR"]  # type: ignore[index]
    n = sum(s["n"] for s in sides)
    return sum(s["mean"] * s["n"] for s in sides) / n


def _seen_until(signals: GaitSignals) -> float:
    """The last time a landing can be in the recording: its last sample (the benchmark,
    benchmarks/course_accuracy.py, also accepts the truth without a landing in the last
    80 ms, ``closed_readings``: none of these sessions needs it)."""
    return float(signals.t[-1])


def _analysed(
    out: Path,
    profile: str,
    seed: int,
    minutes: float = 2.0,
    swing_jitter_ms: float = 0.0,
    turn_steps: str = "4",
) -> tuple[GaitSignals, Analysis]:
    """An overground session simulated into ``out`` at 1 kHz (``swing_jitter_ms``: swing
    times varying on their own; ``turn_steps``: each turn's step count, ``N`` or ``A-B``)
    and analysed as ``stride analyze`` does: its signals and the analysis."""
    spec = build_spec(
        minutes=minutes, speed="3.6kmh", profile=profile, seed=seed, rate=1000,
        overground=True, swing_jitter_ms=swing_jitter_ms, turn_steps=turn_steps,
    )  # fmt: skip
    simulate_session(out, spec)
    signals, result, _ = run(out, AnalysisConfig())
    return signals, result


def _check(
    summary: dict[str, object],
    out: Path,
    choreic: bool = False,
    seen_until_s: float = float("inf"),
) -> int:
    """Checks one session (the truth's steps that landed by ``seen_until_s``); returns how
    many passes were measured."""
    rows = read_truth(out)
    truth = closed_passes(rows, seen_until_s)
    passes = summary["course"]["passes"]  # type: ignore[index]
    measured = [p for p in passes if p["measured"]]
    # a pass the end of the recording cuts off is never measured
    assert all(p["ended_by"] == "turn" for p in measured)
    # every pass measured is a true pass: its ends and its count of walking steps
    assert all(matches(p, truth) for p in measured), measured
    closed = [p["steps"] for p in passes if p["ended_by"] == "turn"]
    assert closed == [p.steps for p in truth], "passes not told apart as the truth"
    # chorea: step times vary about as much as a turn's, so a pass whose ends the session's
    # segmentation is not sure of is left unmeasured (about one in ten: docs/metrics.md)
    assert len(measured) >= (3 * len(truth) // 4 if choreic else len(truth) - 1)
    err = _mean_step(summary) / walking_mean_m(rows) - 1.0
    assert abs(err) <= 0.02, f"mean step length {100 * err:+.2f} %"
    return len(measured)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_overground_passes_and_step_length_match_the_truth(name: str, tmp_path: Path) -> None:
    for seed in SEEDS:
        out = tmp_path / f"seed{seed}"
        signals, result = _analysed(out, _profile(name), seed)
        _check(result.summary, out, name == "huntington", _seen_until(signals))


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PROFILES))
def test_a_pass_the_recording_cuts_off_is_never_measured(name: str, tmp_path: Path) -> None:
    # 3.7 minutes, seed 1266 (held out until be2b7c1 was measured on it: docs/accuracy.md):
    # every profile's recording ends inside a pass, after 3 to 17 of its steps
    # (parkinsonian: 17, nearly a whole pass); that pass is reported cut off, never
    # measured, and the closed passes are the truth's
    signals, result = _analysed(tmp_path, _profile(name), 1266, 3.7)
    _check(result.summary, tmp_path, name == "huntington", _seen_until(signals))
    last = result.summary["course"]["passes"][-1]  # type: ignore[index]
    assert last["ended_by"] != "turn" and not last["measured"], last
    assert "cut off by the end of the recording" in last["reason"]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "minutes", "closed"),
    [
        # seed 4, 10 minutes: 44 closed passes; weighing how each step splits between
        # double support and swing, 43 were measured (37 with the step times alone); with
        # the turn count's shares taken from the session's own turns (every one of its
        # turns takes four steps), all 44
        pytest.param(4, 10.0, 44, id="turns-over-ten-minutes"),
        # seed 205 (2 minutes): four of the eight turns are hardly slower than walking, and
        # the threshold read passes of 38, 16, 38 and 59 steps; learnt from their median
        # (38: two passes and a turn), no pass was measured. Started again from the counts
        # that disagree, the likelier reading is the truth's nine passes of 17 steps
        pytest.param(205, 2.0, 9, id="turns-the-threshold-missed"),
    ],
)
def test_a_choreic_walker_has_every_closed_pass_measured(
    seed: int, minutes: float, closed: int, tmp_path: Path
) -> None:
    signals, result = _analysed(tmp_path, "huntington:0.5", seed, minutes)
    measured = _check(result.summary, tmp_path, True, _seen_until(signals))
    assert measured == len(closed_passes(read_truth(tmp_path))) == closed


@pytest.mark.slow
def test_a_turn_of_five_steps_among_turns_of_two_is_read_whole(tmp_path: Path) -> None:
    # huntington:0.5 seed 20 with turns of 2-6 steps: the truth's turns take 2, 3, 2, 5, 2,
    # 5, 2, 2, 2 steps. With the turn count's shares only within two steps of the typical
    # count (2), a five-step turn was the unlike share's: its first step read as walking
    # and a pass of 17 steps measured as 18 (-1.00 %)
    signals, result = _analysed(tmp_path, "huntington:0.5", 20, turn_steps="2-6")
    assert [p.steps for p in closed_passes(read_truth(tmp_path))] == [17] * 9
    _check(result.summary, tmp_path, True, _seen_until(signals))


@pytest.mark.slow
@pytest.mark.parametrize(
    "seed",
    [
        # huntington:0.7 seed 151 (2 minutes): the first reading took a slow stretch inside
        # every pass for a turn, 16 passes of 7-9 steps where the truth has 8 of 18; its
        # passes agree, so nothing started learning again, and it climbed back to them
        pytest.param(151, id="a-turn-read-inside-every-pass"),
        # seed 270: every other turn missed, 4 passes of 40 (two passes and a turn each)
        pytest.param(270, id="every-other-turn-missed"),
        # seed 1432 (held out, then seen): 17 passes, one of them measured as 10 m (+155 %)
        pytest.param(1432, id="a-split-pass-measured"),
        # seed 1639 (held out, then seen): two of every three turns missed, 3 passes of 62
        # (three passes and two turns each: 3 x 18 + 2 x 4) where the truth has 8 of 18;
        # learning from (n - 2m) / 3 finds them, the session 41.5 nats likelier
        pytest.param(1639, id="two-of-every-three-turns-missed"),
        # seed 1798 (held out, then seen): every other turn missed, 4 passes of 40; the
        # reading learnt from (n - m) / 2, the truth's 8 passes of 18, is 39.8 nats
        # likelier, within the 40-nat margin a reading of merged passes must clear: one of
        # passes that take fewer steps (turns the first reading missed) is kept when likelier
        pytest.param(1798, id="every-other-turn-missed-within-the-margin"),
    ],
)
def test_a_reading_whose_passes_all_agree_a_turn_off_is_not_kept(seed: int, tmp_path: Path) -> None:
    # learning started again from the count such a reading's pass would have were it so
    # (2n + m, (n - m) / 2, or (n - (k - 1) m) / k) finds the truth's reading, the session
    # far likelier under it
    signals, result = _analysed(tmp_path, "huntington:0.7", seed)
    measured = _check(result.summary, tmp_path, True, _seen_until(signals))
    assert measured == len(closed_passes(read_truth(tmp_path))) == 8


@pytest.mark.slow
def test_passes_that_agree_are_not_merged_into_two_passes_and_a_turn(tmp_path: Path) -> None:
    # huntington:0.5 seed 265 with 30 ms of swing-time noise: learning started again from
    # two passes and a turn (2n + m = 38) reads 4 passes of 38, 20.8 nats likelier than the
    # truth's 9 passes of 17; kept at a margin of 20 nats, all 4 were measured as 10 m
    signals, result = _analysed(tmp_path, "huntington:0.5", 265, swing_jitter_ms=30.0)
    _check(result.summary, tmp_path, True, _seen_until(signals))


@pytest.mark.slow
def test_a_reading_of_turns_missed_nearly_as_likely_leaves_the_passes_unmeasured(
    tmp_path: Path,
) -> None:
    # huntington:0.7 seed 273 with 20 ms of swing-time noise: the first reading misses
    # every other turn (passes of 41); learnt from (n - m) / 2, and then from all but every
    # third turn missed, the session reads as the truth's 8 passes of 18, 16.8 nats likelier
    # than the first reading: that reading is kept, but the first, nearly as likely (within
    # the rival readings' 20 nats), stays its rival, so no pass is measured
    signals, result = _analysed(tmp_path, "huntington:0.7", 273, swing_jitter_ms=20.0)
    truth = closed_passes(read_truth(tmp_path), _seen_until(signals))
    passes = result.summary["course"]["passes"]  # type: ignore[index]
    assert [p["steps"] for p in passes if p["ended_by"] == "turn"] == [p.steps for p in truth]
    assert [p.steps for p in truth] == [18] * 8
    closed = [p for p in passes if p["ended_by"] == "turn"]
    assert not any(p["measured"] for p in passes)
    assert all("nats apart" in p["reason"] for p in closed), closed


@pytest.mark.slow
@pytest.mark.parametrize(
    ("seed", "jitter", "measured"),
    [
        # huntington:0.7 seed 162 with 20 ms of swing-time noise (2 minutes): the first
        # reading has 7 passes of 17 steps (every turn a step long) where the truth has 7 of
        # 18; learnt from two passes and a turn (2n + m), the session reads as the truth's,
        # 26.2 nats likelier, its passes alike too: that reading is kept, its 7 passes measured
        pytest.param(162, 20.0, 7, id="every-turn-a-step-long"),
        # seed 2014 without the noise (held out, then seen): the first reading has passes of
        # 18 and 19 (turns a step short in five of seven), 315.3 nats; the truth's passes of
        # 18, found from 2n + m and from a step off, 9.4 nats likelier, were only its rival,
        # so no pass was measured, nor now: the first reading, its rival in turn, is within
        # the rival margin
        pytest.param(2014, 0.0, 0, id="turns-a-step-short-in-most-passes"),
    ],
)
def test_a_likelier_reading_a_step_off_whose_passes_agree_better_is_kept(
    seed: int, jitter: float, measured: int, tmp_path: Path
) -> None:
    signals, result = _analysed(tmp_path, "huntington:0.7", seed, swing_jitter_ms=jitter)
    truth = closed_passes(read_truth(tmp_path), _seen_until(signals))
    passes = result.summary["course"]["passes"]  # type: ignore[index]
    assert [p["steps"] for p in passes if p["ended_by"] == "turn"] == [p.steps for p in truth]
    assert all(matches(p, truth) for p in passes if p["measured"])
    assert sum(p["measured"] for p in passes) == measured


@pytest.mark.slow
def test_a_turn_taken_on_a_quick_cycle_is_not_read_a_step_late(tmp_path: Path) -> None:
    # huntington:0.5 seed 484 (2 minutes): the seventh turn's first step, a right step,
    # came on a quick cycle (step-time ratio 0.95, no slower than walking) and the step
    # after the turn on a slow one (1.26). When the simulator's right foot kept the
    # toe-off planned in the gait cycle before, a walking right step on a long cycle split
    # as a turn does, and the turn came a step late (passes of 18 and 16 steps where the
    # truth has 17 and 17) unless the turn steps' split was taken beyond their own slope.
    # Now its split is a turn's beyond the walking steps' slope (phase ratio 1.09, walking
    # steps about 1.0): the passes are the truth's with or without the turn steps' own
    # slope (turned off, no huntington:0.5 run of seeds 1-905 reads differently): a guard
    # of this session's reading
    signals, result = _analysed(tmp_path, "huntington:0.5", 484)
    _check(result.summary, tmp_path, True, _seen_until(signals))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("profile", "seed"),
    [
        # huntington:0.7 seed 35 (2 minutes): the second turn's last step on a quick cycle
        # (step-time ratio 0.86, 1.54 times the pass's next step) read as the third pass's
        # first: a pass of 19 after a turn of 3, where the truth has 18 and 4
        pytest.param("huntington:0.7", 35, id="a-turn-s-last-step"),
        # seed 242: the sixth turn's first step (0.96, 1.52 times the pass's step before it)
        # read as the sixth pass's last: 19 and 3
        pytest.param("huntington:0.7", 242, id="a-turn-s-first-step"),
        # huntington:0.8 seed 107: the fourth turn's last step (1.00, 2.12 times): 20 and 3
        pytest.param("huntington:0.8", 107, id="severity-0.8"),
    ],
)
def test_a_turn_step_on_a_quick_cycle_is_not_counted_in_the_pass(
    profile: str, seed: int, tmp_path: Path
) -> None:
    # a pass a step longer than the session's next to a turn a step shorter: the step
    # between them, slower than its neighbour in the pass by the slow factor, goes to the
    # turn (stride.core.course_edges); the pass told apart, never measured
    signals, result = _analysed(tmp_path, profile, seed)
    truth = closed_passes(read_truth(tmp_path), _seen_until(signals))
    passes = result.summary["course"]["passes"]  # type: ignore[index]
    assert [p["steps"] for p in passes if p["ended_by"] == "turn"] == [p.steps for p in truth]
    assert all(matches(p, truth) for p in passes if p["measured"])
    moved = [p for p in passes if "moved" in str(p.get("reason"))]
    assert len(moved) == 1 and "ends_probability" not in moved[0]


@pytest.mark.slow
def test_overground_through_the_command_line(tmp_path: Path) -> None:
    # seed 3 of parkinsonian:0.5 has a freeze of gait in mid-pass (one slow step, no turn)
    out = tmp_path / "pk3"
    # the commands through their entry point in this process (``stride_in_process``)
    sim = ["sim", "session", "--overground", "--profile", "parkinsonian:0.5"]
    done = stride_in_process(
        *sim, "--minutes", "2", "--seed", "3", "--out", str(out), "--no-history"
    )
    assert done.returncode == 0, done.stderr
    analysed = stride_in_process("analyze", str(out), "--json")
    assert analysed.returncode == 0, analysed.stderr
    _check(json.loads(analysed.stdout)["summary"], out)


def _row(ic: float, turn: bool = False) -> dict[str, str]:
    return {"ic_s": f"{ic:.3f}", "flags": "turn" if turn else "", "step_length_m": "0.7"}


def test_a_pass_the_recording_does_not_show_closed_is_not_a_closed_pass() -> None:
    # 4 walking steps, a turn of 4, 3 walking steps and two turn steps: the last one lands
    # at 9.0 s, after the recording's last sample (8.9 s): for the recording the second
    # pass has one turn step after it, and one slow step may be a pause
    rows = [_row(0.5 * k, turn=4 <= k < 8) for k in range(11)]
    rows += [_row(5.5, turn=True), _row(9.0, turn=True)]
    whole = closed_passes(rows)
    assert [p.steps for p in whole] == [4, 3]
    assert [p.steps for p in closed_passes(rows, 8.9)] == [4]
    assert closed_passes(rows, 9.0) == whole


def test_a_landing_in_the_recording_s_last_stance_time_may_or_may_not_close_a_pass() -> None:
    # as above, the last turn step at 9.0 s: 18 ms before the last sample the recording
    # holds less of it than the shortest stance (its foot may not have borne a step's
    # weight yet: drop-foot-left seed 402), so the truth has the second pass closed or not;
    # 0.2 s before, the step was taken in the recording and the pass is closed
    rows = [_row(0.5 * k, turn=4 <= k < 8) for k in range(11)]
    rows += [_row(5.5, turn=True), _row(9.0, turn=True)]
    whole, cut = closed_passes(rows), closed_passes(rows, 8.9)
    assert closed_readings(rows, 9.018) == [whole, cut]
    assert closed_readings(rows, 9.2) == [whole]
    assert closed_readings(rows, 8.99) == [cut]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("profile", "seed", "minutes"), [("healthy", 60, 2.0), ("parkinsonian:0.5", 36, 10.0)]
)
def test_passes_told_apart_at_a_freeze_and_at_the_recording_s_end(
    profile: str, seed: int, minutes: float, tmp_path: Path
) -> None:
    # healthy seed 60: the last turn's second step lands 0.6 ms after the last sample (no
    # sensor saw it, so the last pass is cut off for the recording); parkinsonian seed 36
    # (10 minutes): a 3 s freeze of gait on the last step before a turn, both feet down
    signals, result = _analysed(tmp_path, profile, seed, minutes)
    _check(result.summary, tmp_path, seen_until_s=_seen_until(signals))


@pytest.mark.slow
def test_a_last_pass_whose_end_the_recording_leaves_open_is_reported_uncertain(
    tmp_path: Path,
) -> None:
    # huntington:0.7 seed 6 (2 minutes): the recording ends two steps into a turn whose
    # steps are hardly slower than walking (step-time ratios 1.06 and 1.04, phase ratios
    # 1.06 and 1.09). Weighed with the end of the recording as a cut (each reading's last
    # segment by its count law's survival), "an 18-step pass, then a turn begun" has
    # probability 0.30 against 0.70 for the recording ending during the pass or one turn
    # step in; neither is sure, so the pass is not measured and its end is reported
    # uncertain, not cut off. (Since the simulator's right foot lifts by the gait cycle it
    # walks in, such an ending is rare at severity 0.5: of seeds 1-905, only seed 255's
    # other passes are all the truth's, and its end's probability, 0.94, is next to 0.95.)
    signals, result = _analysed(tmp_path, "huntington:0.7", 6)
    passes = result.summary["course"]["passes"]  # type: ignore[index]
    truth = [p.steps for p in closed_passes(read_truth(tmp_path), _seen_until(signals))]
    last = passes[-1]
    assert last["end_uncertain"] and not last["measured"]
    assert 0.05 < last["closed_probability"] < 0.95
    assert "after 18 steps" in last["reason"] and truth[-1] == 18
    # every other pass as the truth has it, each certain of its end
    assert [p["steps"] for p in passes[:-1] if p["ended_by"] == "turn"] == truth[:-1]
    assert not any(p.get("end_uncertain") for p in passes[:-1])
