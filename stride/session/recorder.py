"""The session directory of a live session, on :class:`devices.recording.SessionWriter`.

Raw streams: ``box`` (sensor-box protocol v1) and, with a treadmill driver, ``treadmill.rx``
(the bytes the treadmill sent, protocol = driver name) and ``treadmill.tx`` (the commands
and polls the host sent). At the end: ``steps.csv`` (the one steps format,
:func:`stride.core.rows.steps_csv_text`), ``summary.json`` and the session
metadata in ``session.json`` (devices, protocols, rate, channel map, target, speed changes,
software version, subject, start time).

A session outlives its disk: when a write fails (a full disk, the recording folder
removed, a disk gone read-only) the recorder says so once (``on_failure``, at once), stops
recording, and never raises into the reader threads: the walker is still walking, so the
devices are still read and the steps still computed, in memory. At the end it writes what
it can and :meth:`finish` returns what was not written; the streams keep what reached the
disk (a torn last chunk is skipped on reading) and session.json keeps ``complete: false``.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from devices.errors import InputError
from devices.files import fs_error, show_path
from devices.recording import SessionWriter, StreamRecorder
from devices.recording.claim import lock_folder
from stride.core.rows import steps_csv_text


class SessionRecorder:
    """Appends raw chunks per stream (thread-safe) and writes the derived files at the end."""

    def __init__(
        self,
        path: Path,
        streams: Mapping[str, str],
        *,
        force: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``clock``: the session's (the devices' with ``--speedup``), so the seconds a
        stopped recording names are the session's seconds, as the dashboard counts them."""
        self.path = Path(path)
        self.writer = SessionWriter(self.path, force=force, sync_interval=0.5)
        self._streams: dict[str, StreamRecorder] = {
            name: self.writer.add_stream(name, protocol) for name, protocol in streams.items()
        }
        self._lock = threading.Lock()
        self.closed = False
        #: What stopped the recording, in words (None: recording).
        self.failure: str | None = None
        #: Bytes read from each device after the recording stopped (not on disk).
        self.unrecorded: dict[str, int] = {}
        #: Told once, at once, when the recording stops (the session's alert).
        self.on_failure: Callable[[str], None] | None = None
        self._clock = clock
        self._started = clock()
        #: Bytes the devices sent (the host's own commands, ``*.tx``, not counted).
        self.received = 0
        #: This recorder made the folder (it did not exist before).
        self.made_folder = False

    def append(self, stream: str, data: bytes, host_t: float) -> None:
        """Record one chunk (an empty one: the device's port was reopened, recorded as the
        mark of a new connection); after a failure, only count it (never raises)."""
        rec = self._streams.get(stream)
        if rec is None:
            return
        if not stream.endswith(".tx"):
            self.received += len(data)
        if self.failure is None:
            try:
                if data:
                    rec.append(data, host_t)
                else:
                    rec.mark_new_connection(host_t)
                return
            except OSError as err:
                self._fail(f"{fs_error(err, rec.path, 'append to')}")
        self.unrecorded[stream] = self.unrecorded.get(stream, 0) + len(data)

    def check(self) -> str | None:
        """Called about once a second: a recording folder removed under a running session
        is noticed now, not at the end (appends to its open files still succeed). One moved
        (renamed) is followed: the session records there, and the notice is returned."""
        if self.failure is None and not self.closed and not self.path.is_dir():
            was, now = self.path, self.writer.follow_move()
            if now is not None:
                self.path = now
                return (
                    f"the recording folder {show_path(was)} was moved to {show_path(now)}: "
                    "the session records there"
                )
            self._fail(f"the recording folder {show_path(self.path)} was removed")
        return None

    def _fail(self, what: str) -> None:
        with self._lock:
            if self.failure is not None:
                return
            seconds = self._clock() - self._started
            self.failure = f"recording stopped after {seconds:.1f} s: {what}"
        if self.on_failure is not None:
            self.on_failure(self.failure)

    def discard_if_nothing_received(self) -> bool:
        """Remove the folder this recorder made when no device sent a byte (a session that
        never started: a silent or wrong port), so that the same --record works once the
        port is right; a folder that existed before, or holds anything received, is kept."""
        if self.received or not self.made_folder or not self.closed:
            return False
        try:  # closed, the folder is free: another session may have claimed it since
            held = lock_folder(self.path)
        except InputError:
            return False  # it records there now (with --force): its folder, not ours
        try:
            shutil.rmtree(self.path, ignore_errors=True)
        finally:
            if held is not None:
                os.close(held)
        return True

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        self.writer.write_meta(meta)

    def finish(self, meta: dict[str, Any], analysis: dict[str, Any]) -> list[str]:
        """Write steps.csv, summary.json and the metadata, and close every stream; each is
        tried even when another fails. Returns the files that could not be written."""
        with self._lock:
            if self.closed:
                return []
            self.closed = True
        steps = analysis.get("steps") or []
        summary = analysis.get("summary") or {}
        writes: list[tuple[str, Callable[[], object]]] = [
            ("steps.csv", lambda: self.writer.write_text("steps.csv", steps_csv_text(steps))),
            ("summary.json", lambda: self.writer.write_json("summary.json", summary)),
            ("session.json", lambda: self.writer.write_meta(meta)),
        ]
        missing = []
        for name, write in writes:
            try:
                write()
            except OSError as err:
                missing.append(name)
                self._fail(str(err))
        try:
            self.writer.close(complete=self.failure is None)
        except OSError as err:
            self._fail(str(err))
            if "session.json" not in missing:
                missing.append("session.json")
        return missing


def open_recorder(
    given: Path | None,
    planned: Path,
    streams: Mapping[str, str],
    *,
    force: bool,
    clock: Callable[[], float],
) -> SessionRecorder:
    """The session's recorder: in ``given`` (``--record``), or without one in a folder of
    its own under ``./sessions``, claimed by creating it: ``planned`` (the default name
    chosen at start-up) if it is still free, else ``planned-2``, ``-3``, ... Two sessions
    started in the same second used to pick the same default and the second was refused
    (or, with ``--force``, would have replaced the first's recording)."""
    if given is not None:
        recorder = SessionRecorder(given, streams, force=force, clock=clock)
        recorder.made_folder = given.absolute() in {m.absolute() for m in recorder.writer.made}
        return recorder
    path = _claim(planned)
    try:
        recorder = SessionRecorder(path, streams, clock=clock)
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)  # claimed here, empty: not left behind
        raise
    recorder.made_folder = True
    return recorder


def _claim(planned: Path) -> Path:
    """Create the first free folder of ``planned``, ``planned-2``, ``planned-3``, ..."""
    try:
        planned.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise fs_error(err, planned.parent, "create the recording directory") from err
    n = 1
    while True:
        path = planned if n == 1 else planned.with_name(f"{planned.name}-{n}")
        try:
            path.mkdir()
        except FileExistsError:
            n += 1
            continue
        except OSError as err:
            raise fs_error(err, path, "create the recording directory") from err
        return path
