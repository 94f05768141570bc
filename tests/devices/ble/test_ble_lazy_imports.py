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


def test_scan_command_lists_the_simulated_devices() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "devices.ble.scan", "--sim", "--seconds", "0.3"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    assert any(line.startswith("STRIDE SIM FTMS") and "Fitness Machine" in line for line in out)
    assert any(line.startswith("STRIDE SIM POD") and "dBm" in line for line in out)


def test_scan_command_on_this_machine_lists_or_says_why_in_one_line() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "devices.ble.scan", "--seconds", "0.5"],
        capture_output=True,
        text=True,
    )
    assert out.returncode in (0, 1)
    if out.returncode == 1:
        assert out.stderr.startswith("error: ") and out.stderr.count("\n") == 1
        assert "Traceback" not in out.stderr
