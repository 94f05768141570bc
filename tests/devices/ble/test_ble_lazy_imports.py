"""Bluetooth libraries load only when Bluetooth is used."""

from __future__ import annotations

import subprocess
import sys


def _imported(code: str) -> str:
    probe = code + (
        "\nimport sys\nprint('IMPORTED', sorted(m for m in ('bleak', 'bumble', 'numba', "
        "'numpy', 'bluetooth_sig') if m in sys.modules))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout


def test_help_imports_no_bluetooth_library() -> None:
    out = _imported(
        "from stride.cli.app import app\ntry:\n    app(['--help'])\nexcept SystemExit:\n    pass"
    )
    assert "IMPORTED []" in out, out


def test_the_drivers_and_parsers_import_neither_bleak_nor_bumble() -> None:
    out = _imported(
        "import devices.registry, devices.treadmill.ftms, devices.treadmill.rsc, "
        "devices.ble.ftms, devices.ble.rsc, devices.ble.gatt"
    )
    assert "IMPORTED []" in out, out


def test_a_timed_bluetooth_exchange_imports_nothing() -> None:
    """Starting a simulated device and connecting to it each have a time limit
    (``devices.ble.loop.run``): Bumble's modules are imported before, in the caller's
    thread, so a busy machine's slow imports never count against it."""
    code = (
        "import sys\n"
        "from devices.ble import loop\n"
        "timed = loop.run\n"
        "def run(coro, timeout, what):\n"
        "    print('MISSING', what, sorted(m for m in ('bumble.controller', 'bumble.device',"
        " 'bumble.gatt', 'bumble.host', 'bumble.link') if m not in sys.modules))\n"
        "    return timed(coro, timeout, what)\n"
        "loop.run = run\n"
        "from devices.registry import parse_treadmill_spec\n"
        "from sim.ble import serve\n"
        "parse_treadmill_spec('ftms:sim?world=imports').close()\n"
        "serve.stop_all()\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    lines = [line for line in out.splitlines() if line.startswith("MISSING")]
    assert any("starting the simulated ftms device" in line for line in lines), out
    assert any("connecting to" in line for line in lines), out
    assert all(line.endswith("[]") for line in lines), out
