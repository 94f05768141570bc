"""``stride check --port URL``: raw counts per sensor channel, unloaded and loaded.

For building and checking a sensor box (docs/hardware.md). Imports only typer and the
standard library at module level.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import typer

from stride.cli.live import CsvMap

_GUIDE = (
    "Lift each foot, then stand on it, heel and toes (or walk a few steps): the unloaded "
    "and loaded levels fill in."
)


def check(
    port: str = typer.Option(..., "--port", help="The sensor box: a path or URL (sim://box)."),
    seconds: float = typer.Option(10.0, "--seconds", help="How long to read, s of samples."),
    baud: int = typer.Option(115200, "--baud", help="Baud rate of the box."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    csv_map: CsvMap = None,
) -> None:
    """Show each sensor channel's raw counts: now, unloaded, loaded, and a verdict."""
    from devices.transport import open_serial
    from stride.boxcheck import run_check
    from stride.session.csvboard import csv_map as read_csv_map

    csv = None if csv_map is None else read_csv_map(csv_map)

    if not 0 < seconds < float("inf"):  # Ctrl-C ends a check early, showing what was read
        raise typer.BadParameter(f"--seconds {seconds} must be > 0", param_hint="--seconds")
    if not baud > 0:  # as `stride live` says it (0 would hang up a real serial line)
        from devices.errors import InputError

        raise InputError(f"--baud {baud} is not a baud rate", fix="e.g. --baud 115200")
    live = None if json_out or not sys.stdout.isatty() else _live_display()
    ser = open_serial(port, baudrate=baud, timeout=0.1)  # a wrong port: its line alone
    if live is None and not json_out:
        typer.echo(_GUIDE)
    try:
        if live is not None:
            with live as shown:
                result = run_check(
                    ser, seconds, on_update=lambda c: shown.update(_table(c, guide=True)), csv=csv
                )
                shown.update(_table(result))
        else:
            result = run_check(ser, seconds, csv=csv)
    finally:
        ser.close()
    if result.decoder.notes and not any(c.chunks for c in result.channels):
        # a box that disagrees with itself, whose frames were all dropped: say why
        from devices.errors import ProtocolError

        raise ProtocolError(result.decoder.notes[0])
    if result.samples == 0 and result.fault is not None:  # the port closed: that is why
        raise result.fault
    if result.samples == 0:  # the bytes say why: wrong port, protocol or baud rate
        from stride.session.diagnose import diagnose

        raise diagnose(
            port, bytes(result.sample_bytes), total_bytes=result.bytes_in,
            seconds=result.waited_s, baudrate=baud, csv=csv,
        )  # fmt: skip
    report = result.report()
    if json_out:
        typer.echo(json.dumps(report))
    elif live is None:
        from rich.console import Console

        Console().print(_table(result))
        _footer(report)
    else:
        _footer(report)
    if result.fault is not None:  # what was read is shown above; why it is short, here
        raise result.fault


def _live_display() -> Any:
    from rich.live import Live

    return Live(refresh_per_second=4, transient=False)


def _table(result: Any, guide: bool = False) -> Any:
    """The per-channel table (rich), as it stands (``guide``: with what to do, while live)."""
    from rich.table import Table

    from stride.cli.shown import shown

    report = result.report()
    top = (1 << int(report["adc_bits"])) - 1
    table = Table(
        title=f"{report['seconds']:.1f} s at {report['sample_rate_hz']:g} Hz, raw counts 0-{top}",
        caption=_GUIDE if guide else None,
    )
    for col in ("channel", "now", "unloaded", "loaded", "contrast", "verdict"):
        table.add_column(col, justify="left" if col in ("channel", "verdict") else "right")
    for ch in report["channels"]:
        if not ch["samples"]:
            table.add_row(shown(ch["channel"]), "", "", "", "", ch["verdict"])
            continue
        table.add_row(
            shown(ch["channel"]), str(ch["now"]), f"{ch['unloaded']:.0f}", f"{ch['loaded']:.0f}",
            f"{ch['contrast']:.0f}", ch["verdict"],
        )  # fmt: skip
    return table


def _footer(report: dict[str, Any]) -> None:
    line = f"{report['frames']} frames, {report['crc_errors']} CRC errors, {report['gaps']} gaps"
    if "lines" in report:  # a board printing CSV lines
        line = f"{report['lines']} lines, {report['bad_lines']} bad lines, {report['gaps']} gaps"
    if report["saturated_reports"]:
        line += f"; the box reported saturation {report['saturated_reports']} times"
    if report["belt_speed_mps"] is not None:
        v = float(report["belt_speed_mps"])
        line += f"; belt encoder {v:.2f} m/s ({v * 3.6:.1f} km/h)"
    if report.get("interrupted"):
        line += f"; stopped by Ctrl-C after {float(report['seconds']):.1f} s of samples"
    typer.echo(line)
    for note in report.get("notes", []):
        typer.echo(f"note: {note}")
    for err in report.get("box_errors", []):
        typer.echo(f"the box reports: {err}")
