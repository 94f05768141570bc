"""On-disk layout of a session directory, format version 1 (docs/formats.md).

```
SESSION/
  session.json          metadata; written atomically; lists the streams
  streams/NAME.rec      one raw byte stream per device (or direction), append-only
  steps.csv ...         derived files, written atomically, re-creatable from the streams
```

A stream file is a 12-byte header + a JSON description, then chunks. Each chunk is the
bytes of one read from the device with the host time it arrived:

```
header:  b"STRDSTRM" | uint16 version (1) | uint16 json length | json (name, protocol)
chunk:   b"CHNK" | uint32 n | float64 host_t | uint32 crc32(n, host_t, data) | data (n bytes)
```

All integers little-endian. The per-chunk magic and CRC let a reader detect a torn last
chunk (killed process, power loss) and resynchronise past a damaged one. A chunk with no
data (n = 0) marks a new connection: the device's port was reopened (after an unplug) at
its ``host_t``, so the bytes after it do not continue the ones before (an empty read is
never recorded).
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Final

from devices.errors import InputError

FORMAT_NAME: Final = "stride-session"
FORMAT_VERSION: Final = 1
SESSION_JSON: Final = "session.json"
STREAMS_DIR: Final = "streams"
STREAM_SUFFIX: Final = ".rec"

FILE_MAGIC: Final = b"STRDSTRM"
FILE_HEAD: Final = struct.Struct("<8sHH")
CHUNK_MAGIC: Final = b"CHNK"
CHUNK_HEAD: Final = struct.Struct("<4sIdI")  # magic, n, host_t, crc32
MAX_CHUNK: Final = 64 * 1024 * 1024

RESERVED_META: Final = frozenset({"format", "format_version", "streams", "files", "complete"})
_NAME: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


def chunk_crc(n: int, host_t: float, data: bytes | memoryview) -> int:
    """CRC-32 over the chunk's length, host time and data (not the magic)."""
    return zlib.crc32(data, zlib.crc32(struct.pack("<Id", n, host_t)))


def pack_chunk(data: bytes | memoryview, host_t: float) -> bytes:
    """One chunk record, header and data, ready for a single write."""
    n = len(data)
    return CHUNK_HEAD.pack(CHUNK_MAGIC, n, host_t, chunk_crc(n, host_t, data)) + bytes(data)


def check_name(name: str, what: str) -> str:
    """A stream or derived-file name that is a plain, portable file name."""
    if not _NAME.match(name) or name in (SESSION_JSON, STREAMS_DIR):
        raise InputError(
            f"{what} name {name!r} is not allowed",
            fix="use letters, digits, '_', '.', '-' (e.g. 'box' or 'treadmill.rx')",
        )
    return name
