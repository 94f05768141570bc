"""A recording whose box announces one rate (HELLO) while its samples come at another is
refused where the recording is read: one line naming the recording and both rates."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from cli_helpers import stride_in_process


@pytest.mark.parametrize("command", ["analyze", "replay"])
def test_a_box_announcing_1000_hz_with_samples_2_ms_apart_is_named_where_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    """``stride replay`` played such a recording through, then stopped with the contact
    code's "give the rate the times were sampled at" (exit 1 after the whole replay): it
    is refused before anything plays, in analyze's words."""
    import sim.box

    hello = sim.box.BoxConfig.hello

    def lying(self: sim.box.BoxConfig) -> sim.box.Hello:
        return replace(hello(self), sample_rate_hz=1000)

    monkeypatch.setattr(sim.box.BoxConfig, "hello", lying)
    rec = tmp_path / "s"
    made = stride_in_process(
        "sim", "session", "--out", str(rec), "--minutes", "0.5", "--rate", "500",
        "--seed", "2", "--no-history",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    monkeypatch.undo()
    run = stride_in_process(command, str(rec), *(["--speed", "max"] if command == "replay" else []))
    assert run.returncode == 1
    if command == "replay":  # nothing played: no step line, no note, only the refusal
        assert run.stdout == "" and run.stderr.count("\n") == 1, run.stderr
    lines = [x for x in run.stderr.splitlines() if x.startswith("stride: error:")]
    assert len(lines) == 1 and "Traceback" not in run.stderr, run.stderr
    line = lines[0]
    assert str(rec) in line and "500 Hz" in line and "HELLO says 1000 Hz" in line, line
    assert "firmware" in line and "give the rate" not in line, line
