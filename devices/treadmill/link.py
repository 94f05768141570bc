"""Byte-level send/receive over a serial-like port, with deadlines and raw-byte reporting."""

from __future__ import annotations

import time
from collections.abc import Callable

from devices.transport import SerialLike
from devices.treadmill.base import Direction

Emit = Callable[[Direction, bytes], None]


class ByteLink:
    """Send commands and read answers byte by byte against a deadline.

    Every chunk read from or written to the port is passed to ``emit`` first (for the
    recording). Reading past the deadline raises the built-in :class:`TimeoutError`, which
    the driver base class turns into a :class:`~devices.errors.DeviceTimeoutError`.
    """

    def __init__(self, port: SerialLike, emit: Emit) -> None:
        self.port = port
        self._emit = emit
        self._buf = bytearray()

    def send(self, data: bytes) -> None:
        """Write ``data`` and report it as sent."""
        self._emit("tx", data)
        self.port.write(data)

    def drain(self) -> bytes:
        """Take whatever is already waiting (stale answers, echoes) and return it."""
        waiting = self.port.in_waiting
        if waiting:
            self._take(self.port.read(waiting))
        stale = bytes(self._buf)
        self._buf.clear()
        return stale

    def read_byte(self, deadline: float) -> int:
        """Next byte, or TimeoutError at the deadline (also while junk keeps streaming in)."""
        while True:
            if time.monotonic() >= deadline:
                raise TimeoutError("no answer before the deadline")
            if self._buf:
                return self._buf.pop(0)
            self._take(self.port.read(max(1, self.port.in_waiting)))

    def read_exact(self, n: int, deadline: float) -> bytes:
        """Exactly ``n`` bytes, or TimeoutError at the deadline."""
        return bytes(self.read_byte(deadline) for _ in range(n))

    def _take(self, chunk: bytes) -> None:
        if chunk:
            self._emit("rx", bytes(chunk))
            self._buf += chunk
