"""What the Bluetooth treadmill drivers share: the link, reconnection, recording, and a
poller that is pushed readings by notifications instead of asking for them.

A :class:`BleTreadmill` keeps the :class:`~devices.treadmill.base.Treadmill` shape the
session uses (``read_speed``, ``start_polling`` with ``on_reading``/``on_bytes``/
``on_status``, ``poller.answering``, ``close``), so a Bluetooth treadmill or foot pod is
used like the serial ones. Differences, all inside this class:

- readings arrive as notifications: each one is recorded, parsed and handed to
  ``on_reading`` at once on the Bluetooth loop's thread (no polling delay);
- a dropped link is reconnected in the background (attempts back to back, each waiting at
  most ``retry_timeout`` seconds for the device to advertise), subscriptions restored and
  :meth:`after_connect` run again; ``reconnects`` counts the successes, ``drops`` the
  losses, ``last_outage_s`` how long the last one lasted;
- notifications that do not parse are counted in ``bad_notifications``, never raised; the
  first of each kind of error is said (its message names the fix, e.g. an option that
  reads the layout this device sends).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, Self

from devices.ble import loop
from devices.ble.gatt import CharacteristicInfo, GattBackend, GattClient, load_backend
from devices.ble.record import encode_record
from devices.ble.uuids import full_uuid, short_uuid
from devices.errors import DeviceError, DeviceTimeoutError, InputError, ProtocolError
from devices.treadmill.base import (
    BeltReading,
    Poller,
    PollerStatus,
    ReadingCallback,
    StatusCallback,
    Treadmill,
    WireBytes,
)

log = logging.getLogger(__name__)

#: value, host time -> reading or None; raises ProtocolError on a bad value
Parser = Callable[[bytes, float], BeltReading | None]


class NotifyPoller(Poller):
    """A :class:`Poller` fed by notifications: its thread only watches for silence."""

    def deliver(self, reading: BeltReading) -> None:
        self.stats.readings += 1
        self.last_reading = reading
        self._last_ok = time.monotonic()
        if not self.answering:
            self.answering = True
            self._status(True, f"{self.treadmill.name} answering again")
        self._call(self.on_reading, reading)

    def _run(self) -> None:
        self._last_ok = time.monotonic()
        while not self._stop.is_set():
            self.stats.polls += 1
            silent = time.monotonic() - self._last_ok
            if self.answering and silent >= self.not_answering_after:
                self.answering = False
                self.stats.outages += 1
                self._status(
                    False, f"{self.treadmill.name} not answering: no data for {silent:.1f} s"
                )
            self._stop.wait(min(self.period, 0.1))

    def say(self, message: str) -> None:
        """Tell the user something (shown once on the dashboard), answering unchanged."""
        self._call(self.on_status, PollerStatus(time.time(), self.answering, message))


class BleTreadmill(Treadmill):
    """Base of the Bluetooth drivers (see the module docstring)."""

    #: the GATT service the device must offer
    service = 0x0000
    #: what the device is (``ftms``, ``rsc``: the simulator's kind, and in messages), where
    #: the driver's registry name differs (a variant reading another layout)
    device_kind = ""

    @classmethod
    def open(cls, target: str, *, timeout: float = 2.0, **options: Any) -> Self:
        """Connect to ``target``: an address, an advertised name, or ``sim?QUERY``."""
        backend, address = locate(target, cls.service, cls.device_kind or cls.name, options)
        driver = cls(backend, address, timeout=timeout)
        try:
            driver.connect()
        except BaseException:
            driver.close()
            raise
        return driver

    def __init__(
        self,
        backend: GattBackend,
        address: str,
        *,
        timeout: float = 2.0,
        connect_timeout: float = 10.0,
        retry_timeout: float = 1.0,
    ) -> None:
        super().__init__(timeout=timeout)
        self.backend = backend
        self.address = address
        self.connect_timeout = connect_timeout
        self.retry_timeout = retry_timeout
        self.client: GattClient = backend.client(address)
        self.client.on_disconnect = self._on_drop
        self.characteristics: dict[str, CharacteristicInfo] = {}
        self.reconnects = 0
        self.drops = 0
        self.last_outage_s: float | None = None
        self.bad_notifications = 0
        self._bad_said: set[type[ProtocolError]] = set()
        self.last: BeltReading | None = None
        self._parsers: dict[int, Parser] = {}
        self._pending: list[str] = []  # messages for the user before polling started
        self._early: list[WireBytes] = []  # records made before a recorder was attached
        self._early_readings: list[BeltReading] = []  # readings made before polling started
        self._record_lock = threading.Lock()
        self._said: set[str] = set()
        self._state_lock = threading.Lock()
        self._reconnecting: asyncio.Task[None] | None = None

    # -- subclasses ----------------------------------------------------------------------
    async def after_connect(self, first: bool) -> None:
        """Read what the device offers and subscribe (again after a reconnect)."""

    def subscribe_to(self, uuid16: int, parser: Parser) -> None:
        """Route notifications of ``uuid16`` to ``parser`` (subscribed in :meth:`connect`)."""
        self._parsers[uuid16] = parser

    def has(self, uuid16: int) -> bool:
        return full_uuid(uuid16) in self.characteristics

    # -- connection ----------------------------------------------------------------------
    def connect(self) -> None:
        """Connect, discover the service, subscribe, run :meth:`after_connect` (blocking)."""
        loop.run(
            self._open(first=True), self.connect_timeout + 10.0, f"connecting to {self.address}"
        )

    async def _open(self, first: bool) -> None:
        await self.client.connect(self.connect_timeout if first else self.retry_timeout)
        self.characteristics = await self.client.discover(full_uuid(self.service))
        for uuid16 in self._parsers:
            if self.has(uuid16):
                await self.client.subscribe(full_uuid(uuid16), self._make_handler(uuid16))
        await self.after_connect(first)

    def _make_handler(self, uuid16: int) -> Callable[[bytes, float], None]:
        def handle(value: bytes, host_t: float) -> None:
            self.emit_at(host_t, "rx", encode_record(uuid16, value))
            try:
                reading = self._parsers[uuid16](value, host_t)
            except ProtocolError as err:
                self.bad_notifications += 1
                log.debug("%s: bad notification: %s", self.name, err)
                if type(err) not in self._bad_said:  # the first of its kind is said
                    self._bad_said.add(type(err))
                    self.tell(
                        f"{self.name}: a notification that does not parse is skipped (counted; "
                        f"later ones are counted only): {err}"
                    )
                return
            if reading is None:
                return
            with self._state_lock:
                self.last = reading
            with self._record_lock:
                poller = self._poller
                if not isinstance(poller, NotifyPoller):
                    if len(self._early_readings) < 10000:
                        self._early_readings.append(reading)
                    return
            poller.deliver(reading)

        return handle

    def emit_at(self, host_t: float, direction: str, data: bytes) -> None:
        """Hand a record to the recorder with its arrival time (before anything parses it).
        Records made before a recorder is attached (the connection's reads and the request
        for control) are kept and handed over first when it is (:meth:`start_polling`)."""
        wire = WireBytes(host_t, "rx" if direction == "rx" else "tx", data)
        with self._record_lock:
            sink = self.on_bytes
            if sink is None and len(self._early) < 10000:
                self._early.append(wire)
        if sink is not None:
            sink(wire)

    async def read_char(self, uuid16: int) -> bytes:
        """Read a characteristic and record the value."""
        value = await self.client.read(full_uuid(uuid16))
        self.emit_at(time.time(), "rx", encode_record(uuid16, value))
        return value

    async def write_char(self, uuid16: int, data: bytes) -> None:
        """Record and write a value (write request: the device acknowledges it)."""
        self.emit_at(time.time(), "tx", encode_record(uuid16, data))
        await self.client.write(full_uuid(uuid16), data, response=True)

    def _on_drop(self, reason: str) -> None:
        """The link dropped (on the loop thread): say so and reconnect in the background."""
        self.drops += 1
        log.warning(
            "%s: Bluetooth link to %s lost (%s); reconnecting", self.name, self.address, reason
        )
        if not self._closed and (self._reconnecting is None or self._reconnecting.done()):
            self._reconnecting = asyncio.get_running_loop().create_task(self._reconnect())

    async def _reconnect(self) -> None:
        t0 = time.monotonic()
        while not self._closed:
            try:
                await self._open(first=False)
            except (DeviceError, TimeoutError) as err:
                log.debug("%s: reconnect attempt failed: %s", self.name, err)
                await asyncio.sleep(0.05)
                continue
            except Exception as err:  # a Bluetooth stack's own error: keep trying, say it
                log.info("%s: reconnect attempt failed: %r", self.name, err)
                await asyncio.sleep(0.5)
                continue
            self.reconnects += 1
            self.last_outage_s = time.monotonic() - t0
            self.tell(f"{self.name} reconnected after {self.last_outage_s:.1f} s")
            return

    # -- user messages -------------------------------------------------------------------
    def tell(self, message: str, *, once: bool = False) -> None:
        """Show ``message`` on the dashboard (queued until polling starts); ``once``: only
        the first time this exact message is told."""
        if once and message in self._said:
            return
        self._said.add(message)
        log.info("%s", message)
        poller = self._poller
        if isinstance(poller, NotifyPoller) and poller.on_status is not None:
            poller.say(message)
        else:
            self._pending.append(message)

    # -- Treadmill interface -------------------------------------------------------------
    def start_polling(
        self,
        rate_hz: float = 10.0,
        on_reading: ReadingCallback | None = None,
        on_bytes: Any = None,
        on_status: StatusCallback | None = None,
        *,
        not_answering_after: float | None = None,
    ) -> Poller:
        """Readings come by notification; ``rate_hz`` only paces the silence watch (after
        ``not_answering_after`` s, default :attr:`silence_s`, "not answering" is said).
        Readings of notifications that came before this call are delivered first, in
        order, so every recorded notification's reading is delivered."""
        silence = self.silence_s if not_answering_after is None else not_answering_after
        if self._poller is not None and self._poller.alive:
            self._poller.update(rate_hz, on_reading, on_status, silence)
        else:
            poller = NotifyPoller(self, max(rate_hz, 5.0), on_reading, on_status, silence)
            with self._record_lock:  # a notification arriving now waits for the early ones
                self._poller = poller
                poller.start()
                early, self._early_readings = self._early_readings, []
                for reading in early:
                    poller.deliver(reading)
            pending, self._pending = self._pending, []
            for message in pending:
                poller.say(message)
        if on_bytes is not None:
            self.record_to(on_bytes)
        return self._poller

    def record_to(self, on_bytes: Any) -> None:
        """Records made so far handed to ``on_bytes`` in order, and every later one."""
        with self._record_lock:  # nothing recorded before or during the hand-over is lost
            for wire in self._early:
                on_bytes(wire)
            self._early = []
            self.on_bytes = on_bytes

    def _read_speed(self, deadline: float) -> tuple[float, ...]:
        with self._state_lock:
            last = self.last
        stale = self.timeout + 1.0
        if last is None or time.time() - last.host_t > stale:
            raise DeviceTimeoutError(
                f"{self.name}: no speed notification for more than {stale:g} s",
                fix="check the device is on and in range",
            )
        return last.speeds_mps

    def _close(self) -> None:
        async def shut() -> None:
            if self._reconnecting is not None:
                self._reconnecting.cancel()
            await self.client.disconnect()

        try:
            loop.run(shut(), 5.0, f"disconnecting from {self.address}")
        except DeviceTimeoutError as err:
            log.debug("%s: %s", self.name, err)


def is_address(text: str) -> bool:
    """A Bluetooth address (``AA:BB:CC:DD:EE:FF``) or a macOS device UUID, not a name."""
    parts = text.split(":")
    if len(parts) == 6 and all(len(p) == 2 for p in parts):
        try:
            [int(p, 16) for p in parts]
            return True
        except ValueError:
            return False
    return len(text) == 36 and text.count("-") == 4


def find_by_name(backend: GattBackend, name: str, service: int, timeout: float) -> str:
    """The address of the device advertising ``service`` whose name is ``name`` (exactly,
    ignoring case; else the only one containing it)."""
    found = loop.run(backend.scan(timeout, [full_uuid(service)]), timeout + 10.0, "scanning")
    exact = [a for a in found if (a.name or "").lower() == name.lower()]
    if exact:
        return exact[0].address
    partial = [a for a in found if name.lower() in (a.name or "").lower()]
    if len(partial) == 1:
        return partial[0].address
    kind = {0x1826: "FTMS treadmill", 0x1814: "RSC foot pod"}.get(
        short_uuid(full_uuid(service)) or 0, "device"
    )
    listing = "; ".join(a.describe() for a in found) or "none"
    raise DeviceError(
        f"no {kind} named {name!r} in range ({'several match' if partial else 'seen: ' + listing})",
        fix="turn it on and wake it (press a button or step on it); "
        "`stride ports --ble` lists what is in range",
    )


def locate(
    target: str, service: int, kind: str, options: dict[str, Any]
) -> tuple[GattBackend, str]:
    """(backend, address) of ``target``: ``sim?QUERY`` starts the simulated device."""
    base, _, query = target.partition("?")
    if base == "sim":
        serve = importlib.import_module("sim.ble.serve")
        dev = serve.ensure_peripheral(kind, query)
        return load_backend("bumble", air=dev.air), dev.address
    if query:
        raise InputError(f"unknown option(s) {query!r} for a Bluetooth {kind} device")
    backend_name = str(options.pop("backend", "bleak"))
    backend_opts = {"adapter": str(options.pop("adapter"))} if "adapter" in options else {}
    backend = load_backend(backend_name, **backend_opts)
    if not base:
        raise InputError(f"{kind}: needs a device name or address", fix=f"e.g. {kind}:TREADMILL")
    if is_address(base):
        return backend, base
    return backend, find_by_name(backend, base, service, float(options.pop("scan_s", 5.0)))
