"""How Bluetooth traffic is recorded: one record per notification, read or write.

A Bluetooth device is not a byte stream: each value arrives whole, from one
characteristic. The session records it like every stream (``treadmill.rx`` /
``treadmill.tx`` chunks with the host time of arrival, docs/formats.md), each chunk
holding one record::

    uuid16 (uint16 LE) | length n (uint16 LE) | n bytes: the value exactly as received

``rx`` holds notifications, indications and values read; ``tx`` holds values written
(control point requests). Records are self-delimiting, so a chunk may also hold several;
a torn record (cut off by a crash) is counted and skipped by :func:`iter_records`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass

HEADER = struct.Struct("<HH")


def encode_record(uuid16: int, value: bytes) -> bytes:
    """One record: the characteristic's 16-bit UUID, the value's length, the value."""
    if not 0 <= uuid16 <= 0xFFFF or len(value) > 0xFFFF:
        raise ValueError(f"cannot record uuid {uuid16:#x} with {len(value)} bytes")
    return HEADER.pack(uuid16, len(value)) + bytes(value)


@dataclass
class RecordStats:
    """Records read and torn ones skipped."""

    records: int = 0
    torn: int = 0


def iter_records(chunk: bytes, stats: RecordStats | None = None) -> Iterator[tuple[int, bytes]]:
    """(uuid16, value) of every whole record in ``chunk``; a torn tail is counted."""
    pos = 0
    while pos < len(chunk):
        if pos + HEADER.size > len(chunk):
            if stats is not None:
                stats.torn += 1
            return
        uuid16, n = HEADER.unpack_from(chunk, pos)
        end = pos + HEADER.size + n
        if end > len(chunk):
            if stats is not None:
                stats.torn += 1
            return
        if stats is not None:
            stats.records += 1
        yield uuid16, chunk[pos + HEADER.size : end]
        pos = end
