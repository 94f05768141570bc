"""A speed the session cannot set is never silently ignored: ``--speed`` without a treadmill
to drive is refused before anything is opened; a treadmill whose speed cannot be set from
here (a CSAFE one with ``?setspeed=off``) says so once, with how to turn it on, on stderr
without a dashboard too, for ``--speed`` and the ``+``/``-`` keys alike. A CSAFE treadmill
takes SETSPEED by default: ``--speed`` and the keys drive its belt, as a Trackmaster's."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from pathlib import Path

import pytest

from devices.errors import InputError
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live


@pytest.mark.parametrize("treadmill", ["box", "fixed:3.0kmh"])
def test_speed_without_a_treadmill_to_drive_is_refused(tmp_path: Path, treadmill: str) -> None:
    args = LiveArgs(
        port="sim://box?seed=1",
        treadmill=treadmill,
        speed="3.0kmh",
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
    )
    with pytest.raises(InputError) as err:
        run_live(args)
    assert "--speed 3.0kmh" in str(err.value) and "csafe:PORT)" in err.value.fix
    assert not (tmp_path / "rec").exists()  # refused before anything was opened


def test_speed_with_a_foot_pod_is_refused(tmp_path: Path) -> None:
    """``--speed-source rsc:sim --speed 4kmh``: a foot pod measures the walker overground;
    the session said only "rsc treadmill's speed cannot be set from here: set it at its
    console", as if a pod had one."""
    args = LiveArgs(
        port="sim://box?seed=1",
        treadmill="rsc:sim",
        speed="4kmh",
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
    )
    with pytest.raises(InputError) as err:
        run_live(args)
    assert str(err.value).startswith("--speed 4kmh: with --speed-source rsc:sim the walker")
    assert err.value.fix == "leave --speed out"
    assert not (tmp_path / "rec").exists()  # refused before anything was opened


@pytest.mark.slow
def _csafe_session(tmp_path: Path, options: str, pressed: list[int]) -> str:
    """A 2-second ``--speed 3.0kmh`` session on a simulated CSAFE treadmill (``options``
    in its spec), ``+`` pressed at ticks 1 and 2 (listed in ``pressed``): its stderr."""
    key = f"csafe-{os.getpid()}-{time.monotonic_ns()}"

    def ui(session: Session) -> None:
        for i, period in enumerate(session.ticks()):
            if i in (1, 2):
                session.handle("faster")
                pressed.append(i)
            time.sleep(period)

    args = LiveArgs(
        port=f"sim://box?world={key}&speedup=5&seed=8",
        treadmill=f"csafe:sim://csafe?world={key}{options}",
        speed="3.0kmh",
        duration_s=2.0,
        no_ui=True,
        history=False,
        record=tmp_path / "rec",
        ui_hook=ui,
    )
    err = io.StringIO()
    saved = sys.stderr, sys.stdout
    try:
        sys.stderr, sys.stdout = err, io.StringIO()
        assert run_live(args) == 0
    finally:
        sys.stderr, sys.stdout = saved
    return err.getvalue()


def test_csafe_with_setspeed_off_says_how_to_turn_it_on_without_a_dashboard(
    tmp_path: Path,
) -> None:
    pressed: list[int] = []
    stderr = _csafe_session(tmp_path, "&setspeed=off", pressed)
    said = [line for line in stderr.splitlines() if "cannot be set" in line]
    assert said == [
        "stride: note: csafe treadmill's speed cannot be set from here: set it at its "
        "console, or turn speed setting back on: leave ?setspeed=off out of csafe:PORT "
        "(docs/treadmills.md)"
    ]  # --speed and two key presses: said once
    assert pressed == [1, 2]
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert meta["speed_changes"] == []


@pytest.mark.slow
def test_csafe_takes_speed_and_keys_by_default(tmp_path: Path) -> None:
    """``--speed 3.0kmh`` and two ``+`` presses on a CSAFE treadmill without options: the
    SETSPEED frames on the wire byte for byte, and session.json's changes without a stop
    the session never sent (a CSAFE belt is stopped at its console)."""
    from devices.recording.reader import SessionReader

    pressed: list[int] = []
    stderr = _csafe_session(tmp_path, "", pressed)
    assert pressed == [1, 2]
    assert "cannot be set" not in stderr and "speed change failed" not in stderr
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert [round(c["mps"] * 3.6, 2) for c in meta["speed_changes"]] == [3.0, 3.2, 3.4]
    sent = b"".join(d for _, d in SessionReader(tmp_path / "rec").chunks("treadmill.tx"))
    frames = [f + b"\xf2" for f in sent.split(b"\xf2") if f.startswith(b"\xf1\x25")]
    # 30, 32, 34 x 0.1 km/h (1E, 20, 22): 25 03 LSB 00 31, XOR checksum 09, 37, 35; the
    # --speed frame, sent before polling starts, is recorded as the keys' are.
    assert frames == [
        bytes.fromhex("F1 25 03 1E 00 31 09 F2"),
        bytes.fromhex("F1 25 03 20 00 31 37 F2"),
        bytes.fromhex("F1 25 03 22 00 31 35 F2"),
    ]
