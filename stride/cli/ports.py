"""``stride ports``: the serial ports present, with USB ids and what is probably behind them;
``stride ports --ble``: the Bluetooth FTMS treadmills and RSC foot pods in range.

Imports only typer and the standard library at module level.
"""

from __future__ import annotations

import json

import typer


def ports(
    json_out: bool = typer.Option(False, "--json", help='Print {"ports": [...]} as JSON.'),
    ble: bool = typer.Option(
        False,
        "--ble",
        help="Scan for Bluetooth FTMS treadmills and RSC foot pods instead: name, address, "
        "signal strength, and the --treadmill/--speed-source option that uses each.",
    ),
    seconds: float = typer.Option(5.0, "--seconds", help="With --ble: how long to scan."),
    adapter: str | None = typer.Option(
        None, "--adapter", help="With --ble: the Bluetooth adapter (Linux, e.g. hci1)."
    ),
    sim: bool = typer.Option(
        False, "--sim", help="With --ble: list the simulated ftms:sim and rsc:sim devices."
    ),
) -> None:
    """List serial ports: device, description, USB VID:PID, serial number and a hint."""
    if not ble:
        if sim or adapter is not None:
            raise typer.BadParameter("--sim and --adapter go with --ble", param_hint="--ble")
        _serial_ports(json_out)
        return
    from devices.ble.scan import NOTHING_FOUND, fitness_devices, scan_backend, scan_fitness

    found = fitness_devices(scan_fitness(scan_backend(sim, adapter), seconds), sim=sim)
    if json_out:
        doc: dict[str, object] = {"ble": [d.to_json() for d in found]}
        if not found:
            doc["hint"] = NOTHING_FOUND
        typer.echo(json.dumps(doc))
        return
    typer.echo("\n".join(d.describe() for d in found) if found else NOTHING_FOUND)


def _serial_ports(json_out: bool) -> None:
    from devices.ports import NO_PORTS_HINT, format_ports, list_serial_ports

    entries = list_serial_ports()
    if json_out:
        doc: dict[str, object] = {"ports": [e.to_json() for e in entries]}
        if not entries:
            doc["hint"] = NO_PORTS_HINT
        typer.echo(json.dumps(doc))
        return
    typer.echo(format_ports(entries))
