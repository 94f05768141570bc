"""Simulated sessions on disk: recording format, truth file, determinism, refusal to overwrite."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from devices.errors import InputError
from devices.recording import SessionReader, decode_sensorbox
from sim.cli_support import build_spec, run_session
from sim.link import Faults
from sim.session import SessionSpec, SimulatedSession, simulate, simulate_session


def files(d: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(d)): p.read_bytes()
        for p in sorted(d.rglob("*"))
        if p.is_file() and p.name != "session.json"
    }


def test_writes_a_readable_recording_with_truth(tmp_path: Path) -> None:
    out = tmp_path / "s"
    sim = simulate_session(out, SessionSpec(minutes=0.5, seed=4))
    reader = SessionReader(out)
    assert reader.streams == {"box": "sensorbox-v1"}
    decoded = decode_sensorbox(reader)
    assert decoded is not None
    meta = json.loads((out / "session.json").read_text())
    assert meta["sim"]["seed"] == 4 and meta["sample_rate_hz"] == 1000
    assert meta["channels"] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    rows = list(csv.DictReader((out / "truth_steps.csv").open()))
    assert len(rows) == len(sim.truth) > 40
    assert rows[0]["step_time_s"] == ""  # the first step has no previous contact
    assert float(rows[5]["step_length_m"]) == pytest.approx(0.62, abs=0.05)


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path: Path) -> None:
    spec = SessionSpec(minutes=0.3, seed=11, profile="antalgic-left:0.4")
    simulate_session(tmp_path / "a", spec)
    simulate_session(tmp_path / "b", spec)
    simulate_session(tmp_path / "c", SessionSpec(minutes=0.3, seed=12))
    a, b, c = files(tmp_path / "a"), files(tmp_path / "b"), files(tmp_path / "c")
    assert set(a) == {"streams/box.rec", "truth_steps.csv"}
    assert a == b
    assert a["streams/box.rec"] != c["streams/box.rec"]
    assert a["truth_steps.csv"] != c["truth_steps.csv"]


def test_existing_output_is_refused_unless_forced(tmp_path: Path) -> None:
    out = tmp_path / "s"
    simulate_session(out, SessionSpec(minutes=0.1, seed=1))
    before = (out / "truth_steps.csv").read_bytes()
    with pytest.raises(InputError, match="already exists"):
        simulate_session(out, SessionSpec(minutes=0.1, seed=2))
    assert (out / "truth_steps.csv").read_bytes() == before
    simulate_session(out, SessionSpec(minutes=0.1, seed=2), force=True)
    assert (out / "truth_steps.csv").read_bytes() != before


def test_noise_and_faults_do_not_change_the_gait(tmp_path: Path) -> None:
    from sim.box import BoxConfig
    from sim.sensors import NOISE_LEVELS

    clean = simulate_session(tmp_path / "clean", SessionSpec(minutes=0.2, seed=3))
    noisy = simulate_session(
        tmp_path / "noisy",
        SessionSpec(
            minutes=0.2,
            seed=3,
            box=BoxConfig(
                noise=NOISE_LEVELS["noisy"].with_(clock_ppm=NOISE_LEVELS["nominal"].clock_ppm)
            ),
        ),
    )

    # The same steps; only flags may differ (the noisy box loses a few blocks: "gap").
    def rows(sim: SimulatedSession) -> list[list[str]]:
        return [r[:9] + r[10:] for r in (s.row() for s in sim.truth)]

    assert rows(clean) == rows(noisy)


def test_overground_session_has_no_belt_frames_and_flags_turns(tmp_path: Path) -> None:
    spec = build_spec(
        minutes=0.5, speed="3.6kmh", profile="healthy", seed=1, rate=500, overground=True
    )
    sim = simulate_session(tmp_path / "og", spec)
    assert any("turn" in s.flags for s in sim.truth)
    assert all(s.belt_m is None for s in sim.truth)
    hello_cpm = spec.box.belt_counts_per_m
    assert hello_cpm == 0.0


def test_cli_support_summary_and_errors(tmp_path: Path) -> None:
    line = run_session(
        out=tmp_path / "x",
        minutes=0.1,
        speed="3.6kmh",
        profile="parkinsonian:0.3",
        seed=1,
        rate=200,
    )
    assert "parkinsonian:0.3" in line and "true steps" in line
    with pytest.raises(InputError, match="speed"):
        build_spec(minutes=1, speed="fast", profile="healthy", seed=0, rate=1000)
    with pytest.raises(InputError, match="sensors"):
        build_spec(minutes=1, speed="1mps", profile="healthy", seed=0, rate=1000, sensors="x")
    with pytest.raises(InputError, match="noise"):
        build_spec(minutes=1, speed="1mps", profile="healthy", seed=0, rate=1000, noise="loud")
    with pytest.raises(InputError, match="sample rate"):
        build_spec(minutes=1, speed="1mps", profile="healthy", seed=0, rate=5)
    fb = build_spec(
        minutes=1, speed="1mps", profile="healthy", seed=0, rate=1000, target=0.7, metronome=110
    ).feedback
    assert (fb.step_length_m, fb.metronome_spm) == (0.7, 110)
    with pytest.raises(InputError, match="target"):
        build_spec(minutes=1, speed="1mps", profile="healthy", seed=0, rate=1000, target=3.0)
    with pytest.raises(InputError, match="session length"):
        build_spec(minutes=0, speed="1mps", profile="healthy", seed=0, rate=1000)


@pytest.mark.parametrize("speed", ["100kmh", "18kmh", "0.1mps", "60mph"])
def test_a_belt_speed_no_one_walks_at_is_one_message_whatever_its_size(speed: str) -> None:
    """100 km/h said "above 10 m/s (check the unit)", 18 km/h "not a walking speed": two
    messages for one problem."""
    with pytest.raises(InputError) as err:
        build_spec(minutes=1, speed=speed, profile="healthy", seed=0, rate=1000)
    said = str(err.value)
    assert "is not a walking speed (0.2..3.0 m/s, 0.7..10.8 km/h)" in said, said
    assert "km/h)" in said.split(" is not")[0]  # the speed typed, in km/h too


def test_swing_jitter_shows_in_the_truths_swing_times_alone(tmp_path: Path) -> None:
    # `stride sim session --swing-jitter 15`: the truth's swing (and stance) times move by
    # about 15 ms each, its step and stride times stay; 0 is the default.
    def spec(ms: float) -> SessionSpec:
        return build_spec(
            minutes=1, speed="3.6kmh", profile="parkinsonian:0.5", seed=5, rate=500,
            overground=True, swing_jitter_ms=ms,
        )  # fmt: skip

    assert (
        spec(0).params
        == build_spec(
            minutes=1, speed="3.6kmh", profile="parkinsonian:0.5", seed=5, rate=500
        ).params
    )
    assert spec(15).params.swing_jitter_s == pytest.approx(0.015)
    a = simulate_session(tmp_path / "a", spec(0)).truth
    b = simulate_session(tmp_path / "b", spec(15)).truth
    assert [(s.ic_s, s.step_time_s, s.stride_time_s) for s in a] == [
        (s.ic_s, s.step_time_s, s.stride_time_s) for s in b
    ]
    pairs = zip(a, b, strict=True)
    moved = np.array([y.swing_s - x.swing_s for x, y in pairs if x.swing_s and y.swing_s])
    assert len(moved) > 80 and 0.011 < moved.std() < 0.019
    for bad in (-1.0, 60.0, float("nan")):
        with pytest.raises(InputError, match="--swing-jitter"):
            build_spec(
                minutes=1, speed="1mps", profile="healthy", seed=0, rate=1000, swing_jitter_ms=bad
            )


def test_split_belts_give_asymmetric_belt_displacements(tmp_path: Path) -> None:
    spec = SessionSpec(minutes=0.5, seed=2, split_belt=True, split_speeds_mps=(0.8, 1.2))
    sim = simulate_session(tmp_path / "split", spec)
    steps = [s for s in sim.truth if s.belt_m is not None and s.ic_s > 5]
    # A left step's belt part is the right (standing) foot's belt, and vice versa.
    left = np.mean([s.belt_m / s.step_time_s for s in steps if s.side == "L"])  # type: ignore[operator]
    right = np.mean([s.belt_m / s.step_time_s for s in steps if s.side == "R"])  # type: ignore[operator]
    assert left == pytest.approx(1.2, abs=0.03)
    assert right == pytest.approx(0.8, abs=0.03)


def test_the_python_example_in_the_docs_runs(tmp_path: Path) -> None:
    import re

    doc = (Path(__file__).resolve().parents[2] / "docs" / "simulation.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert blocks
    for code in blocks:
        code = code.replace('"sessions/sim1"', repr(str(tmp_path / "doc"))).replace(
            "minutes=5", "minutes=0.1"
        )
        namespace: dict[str, object] = {}
        exec(compile(code, "docs/simulation.md", "exec"), namespace)
    assert (tmp_path / "doc" / "truth_steps.csv").is_file()


def test_recording_holds_every_nonempty_read_in_order(tmp_path: Path) -> None:
    """The box stream written in blocks reads back as the simulated host reads, one chunk
    per non-empty read with its host time (faults make some reads empty or short)."""
    spec = SessionSpec(
        minutes=0.3, seed=6, faults=Faults(drop_byte_rate=1e-3, unplug_at_s=(5.0,), unplug_s=2.0)
    )
    sim = simulate_session(tmp_path / "r", spec)
    expected = [(t, c) for t, c in sim.chunks() if c]
    assert len(expected) > 100
    assert list(SessionReader(tmp_path / "r").chunks("box")) == expected


def test_feet_standing_on_a_stopped_belt_stay_loaded_across_render_blocks() -> None:
    """The belt stops at 20 s and starts at 34 s: the walker stands on both feet for about
    13 s, across a render block's start (30 s). Before, a block rendered only contacts that
    landed in the 5 s before it: both feet went unloaded from 30 s to the end of the stand."""
    from devices.sensorbox.fast import decode_stream

    spec = SessionSpec(minutes=1.0, seed=5, speed_changes=((20.0, 0.0), (34.0, 1.0)))
    run = simulate(spec)
    stood = [c for c in run.contacts if c.fc is not None and c.fc - c.ic > 8.0]
    assert sorted(c.side for c in stood) == ["L", "R"]
    dec = decode_stream(run.data)
    values = dec.values_flat.reshape(-1, dec.channels).astype(np.float64)
    t = (dec.t_us - dec.t_us[0]) / 1e6
    channels = spec.box.channels()
    start, end = max(c.ic for c in stood) + 0.5, min(c.fc for c in stood) - 0.5  # type: ignore[type-var]
    inside = (t > start) & (t < end)
    assert start < 30.0 < end
    for side in "LR":
        cols = [i for i, ch in enumerate(channels) if ch.side == side]
        foot = values[:, cols].sum(axis=1)
        base = np.percentile(foot, 5)
        loaded = np.percentile(foot, 95) - base
        assert (foot[inside] - base > 0.2 * loaded).all(), side
