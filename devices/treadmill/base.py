"""One interface for every treadmill, python-can style.

The public methods of :class:`Treadmill` own locking, timeouts, logging and error
translation; a backend implements only the private ``_start``/``_stop``/``_set_speed``/
``_read_speed``/``_close``. Every byte a backend sends or receives goes through
:meth:`Treadmill._emit`, so the live session can record the exchange exactly as it happened
and a recording replays through the protocol's pure ``replay_*`` function.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, NamedTuple

from devices.errors import DeviceError, DeviceTimeoutError, InputError
from devices.timebase import WALL, Clock

log = logging.getLogger(__name__)

Direction = Literal["tx", "rx"]
MAX_SPEED_MPS = 10.0


def _port_errors() -> tuple[type[BaseException], ...]:
    """What a failing port raises. pyserial is imported here, when a port has failed, not
    with this module: reading a recording (``stride analyze``) uses the treadmills' replay
    functions and never a port."""
    import serial

    return (serial.SerialException, OSError)


class WireBytes(NamedTuple):
    """Raw bytes exchanged with a device: ``tx`` = host to device, ``rx`` = device to host."""

    host_t: float
    direction: Direction
    data: bytes


@dataclass(frozen=True)
class BeltReading:
    """Measured belt speed at host time ``host_t`` (the session clock's seconds: time.time
    on real devices, :mod:`devices.timebase`).

    ``speeds_mps`` holds one value, or ``(left, right)`` for a split-belt treadmill. NaN
    means the treadmill answered but the speed could not be read (e.g. unknown unit).
    ``heart_rate_bpm``: the heart rate the treadmill last reported with it (Bluetooth FTMS
    treadmills relay a chest strap's), None where it sends none.
    """

    host_t: float
    speeds_mps: tuple[float, ...]
    heart_rate_bpm: float | None = None

    @property
    def split(self) -> bool:
        """True when the reading carries separate left and right belts."""
        return len(self.speeds_mps) == 2

    @property
    def left_mps(self) -> float:
        """Speed of the belt under the left foot (the only belt if not split)."""
        return self.speeds_mps[0]

    @property
    def right_mps(self) -> float:
        """Speed of the belt under the right foot (the only belt if not split)."""
        return self.speeds_mps[-1]


BytesCallback = Callable[[WireBytes], None]
ReadingCallback = Callable[[BeltReading], None]


@dataclass(frozen=True)
class PollerStatus:
    """A change in whether the treadmill answers: shown to the user, never raised."""

    host_t: float
    answering: bool
    message: str


StatusCallback = Callable[[PollerStatus], None]


@dataclass
class PollerStats:
    """Counters of one poller, for the dashboard."""

    polls: int = 0
    readings: int = 0
    timeouts: int = 0
    errors: int = 0
    outages: int = 0
    callback_errors: int = 0


class Treadmill(ABC):
    """Base of every treadmill driver. Thread-safe: one exchange at a time."""

    #: Driver name as written in ``DRIVER:URL``.
    name: ClassVar[str] = "?"
    #: Whether :meth:`set_speed` may be used (a driver may decide per instance).
    can_set_speed: bool = False
    #: Whether :meth:`start`/:meth:`stop` drive the belt (else the console does).
    can_start_stop: bool = False
    #: Belts its readings carry: 2 for split belts, ``(left, right)`` (the step lengths' own).
    belts: ClassVar[int] = 1
    #: Seconds without a reading after which the treadmill is not answering: the poller's
    #: and the belt-unknown limit of its recorded stream, live and in ``stride analyze``/
    #: ``replay`` (:func:`stride.ingest.streams.silence_limit`); longer for ~1 Hz ones.
    silence_s: ClassVar[float] = 1.0
    #: Earlier bytes :meth:`parse_recording` may need to complete a reading from a new chunk
    #: (an answer split across reads), live and replayed; 0: each chunk stands alone.
    recording_carry_bytes: ClassVar[int] = 256
    #: Times the driver re-established a lost link by itself (``session.reconnects``
    #: adds them to the sensor box's).
    reconnects: int = 0

    def __init__(self, *, timeout: float = 0.5, clock: Clock = WALL) -> None:
        if not (timeout > 0):
            raise InputError(f"timeout {timeout!r} must be > 0 s", fix="use e.g. timeout=0.5")
        self.timeout = timeout
        #: The session's clock (:mod:`devices.timebase`): stamps of bytes and readings, the
        #: poll period and the "not answering" window. I/O deadlines (``timeout``) are real
        #: seconds. A driver whose readings are pushed to it stamps them with ``clock.now()``.
        self.clock: Clock = clock
        self.on_bytes: BytesCallback | None = None
        self._lock = threading.RLock()
        self._poller: Poller | None = None
        self._closed = False
        self._warned: set[str] = set()

    @staticmethod
    def parse_recording(
        chunks: Iterable[WireBytes | tuple[float, str, bytes]],
    ) -> list[BeltReading]:
        """Belt readings in the bytes a session recorded from this treadmill (pure: no device).

        ``chunks``: ``(host_t, direction, data)`` in recorded order; only ``rx`` counts and a
        reading takes the host time of the chunk that completed it. ``stride analyze`` and
        ``stride replay`` find this through the registry by the recorded stream's protocol
        (the driver name), so a plugin driver's sessions replay too. A driver whose
        treadmill sends nothing to record returns no reading.
        """
        return []

    # -- public interface -------------------------------------------------------------------
    def start(self) -> None:
        """Start the belt (at the last set speed, as the treadmill does)."""
        self._require(self.can_start_stop, "start the belt", "use the treadmill's own console")
        with self._io("start"):
            self._start(self._deadline())
        log.info("%s: belt started", self.name)

    def stop(self) -> None:
        """Stop the belt."""
        self._require(self.can_start_stop, "stop the belt", "use the treadmill's own console")
        with self._io("stop"):
            self._stop(self._deadline())
        log.info("%s: belt stopped", self.name)

    def set_speed(self, mps: float) -> None:
        """Set the belt speed in m/s (both belts of a split treadmill)."""
        self._require(self.can_set_speed, "set the speed", self._set_speed_fix())
        if not (math.isfinite(mps) and 0.0 <= mps <= MAX_SPEED_MPS):
            raise InputError(
                f"belt speed {mps!r} m/s is outside 0..{MAX_SPEED_MPS}",
                fix="give a speed such as 1.0 (m/s) or 3.6kmh",
            )
        with self._io("set speed"):
            self._set_speed(mps, self._deadline())
        log.info("%s: speed set to %.3f m/s", self.name, mps)

    def read_speed(self) -> BeltReading:
        """The actual belt speed now; :class:`DeviceTimeoutError` if no answer in time."""
        with self._io("read speed"):
            speeds = self._read_speed(self._deadline())
        return BeltReading(self.clock.now(), speeds)

    def close(self) -> None:
        """Stop polling and release the port. Safe to call twice."""
        self.stop_polling()
        with self._lock:
            if self._closed:
                return
            self._closed = True
            try:
                self._close()
            except _port_errors() as err:
                log.debug("%s: close failed: %s", self.name, err)

    def __enter__(self) -> Treadmill:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def use_clock(self, clock: Clock) -> None:
        """Run on the session's clock from now on (before polling starts)."""
        self.clock = clock

    # -- polling ----------------------------------------------------------------------------
    def start_polling(
        self,
        rate_hz: float = 10.0,
        on_reading: ReadingCallback | None = None,
        on_bytes: BytesCallback | None = None,
        on_status: StatusCallback | None = None,
        *,
        not_answering_after: float | None = None,
    ) -> Poller:
        """Poll the speed in a background thread; calling again updates rate and callbacks.

        ``on_bytes`` receives every byte exchanged (polls and commands alike) so it can be
        recorded; ``on_status`` hears "not answering" once per outage (after
        ``not_answering_after`` s, default :attr:`silence_s`) and "answering again".
        """
        if not_answering_after is None:
            not_answering_after = self.silence_s
        if not (rate_hz >= 5.0) or not math.isfinite(rate_hz):
            raise InputError(f"poll rate {rate_hz!r} Hz is too low", fix="poll at 5 Hz or more")
        if on_bytes is not None:
            self.record_to(on_bytes)
        if self._poller is not None and self._poller.alive:
            self._poller.update(rate_hz, on_reading, on_status, not_answering_after)
            return self._poller
        self._poller = Poller(self, rate_hz, on_reading, on_status, not_answering_after)
        self._poller.start()
        return self._poller

    def _warn_once(self, message: str) -> None:
        """Log ``message`` as the driver module's warning (a live session shows it), once."""
        if message not in self._warned:
            self._warned.add(message)
            logging.getLogger(type(self).__module__).warning("%s", message)

    def record_to(self, on_bytes: BytesCallback) -> None:
        """Hand every byte exchanged from now on to ``on_bytes`` (as ``start_polling``'s
        ``on_bytes``), polling or not: commands sent before polling starts are recorded."""
        self.on_bytes = on_bytes

    def stop_polling(self) -> None:
        """Stop the poller thread, if any, and wait for it."""
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.stop()

    @property
    def poller(self) -> Poller | None:
        """The running poller, if any."""
        return self._poller

    # -- for backends -----------------------------------------------------------------------
    def _emit(self, direction: Direction, data: bytes) -> None:
        """Hand raw bytes to the recorder before anything else looks at them."""
        if data and self.on_bytes is not None:
            self.on_bytes(WireBytes(self.clock.now(), direction, bytes(data)))

    def _deadline(self) -> float:
        """When the exchange starting now gives up (real seconds; a driver may time it on
        a simulated console's own clock, :meth:`devices.treadmill.link.ByteLink.deadline`)."""
        return time.monotonic() + self.timeout

    def _exchange_over(self) -> None:
        """An exchange ended (a driver whose deadline held a simulated console's clock
        releases it here)."""
        return None

    def _set_speed_fix(self) -> str:
        return "this treadmill's speed is set at its console"

    def speed_hint(self) -> str:
        """What to do where the speed cannot be set from the session (said with the
        refusal, on the dashboard and without one): where a driver can be told to set it
        (an opt-in option), it says how."""
        return "set it at its console"

    def _start(self, deadline: float) -> None:
        raise NotImplementedError

    def _stop(self, deadline: float) -> None:
        raise NotImplementedError

    def _set_speed(self, mps: float, deadline: float) -> None:
        raise NotImplementedError

    @abstractmethod
    def _read_speed(self, deadline: float) -> tuple[float, ...]: ...

    @abstractmethod
    def _close(self) -> None:
        """Release the port."""

    # -- internals --------------------------------------------------------------------------
    def _require(self, ok: bool, what: str, fix: str) -> None:
        if not ok:
            raise DeviceError(f"the {self.name} driver cannot {what}", fix=fix)

    def _io(self, what: str) -> _Exchange:
        if self._closed:
            raise DeviceError(f"{self.name}: {what} after close", fix="open the treadmill again")
        return _Exchange(self, what)


class _Exchange:
    """Holds the driver lock for one exchange and translates low-level errors at the boundary."""

    def __init__(self, owner: Treadmill, what: str) -> None:
        self.owner = owner
        self.what = what

    def __enter__(self) -> None:
        self.owner._lock.acquire()

    def __exit__(self, exc_type: Any, exc: BaseException | None, tb: Any) -> Literal[False]:
        try:
            self.owner._exchange_over()
        finally:
            self.owner._lock.release()
        if exc is None or isinstance(exc, DeviceError | InputError):
            return False
        name = self.owner.name
        if isinstance(exc, TimeoutError):
            raise DeviceTimeoutError(
                f"{name}: no answer to {self.what}", fix="check the cable and that it is on"
            ) from exc
        if isinstance(exc, _port_errors()):
            raise DeviceError(
                f"{name}: {self.what} failed: {exc}", fix="check the cable and the port"
            ) from exc
        return False


class Poller:
    """Background speed polling that never raises into the caller.

    Polls at ``rate_hz`` (each poll is one exchange; the next starts one period after the
    previous started, or at once if it ran late). After ``not_answering_after`` seconds
    without a reading it reports "not answering" once, keeps polling, and reports
    "answering again" at the next good reading. Period and window are seconds of the
    treadmill's :attr:`Treadmill.clock`.
    """

    def __init__(
        self,
        treadmill: Treadmill,
        rate_hz: float,
        on_reading: ReadingCallback | None,
        on_status: StatusCallback | None,
        not_answering_after: float,
    ) -> None:
        self.treadmill = treadmill
        self.clock = treadmill.clock
        self.stats = PollerStats()
        self.last_reading: BeltReading | None = None
        self.answering = True
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"poll-{treadmill.name}", daemon=True
        )
        self.update(rate_hz, on_reading, on_status, not_answering_after)

    def update(
        self,
        rate_hz: float,
        on_reading: ReadingCallback | None,
        on_status: StatusCallback | None,
        not_answering_after: float,
    ) -> None:
        """Change rate and callbacks of a running poller."""
        self.period = 1.0 / rate_hz
        self.on_reading = on_reading
        self.on_status = on_status
        self.not_answering_after = not_answering_after

    @property
    def alive(self) -> bool:
        """True while the thread runs."""
        return self._thread.is_alive()

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self) -> None:
        """Ask the thread to end and wait for it (at most one exchange)."""
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=self.treadmill.timeout + 2 * self.period + 1.0)

    def _run(self) -> None:
        clock = self.clock
        last_ok = clock.monotonic()
        next_t = clock.monotonic()
        while not self._stop.is_set():
            self.stats.polls += 1
            problem = ""
            try:
                reading = self.treadmill.read_speed()
            except DeviceTimeoutError as err:
                self.stats.timeouts += 1
                problem = str(err)
            except DeviceError as err:
                self.stats.errors += 1
                problem = str(err)
            else:
                self.stats.readings += 1
                last_ok = clock.monotonic()
                self.last_reading = reading
                if not self.answering:
                    self.answering = True
                    self._status(True, f"{self.treadmill.name} answering again")
                self._call(self.on_reading, reading)
            if problem:
                log.debug("%s poll failed: %s", self.treadmill.name, problem)
                if self.answering and clock.monotonic() - last_ok >= self.not_answering_after:
                    self.answering = False
                    self.stats.outages += 1
                    self._status(False, f"{self.treadmill.name} not answering: {problem}")
            next_t += self.period
            delay = next_t - clock.monotonic()
            if delay < 0:
                next_t = clock.monotonic()
                delay = 0.0
            clock.wait(self._stop, delay)

    def _status(self, answering: bool, message: str) -> None:
        # A warning only where nobody hears the status: a live session hears it and routes
        # the devices' warnings to its notices too (one outage would be said twice).
        heard = self.on_status is not None
        (log.info if answering or heard else log.warning)("%s", message)
        self._call(self.on_status, PollerStatus(self.clock.now(), answering, message))

    def _call(self, fn: Callable[[Any], None] | None, arg: Any) -> None:
        if fn is None:
            return
        try:
            fn(arg)
        except Exception:  # a callback bug must not stop the belt's keep-alive polling
            self.stats.callback_errors += 1
            log.exception("%s poller callback failed", self.treadmill.name)
