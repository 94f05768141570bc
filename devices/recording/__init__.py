"""Session recordings (format v1, docs/formats.md): raw device bytes with host times, on disk.

Public API (stable; later versions only add):

- :class:`SessionWriter` ``(path, *, force=False, sync_interval=0.5)``:
  ``add_stream(name, protocol) -> StreamRecorder``, ``write_meta(dict)``,
  ``write_json(name, obj)``, ``write_text(name, str)``, ``write_table(name, header, rows)``,
  ``sync()``, ``close()``; a context manager.
- :class:`StreamRecorder`: ``append(data, host_t)``, ``append_many(data, offsets, host_t)``,
  ``sync()``, ``close()``.
- :class:`SessionReader` ``(path)``: ``meta``, ``streams`` (name -> protocol),
  ``chunks(name)`` -> (host_t, bytes), ``read_stream(name) -> StreamData``, ``problems``,
  ``read_json(name)``, ``file(name)``.
- :func:`decode_sensorbox` ``(reader, name="box", *, reorder_window=4) -> DecodedStream``,
  :func:`replay_events` (chunk by chunk) and :func:`make_decoder`: replay a force stream
  (``sensorbox-v1`` or ``csvlines``) through the live decoder: the same events as live.
"""

from devices.recording.layout import FORMAT_NAME, FORMAT_VERSION
from devices.recording.reader import SessionReader, StreamData, StreamProblems
from devices.recording.replay import DecodedStream, decode_sensorbox, make_decoder, replay_events
from devices.recording.writer import SessionWriter, StreamRecorder

__all__ = [
    "FORMAT_NAME",
    "FORMAT_VERSION",
    "DecodedStream",
    "SessionReader",
    "SessionWriter",
    "StreamData",
    "StreamProblems",
    "StreamRecorder",
    "decode_sensorbox",
    "make_decoder",
    "replay_events",
]
