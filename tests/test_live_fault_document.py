"""``stride live --json`` stopped by a fault once it ran (exit 1) prints the final document
of what it recorded so far, with ``session.fault``, before its one error line: it printed
its step lines and no document, so a script reading the last line found a step (or nothing).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devices.errors import DeviceError
from sim.harness import SimDevices
from stride.session.run import LiveArgs, run_live


@pytest.mark.stride_sim(speedup=5)
def test_a_treadmill_that_never_answers_ends_with_the_final_document(
    tmp_path: Path, stride_sim: SimDevices, capsys: pytest.CaptureFixture[str]
) -> None:
    stride_sim.silence_treadmill(3600.0)  # it hears the polls; its answers are lost
    args = LiveArgs(
        port=stride_sim.box_url,
        treadmill=f"trackmaster:{stride_sim.treadmill_url}",
        no_ui=True,
        json_doc=True,
        history=False,
        duration_s=600.0,
        record=tmp_path / "rec",
    )
    with pytest.raises(DeviceError, match="never answered in 3 s") as raised:
        run_live(args)
    lines = capsys.readouterr().out.splitlines()
    assert lines, "nothing on stdout"
    doc = json.loads(lines[-1])
    assert set(doc) >= {"summary", "steps", "session"}
    session = doc["session"]
    assert session["fault"] == str(raised.value)
    assert session["recording"] == str(tmp_path / "rec")
    assert session["frames"] > 0 and session["ended_by"] == "error"
    step_lines = [json.loads(x) for x in lines[:-1]]
    assert doc["steps"][: len(step_lines)] == step_lines  # the steps printed as they came
    assert json.loads((tmp_path / "rec" / "session.json").read_text())["streams"]


@pytest.mark.stride_sim(speedup=5)
def test_without_json_nothing_is_added_to_stdout(
    tmp_path: Path, stride_sim: SimDevices, capsys: pytest.CaptureFixture[str]
) -> None:
    stride_sim.silence_treadmill(3600.0)
    args = LiveArgs(
        port=stride_sim.box_url,
        treadmill=f"trackmaster:{stride_sim.treadmill_url}",
        no_ui=True,
        history=False,
        duration_s=600.0,
        record=tmp_path / "rec",
    )
    with pytest.raises(DeviceError, match="never answered"):
        run_live(args)
    assert all("fault" not in line for line in capsys.readouterr().out.splitlines())
