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
