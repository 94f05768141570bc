"""The Bluetooth parts of the command line: ``stride ports --ble``, ``--treadmill ftms:...``,
``--speed-source rsc:...`` and ``stride demo --treadmill ftms:sim``, with their one-line
errors (no adapter or Bluetooth off, bleak missing, options that contradict each other).

The refusals run in this process (``stride_in_process``: they need no process of their own).
The listings run in a process of their own, as a user's does: this process's simulated radio
may still carry devices other tests advertised; so do the real scan through bleak and the
missing-bleak case."""

from __future__ import annotations

import json
import subprocess
import sys

from cli_helpers import env, one_line_error, stride, stride_in_process


def test_ports_ble_lists_the_simulated_treadmill_and_pod_with_the_option_to_use() -> None:
    run = stride("ports", "--ble", "--sim", "--seconds", "0.3")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    ftms = [line for line in lines if line.startswith("STRIDE SIM FTMS")]
    pod = [line for line in lines if line.startswith("STRIDE SIM POD")]
    assert len(ftms) == 1 and "FTMS treadmill" in ftms[0] and "--treadmill ftms:sim" in ftms[0]
    assert len(pod) == 1 and "RSC foot pod" in pod[0] and "--speed-source rsc:sim" in pod[0]
    assert all(" dBm " in line for line in lines)


def test_ports_ble_json_names_kind_address_and_signal() -> None:
    run = stride("ports", "--ble", "--sim", "--seconds", "0.3", "--json")
    assert run.returncode == 0, run.stderr
    found = {d["kind"]: d for d in json.loads(run.stdout)["ble"]}
    assert set(found) == {"FTMS treadmill", "RSC foot pod"}
    for d in found.values():
        assert isinstance(d["rssi_dbm"], int) and d["address"].count(":") == 5
    assert found["FTMS treadmill"]["name"] == "STRIDE SIM FTMS"


def test_ports_ble_on_this_machine_lists_or_says_why_in_one_line() -> None:
    """A real scan through bleak: a listing where an adapter is on, else one line with the
    fix (this machine has no Bluetooth service: the line names it)."""
    run = stride("ports", "--ble", "--seconds", "0.5")
    if run.returncode == 0:
        assert run.stdout.strip()
    else:
        one_line_error(run, "Bluetooth")
        fix = run.stderr.lower().split("(", 1)[1]
        try:
            import bleak  # noqa: F401
        except ImportError:  # the extra is not installed: the fix names it
            assert '".[ble]"' in fix
        else:
            assert "bluetooth" in fix


def test_ports_ble_without_bleak_names_the_extra() -> None:
    code = (
        "import sys; sys.modules['bleak'] = None; sys.argv = ['stride', 'ports', '--ble']; "
        "from stride.cli.app import main; main()"
    )
    run = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), timeout=60
    )
    one_line_error(run, "bleak", '".[ble]"')


def test_ports_ble_bad_scan_time_is_one_line() -> None:
    one_line_error(stride_in_process("ports", "--ble", "--sim", "--seconds", "0"), "scan time")


def test_sim_and_adapter_need_ble() -> None:
    run = stride_in_process("ports", "--sim")
    assert run.returncode == 2 and "--ble" in run.stderr


def test_live_and_demo_help_name_the_bluetooth_devices() -> None:
    live = stride_in_process("live", "--help")
    text = " ".join(live.stdout.split())
    assert "ftms:NAME_OR_ADDRESS" in text and "ftms:sim" in text
    assert "--speed-source" in text and "rsc:sim" in text
    demo = stride_in_process("demo", "--help")
    assert "ftms:sim" in " ".join(demo.stdout.split())


def test_speed_source_and_treadmill_together_is_a_usage_error() -> None:
    run = stride_in_process(
        "live", "--port", "sim://box", "--treadmill", "fixed:3kmh", "--speed-source", "rsc:sim"
    )
    assert run.returncode == 2 and "--speed-source" in run.stderr


def test_speed_source_must_be_a_foot_pod() -> None:
    one_line_error(
        stride_in_process("live", "--port", "sim://box", "--speed-source", "ftms:sim"),
        "not a foot pod",
    )


def test_demo_treadmill_must_be_a_simulated_one() -> None:
    one_line_error(
        stride_in_process("demo", "--treadmill", "ftms:KICKR"), "not one of the simulated"
    )
    one_line_error(
        stride_in_process("demo", "--treadmill", "ftms:sim", "--speedup", "4"),
        "wall clock",
        "--speedup",
    )
