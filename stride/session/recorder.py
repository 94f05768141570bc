"""The session directory of a live session, on :class:`devices.recording.SessionWriter`.

Raw streams: ``box`` (sensor-box protocol v1) and, with a treadmill driver, ``treadmill.rx``
(the bytes the treadmill sent, protocol = driver name) and ``treadmill.tx`` (the commands
and polls the host sent). At the end: ``steps.csv`` (the one steps format,
:func:`stride.core.rows.steps_csv_text`), ``summary.json`` and the session
metadata in ``session.json`` (devices, protocols, rate, channel map, target, speed changes,
software version, subject, start time).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from devices.recording import SessionWriter, StreamRecorder
from stride.core.rows import steps_csv_text


class SessionRecorder:
    """Appends raw chunks per stream (thread-safe) and writes the derived files at the end."""

    def __init__(self, path: Path, streams: Mapping[str, str], *, force: bool = False) -> None:
        self.path = Path(path)
        self.writer = SessionWriter(self.path, force=force, sync_interval=0.5)
        self._streams: dict[str, StreamRecorder] = {
            name: self.writer.add_stream(name, protocol) for name, protocol in streams.items()
        }
        self._lock = threading.Lock()
        self.closed = False

    def append(self, stream: str, data: bytes, host_t: float) -> None:
        rec = self._streams.get(stream)
        if rec is not None:
            rec.append(data, host_t)

    def write_meta(self, meta: Mapping[str, Any]) -> None:
        self.writer.write_meta(meta)

    def finish(self, meta: dict[str, Any], analysis: dict[str, Any]) -> None:
        """Write steps.csv, summary.json and the metadata; close every stream."""
        with self._lock:
            if self.closed:
                return
            self.closed = True
        steps = analysis.get("steps") or []
        self.writer.write_text("steps.csv", steps_csv_text(steps))
        self.writer.write_json("summary.json", analysis.get("summary") or {})
        self.writer.write_meta(meta)
        self.writer.close()
