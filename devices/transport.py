"""Serial ports opened one way (``serial.serial_for_url``), and a port that survives unplugging.

Every port -- a real path, ``COM3``, ``loop://``, ``spy://...`` or the simulator's ``sim://`` --
goes through :func:`open_serial`, so code that works on one works on all. Failures become one
line naming the fix (a :class:`~devices.errors.DeviceError` subclass), translated here at the
boundary so callers never see pyserial's exceptions.

:class:`ReconnectingPort` wraps a port for a whole session: when the cable is pulled it
reports the gap (host time and duration), reopens the same path with capped exponential
backoff once it reappears, and the byte stream goes on. Reads never block longer than the
timeout, connected or not.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import serial

from devices.errors import DeviceError
from devices.timebase import WALL, Clock

log = logging.getLogger(__name__)

#: URL schemes whose pyserial handler lives outside pyserial, imported only when opened.
#: A scheme maps to a package holding ``protocol_<scheme>.Serial``.
LAZY_SCHEMES: dict[str, str] = {"sim": "sim.urlhandler"}

_DEFAULT_TIMEOUT = 0.1


class PortNotFoundError(DeviceError):
    """The port path does not exist (unplugged, or a typo)."""


class PortBusyError(DeviceError):
    """Another program holds the port open."""


class PortPermissionError(DeviceError):
    """The user may not open the port."""


class UnknownSchemeError(DeviceError):
    """A ``scheme://`` that no installed pyserial handler knows."""


class PortDisconnectedError(DeviceError):
    """A write to a port whose cable is unplugged right now."""


class SerialLike(Protocol):
    """What the drivers need from a port: pyserial's ``Serial`` and test fakes both fit."""

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


def scheme_of(url: str) -> str | None:
    """The lower-cased ``scheme`` of ``scheme://...``, or None for a plain device path."""
    head, sep, _ = url.partition("://")
    return head.lower() if sep else None


def _register_lazy_scheme(scheme: str | None) -> None:
    package = LAZY_SCHEMES.get(scheme or "")
    if package is None or package in serial.protocol_handler_packages:
        return
    try:
        importlib.import_module(package)
    except ImportError as err:
        raise UnknownSchemeError(
            f"cannot open {scheme}:// ports: package {package} failed to import ({err})",
            fix="reinstall stride (the simulator ships with it)",
        ) from err
    serial.protocol_handler_packages.append(package)


def open_serial(
    url: str, *, baudrate: int, timeout: float = _DEFAULT_TIMEOUT, **kw: Any
) -> serial.SerialBase:
    """Open any port by path or URL; raise a :class:`DeviceError` subclass naming the fix.

    ``timeout`` is required to be finite so a read can never block forever (writes time
    out after ``write_timeout``, 2 s unless given). Plain device paths are opened with an
    exclusive lock (POSIX), so two programs cannot share a port unnoticed; pass
    ``exclusive=False`` to turn that off.
    """
    if timeout is None or not (timeout >= 0):
        raise ValueError("open_serial needs a finite timeout, so reads never block forever")
    scheme = scheme_of(url)
    _register_lazy_scheme(scheme)
    if scheme is None and os.name == "posix":
        kw.setdefault("exclusive", True)
    kw.setdefault("write_timeout", 2.0)  # a stalled flow-controlled port must not hang us
    try:
        return serial.serial_for_url(url, baudrate=baudrate, timeout=timeout, **kw)
    except (serial.SerialException, OSError, ValueError) as err:
        raise translate_open_error(url, err) from err


def translate_open_error(url: str, err: BaseException) -> DeviceError:
    """Map what pyserial/the OS said about an open to one line with the fix."""
    code = getattr(err, "errno", None)
    text = str(err)
    lower = text.lower()
    if isinstance(err, ValueError) and "protocol" in lower and "not known" in lower:
        scheme = scheme_of(url) or "?"
        return UnknownSchemeError(
            f"unknown port scheme {scheme}:// in {url!r}",
            fix="use a device path (see `stride ports`), loop://, spy://PORT or sim://",
        )
    if code == errno.ENOENT or "no such file" in lower or "filenotfound" in lower:
        return PortNotFoundError(
            f"port {url} does not exist",
            fix="check the cable and the name; `stride ports` lists the ports present",
        )
    busy_codes = {errno.EBUSY, errno.EAGAIN, errno.EWOULDBLOCK}
    if code in busy_codes or "exclusively lock" in lower or "busy" in lower:
        return PortBusyError(
            f"port {url} is busy",
            fix="another program has it open; close that program (or its terminal) first",
        )
    if code in {errno.EACCES, errno.EPERM} or "permission" in lower or "access is denied" in lower:
        if sys.platform.startswith("win"):
            return PortBusyError(
                f"port {url} is in use or access was denied",
                fix="close any other program using it (terminal, vendor software)",
            )
        return PortPermissionError(
            f"no permission to open {url}",
            fix=_permission_fix(),
        )
    if lower.startswith("bad sim:// url"):  # the simulator's own one-line reason and fix
        return DeviceError(text)
    not_a_port = _not_a_port(url, code, lower)
    if not_a_port is not None:
        return DeviceError(
            f"{url} is {not_a_port}, not a serial port",
            fix="give the device path of the port; `stride ports` lists the ports present",
        )
    return DeviceError(f"cannot open port {url}: {text}", fix="check the cable and `stride ports`")


def _not_a_port(url: str, code: int | None, lower: str) -> str | None:
    """What a plain path that cannot be a serial port is instead (a file, a folder), or None."""
    if scheme_of(url) is not None:
        return None
    path = Path(url)
    if code == errno.EISDIR or "is a directory" in lower or path.is_dir():
        return "a directory"
    if path.is_file():
        return "a regular file"
    if code == errno.ENOTTY or "inappropriate ioctl" in lower:
        return "a device that is not a terminal"
    return None


def _permission_fix() -> str:
    if sys.platform.startswith("linux"):
        group = "uucp" if os.path.exists("/etc/arch-release") else "dialout"
        return (
            f"add yourself to the {group} group: sudo usermod -aG {group} $USER, then log in again"
        )
    if sys.platform == "darwin":
        return "check the device permissions (ls -l); close other programs using it"
    return "check the device permissions"


@dataclass(frozen=True)
class Gap:
    """An interval with no connection: the bytes of this stretch are lost, not late."""

    url: str
    start_host_t: float  # host time (the port's clock, time.time on real devices) of the loss
    end_host_t: float  # when the port was open again
    duration_s: float  # measured on the port's clock (devices.timebase)
    reason: str


@dataclass
class PortStats:
    """Counters a dashboard shows for one port."""

    bytes_read: int = 0
    bytes_written: int = 0
    disconnects: int = 0
    reconnects: int = 0
    reopen_attempts: int = 0
    disconnected_s: float = 0.0  # closed gaps only; see ReconnectingPort.seconds_disconnected


Opener = Callable[..., Any]


class ReconnectingPort:
    """A port that keeps a session going across unplug/replug of the same path.

    ``read(n)`` returns whatever arrived within ``timeout`` (possibly ``b""``); while the
    device is gone it returns ``b""`` after at most ``timeout`` and tries to reopen the same
    path with exponential backoff (``backoff_start`` doubling up to ``backoff_max``). A loss
    is noticed when a read or write fails (``SerialException``/``OSError``) or, for plain
    device paths, when the node disappears. Each outage is reported once through
    ``on_disconnect(url, host_t, reason)`` and, when the port is back, ``on_gap(Gap)``.
    Writes while disconnected raise :class:`PortDisconnectedError`. Outages are timed on
    ``clock`` (the session's, :mod:`devices.timebase`); the back-off is real time.

    Not thread-safe for concurrent reads; one reader thread per port (plus writes from a
    driver that serialises them) is the intended use.
    """

    def __init__(
        self,
        url: str,
        *,
        baudrate: int,
        timeout: float = _DEFAULT_TIMEOUT,
        backoff_start: float = 0.1,
        backoff_max: float = 2.0,
        on_gap: Callable[[Gap], None] | None = None,
        on_disconnect: Callable[[str, float, str], None] | None = None,
        opener: Opener = open_serial,
        clock: Clock = WALL,
        **open_kw: Any,
    ) -> None:
        if not (0 < backoff_start <= backoff_max):
            raise ValueError("need 0 < backoff_start <= backoff_max")
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.backoff_start = backoff_start
        self.backoff_max = backoff_max
        self.on_gap = on_gap
        self.on_disconnect = on_disconnect
        self.stats = PortStats()
        self.clock = clock
        self.gaps: list[Gap] = []
        self._opener = opener
        self._open_kw = open_kw
        self._port: Any = None
        self._is_path = scheme_of(url) is None and os.name == "posix"
        self._down_since_mono: float | None = None  # real time, for the back-off
        self._down_since_clock = 0.0  # clock.monotonic(), for the outage's length
        self._down_since_host = 0.0
        self._down_reason = ""
        self._backoff = backoff_start
        self._next_try = 0.0
        self._closed = False

    # -- life cycle -------------------------------------------------------------------------
    def open(self) -> ReconnectingPort:
        """Open the port now; an error here (wrong path, permission) is the caller's to show."""
        self._port = self._opener(
            self.url, baudrate=self.baudrate, timeout=self.timeout, **self._open_kw
        )
        self._closed = False
        return self

    def close(self) -> None:
        """Close for good; later reads return b"" and never reopen."""
        self._closed = True
        self._drop_port()

    def __enter__(self) -> ReconnectingPort:
        return self if self._port is not None else self.open()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def device_clock(self) -> Clock | None:
        """The clock the open device keeps, if it offers one (a simulated device in this
        process, e.g. a ``sim://`` port; see :mod:`devices.timebase`), else None."""
        try:
            clock = getattr(self._port, "clock", None)
        except (serial.SerialException, OSError):  # a port closed meanwhile
            return None
        return clock if clock is not None and hasattr(clock, "monotonic") else None

    @property
    def connected(self) -> bool:
        """True while the port is open and has not failed."""
        return self._port is not None and self._down_since_mono is None

    @property
    def seconds_disconnected(self) -> float:
        """Total time without a connection, including an outage still going on."""
        total = self.stats.disconnected_s
        if self._down_since_mono is not None:
            total += self.clock.monotonic() - self._down_since_clock
        return total

    @property
    def in_waiting(self) -> int:
        """Bytes ready to read now (0 while disconnected)."""
        if not self.connected:
            return 0
        try:
            return int(self._port.in_waiting)
        except (serial.SerialException, OSError) as err:
            self._lost(f"in_waiting failed: {err}")
            return 0

    # -- I/O --------------------------------------------------------------------------------
    def read(self, size: int = 4096) -> bytes:
        """Bytes that arrived within ``timeout``; b"" on timeout or while disconnected."""
        if self._closed:
            return b""
        if self._port is None and self._down_since_mono is None:
            self.open()
        if not self.connected and not self._try_reopen():
            return b""
        port = self._port
        try:
            waiting = port.in_waiting
            data = bytes(port.read(max(1, min(size, waiting)) if waiting else 1))
            if data and len(data) < size:
                more = port.in_waiting
                if more:
                    data += bytes(port.read(min(size - len(data), more)))
        except Exception as err:
            if self._closed:  # closed by another thread mid-read: not an unplug
                return b""
            if not isinstance(err, serial.SerialException | OSError):
                raise
            self._lost(f"read failed: {err}")
            return b""
        if not data and self._is_path and not os.path.exists(self.url):
            self._lost("device node vanished")
            return b""
        self.stats.bytes_read += len(data)
        return data

    def write(self, data: bytes) -> int:
        """Write all of ``data``; raise :class:`PortDisconnectedError` while unplugged."""
        if self._port is None and self._down_since_mono is None and not self._closed:
            self.open()
        if self._closed or (not self.connected and not self._try_reopen()):
            raise PortDisconnectedError(
                f"port {self.url} is disconnected",
                fix="reconnect the cable; stride reopens the port by itself",
            )
        try:
            n = self._port.write(data)
        except (serial.SerialException, OSError) as err:
            self._lost(f"write failed: {err}")
            raise PortDisconnectedError(
                f"port {self.url} went away while writing",
                fix="reconnect the cable; stride reopens the port by itself",
            ) from err
        written = len(data) if n is None else int(n)
        self.stats.bytes_written += written
        return written

    # -- internals --------------------------------------------------------------------------
    def _open_once(self) -> Any:
        return self._opener(self.url, baudrate=self.baudrate, timeout=self.timeout, **self._open_kw)

    def _drop_port(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):
                port.close()

    def _lost(self, reason: str) -> None:
        if self._down_since_mono is not None:
            return
        self._drop_port()
        self._down_since_mono = time.monotonic()
        self._down_since_clock = self.clock.monotonic()
        self._down_since_host = self.clock.now()
        self._down_reason = reason
        self._backoff = self.backoff_start
        self._next_try = self._down_since_mono + self._backoff
        self.stats.disconnects += 1
        log.warning("port %s lost (%s); reopening when it reappears", self.url, reason)
        if self.on_disconnect is not None:
            self.on_disconnect(self.url, self._down_since_host, reason)

    def _try_reopen(self) -> bool:
        if self._down_since_mono is None:
            return False
        now = time.monotonic()
        if now < self._next_try:
            time.sleep(min(self.timeout, self._next_try - now))
            if time.monotonic() < self._next_try:
                return False
        self.stats.reopen_attempts += 1
        try:
            port = self._opener(
                self.url, baudrate=self.baudrate, timeout=self.timeout, **self._open_kw
            )
        except (DeviceError, serial.SerialException, OSError) as err:
            self._backoff = min(self._backoff * 2.0, self.backoff_max)
            self._next_try = time.monotonic() + self._backoff
            log.debug("reopen of %s failed (%s); next try in %.2f s", self.url, err, self._backoff)
            return False
        self._port = port
        duration = self.clock.monotonic() - self._down_since_clock
        gap = Gap(self.url, self._down_since_host, self.clock.now(), duration, self._down_reason)
        self._down_since_mono = None
        self.stats.disconnected_s += duration
        self.stats.reconnects += 1
        self.gaps.append(gap)
        log.warning("port %s back after %.2f s", self.url, duration)
        if self.on_gap is not None:
            self.on_gap(gap)
        return True


#: The name the brief and the session code use for the same thing.
ReconnectingReader = ReconnectingPort
