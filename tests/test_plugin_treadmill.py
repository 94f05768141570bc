"""A treadmill driver installed as a plugin (an entry point of ``stride.treadmills`` in an
installed distribution) records a session, and ``stride analyze`` and ``stride replay``
read its belt back through the registry: the same steps, with lengths from its readings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_helpers import stride_concurrently

STRIDE = [sys.executable, "-m", "stride.cli.app"]

PLUGIN = '''"""A vendor's Trackmaster-compatible treadmill, shipped as its own package."""

from devices.treadmill.trackmaster import TrackmasterTreadmill


class VendorTreadmill(TrackmasterTreadmill):
    name = "vendortm"
'''


def install_plugin(site: Path) -> None:
    """A distribution on ``site`` whose entry point adds the ``vendortm`` driver."""
    (site / "vendortm_pkg").mkdir(parents=True)
    (site / "vendortm_pkg" / "__init__.py").write_text(PLUGIN)
    info = site / "vendortm-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: vendortm\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[stride.treadmills]\nvendortm = vendortm_pkg:VendorTreadmill\n"
    )


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*STRIDE, *args], capture_output=True, text=True, env=env, timeout=240)
    assert out.returncode == 0, out.stderr
    return out


@pytest.mark.slow
def test_a_plugin_driver_session_analyses_and_replays(tmp_path: Path) -> None:
    install_plugin(tmp_path / "site")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(tmp_path / "site"), env.get("PYTHONPATH")) if p
    )
    key = f"plugin-{os.getpid()}-{time.monotonic_ns()}"
    rec = tmp_path / "rec"
    live = run(
        "live",
        "--port",
        f"sim://box?world={key}&speedup=10&seed=4",
        "--treadmill",
        f"vendortm:sim://treadmill?world={key}",
        "--spacing",
        "0.3",
        "--duration",
        "25",  # seconds of the simulated world's clock: 2.5 s at speedup 10
        "--no-ui",
        "--json",
        "--no-history",
        "--record",
        str(rec),
        env=env,
    )
    doc = json.loads(live.stdout.splitlines()[-1])
    meta = json.loads((rec / "session.json").read_text())
    assert meta["streams"]["treadmill.rx"]["protocol"] == "vendortm"
    assert meta["belt_source"] == "treadmill"
    assert sum(s["step_length_m"] is not None for s in doc["steps"]) >= 5  # its readings
    # the recording read back by three processes at once (each mostly its own start-up)
    analysed, replay, bare = stride_concurrently(
        ["analyze", str(rec), "--json"],
        ["replay", str(rec), "--speed", "max", "--no-ui", "--json"],
        ["analyze", str(rec), "--json"],
        envs=[env, env, dict(os.environ)],  # the last without the plugin installed
    )
    for done in (analysed, replay, bare):
        assert done.returncode == 0, done.stderr
    adoc = json.loads(analysed.stdout)
    assert adoc["steps"] == doc["steps"] and adoc["summary"] == doc["summary"]
    assert json.loads(replay.stdout.splitlines()[-1])["summary"] == doc["summary"]
    # without the plugin installed, the belt is said to be unreadable, not guessed
    assert all(s["step_length_m"] is None for s in json.loads(bare.stdout)["steps"])
    assert "treadmill readings (vendortm) cannot be read" in bare.stderr
