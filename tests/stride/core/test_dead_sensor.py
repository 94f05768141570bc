"""A foot's sensor loaded in none of the foot's contacts (stride.core.sensor_warnings):
a loose cable or a dead sensor is warned of, naming the foot and the sensor; an intact
recording, a foot of one sensor and a real insole never."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import stride_in_process

from stride.core import sensor_warnings as sw
from stride.core.analyzer import StreamingAnalyzer, analyze
from stride.core.signals import GaitSignals
from stride.readers import read_signals


def stuck(sig: GaitSignals, col: int, value: float) -> GaitSignals:
    """The recording with channel ``col`` reading ``value`` throughout."""
    x = np.array(sig.forces, copy=True)
    x[:, col] = value
    return replace(sig, forces=x)


def dead_lines(summary: dict[str, object]) -> list[str]:
    return [w for w in summary.get("warnings", []) if "never loaded" in w]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("col", "value", "words"),
    [
        (0, 0.0, "left heel sensor (L-heel, channel 0) never loaded in"),
        (0, 1234.0, "left heel sensor (L-heel, channel 0) never loaded in"),
        (3, 0.0, "right toe sensor (R-toe, channel 3) never loaded in"),
    ],
)
def test_a_heel_toe_session_with_a_channel_stuck_is_warned_of_in_batch_and_stream(
    simulated_session: Callable[..., Path], tmp_path: Path, col: int, value: float, words: str
) -> None:
    sig = read_signals(simulated_session(tmp_path / "s", minutes=1.0, seed=3))
    assert [c.name for c in sig.channels] == ["L-heel", "L-toe", "R-heel", "R-toe"]
    assert dead_lines(analyze(sig).summary) == []
    bad = stuck(sig, col, value)
    whole = analyze(bad)
    lines = dead_lines(whole.summary)
    assert len(lines) == 1 and lines[0].startswith(words), lines
    other = "toe" if col == 0 else "heel"
    assert f"while its {other} sensor was" in lines[0]
    assert ("(toe walking)" in lines[0]) == (col == 0)
    stream = StreamingAnalyzer(None, bad.channels, bad.fs)
    t, x = bad.times(), np.asarray(bad.forces)
    for a in range(0, len(t), 777):
        stream.feed(t[a : a + 777], x[a : a + 777])
    assert stream.finish().summary.get("warnings") == whole.summary["warnings"]


def test_the_rule_counts_complete_contacts_and_needs_another_sensor_loaded(
    simulated_session: Callable[..., Path], tmp_path: Path
) -> None:
    sig = read_signals(simulated_session(tmp_path / "s", minutes=1.0, seed=3))
    contacts = analyze(stuck(sig, 1, 0.0)).contacts
    assert len(sw.dead_sensor_warnings(contacts, sig.channels)) == 1
    left = contacts["L"]
    done = np.flatnonzero(left.complete)
    few = replace(left, complete=np.isin(np.arange(len(left)), done[: sw.DEAD_MIN_CONTACTS - 1]))
    assert sw.dead_sensor_warnings({"L": few}, sig.channels) == []
    enough = replace(left, complete=np.isin(np.arange(len(left)), done[: sw.DEAD_MIN_CONTACTS]))
    assert len(sw.dead_sensor_warnings({"L": enough}, sig.channels)) == 1
    # no sensor loaded at all: not this rule's (the foot's sum made the contacts)
    none = replace(left, sensor_on_t=np.full_like(left.sensor_on_t, np.nan))
    assert sw.dead_sensor_warnings({"L": none}, sig.channels) == []


def test_shipped_records_are_not_warned_of_and_a_dead_insole_cell_is(
    physionet_data: Path,
) -> None:
    """gaitndd: one sensor a foot (the rule does not apply); gaitpdb: eight real cells a
    foot, each loaded in most contacts (91 of 96 the least)."""
    for p in sorted((physionet_data / "gaitndd").glob("*.hea"))[:5]:
        assert dead_lines(analyze(read_signals(p)).summary) == [], p.name
    paths = sorted((physionet_data / "gaitpdb").glob("Ga*.txt"))
    assert len(paths) == 4
    for p in paths:
        sig = read_signals(p)
        assert dead_lines(analyze(sig).summary) == [], p.name
    j = [c.name for c in sig.channels].index("R-cell3")
    lines = dead_lines(analyze(stuck(sig, j, 0.0)).summary)
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"right cell3 sensor (R-cell3, channel {j}) never loaded")
    assert "while its other sensors were" in lines[0] and "toe walking" not in lines[0]


def test_the_json_of_a_recording_whose_box_channel_reads_0_carries_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The box itself gives 0 on its first channel (the left heel: a loose cable), as
    recorded; ``stride analyze --json`` says it in ``summary.warnings`` and on stderr."""
    import sim.box

    counts = sim.box.SensorBox._samples

    def loose(self: sim.box.SensorBox, k0: int, k1: int) -> np.ndarray:
        out = counts(self, k0, k1)
        out[:, 0] = 0
        return out

    monkeypatch.setattr(sim.box.SensorBox, "_samples", loose)
    rec = tmp_path / "s"
    made = stride_in_process(
        "sim", "session", "--out", str(rec), "--minutes", "0.75", "--seed", "2", "--no-history"
    )
    assert made.returncode == 0, made.stderr
    monkeypatch.undo()
    run = stride_in_process("analyze", str(rec), "--json")
    assert run.returncode == 0, run.stderr
    lines = dead_lines(json.loads(run.stdout)["summary"])
    assert len(lines) == 1 and lines[0].startswith("left heel sensor (L-heel, channel 0)")
    assert f"stride: warning: {lines[0]}" in run.stderr
