"""Byte-level send/receive over a serial-like port, with deadlines and raw-byte reporting.

A deadline is real time, except on a console simulated in this process whose port offers
a clock that can hold its world (``device_clock``, :func:`devices.timebase.holding`):
there it is that clock's seconds, and the world is held at the deadline while the
exchange waits. The console answers in its world's time, so a host slowed down (a loaded
machine, a session that holds the world while its analysis catches up) waits for the
answer instead of timing out on an answer its world has not yet had the time to send.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from devices.timebase import HoldingClock, holding
from devices.transport import SerialLike
from devices.treadmill.base import Direction

Emit = Callable[[Direction, bytes], None]
#: Device seconds the world may run past a deadline, so that the deadline itself comes.
HOLD_PAST_DEADLINE_S = 0.01


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
        self._now: Callable[[], float] = time.monotonic
        self._held: HoldingClock | None = None
        self._drained_for: float | None = None

    def deadline(self, timeout: float) -> float:
        """The deadline ``timeout`` seconds from now (see the module docstring): on a
        simulated console's own clock, held there until :meth:`release`."""
        clock = holding(_device_clock(self.port))
        self._now = clock.monotonic if clock is not None else time.monotonic
        deadline = self._now() + timeout
        if clock is not None:
            clock.hold(deadline + HOLD_PAST_DEADLINE_S)
            self._held = clock
        return deadline

    def release(self) -> None:
        """The exchange is over: the simulated console's world goes on."""
        held, self._held = self._held, None
        if held is not None:
            held.release()

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
        """Next byte, or TimeoutError at the deadline (also while junk keeps streaming in).
        Bytes that arrived by the deadline count, even when the reader looks late: at the
        deadline what is waiting is taken once more (once per deadline, so junk that keeps
        streaming in still ends in a timeout)."""
        while True:
            if self._buf:
                return self._buf.pop(0)
            if self._now() >= deadline:
                waiting = self.port.in_waiting if self._drained_for != deadline else 0
                self._drained_for = deadline
                if not waiting:
                    raise TimeoutError("no answer before the deadline")
                self._take(self.port.read(waiting))
                continue
            self._take(self.port.read(max(1, self.port.in_waiting)))

    def read_exact(self, n: int, deadline: float) -> bytes:
        """Exactly ``n`` bytes, or TimeoutError at the deadline."""
        return bytes(self.read_byte(deadline) for _ in range(n))

    def _take(self, chunk: bytes) -> None:
        if chunk:
            self._emit("rx", bytes(chunk))
            self._buf += chunk


def _device_clock(port: object) -> object:
    """The clock the device on ``port`` keeps (a simulator in this process), or None: a
    :class:`~devices.transport.ReconnectingPort`'s ``device_clock``, a bare simulated
    port's own ``clock``."""
    if hasattr(port, "device_clock"):
        return getattr(port, "device_clock", None)
    return getattr(port, "clock", None)
