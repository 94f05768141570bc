"""Boards that print CSV lines: the ``--csv-map`` option of ``stride live`` and ``stride
check``, and what is said when a port's lines do not fit it (or a box's port sends lines).

``--csv-map`` is the column map (:meth:`devices.csvlines.CsvLineConfig.parse`): inline
(``time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100``), ``default`` for the
common layout ``time_ms,frame,ch0..ch3`` at 100 Hz (heel and forefoot, left foot first),
or a JSON file holding the map as text or as ``CsvLineConfig.to_dict()`` (what a
recording's session.json keeps under ``csvlines``). The map is never guessed from the
lines: a port that sends lines without ``--csv-map`` is refused with a suggested map.
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

from devices.csvlines import CsvLineConfig
from devices.errors import InputError, ProtocolError

#: ``--csv-map default``: ``time_ms,frame,ch0..ch3`` at 100 Hz, the four channels heel and
#: forefoot, left foot first (the layout of the reference box's channels).
DEFAULT_MAP = "time=0:ms,seq=1,L-heel=2,L-toe=3,R-heel=4,R-toe=5,rate=100"
_EXAMPLE = "e.g. --csv-map default, or --csv-map time=0:ms,seq=1,L-heel=2,R-heel=3,rate=100"


def csv_map(text: str) -> CsvLineConfig:
    """The column map of ``--csv-map TEXT``; a bad or missing one is a one-line error."""
    spec = text.strip()
    if not spec:
        raise InputError("--csv-map is empty", fix=_EXAMPLE)
    if spec == "default":
        spec = DEFAULT_MAP
    elif spec.endswith(".json") or ("=" not in spec and Path(spec).exists()):
        return _from_file(Path(spec))
    try:
        cfg = CsvLineConfig.parse(spec)
    except InputError as err:
        raise InputError(f"--csv-map: {err.problem}", fix=err.fix) from None
    return _live_ready(cfg, f"--csv-map {text}")


def _from_file(path: Path) -> CsvLineConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"--csv-map: no file {path}",
            fix=f"give an existing JSON file or the map inline, {_EXAMPLE}",
        ) from None
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
        raise InputError(
            f"--csv-map: {path} is not a JSON file ({err})",
            fix='write the map as JSON text, e.g. "time=0:ms,L-heel=1,R-heel=2,rate=100"',
        ) from None
    try:
        if isinstance(data, str):
            cfg = CsvLineConfig.parse(data)
        elif isinstance(data, dict):
            cfg = CsvLineConfig.from_dict(data)
        else:
            raise InputError("it holds neither a map's text nor an object", fix="")
    except (InputError, TypeError, ValueError) as err:
        why = getattr(err, "problem", str(err))
        raise InputError(
            f"--csv-map: {path} is no usable column map ({why})",
            fix='write the map as JSON text, e.g. "time=0:ms,L-heel=1,R-heel=2,rate=100"',
        ) from None
    return _live_ready(cfg, f"--csv-map {path}")


def _live_ready(cfg: CsvLineConfig, what: str) -> CsvLineConfig:
    """A live session and a check need the nominal rate (the HELLO the map stands for);
    they open the port while the board prints, so the first line may be cut: dropped."""
    try:
        cfg.hello()
    except InputError as err:
        raise InputError(f"{what}: {err.problem}", fix=err.fix) from None
    return replace(cfg, skip_first=True)


def csv_hint(line: bytes) -> str:
    """For a box port that sends text lines: how to read them as a CSV board (a suggested
    map to check, never used unasked)."""
    fields = line.decode("ascii", "replace").strip().split(",")
    numeric = all(_is_number(f) for f in fields)
    if numeric and len(fields) == 6:
        return f"if it prints time_ms,frame,ch0..ch3 at 100 Hz: --csv-map {DEFAULT_MAP}"
    if numeric and len(fields) == 4:
        return "if it prints time_ms,frame,left,right at 100 Hz: --csv-map " + (
            "time=0:ms,seq=1,L-foot=2,R-foot=3,rate=100"
        )
    return "give its column map with --csv-map (docs/hardware.md)"


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _is_finite(text: str) -> bool:
    return _is_number(text) and math.isfinite(float(text))


def diagnose_csv(
    where: str, sample: bytes, cfg: CsvLineConfig, *, seconds: float
) -> ProtocolError | None:
    """The error when ``seconds`` of a port read with ``--csv-map`` gave no line that fits
    the map (None: no bytes at all, said as for a box)."""
    if not sample:
        return None
    printable = sum(1 for b in sample if 32 <= b < 127 or b in (9, 10, 13)) / len(sample)
    if printable < 0.9 or b"\n" not in sample:
        what = "binary bytes" if printable < 0.9 else f"text, no line end in {len(sample)} bytes"
        return ProtocolError(
            f"{where} sends no text lines in {seconds:.0f} s ({what}): not a board "
            "printing CSV lines, or the wrong baud rate",
            fix="for the sensor box leave out --csv-map; else check --baud (the board's rate)",
        )
    rows = [x.strip() for x in sample.splitlines() if x.strip()]
    line = next(
        (r for r in rows[1:] if _is_number(r.split(b",")[0].decode("ascii", "replace"))), rows[0]
    )
    shown = line[:50].decode("ascii", "replace")
    fields = line.decode("ascii", "replace").split(cfg.delimiter)
    n = len(fields)
    bad = next((i for i, f in enumerate(fields[: cfg.n_columns]) if not _is_finite(f)), None)
    why = (
        f"{n} columns, the map needs {cfg.n_columns} numbers"
        if n < cfg.n_columns or bad is None
        else f"column {bad} is {fields[bad].strip()[:20]!r}, not a number the map can read"
    )
    return ProtocolError(
        f"the lines from {where} do not fit the CSV column map (e.g. {shown!r}: {why})",
        fix=f"give the map of these lines with --csv-map ({_EXAMPLE}; docs/hardware.md)",
    )
