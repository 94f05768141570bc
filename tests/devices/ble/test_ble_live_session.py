"""``stride live --port "sim://box?seed=1" --treadmill ftms:sim``: a whole session whose belt
is the simulated FTMS treadmill over real ATT/GATT exchanges (Bumble's virtual radio),
with its faults: the link drops and comes back, notifications stop for longer than the
driver's silence limit, control is refused.

Wall-clock paced (the treadmill's readings carry host times, which a faster world would
leave behind), so the sessions are short; the 60 s figure at 3.6 km/h is measured by
``benchmarks/ble_session.py``. ``stride analyze`` and ``stride replay`` run in this process
through the command line's own entry (typer's runner) to save two interpreter start-ups.
"""

from __future__ import annotations

import io
import json
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from benchmarks.live_truth import TruthWatcher, matched_errors
from devices.ble.ftms import parse_speed_range
from devices.ble.record import iter_records
from devices.recording import SessionReader
from devices.units import parse_speed
from stride.cli.app import app
from stride.session.live import Session
from stride.session.run import LiveArgs, run_live
from stride.session.screen.dashboard import render

FAULTS = "disconnect_at=6&disconnect_s=1.5&silent_at=13&silent_s=5"


def keys_at(presses: dict[float, str], frames: list[str]) -> Callable[[Session], None]:
    """A stand-in for the dashboard: presses keys at elapsed times and renders frames."""

    def ui(session: Session) -> None:
        todo = sorted(presses.items())
        for i, period in enumerate(session.ticks()):
            while todo and session.state.elapsed_s >= todo[0][0]:
                session.handle(todo.pop(0)[1])
            if i % 6 == 0:
                c = Console(file=io.StringIO(), record=True, width=110, height=30)
                c.print(render(session.state, time.monotonic(), width=110, height=30))
                frames.append(c.export_text())
            time.sleep(period)

    return ui


def live_session(
    tmp_path: Path, spec: str, seconds: float, ui: Callable[[Session], None], **kw: Any
) -> tuple[dict[str, Any], dict[tuple[str, float], float], str]:
    """Run ``stride live`` on a world of its own in this process: (final document, true
    step lengths, stderr). The world stands still from its creation until the session
    reads the box (:class:`~sim.harness.SimDevices` ``held_until_opened``), so the
    treadmill's faults, in world seconds, come at the same seconds of the session however
    long the Bluetooth link took to come up on a busy machine."""
    import sys

    from sim.ble import serve
    from sim.harness import start_devices
    from sim.world import WorldOptions

    options = WorldOptions(seed=1, speed_mps=parse_speed("3.6kmh"))
    with start_devices(options, held_until_opened=True) as sim:
        key = sim.key
        watcher = TruthWatcher(key)
        watcher.start()
        out, err = io.StringIO(), io.StringIO()
        saved = sys.stdout, sys.stderr
        args = LiveArgs(
            port=f"sim://box?world={key}&seed=1&speed=3.6kmh",
            treadmill=spec.replace("sim?", f"sim?world={key}&"),
            duration_s=seconds,
            no_ui=True,
            json_doc=True,
            history=False,
            record=tmp_path / "rec",
            ui_hook=ui,
            **kw,
        )
        try:
            sys.stdout, sys.stderr = out, err
            assert run_live(args) == 0
        finally:
            sys.stdout, sys.stderr = saved
            watcher.stop.set()
            watcher.join()
            peripheral = serve.ensure_peripheral(*_kind_query(args.treadmill)).peripheral
            sent = [v for _, v in peripheral.sent]
            serve.stop_all()
    doc = json.loads(out.getvalue().splitlines()[-1])
    doc["sent"] = sent
    return doc, watcher.steps, err.getvalue()


def _kind_query(spec: str) -> tuple[str, str]:
    kind, _, rest = spec.partition(":")
    return kind, rest.partition("?")[2]


def cli(*args: str) -> dict[str, Any]:
    """``stride ARGS`` in this process; the last line of its output as JSON."""
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def recorded_values(rec: Path, uuid16: int) -> list[bytes]:
    reader = SessionReader(rec)
    return [
        value
        for _, chunk in reader.chunks("treadmill.rx")
        for u, value in iter_records(chunk)
        if u == uuid16
    ]


@pytest.mark.slow
def test_ftms_session_with_a_drop_and_a_silence(tmp_path: Path) -> None:
    frames: list[str] = []
    doc, truth, stderr = live_session(
        tmp_path, f"ftms:sim?{FAULTS}", 22.0, keys_at({3.0: "faster"}, frames)
    )
    steps, session = doc["steps"], doc["session"]
    events = [e["event"] for e in session["events"]]

    # the drop: one reconnect, within 5 s, counted in session.reconnects (the box had none)
    assert session["reconnects"] == 1
    back = [float(m[1]) for e in events if (m := re.search(r"reconnected after ([\d.]+) s", e))]
    assert len(back) == 1 and back[0] < 5.0
    # nothing recorded is lost across it: the recording holds every notification the
    # treadmill sent, in order, until the session closed the link (4 Hz, 22 s less 2 s away
    # and 5 s silent)
    recorded = recorded_values(tmp_path / "rec", 0x2ACD)
    assert recorded == doc["sent"][: len(recorded)]
    assert len(recorded) >= 4 * (22 - 2 - 5) - 8

    # the silence (5 s > the 3 s limit): flagged steps, then lengths again
    assert any("not answering" in e for e in events) and any("answering again" in e for e in events)
    # (steps after the treadmill's last reading are flagged too: the belt is unknown there)
    last = max(s["ic_s"] for s in steps if s["step_length_m"] is not None)
    flagged = [s for s in steps if "belt-unknown" in s["flags"] and s["ic_s"] < last]
    assert flagged
    after = [s for s in steps if s["ic_s"] > flagged[-1]["ic_s"] + 0.5]
    assert sum(s["step_length_m"] is not None for s in after) >= 4

    # step lengths against the simulator's truth, the walker sped up by the + key
    # (22 s: about 38 steps, less those around the 2 s drop and the 5 s silence and each
    # foot's first; how many fall in the silence moves with the machine's load)
    errors = matched_errors(steps, truth)
    measured = [s for s in steps if s["step_length_m"] is not None and not s["flags"]]
    assert len(errors) >= 15 and len(errors) >= 0.9 * len(measured)
    assert abs(statistics.mean(errors)) <= 0.01
    # the + key went through the control point: control requested first, then the speed
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    # + adds 0.2 km/h to the speed measured then (3.6 km/h less a heel-strike dip)
    changes = [c["mps"] * 3.6 for c in meta["speed_changes"]]
    assert len(changes) == 2 and 3.65 <= changes[0] <= 3.81 and changes[1] == 0
    sent_kmh, _ = parse_speed_range(b"\x32\x00\xd0\x07\x0a\x00").clamp(changes[0])  # 0.1 grid
    tx = [
        v
        for _, chunk in SessionReader(tmp_path / "rec").chunks("treadmill.tx")
        for _, v in iter_records(chunk)
    ]
    assert tx[0] == b"\x00"  # request control, then set target speed in 0.01 km/h
    assert b"\x02" + round(sent_kmh * 100).to_bytes(2, "little") in tx
    # heart rate: on the dashboard and in the summary
    hr = doc["summary"]["heart_rate_bpm"]
    assert hr["n"] >= 40 and 80 <= hr["min"] <= hr["max"] <= 90
    assert any(re.search(r"HR 8\d bpm", f) for f in frames)
    assert "stride: note: ftms: Bluetooth link" in stderr  # said without a dashboard too

    # analyze and replay of the recording give the live steps and summary
    rec = str(tmp_path / "rec")
    analysed = cli("analyze", rec, "--json")
    assert analysed["steps"] == steps and analysed["summary"] == doc["summary"]
    replayed = cli("replay", rec, "--speed", "max", "--no-ui", "--json")
    assert replayed["steps"] == steps and replayed["summary"] == doc["summary"]


@pytest.mark.slow
def test_refused_control_is_read_only_said_once(tmp_path: Path) -> None:
    presses = {1.0: "faster", 1.5: "faster", 2.0: "slower"}
    doc, _, stderr = live_session(
        tmp_path, "ftms:sim?control=refuse", 5.0, keys_at(presses, []), speed="4kmh"
    )
    assert stderr.count("read-only") == 1, stderr
    assert "refused control" in stderr
    assert stderr.count("cannot be set") == 1, stderr  # --speed and the keys: one line
    events = [e["event"] for e in doc["session"]["events"]]
    assert sum("read-only" in e for e in events) == 1
    assert not json.loads((tmp_path / "rec" / "session.json").read_text())["speed_changes"]
    assert doc["summary"]["steps"] > 0 and doc["summary"]["belt_speed_mps"]["mean"] > 0.9


@pytest.mark.slow
def test_foot_pod_speed_as_the_belt(tmp_path: Path) -> None:
    """``--speed-source rsc:sim``: the pod's speed stands in for the belt (the simulated
    pod on this treadmill world reports the motor's speed, so the belt's heel-strike dips
    are what it misses)."""
    doc, truth, _ = live_session(tmp_path, "rsc:sim?notify_hz=2", 10.0, keys_at({}, []))
    meta = json.loads((tmp_path / "rec" / "session.json").read_text())
    assert meta["streams"]["treadmill.rx"]["protocol"] == "rsc"
    errors = matched_errors(doc["steps"], truth)
    assert len(errors) >= 8
    assert abs(statistics.mean(errors)) <= 0.01
    assert "heart_rate_bpm" not in doc["summary"]  # a pod sends none
    analysed = cli("analyze", str(tmp_path / "rec"), "--json")
    assert analysed["steps"] == doc["steps"]
