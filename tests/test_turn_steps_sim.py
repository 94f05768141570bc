"""Turns of varying length overground (GaitParams ``turn_steps``, ``--turn-steps``).

Each turn's step count is drawn from its own stream, so the default walk (four steps a turn)
is the same, byte for byte, as before the option existed; a turn range gives the truth turns
of exactly the drawn counts, begun with either foot.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import one_line_error
from cli_helpers import stride_in_process as stride

from devices.errors import InputError
from sim.cli_support import build_spec, parse_turn_steps
from sim.params import GaitParams
from sim.session import simulate, simulate_session

#: sha256 of truth_steps.csv and streams/box.rec of 2-minute overground sessions written
#: by the simulator before turns could vary (main ddc9919): the default walk must not move
#: (a deliberate change to the walker updates these with the command that made them)
DEFAULT_BYTES = {
    ("healthy", 1, 0.0): "2fc21701a2341b160d43ebdc245b50f9d9e72c6cd992e59776fcabe2ed72dd92",
    ("huntington:0.7", 3, 30.0): "02f16af09857780a2aa29d56b6c15567f7dc96c6065d16accc3c66d24ea14006",
}


def _turns(spec_turns: str, seed: int, minutes: float = 10.0) -> tuple[list[int], list[str]]:
    """Steps of each turn the truth has (a run of ``turn`` steps), and the foot each began
    with; the last turn is left out (the recording may end in it)."""
    spec = build_spec(
        minutes=minutes, speed="3.6kmh", profile="healthy", seed=seed, rate=1000,
        overground=True, turn_steps=spec_turns,
    )  # fmt: skip
    counts: list[int] = []
    firsts: list[str] = []
    run = 0
    for step in simulate(spec).truth:
        if "turn" in step.flags:
            if run == 0:
                firsts.append(step.side)
            run += 1
        elif run:
            counts.append(run)
            run = 0
    return counts, firsts[: len(counts)]


@pytest.mark.parametrize(("profile", "seed", "jitter"), list(DEFAULT_BYTES))
def test_default_walk_unchanged(tmp_path: Path, profile: str, seed: int, jitter: float) -> None:
    spec = build_spec(
        minutes=2, speed="3.6kmh", profile=profile, seed=seed, rate=1000, overground=True,
        swing_jitter_ms=jitter,
    )  # fmt: skip
    assert spec.params.turn_steps == (4, 4)
    simulate_session(tmp_path / "s", spec)
    assert (
        hashlib.sha256((tmp_path / "s" / "truth_steps.csv").read_bytes()).hexdigest()
        == (DEFAULT_BYTES[(profile, seed, jitter)])
    )


def test_default_stream_unchanged(tmp_path: Path) -> None:
    """The box's bytes too (healthy, seed 1), as written before turns could vary."""
    spec = build_spec(
        minutes=2, speed="3.6kmh", profile="healthy", seed=1, rate=1000, overground=True
    )
    simulate_session(tmp_path / "s", spec)
    digest = hashlib.sha256((tmp_path / "s" / "streams" / "box.rec").read_bytes()).hexdigest()
    assert digest == "3faf687fcc8bb1abe742c96f706c8d1c9137da30fac5b1e89754c9d9d0dbed36"


def test_turns_take_the_drawn_counts() -> None:
    """Every turn has the count its own stream drew (the gait stream's first spawned child,
    drawn from 2..6 at each turn), every count in the range turns up, and turns begin with
    either foot."""
    counts, firsts = _turns("2-6", seed=1)
    gait = np.random.default_rng(np.random.SeedSequence(1).spawn(4)[0])
    drawn = gait.spawn(1)[0].integers(2, 7, size=len(counts)).tolist()
    assert len(counts) > 40
    assert counts == drawn
    assert set(counts) == {2, 3, 4, 5, 6}
    assert set(firsts) == {"L", "R"}


@pytest.mark.parametrize("n", [2, 3, 5])
def test_fixed_turn_count(n: int) -> None:
    counts, _ = _turns(str(n), seed=2, minutes=4)
    assert len(counts) > 10 and set(counts) == {n}


def test_parse_turn_steps() -> None:
    assert parse_turn_steps("3") == (3, 3)
    assert parse_turn_steps("2-6") == (2, 6)
    for bad in ("1", "9", "5-3", "x", "-3", "3-", "2-6-7", "", "3.5"):
        with pytest.raises(InputError, match="--turn-steps"):
            parse_turn_steps(bad)
    with pytest.raises(InputError, match="turn_steps"):
        GaitParams(turn_steps=(1, 4))


@pytest.mark.parametrize(
    ("args", "problem", "fix"),
    [
        (["--overground", "--turn-steps", "5-3"], "--turn-steps '5-3' is not", "--turn-steps 2-6"),
        (["--turn-steps", "3"], "--turn-steps 3 is for walks along parallel lines", "--overground"),
    ],
)
def test_bad_turn_steps_refused(tmp_path: Path, args: list[str], problem: str, fix: str) -> None:
    run = stride(
        "sim", "session", "--out", str(tmp_path / "x"), "--minutes", "0.1", "--no-history", *args
    )
    one_line_error(run, problem, fix)
    assert not (tmp_path / "x").exists()
