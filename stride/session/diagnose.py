"""A one-line diagnosis when a port's bytes never decode: wrong port, protocol or baud rate.

Called once the first few seconds of a session produced no valid frame. The cause is read
from the bytes themselves: none at all (wrong port, box off, or a device that only answers
commands), text lines (a board printing CSV lines: the fix suggests a ``--csv-map``; with
one, lines that do not fit it), bytes without COBS delimiters (a different
binary protocol), or the lopsided byte values a UART produces at the wrong baud rate.
"""

from __future__ import annotations

from devices.csvlines import CsvLineConfig
from devices.errors import ProtocolError
from stride.session.csvboard import csv_hint, diagnose_csv

#: Byte values a UART reads when the sender runs at another baud rate: runs of equal bits
#: stretched or squeezed make mostly all-ones/all-zeros bytes with a few leading bits set.
_BAUD_GARBAGE = frozenset({0x00, 0x80, 0xC0, 0xE0, 0xF0, 0xF8, 0xFC, 0xFE, 0xFF, 0x01, 0x7F})


def _printable_share(data: bytes) -> float:
    if not data:
        return 0.0
    ok = sum(1 for b in data if 32 <= b < 127 or b in (9, 10, 13))
    return ok / len(data)


def diagnose(
    url: str,
    sample: bytes,
    *,
    total_bytes: int,
    seconds: float,
    baudrate: int,
    expected_baudrate: int = 115200,
    csv: CsvLineConfig | None = None,
) -> ProtocolError:
    """The error to show when ``seconds`` of ``url`` gave no valid sensor-box frame (with
    ``csv``, a board's column map: no line that fits it)."""
    where = f"{url} at {baudrate} baud"
    said = None if csv is None else diagnose_csv(where, sample, csv, seconds=seconds)
    if said is not None:
        return said
    if total_bytes == 0:
        return ProtocolError(
            f"no bytes from {where} in {seconds:.0f} s: wrong port, or the sensor box is off",
            fix="check `stride ports` for the box's port (a treadmill port stays silent "
            "until asked, so it is not the box) and that the box is powered",
        )
    if _printable_share(sample) > 0.9 and (b"\n" in sample or b"\r" in sample):
        lines = [x for x in sample.splitlines() if x.strip()] or [b""]
        whole = lines[1] if len(lines) > 2 else lines[0]  # the first may be cut off
        line = whole[:40].decode("ascii", "replace")
        return ProtocolError(
            f"{where} sends text lines (e.g. {line!r}), not sensor-box frames: wrong protocol",
            fix=f"a board printing CSV lines needs its column map: {csv_hint(whole)}. Else "
            "check that this is the right port",
        )
    zeros = sample.count(0) / max(1, len(sample))
    garbage = sum(1 for b in sample if b in _BAUD_GARBAGE) / max(1, len(sample))
    if baudrate != expected_baudrate:
        return ProtocolError(
            f"bytes from {where} never decode: wrong baud rate likely",
            fix=f"the sensor box sends at {expected_baudrate} baud: use --baud {expected_baudrate}",
        )
    if zeros > 0.05 or garbage > 0.3:
        return ProtocolError(
            f"bytes from {where} never decode and look like a baud-rate mismatch (lopsided "
            "byte values)",
            fix="set --baud to the rate the box sends at (see its firmware or docs)",
        )
    return ProtocolError(
        f"bytes from {where} never form a sensor-box frame: a different device or protocol "
        "on this port, or a box at another baud rate",
        fix="check the port with `stride ports` (a treadmill goes on --treadmill, not --port) "
        "and the box's baud rate (--baud)",
    )
