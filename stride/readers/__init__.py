"""Readers: files and recordings in, :class:`~stride.core.signals.GaitSignals` out.

``read_signals(path)`` chooses the reader from what the path is; each reader raises
:class:`~stride.errors.InputError` naming the file, the problem and the fix. Readers import
numpy only when called, so importing this package stays cheap.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from stride.errors import InputError

if TYPE_CHECKING:
    from stride.core.signals import GaitSignals

WFDB_SUFFIXES = (".hea", ".let", ".rit", ".dat")


def likely_dtype(path: str | os.PathLike[str]) -> str:
    """The forces dtype a record is most likely read as, before reading it: WFDB records
    hold 16-bit counts; session recordings and gaitpdb files are scaled to float32."""
    return "int16" if Path(path).suffix.lower() == ".hea" else "float32"


def read_signals(path: str | os.PathLike[str], compact_times: bool = False) -> GaitSignals:
    """Read a PhysioNet WFDB record (``.hea``, or the record path without extension) or a
    gaitpdb text file. ``compact_times``: a session recording's times as a
    :class:`~stride.core.clock.SampleClock` where they can be and are many (an hour's
    float64 times are 28.8 MB; the analysis takes either), else as an array."""
    p = Path(path)
    # Recording directories of the project go through the live pipeline's pieces.
    if p.is_dir() and (p / "session.json").is_file():
        from stride.ingest.recording import read_session

        return read_session(p, compact_times)
    if p.suffix in WFDB_SUFFIXES or (not p.exists() and p.with_name(p.name + ".hea").is_file()):
        from stride.readers.wfdb import read_wfdb

        return read_wfdb(p)
    if not p.exists():
        from devices.files import no_path_error

        raise no_path_error(p, f"{p}: no such file or directory")
    if p.is_dir():
        raise InputError(
            f"{p}: a directory that is not a recording",
            fix="give a recording directory, a WFDB .hea file or a gaitpdb .txt file",
        )
    if not p.is_file():  # never block on a FIFO or read a device such as /dev/zero
        raise InputError(
            f"{p}: not a regular file (a pipe, a device or a socket)",
            fix="give a WFDB .hea record, a gaitpdb .txt file or a stride recording directory",
        )
    from stride.readers.gaitpdb import looks_like_gaitpdb, read_gaitpdb

    if looks_like_gaitpdb(p):
        return read_gaitpdb(p)
    if p.stat().st_size == 0:
        raise InputError(f"{p}: the file is empty", fix="give a recording with samples")
    raise InputError(
        f"{p}: unknown format (not a WFDB header, not a gaitpdb text file)",
        fix="give a WFDB .hea record, a gaitpdb .txt file or a stride recording directory",
    )
