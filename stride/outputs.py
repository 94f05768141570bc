"""Files an output never replaces, ``--force`` or not: what recorded data is made of.

``--force`` lets ``stride analyze --steps-csv/--plot`` and ``stride report --out`` replace an
earlier *output*. A recording is not one: a stride stream file, a recording's
``session.json``, the history database, and the files of the record being read (a WFDB
header and the signal files it names, a gaitpdb text file) hold what was measured and
cannot be made again, so a path that names one of them is refused whatever the options.
Standard library only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from devices.errors import InputError
from devices.files import show_path

#: The first bytes of a stride stream file and of an SQLite database (the history).
_STREAM_MAGIC = b"STRDSTRM"
_SQLITE_MAGIC = b"SQLite format 3\x00"


def record_files(record: Path) -> list[Path]:
    """The files the record ``record`` (a recording directory, a WFDB header or a gaitpdb
    file, as ``stride analyze`` takes them) is made of, as far as they can be named."""
    if record.is_dir():
        streams = record / "streams"
        inside = sorted(streams.iterdir()) if streams.is_dir() else []
        return [record / "session.json", record / "truth_steps.csv", *inside]
    files = [record]
    if record.suffix.lower() == ".hea":
        files += _signal_files(record)
    return files


def _signal_files(hea: Path) -> list[Path]:
    """The signal files a WFDB header names (none when it cannot be read: the reader says
    why in its own words)."""
    from stride.readers.wfdb_header import parse_header, read_header_text

    try:
        header = parse_header(read_header_text(hea), hea)
    except (OSError, ValueError):
        return []
    return [hea.parent / s.file for s in header.signals if s.file != "-"]


def recorded_kind(path: Path) -> str | None:
    """What recorded data the existing file ``path`` holds, or None (a missing file, an
    earlier output, anything else)."""
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):
            return None  # a FIFO, a device: nothing recorded, and never opened (it blocks)
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            head = os.read(fd, len(_SQLITE_MAGIC))
        finally:
            os.close(fd)
    except OSError:
        return None
    if head.startswith(_STREAM_MAGIC):
        return "a recording's stream file"
    if head == _SQLITE_MAGIC:
        return "an SQLite database (such as the history)"
    if path.name == "session.json" and (path.parent / "streams").is_dir():
        return "a recording's session.json"
    return None


def refuse_recorded(out: Path, option: str, records: Iterable[Path] = ()) -> None:
    """Raise :class:`InputError` if writing ``out`` would replace recorded data: a file of
    one of ``records`` (what the command reads), or a file that holds a recording or the
    history. ``option`` names the output in the message (``--steps-csv``)."""
    if not out.exists() or out.is_dir():
        return  # nothing to replace; a folder is said by the output's own checks
    what = None
    for record in records:
        if any(_same_file(out, f) for f in record_files(record)):
            what = f"part of {show_path(record)}, the record being read"
            break
    if what is None:
        what = recorded_kind(out)
    if what is not None:
        raise InputError(
            f"{option} {show_path(out)} is {what}: an output never replaces recorded data,"
            " --force or not",
            fix=f"give {option} another file name",
        )


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
