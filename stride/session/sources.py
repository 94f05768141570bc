"""Where session bytes come from: one reader thread per device, or a recording played back.

A source calls ``sink(stream, data, host_t, arrival)`` for every chunk: ``host_t`` is the
receive time on the session's clock (:mod:`stride.session.clock`) that goes into the
recording, ``arrival`` the ``perf_counter`` time the latency figures start from. The live
sink records the bytes before anything else touches them, so a decoder bug never loses
data. An empty chunk (:data:`NEW_CONNECTION`) says the device's port was reopened after an
unplug: the bytes after it come from a new connection and never continue the ones before
(a box power-cycled meanwhile may count on from where the old one stopped). It is recorded
as such and starts a new stretch in the analysis, live and on replay alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from devices.timebase import WALL, Clock, holding

Sink = Callable[[str, bytes, float, float], None]
#: The chunk that says a port was reopened: what follows is a new connection.
NEW_CONNECTION = b""
#: Real seconds between reads of a device simulated faster than real time (see PortReader).
READ_EVERY_S = 0.002
#: How far (session seconds) a simulator that can wait may run ahead of the last read.
READ_LAG_S = 0.25
Report = Callable[[str, str], None]  # (stream, message) for the dashboard's notices


class Source(Protocol):
    """A thread-backed producer of byte chunks for one or more streams."""

    name: str

    def start(self, sink: Sink, report: Report) -> None: ...

    def stop(self) -> None: ...

    def join(self, timeout: float | None = None) -> None: ...

    @property
    def done(self) -> bool: ...


class PortReader:
    """Reads one port in its own thread; the port reopens itself after an unplug.

    ``port`` is anything with ``read(n)`` returning within its timeout and ``close()``;
    in a live session it is a :class:`devices.transport.ReconnectingPort`, whose
    disconnect/gap callbacks this reader turns into dashboard notices and counters. Its
    gap callback calls :meth:`reopened` (in this reader's thread, inside ``read``): the
    reader then hands on :data:`NEW_CONNECTION` before the first bytes of the new
    connection.
    """

    def __init__(self, name: str, port: Any, *, chunk: int = 4096, clock: Clock = WALL) -> None:
        self.name = name
        self.port = port
        self.chunk = chunk
        self.clock = clock
        self.bytes_read = 0
        self.connected = True
        self.last_data_mono = clock.monotonic()  # the clock's seconds
        self.failure: BaseException | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._reopened = False

    def reopened(self) -> None:
        """The port was reopened after a loss (called from ``read``, in this thread)."""
        self._reopened = True

    def start(self, sink: Sink, report: Report) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(sink, report), name=f"read-{self.name}", daemon=True
        )
        self._thread.start()

    def _new_connection(self, sink: Sink) -> None:
        """Hand on the mark of a reopened port, if the last read reopened it."""
        if self._reopened:
            self._reopened = False
            sink(self.name, NEW_CONNECTION, self.clock.now(), time.perf_counter())

    def _deliver(self, sink: Sink, data: bytes) -> None:
        self.last_data_mono = self.clock.monotonic()
        self.bytes_read += len(data)
        sink(self.name, bytes(data), self.clock.now(), time.perf_counter())

    def _run(self, sink: Sink, report: Report) -> None:
        read = self.port.read
        clock = self.clock
        # Devices simulated faster than real time are read at most every READ_EVERY_S real
        # seconds: each chunk costs the analysis the same whatever it holds, so reading as
        # often as at real time would cost ``speedup`` times more per second.
        pause = READ_EVERY_S if clock.speedup > 1.0 else 0.0
        # A simulator in this process waits for a reader that falls behind (a busy machine):
        # its bytes are stamped when they come, never seconds of its walk late.
        hold = holding(clock)
        try:
            while not self._stop.is_set():
                if hold is not None:
                    hold.hold(clock.monotonic() + READ_LAG_S)
                data = read(self.chunk)
                self._new_connection(sink)  # before the new connection's first bytes
                if not data:
                    continue
                if pause:
                    self._stop.wait(pause)
                    more = read(self.chunk) if len(data) < self.chunk else b""
                    if self._reopened:  # lost and reopened meanwhile: never joined
                        self._deliver(sink, data)
                        self._new_connection(sink)
                        data = b""
                    data = bytes(data) + bytes(more)
                    if not data:
                        continue
                self._deliver(sink, data)
        except Exception as err:  # a reader must never die silently: the session shows it
            self.failure = err
            report(self.name, f"{self.name} reader stopped: {err}")
        finally:
            if hold is not None:
                hold.release()

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()


Chunk = tuple[str, bytes, float]  # (stream, data, host_t) as read back from a recording


class ReplaySource:
    """Plays recorded chunks into the session, paced by their host times / ``speed``.

    ``speed`` 0 (or inf) plays as fast as the analysis takes them. The replay's clock is
    not the chunks played (at --speed max they run ahead of the analysis) but those the
    analysis has read (``SessionOptions.on_fed``), counted from :attr:`t0`; and while a
    paced replay waits for its next chunk (the recording holds nothing until then: an
    outage, a pause), ``on_wait`` is told the host time of the recording it has reached.
    """

    name = "replay"

    def __init__(
        self,
        chunks: Iterable[Chunk],
        *,
        speed: float = 1.0,
        on_wait: Callable[[float], None] | None = None,
    ) -> None:
        self.chunks = chunks
        self.speed = speed
        self.on_wait = on_wait
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.failure: BaseException | None = None
        #: The first chunk's host time (the recording's time 0), once it is played.
        self.t0: float | None = None
        #: The host time of the last chunk played (None: none yet).
        self.played_t: float | None = None

    def start(self, sink: Sink, report: Report) -> None:
        self._thread = threading.Thread(
            target=self._run, args=(sink, report), name="replay", daemon=True
        )
        self._thread.start()

    def _run(self, sink: Sink, report: Report) -> None:
        t0_rec: float | None = None
        t0_wall = time.perf_counter()
        try:
            for stream, data, host_t in self.chunks:
                if self._stop.is_set():
                    return
                if t0_rec is None:
                    t0_rec = self.t0 = host_t
                if self.speed > 0 and self.speed != float("inf"):
                    due = t0_wall + (host_t - t0_rec) / self.speed
                    while not self._stop.is_set():
                        now = time.perf_counter()
                        wait = due - now
                        if wait <= 0:
                            break
                        if self.on_wait is not None:
                            self.on_wait(min(host_t, t0_rec + (now - t0_wall) * self.speed))
                        time.sleep(min(wait, 0.05))
                sink(stream, data, host_t, time.perf_counter())
                self.played_t = host_t
        except Exception as err:
            self.failure = err
            report(self.name, f"replay stopped: {err}")

    def stop(self) -> None:
        self._stop.set()

    def join(self, timeout: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def done(self) -> bool:
        return self._thread is not None and not self._thread.is_alive()
