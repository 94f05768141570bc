"""Reading a session directory back: metadata, raw chunks, and replay through the decoder.

Damage is a counted, visible recovery, never a silent loss: a torn last chunk (the process
was killed mid-write) is skipped and counted in ``problems[name].torn``; a damaged chunk in
the middle is skipped by scanning for the next chunk whose CRC checks, counted in
``corrupt`` with the bytes skipped. A missing, foreign or unreadable directory is an
InputError naming the fix.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from devices.errors import InputError
from devices.files import fs_error, no_path_error
from devices.recording.layout import (
    FORMAT_NAME,
    FORMAT_VERSION,
    SESSION_JSON,
    STREAM_SUFFIX,
    STREAMS_DIR,
    check_name,
)
from devices.recording.scan import (
    StreamData,
    StreamProblems,
    iter_stream,
    parse_stream_bytes,
    read_whole,
)

__all__ = ["SessionReader", "StreamData", "StreamProblems", "parse_stream_bytes"]


#: What a JSON file nested too deeply to read (``[[[[...``) is said to be.
NESTED = "its JSON is nested too deeply to read"


class SessionReader:
    """Open a session directory written by :class:`SessionWriter` (format v1).

    Attributes: ``path``, ``meta`` (session.json as a dict), ``streams`` (name -> protocol),
    ``problems`` (name -> :class:`StreamProblems`, filled as streams are read).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        p = self.path
        if not p.exists():
            raise no_path_error(p, f"no recording at {p}")
        if not p.is_dir():
            raise InputError(f"{p} is not a session directory", fix="give the directory path")
        sj = p / SESSION_JSON
        if not sj.is_file():
            raise InputError(
                f"{p} is not a stride recording (no {SESSION_JSON})",
                fix="give a directory written by `stride live` or `stride sim session`",
            )
        try:
            meta = json.loads(sj.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(
                f"{sj} is unreadable or corrupt ({err})", fix="restore it from a backup"
            ) from err
        except RecursionError as err:  # e.g. [[[[...: damage, or made to crash a reader
            raise InputError(f"{sj} is corrupt ({NESTED})", fix="restore it from a backup") from err
        if not isinstance(meta, dict) or meta.get("format") != FORMAT_NAME:
            raise InputError(
                f"{p} is not a stride recording ({SESSION_JSON} has another format)",
                fix="give a directory written by `stride live` or `stride sim session`",
            )
        version = meta.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION or version < 1:
            raise InputError(
                f"{p} has recording format version {version!r}; this stride reads up to "
                f"{FORMAT_VERSION}",
                fix="upgrade stride",
            )
        streams = meta.get("streams")
        if not isinstance(streams, dict) or not all(
            isinstance(v, dict) and isinstance(v.get("protocol"), str) for v in streams.values()
        ):
            raise InputError(f"{sj} has a corrupt stream list", fix="restore it from a backup")
        self.meta: dict[str, Any] = meta
        self.streams: dict[str, str] = {k: v["protocol"] for k, v in streams.items()}
        self._files = {k: _stream_path(p, k, v, sj) for k, v in streams.items()}
        self.problems: dict[str, StreamProblems] = {}
        self._cache: dict[str, StreamData] = {}

    def read_stream(self, name: str) -> StreamData:
        """The whole stream in memory (bytes + chunk offsets + host times); the file is
        read a window at a time, so memory follows the intact data, not the file size."""
        if name not in self._cache:
            problems = StreamProblems()
            with self._open(name) as fh:
                self._cache[name] = read_whole(fh, str(self._files[name]), problems)
            self.problems[name] = problems
        return self._cache[name]

    def release(self, name: str) -> None:
        """Forget a stream read whole (its memory goes; what reading it skipped stays in
        ``problems``); reading it again reads the file again."""
        self._cache.pop(name, None)

    def chunks(self, name: str) -> Iterator[tuple[float, bytes]]:
        """(host_t, bytes) of every intact chunk, in the order they were recorded; streamed
        from the file a window at a time unless the stream was read whole already."""
        if name in self._cache:
            yield from self._cache[name].chunks()
            return
        problems = StreamProblems()
        with self._open(name) as fh:
            for part in iter_stream(fh, str(self._files[name]), problems):
                yield from part.chunks()
        self.problems[name] = problems

    def require_data(self, name: str, what: str = "stream") -> StreamData:
        """The stream, or one line telling an empty stream from a damaged one (bytes after
        the header, none of them an intact chunk)."""
        data = self.read_stream(name)
        if data.offsets.size:
            return data
        skipped = self.problems[name].bytes_skipped
        if skipped:
            raise InputError(
                f"{self.path}: the {what} {name!r} is damaged: none of its {skipped} bytes "
                "after the header is an intact chunk",
                fix="restore the recording from a backup",
            )
        raise InputError(
            f"{self.path}: the {what} {name!r} is empty (nothing was recorded)",
            fix="record a session first",
        )

    @property
    def complete(self) -> bool:
        """Whether the session that wrote this recording reached its end (session.json's
        ``complete``; a recording from before that key counts as complete when it lists its
        end-of-session tables). False: killed, or its disk filled: the data stops early."""
        flag = self.meta.get("complete")
        if isinstance(flag, bool):
            return flag
        files = self.meta.get("files")
        return isinstance(files, list) and ("steps.csv" in files or "summary.json" in files)

    def stream_file(self, name: str) -> Path:
        """Where a stream of this recording is stored (session.json's ``file``)."""
        return self._files[name]

    def file(self, name: str) -> Path:
        """Path of a derived file in the session (it may not exist)."""
        return self.path / check_name(name, "file")

    def read_json(self, name: str) -> Any:
        f = self.file(name)
        try:
            return json.loads(f.read_text(encoding="utf-8"))
        except FileNotFoundError as err:
            raise InputError(f"{f} does not exist", fix="re-create it (stride analyze)") from err
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise InputError(f"{f} is corrupt ({err})", fix="re-create it") from err
        except RecursionError as err:
            raise InputError(f"{f} is corrupt ({NESTED})", fix="re-create it") from err

    def _open(self, name: str) -> BinaryIO:
        """The stream file, opened only if it is a regular file inside the recording (never
        blocks on a FIFO, never reads a device such as /dev/zero)."""
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none"
            raise InputError(f"no stream {name!r} in {self.path}", fix=f"streams: {known}")
        path = self._files[name]
        where = f"{path}: the {name!r} stream file of this recording"
        try:
            inside = path.resolve().is_relative_to(self.path.resolve())
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_BINARY", 0))
        except FileNotFoundError as err:
            raise InputError(
                f"{where} is missing", fix="restore it from a backup; the recording is incomplete"
            ) from err
        except RuntimeError as err:  # a symbolic-link loop (Python 3.11)
            raise InputError(f"{where} is a symbolic-link loop", fix="restore it") from err
        except OSError as err:
            raise fs_error(err, path, "read") from err
        kind = stat.S_IFMT(os.fstat(fd).st_mode)
        if not inside or kind != stat.S_IFREG:
            os.close(fd)
            problem = (
                "lies outside the recording folder"
                if not inside
                else "is a directory"
                if kind == stat.S_IFDIR
                else "is not a regular file (a pipe, a device or a socket)"
            )
            raise InputError(f"{where} {problem}", fix="restore the stream file from a backup")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")


def _stream_path(folder: Path, name: str, entry: dict[str, Any], sj: Path) -> Path:
    """Where session.json says a stream's file is: a relative path inside the recording
    (``streams/NAME.rec`` by default); anything else is refused before it is opened."""
    rel = entry.get("file", f"{STREAMS_DIR}/{name}{STREAM_SUFFIX}")
    parts = PurePosixPath(rel).parts if isinstance(rel, str) else ()
    if not parts or parts[0] == "/" or ".." in parts or "\\" in str(rel) or "\0" in str(rel):
        raise InputError(
            f"{sj}: the file of stream {name!r} ({rel!r}) is not a path inside the recording",
            fix="restore session.json from a backup (stream files are streams/NAME.rec)",
        )
    return folder.joinpath(*parts)
