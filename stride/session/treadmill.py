"""A treadmill in a live session: polled for speed, controlled where the driver can.

Wraps any :class:`devices.treadmill.base.Treadmill` driver from :mod:`devices.registry`,
whatever its transport (a serial port, TCP, Bluetooth): the session uses only the base
class's interface (``start_polling`` with callbacks, ``set_speed``, ``start``, ``stop``,
``close``, ``can_set_speed``, ``can_start_stop``) and opens nothing itself. Every byte
exchanged goes to the session's sink first (``treadmill.rx`` = received, ``treadmill.tx``
= sent), so the recording holds the whole exchange, and the driver's ``parse_recording``
reads it back; readings and "not answering" changes update the dashboard.
"""

from __future__ import annotations

import math
import threading
import time

from devices.treadmill.base import BeltReading, PollerStatus, Treadmill, WireBytes
from stride.ingest.pipeline import RX_STREAM, TX_STREAM
from stride.session.sources import Report, Sink


class TreadmillBelt:
    """The session's view of a treadmill driver (the ``Belt`` protocol of ``live``): polled
    with the driver's own silence limit (``Treadmill.silence_s``), as its recorded stream is
    read back."""

    def __init__(self, driver: Treadmill, *, poll_hz: float = 10.0) -> None:
        self.driver = driver
        self.name = driver.name
        self.poll_hz = poll_hz
        self.last: BeltReading | None = None
        self._answering = True
        self._lock = threading.Lock()
        self._sink: Sink | None = None
        self._report: Report | None = None
        self.readings = 0
        #: Bytes the treadmill sent, and what the driver last said when it stopped
        #: answering (a refusal, a timeout): a treadmill that answers, but never a speed.
        self.rx_bytes = 0
        self.last_problem: str | None = None

    # -- Source protocol (so the session starts and stops it with the readers) -------------
    def record_to(self, sink: Sink, report: Report) -> None:
        """Send every byte exchanged from now on to ``sink``, polling or not: the session
        calls it before ``--speed``'s commands, so the recording holds them too."""
        self._sink = sink
        self._report = report
        self.driver.record_to(self._on_bytes)

    def start_source(self, sink: Sink, report: Report) -> None:
        """Begin polling; bytes go to ``sink`` before anything else sees them."""
        self.record_to(sink, report)
        self.driver.start_polling(
            self.poll_hz,
            on_reading=self._on_reading,
            on_bytes=self._on_bytes,
            on_status=self._on_status,
        )

    def _on_bytes(self, wb: WireBytes) -> None:
        if wb.direction == "rx":
            self.rx_bytes += len(wb.data)
        if self._sink is not None:
            stream = RX_STREAM if wb.direction == "rx" else TX_STREAM
            self._sink(stream, wb.data, wb.host_t, time.perf_counter())

    def _on_reading(self, reading: BeltReading) -> None:
        with self._lock:
            self.last = reading
            self.readings += 1

    def _on_status(self, status: PollerStatus) -> None:
        self._answering = status.answering
        if not status.answering and status.message:
            self.last_problem = status.message
        if self._report is not None:
            self._report(self.name, status.message)

    # -- Belt protocol --------------------------------------------------------------------
    @property
    def can_set_speed(self) -> bool:
        """Whether the speed can be set now (a Bluetooth treadmill may grant control, refuse
        it, or take it back at its console: asked of the driver each time)."""
        return bool(self.driver.can_set_speed)

    @property
    def speed_hint(self) -> str:
        """The driver's advice where the speed cannot be set (e.g. CSAFE's opt-in)."""
        hint = getattr(self.driver, "speed_hint", None)
        return str(hint()) if callable(hint) else "set it at its console"

    @property
    def can_start_stop(self) -> bool:
        return bool(self.driver.can_start_stop)

    @property
    def reconnects(self) -> int:
        """Links the driver re-established by itself (part of ``session.reconnects``)."""
        return int(getattr(self.driver, "reconnects", 0) or 0)

    @property
    def heart_rate_bpm(self) -> float | None:
        """The heart rate of the latest reading, None if none or not answering."""
        with self._lock:
            r = self.last
        if r is None or r.heart_rate_bpm is None or not self.answering:
            return None
        return float(r.heart_rate_bpm)

    @property
    def answering(self) -> bool:
        poller = self.driver.poller
        if poller is not None:
            return bool(poller.answering)
        return self._answering

    @property
    def speed_mps(self) -> float | None:
        with self._lock:
            r = self.last
        if r is None or not self.answering:
            return None
        v = sum(r.speeds_mps) / len(r.speeds_mps)
        return v if math.isfinite(v) else None

    def start(self, speed_mps: float) -> None:
        self.driver.set_speed(speed_mps)
        if self.can_start_stop:
            self.driver.start()

    def set_speed(self, speed_mps: float) -> None:
        self.driver.set_speed(speed_mps)

    def stop(self) -> None:
        if self.can_start_stop:
            self.driver.stop()

    def close(self) -> None:
        self.driver.close()


class TreadmillSource:
    """Adapts :class:`TreadmillBelt` polling to the session's ``Source`` protocol."""

    def __init__(self, belt: TreadmillBelt) -> None:
        self.belt = belt
        self.name = belt.name

    def start(self, sink: Sink, report: Report) -> None:
        self.belt.start_source(sink, report)

    def stop(self) -> None:
        self.belt.driver.stop_polling()

    def join(self, timeout: float | None = None) -> None:
        return None

    @property
    def done(self) -> bool:
        return False
