"""``stride ports``: the serial ports present, with USB ids and what is probably behind them.

Imports only typer and the standard library at module level.
"""

from __future__ import annotations

import json

import typer


def ports(
    json_out: bool = typer.Option(False, "--json", help='Print {"ports": [...]} as JSON.'),
) -> None:
    """List serial ports: device, description, USB VID:PID, serial number and a hint."""
    from devices.ports import NO_PORTS_HINT, format_ports, list_serial_ports

    entries = list_serial_ports()
    if json_out:
        doc: dict[str, object] = {"ports": [e.to_json() for e in entries]}
        if not entries:
            doc["hint"] = NO_PORTS_HINT
        typer.echo(json.dumps(doc))
        return
    typer.echo(format_ports(entries))
