"""The sensor-box protocol v1 (docs/protocol.md): encoders, the streaming decoder, events.

Public API (stable; later versions only add):

- :class:`Hello`, :class:`ChannelSpec`, :func:`role_byte`, :func:`role_side`,
  :func:`role_place`, :func:`crc16`
- encoders returning wire bytes (COBS frame + ``b"\\x00"``): :func:`encode_hello`,
  :func:`encode_samples`, :func:`encode_belt`, :func:`encode_status`, :func:`encode_error`,
  :func:`encode_frame`, and :func:`encode_samples_many` (vectorised, F frames at once)
- :class:`StreamDecoder` (``feed(data, host_t) -> list[Event]``, ``flush()``, ``stats``)
- :func:`decode_stream` / :class:`DecodedBox`: a whole recorded stream at >= 100 MB/s
  (numba, imported on first call), equal to the live decoder fed chunk by chunk
- events: :class:`HelloEvent`, :class:`SampleBlock`, :class:`BeltBlock`,
  :class:`StatusEvent`, :class:`ErrorEvent`; counters: :class:`DecoderStats`
"""

from devices.sensorbox.decoder import StreamDecoder
from devices.sensorbox.encode_many import encode_samples_many
from devices.sensorbox.events import (
    BeltBlock,
    DecoderStats,
    ErrorEvent,
    Event,
    HelloEvent,
    SampleBlock,
    StatusEvent,
)
from devices.sensorbox.fast import DecodedBox, decode_stream
from devices.sensorbox.frames import (
    ERR_ENCODER,
    ERR_OPEN,
    ERR_OTHER,
    ERR_SHORTED,
    FLAG_DROPPED,
    FLAG_ENCODER,
    FLAG_SATURATED,
    PLACES,
    PROTOCOL_NAME,
    PROTOCOL_VERSION,
    SIDES,
    T_BELT,
    T_ERROR,
    T_HELLO,
    T_SAMPLES,
    T_STATUS,
    ChannelSpec,
    Hello,
    crc16,
    encode_belt,
    encode_error,
    encode_frame,
    encode_hello,
    encode_samples,
    encode_status,
    raw_frame,
    role_byte,
    role_place,
    role_side,
)

__all__ = [
    "ERR_ENCODER",
    "ERR_OPEN",
    "ERR_OTHER",
    "ERR_SHORTED",
    "FLAG_DROPPED",
    "FLAG_ENCODER",
    "FLAG_SATURATED",
    "PLACES",
    "PROTOCOL_NAME",
    "PROTOCOL_VERSION",
    "SIDES",
    "T_BELT",
    "T_ERROR",
    "T_HELLO",
    "T_SAMPLES",
    "T_STATUS",
    "BeltBlock",
    "ChannelSpec",
    "DecodedBox",
    "DecoderStats",
    "ErrorEvent",
    "Event",
    "Hello",
    "HelloEvent",
    "SampleBlock",
    "StatusEvent",
    "StreamDecoder",
    "crc16",
    "decode_stream",
    "encode_belt",
    "encode_error",
    "encode_frame",
    "encode_hello",
    "encode_samples",
    "encode_samples_many",
    "encode_status",
    "raw_frame",
    "role_byte",
    "role_place",
    "role_side",
]
