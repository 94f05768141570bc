"""Files an output never replaces, ``--force`` or not: what recorded data is made of.

``--force`` lets ``stride analyze --steps-csv/--plot`` and ``stride report --out`` replace an
earlier *output*. A recording is not one: a stride stream file, a recording's
``session.json``, the history database, and the files of the record being read (a WFDB
header and the signal files it names, a gaitpdb text file) hold what was measured and
cannot be made again, so a path that names one of them is refused whatever the options.
:func:`check_output` is the one check of an output path before any work is done (the
analysis's ``--steps-csv``/``--plot``, the report's ``--out``). Standard library only.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Sequence
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


def check_output(
    out: Path,
    *,
    force: bool,
    option: str,
    records: Sequence[Path] = (),
    file_name: str = "a file name",
) -> None:
    """Refuse the output path ``out`` of ``option`` (e.g. ``--steps-csv``) before any work
    is done, in one line: recorded data (a file of ``records``, a stream file, the history)
    whatever ``force`` says (:func:`refuse_recorded`); an existing file unless ``force``; a
    folder; a folder above it that is a file or does not exist. ``file_name``: what a folder
    given instead should have been (``a file name ending .html``)."""
    refuse_recorded(out, option, records)
    shown = show_path(out)
    if os.path.islink(out) and not Path(os.path.realpath(out)).parent.is_dir():
        raise InputError(
            f"{option} {shown} is a symbolic link to {show_path(os.path.realpath(out))}, whose "
            "folder does not exist",
            fix=f"mount the disk it is on, point the link elsewhere, or choose another {option}",
        )
    if out.exists() and not force:
        raise InputError(f"{shown} already exists", fix=f"choose another {option} or add --force")
    if out.is_dir():
        raise InputError(f"{shown} is a directory", fix=f"give {option} {file_name}")
    parent = out.parent
    if parent.exists() and not parent.is_dir():
        raise InputError(
            f"the folder {show_path(parent)} is a file",
            fix=f"give {option} a path inside a folder, or another name",
        )
    if not parent.exists():
        raise InputError(
            f"the folder {show_path(parent)} does not exist",
            fix=f"create it first, or choose another {option}",
        )
