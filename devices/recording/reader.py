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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError
from devices.recording.layout import (
    CHUNK_HEAD,
    CHUNK_MAGIC,
    FILE_HEAD,
    FILE_MAGIC,
    FORMAT_NAME,
    FORMAT_VERSION,
    MAX_CHUNK,
    SESSION_JSON,
    check_name,
    chunk_crc,
)


@dataclass
class StreamProblems:
    """What reading one stream had to skip."""

    torn: int = 0  # an incomplete last chunk (at most one per file)
    corrupt: int = 0  # damaged chunks skipped in the middle
    bytes_skipped: int = 0

    @property
    def clean(self) -> bool:
        return self.torn == 0 and self.corrupt == 0


@dataclass(frozen=True)
class StreamData:
    """A whole stream in memory: the bytes, and where each chunk starts and when it came."""

    data: bytes
    offsets: NDArray[np.int64]  # start of each chunk in ``data``; len = chunks
    host_t: NDArray[np.float64]

    def chunks(self) -> Iterator[tuple[float, bytes]]:
        if not self.offsets.size:
            return
        ends = [*self.offsets[1:].tolist(), len(self.data)]
        for start, end, t in zip(self.offsets.tolist(), ends, self.host_t.tolist(), strict=True):
            yield t, self.data[start:end]


@dataclass
class _Parsed:
    data: StreamData
    problems: StreamProblems = field(default_factory=StreamProblems)


class SessionReader:
    """Open a session directory written by :class:`SessionWriter` (format v1).

    Attributes: ``path``, ``meta`` (session.json as a dict), ``streams`` (name -> protocol),
    ``problems`` (name -> :class:`StreamProblems`, filled as streams are read).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        p = self.path
        if not p.exists():
            raise InputError(f"no recording at {p}", fix="check the path")
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
        self._files = {k: p / str(v.get("file", f"streams/{k}.rec")) for k, v in streams.items()}
        self.problems: dict[str, StreamProblems] = {}
        self._cache: dict[str, _Parsed] = {}

    def read_stream(self, name: str) -> StreamData:
        """The whole stream in memory (bytes + chunk offsets + host times)."""
        return self._parse(name).data

    def chunks(self, name: str) -> Iterator[tuple[float, bytes]]:
        """(host_t, bytes) of every intact chunk, in the order they were recorded."""
        return self.read_stream(name).chunks()

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

    def _parse(self, name: str) -> _Parsed:
        if name not in self.streams:
            known = ", ".join(sorted(self.streams)) or "none"
            raise InputError(f"no stream {name!r} in {self.path}", fix=f"streams: {known}")
        if name not in self._cache:
            path = self._files[name]
            try:
                raw = path.read_bytes()
            except FileNotFoundError as err:
                raise InputError(
                    f"{path}: the {name!r} stream file of this recording is missing",
                    fix="restore it from a backup; the recording is incomplete",
                ) from err
            except IsADirectoryError as err:
                raise InputError(
                    f"{path}: the {name!r} stream file of this recording is a directory",
                    fix="restore the stream file from a backup",
                ) from err
            except OSError as err:
                reason = err.strerror or str(err)
                raise InputError(
                    f"cannot read {path}: {reason}", fix="check the recording"
                ) from err
            parsed = parse_stream_file(raw, str(path))
            self._cache[name] = parsed
            self.problems[name] = parsed.problems
        return self._cache[name]


def parse_stream_file(raw: bytes, where: str = "stream", *, use_kernel: bool = True) -> _Parsed:
    """Split a stream file into chunks; see the module docstring for damage handling.

    Intact stretches are walked by a numba kernel (CRC-32 checked, hundreds of MB/s);
    damage is handled in Python, which then hands the rest back to the kernel.
    """
    if len(raw) < FILE_HEAD.size or raw[:8] != FILE_MAGIC:
        raise InputError(f"{where} is not a stride stream file", fix="check the recording")
    _, version, jlen = FILE_HEAD.unpack_from(raw)
    if version > FORMAT_VERSION:
        raise InputError(f"{where} has stream format {version}", fix="upgrade stride")
    buf = np.frombuffer(raw, dtype=np.uint8)
    scan = _kernel_scanner() if use_kernel else None
    pos = FILE_HEAD.size + jlen
    probs = StreamProblems()
    positions: list[NDArray[np.int64]] = []
    lengths: list[NDArray[np.int64]] = []
    end = len(raw)
    while pos < end:
        if scan is not None:
            p, n, pos = scan(buf, pos)
            positions.append(p)
            lengths.append(n)
            if pos >= end:
                break
        good = _chunk_at(raw, pos)
        if good >= 0:  # only reached without the kernel: one chunk at a time
            positions.append(np.array([pos], dtype=np.int64))
            lengths.append(np.array([good], dtype=np.int64))
            pos += CHUNK_HEAD.size + good
            continue
        nxt = _next_good_chunk(raw, pos + 1)
        if nxt < 0:
            probs.torn += 1
            probs.bytes_skipped += end - pos
            break
        probs.corrupt += 1
        probs.bytes_skipped += nxt - pos
        pos = nxt
    pos_a = np.concatenate(positions) if positions else np.zeros(0, np.int64)
    len_a = np.concatenate(lengths) if lengths else np.zeros(0, np.int64)
    hs = CHUNK_HEAD.size
    host_t = (
        buf[pos_a[:, None] + np.arange(8, 16)].copy().view("<f8").reshape(-1).astype(np.float64)
        if pos_a.size
        else np.zeros(0, np.float64)
    )
    offsets = np.concatenate([[0], np.cumsum(len_a)[:-1]]).astype(np.int64) if pos_a.size else pos_a
    total = int(len_a.sum())
    if scan is not None:
        from devices.recording._scan_kernels import _gather

        data = _gather(buf, pos_a, len_a, total).tobytes()
    else:
        data = b"".join(
            raw[p + hs : p + hs + m] for p, m in zip(pos_a.tolist(), len_a.tolist(), strict=True)
        )
    return _Parsed(StreamData(data, offsets, host_t), probs)


def _kernel_scanner() -> Callable[[NDArray[np.uint8], int], tuple[Any, Any, int]]:
    """The numba chunk scanner (``use_kernel=False`` walks chunk by chunk in Python: the
    slow reference the kernel is tested against). Imported when first needed: writing a
    recording (the simulator, a live session) does not load numba."""
    from devices.recording._scan_kernels import _scan_chunks, crc32_tables

    tables = crc32_tables()
    return lambda buf, pos: _scan_chunks(buf, pos, tables)


def _chunk_at(raw: bytes, pos: int) -> int:
    """Data length of an intact chunk at ``pos``, or -1."""
    hs = CHUNK_HEAD.size
    if len(raw) - pos < hs or raw[pos : pos + 4] != CHUNK_MAGIC:
        return -1
    _, n, host_t, crc = CHUNK_HEAD.unpack_from(raw, pos)
    if n > MAX_CHUNK or pos + hs + n > len(raw):
        return -1
    return int(n) if chunk_crc(n, host_t, raw[pos + hs : pos + hs + n]) == crc else -1


def _next_good_chunk(raw: bytes, start: int) -> int:
    """Offset of the next chunk whose CRC checks, or -1."""
    hs = CHUNK_HEAD.size
    pos = raw.find(CHUNK_MAGIC, start)
    while pos >= 0:
        if len(raw) - pos >= hs:
            _, n, host_t, crc = CHUNK_HEAD.unpack_from(raw, pos)
            if (
                n <= MAX_CHUNK
                and pos + hs + n <= len(raw)
                and chunk_crc(n, host_t, raw[pos + hs : pos + hs + n]) == crc
            ):
                return pos
        pos = raw.find(CHUNK_MAGIC, pos + 1)
    return -1
