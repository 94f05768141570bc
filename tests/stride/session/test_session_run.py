"""Command-line values of the session commands: bad input is refused with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices.errors import InputError
from stride.core.targets import Target
from stride.session.checks import default_record_dir
from stride.session.replay import parse_replay_speed


def test_replay_speed() -> None:
    assert parse_replay_speed("4x") == 4.0
    assert parse_replay_speed(" 0.5X ") == 0.5
    assert parse_replay_speed("2") == 2.0
    assert parse_replay_speed("max") == 0.0
    for bad in ("", "x", "-1x", "fast", "1e9x"):
        with pytest.raises(InputError, match="replay speed"):
            parse_replay_speed(bad)


@given(st.text(max_size=12))
def test_replay_speed_never_crashes(text: str) -> None:
    try:
        v = parse_replay_speed(text)
    except InputError:
        return
    assert v == 0.0 or 0.01 <= v <= 1000.0


def test_targets() -> None:
    t = Target.from_options(spacing_m=0.3, lines_per_step=2, tolerance_m=0.05)
    assert t is not None
    assert t.step_length_m == pytest.approx(0.6) and t.lines_per_step == 2
    t = Target.from_options(step_length_m=0.55, tolerance_m=0.04, cadence_spm=100)
    assert t is not None
    assert t.step_length_m == 0.55 and t.lines_per_step is None and t.cadence_spm == 100
    with pytest.raises(InputError, match="both --spacing and --step-length"):
        Target.from_options(spacing_m=0.3, lines_per_step=2, step_length_m=0.6, tolerance_m=0.05)
    with pytest.raises(InputError, match="implausible"):
        Target.from_options(spacing_m=30.0, lines_per_step=2, tolerance_m=0.05)
    with pytest.raises(InputError, match="--lines-per-step"):
        Target.from_options(spacing_m=0.3, lines_per_step=0, tolerance_m=0.05)


def test_default_record_dir_is_never_an_existing_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = default_record_dir()
    assert first.parent == tmp_path / "sessions"
    first.mkdir(parents=True)
    second = default_record_dir()
    assert second != first and not second.exists()
