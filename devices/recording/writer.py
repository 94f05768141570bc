"""Writing a session directory while a session runs: raw streams first, everything else after.

The reader thread of each device calls ``StreamRecorder.append`` with every chunk it reads,
before anything else touches the bytes. Each chunk goes to the OS in one ``write`` (so a
killed process loses nothing that was appended), and the file is fsynced at least every
``sync_interval`` seconds (so a power loss costs at most that much): checked on every append,
and by a background thread of the SessionWriter for streams that went quiet.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import shutil
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from devices.errors import InputError
from devices.files import atomic_write, check_path, fs_error, fsync_dir
from devices.recording.claim import (
    FolderBusy,
    busy_error,
    lock_folder,
    make_dirs,
    remove_made,
)
from devices.recording.layout import (
    FILE_HEAD,
    FILE_MAGIC,
    FORMAT_NAME,
    FORMAT_VERSION,
    RESERVED_META,
    SESSION_JSON,
    STREAM_SUFFIX,
    STREAMS_DIR,
    check_name,
    pack_chunk,
)


def _derived_files(session_json: Path) -> list[str]:
    """The derived files an existing session.json lists (none if it is unreadable)."""
    try:
        files = json.loads(session_json.read_text(encoding="utf-8")).get("files", [])
    except (OSError, ValueError, AttributeError, RecursionError):
        return []
    out = []
    for name in files if isinstance(files, list) else []:
        try:
            out.append(check_name(str(name), "file"))
        except InputError:
            continue  # never delete anything outside the session's own names
    return out


class StreamRecorder:
    """Appends one device's raw bytes with host timestamps (see the module docstring)."""

    def __init__(self, path: Path, name: str, protocol: str, sync_interval: float) -> None:
        self.path = path
        self.name = name
        self.protocol = protocol
        self.sync_interval = sync_interval
        self.chunks = 0
        self.bytes = 0
        #: An append failed (a full disk): the stream ends there, the recording is cut short.
        self.failed = False
        self._lock = threading.Lock()
        desc = json.dumps({"name": name, "protocol": protocol}).encode()
        # O_BINARY: on Windows, without it the OS would turn \n into \r\n.
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
        try:
            self._fd: int | None = os.open(path, flags, 0o644)
        except OSError as err:
            raise fs_error(err, path, "create the stream file") from err
        try:
            _write_all(self._fd, FILE_HEAD.pack(FILE_MAGIC, FORMAT_VERSION, len(desc)) + desc)
            os.fsync(self._fd)
        except OSError as err:  # a stream file without its header is no recording: removed
            os.close(self._fd)
            path.unlink(missing_ok=True)
            raise fs_error(err, path, "create the stream file") from err
        fsync_dir(path.parent)
        self._last_sync = time.monotonic()
        self._dirty = False

    def append(self, data: bytes, host_t: float) -> None:
        """Record one chunk as read from the device (empty reads are not recorded: an
        empty chunk is the mark of a new connection, :meth:`mark_new_connection`)."""
        if not data:
            self.maybe_sync()
            return
        record = pack_chunk(bytes(data), host_t)
        with self._lock:
            if self._fd is None:
                raise InputError(f"stream {self.name!r} is closed", fix="append before close()")
            self._write(record)
            self.chunks += 1
            self.bytes += len(data)
            self._dirty = True
        self.maybe_sync()

    def mark_new_connection(self, host_t: float) -> None:
        """Record that the device's port was reopened (after an unplug) at ``host_t``: an
        empty chunk, so a reader knows the bytes after it do not continue those before."""
        record = pack_chunk(b"", host_t)
        with self._lock:
            if self._fd is None:
                raise InputError(f"stream {self.name!r} is closed", fix="mark before close()")
            self._write(record)
            self.chunks += 1
            self._dirty = True
        self.maybe_sync()

    def append_many(self, data: bytes, offsets: ArrayLike, host_t: ArrayLike) -> None:
        """Record many chunks at once (a simulator writing a whole session): chunk i is
        ``data[offsets[i]:offsets[i + 1]]`` read at ``host_t[i]``; same file as appending
        them one by one, written in large blocks."""
        offs = np.asarray(offsets, dtype=np.int64)
        ht = np.asarray(host_t, dtype=np.float64)
        if offs.ndim != 1 or ht.shape != offs.shape:
            raise ValueError("offsets and host_t must be 1-D and of the same length")
        ends = np.append(offs[1:], len(data))
        if offs.size and (offs[0] != 0 or np.any(ends <= offs)):
            raise ValueError("offsets must start at 0 and increase strictly within data")
        view = memoryview(data)
        batch: list[bytes] = []
        size = 0
        for a, b, t in zip(offs.tolist(), ends.tolist(), ht.tolist(), strict=True):
            batch.append(pack_chunk(view[a:b], t))
            size += b - a
            if size >= 1 << 22:
                self._write_batch(batch, size)
                batch, size = [], 0
        self._write_batch(batch, size)
        self.maybe_sync()

    def _write_batch(self, batch: list[bytes], size: int) -> None:
        if not batch:
            return
        with self._lock:
            if self._fd is None:
                raise InputError(f"stream {self.name!r} is closed", fix="append before close()")
            self._write(b"".join(batch))
            self.chunks += len(batch)
            self.bytes += size
            self._dirty = True

    def _write(self, record: bytes) -> None:
        """One record to the file (under the lock); a failed write (a full disk) names the
        file. What reached the disk before it stays readable: the reader skips a torn tail."""
        assert self._fd is not None
        try:
            _write_all(self._fd, record)
        except OSError as err:
            self.failed = True
            raise fs_error(err, self.path, "append to") from err

    def maybe_sync(self) -> None:
        """fsync if the last one was ``sync_interval`` seconds ago or more."""
        if self._dirty and time.monotonic() - self._last_sync >= self.sync_interval:
            self.sync()

    def sync(self) -> None:
        """Make everything appended so far durable."""
        with self._lock:
            if self._fd is not None and self._dirty:
                try:
                    os.fsync(self._fd)
                except OSError as err:
                    raise fs_error(err, self.path, "save") from err
                self._dirty = False
            self._last_sync = time.monotonic()

    def close(self) -> None:
        """Make the stream durable and close it (closed even when that fails)."""
        try:
            self.sync()
        finally:
            with self._lock:
                if self._fd is not None:
                    os.close(self._fd)
                    self._fd = None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


class SessionWriter:
    """Create a session directory (format v1, docs/formats.md) and write into it.

    ``SessionWriter(path, *, force=False, sync_interval=0.5)``: refuses an existing non-empty
    directory unless ``force`` (then a previous stride session there is replaced; other
    files are left alone). Use as a context manager or call ``close()``.
    """

    def __init__(
        self, path: str | os.PathLike[str], *, force: bool = False, sync_interval: float = 0.5
    ) -> None:
        self.path = Path(path)
        self.sync_interval = sync_interval
        self._lock = threading.Lock()
        self._recorders: dict[str, StreamRecorder] = {}
        self._stop = threading.Event()
        self._syncer: threading.Thread | None = None
        self._failed = False  # a derived file could not be written
        self._lock_fd: int | None = None
        #: The folders this writer made (``path`` and any missing folders above it).
        self.made: list[Path] = []
        try:
            self._prepare(force)
        except InputError as err:  # refused: the folders this call made go again, unless
            if not isinstance(err, FolderBusy):  # another session records into them now
                remove_made(self.made)
            raise
        self._meta: dict[str, Any] = {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "created_utc": datetime.now(UTC).isoformat(timespec="seconds"),
            "streams": {},
            "files": [],
            # True only once close() has written everything: a session killed, or whose
            # disk filled, keeps false, and a reader can say the recording was cut short.
            "complete": False,
        }
        try:
            self._write_session_json()
        except OSError:  # a full or failing disk: the folders just made are not left empty
            with contextlib.suppress(OSError):
                (self.path / STREAMS_DIR).rmdir()
            remove_made(self.made)
            self._release()
            raise

    def _prepare(self, force: bool) -> None:
        """Claim the folder: made if missing, locked for the session (another session
        recording into it is refused, even with ``force``), checked empty (or an old
        session replaced with ``force``), then its ``streams`` folder made exclusively: of
        two sessions given the same folder at the same instant one records, the other is
        refused in one line (both used to pass the emptiness check and write into it)."""
        p = check_path(self.path, "recording folder")  # stored in the history as text
        if p.exists() and not p.is_dir():
            raise InputError(f"{p} exists and is not a directory", fix="choose another path")
        # first: a path through folders not made yet (``new/..``) names an existing folder
        # only once they exist, and that folder is what the checks below must see
        self.made = make_dirs(p)
        self._lock_fd = lock_folder(p)
        try:
            if any(p.iterdir()):
                if not force:
                    raise InputError(
                        f"{p} already exists and is not empty",
                        fix="choose another path, or pass --force to replace it",
                    )
                if (p / SESSION_JSON).is_file():
                    # Replace the old session: its streams, and the derived files it lists
                    # (stale steps or summaries must not sit beside new data).
                    for name in _derived_files(p / SESSION_JSON):
                        (p / name).unlink(missing_ok=True)
                    (p / SESSION_JSON).unlink()
                    shutil.rmtree(p / STREAMS_DIR, ignore_errors=True)
            try:
                os.mkdir(p / STREAMS_DIR)
            except FileExistsError as err:
                if self._lock_fd is None:  # made by another session since the check
                    raise busy_error(p) from err
                if not (p / STREAMS_DIR).is_dir():  # kept by --force: not a session's
                    raise InputError(
                        f"{p / STREAMS_DIR} is a file, where the recording's streams go",
                        fix="choose another path, or move that file away",
                    ) from err
            except OSError as err:
                said = fs_error(err, p, "create the recording directory")
                raise InputError(said.problem, fix=said.fix) from err
        except BaseException:
            self._release()
            raise

    def follow_move(self) -> Path | None:
        """Where the session folder is now if it was moved (renamed) while recording, and
        from now on the writer's ``path`` (its streams, open, were moved with it); None if
        it was not moved or cannot be found (removed, or an OS without ``/proc``)."""
        if self._lock_fd is None:
            return None
        try:
            now = Path(os.readlink(f"/proc/self/fd/{self._lock_fd}"))
        except OSError:
            return None
        if not now.is_dir() or now == self.path.absolute() or not now.is_absolute():
            return None  # removed ("... (deleted)"), or where it was
        with self._lock:
            self.path = now
            for name, rec in self._recorders.items():
                rec.path = now / STREAMS_DIR / f"{name}{STREAM_SUFFIX}"
        return now

    def _release(self) -> None:
        """Let go of the folder's lock (another session may record into it now)."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    @property
    def meta(self) -> dict[str, Any]:
        """A copy of what session.json holds now."""
        with self._lock:
            return json.loads(json.dumps(self._meta))

    def add_stream(self, name: str, protocol: str) -> StreamRecorder:
        """Start recording a named byte stream (e.g. 'box' / 'sensorbox-v1')."""
        check_name(name, "stream")
        with self._lock:
            if name in self._recorders:
                raise InputError(f"stream {name!r} was already added", fix="use another name")
            rel = f"{STREAMS_DIR}/{name}{STREAM_SUFFIX}"
            rec = StreamRecorder(self.path / rel, name, protocol, self.sync_interval)
            self._recorders[name] = rec
            if self._syncer is None:
                self._syncer = threading.Thread(
                    target=self._sync_loop, name=f"stride-sync:{self.path.name}", daemon=True
                )
                self._syncer.start()
            self._meta["streams"][name] = {"protocol": protocol, "file": rel}
        self._write_session_json()
        return rec

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        """Merge ``meta`` into session.json (atomically); reserved keys cannot be set."""
        bad = RESERVED_META & set(meta)
        if bad:
            raise InputError(f"metadata keys {sorted(bad)} are reserved", fix="rename them")
        with self._lock:
            self._meta.update(json.loads(json.dumps(meta)))
        self._write_session_json()

    def write_json(self, name: str, obj: Any) -> Path:
        """A derived JSON file (e.g. summary.json), written atomically."""
        return self.write_bytes(name, (json.dumps(obj, indent=2) + "\n").encode())

    def write_text(self, name: str, text: str) -> Path:
        return self.write_bytes(name, text.encode())

    def write_table(self, name: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
        """A derived CSV file (e.g. steps.csv); None is written as an empty field."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow(["" if v is None else v for v in row])
        return self.write_text(name, buf.getvalue())

    def write_bytes(self, name: str, data: bytes) -> Path:
        """A derived file, written atomically and listed in session.json ``files``."""
        path = self.path / check_name(name, "file")
        try:
            atomic_write(path, data)
        except OSError:
            self._failed = True
            raise
        with self._lock:
            new = name not in self._meta["files"]
            if new:
                self._meta["files"].append(name)
        if new:
            self._write_session_json()
        return path

    def sync(self) -> None:
        for rec in list(self._recorders.values()):
            rec.sync()

    def _sync_loop(self) -> None:
        """fsync streams that went quiet: data appended just before a pause (an unplugged
        cable) is made durable within ``sync_interval`` too, not only at the next append."""
        while not self._stop.wait(self.sync_interval):
            for rec in list(self._recorders.values()):
                # OSError: closed under us, or the disk is gone; close() reports it.
                with contextlib.suppress(OSError):
                    rec.maybe_sync()

    def close(self, *, complete: bool = True) -> None:
        """Close every stream and write session.json, marked complete unless ``complete``
        is False or something failed (a stream append, a derived file); every step is
        tried even when one fails (a full disk), then the first failure is raised."""
        self._stop.set()
        if self._syncer is not None:
            self._syncer.join()
        errors: list[OSError] = []
        for rec in list(self._recorders.values()):
            try:
                rec.close()
            except OSError as err:
                errors.append(err)
        failed = self._failed or any(rec.failed for rec in self._recorders.values())
        with self._lock:
            self._meta["complete"] = complete and not errors and not failed
        try:
            self._write_session_json()
        except OSError as err:
            errors.append(err)
        self._release()
        if errors:
            raise errors[0]

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close(complete=et is None)

    def _write_session_json(self) -> None:
        with self._lock:
            data = (json.dumps(self._meta, indent=2) + "\n").encode()
            atomic_write(self.path / SESSION_JSON, data)
