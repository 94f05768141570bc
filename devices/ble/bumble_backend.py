"""GATT over Bumble's in-process virtual radio: real ATT/GATT exchanges, no adapter.

Every Bumble device here (a client, a scanner, a simulated treadmill or foot pod from
``sim.ble``) gets its own virtual controller on a named "air" (a Bumble ``LocalLink``);
devices on the same air see each other's advertisements and connect over it, exactly as
over a radio but within one process and one event loop (:mod:`devices.ble.loop`).

What is not simulated: radio range and signal strength (Bumble reports a fixed RSSI),
packet loss, pairing and encryption (FTMS asks for an encrypted control point; the
simulated treadmill does not), connection parameter timing. A USB dongle driven by Bumble
directly is not wired in here (bleak drives real adapters).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time
from collections.abc import Sequence
from typing import Any

from devices.ble.errors import BluetoothUnavailableError, NotThatDeviceError
from devices.ble.gatt import (
    Advertisement,
    CharacteristicInfo,
    GattBackend,
    GattClient,
    NotifyCallback,
    filter_adverts,
)
from devices.ble.uuids import full_uuid
from devices.errors import DeviceError, DeviceTimeoutError

_AIRS: dict[str, Any] = {}
_ADDRESSES = itertools.count(1)


def _bumble() -> Any:
    try:
        import bumble
    except ImportError as err:
        raise BluetoothUnavailableError(
            "the simulated Bluetooth devices need the bumble package",
            fix='install the ble extra from the stride checkout: pip install ".[ble]"',
        ) from err
    return bumble


def load_bumble() -> None:
    """Import the Bumble modules a device, a central and their GATT use, now and in the
    caller's thread: a few seconds on a busy machine, which a timed Bluetooth exchange
    (starting a device, connecting: :func:`devices.ble.loop.run`) must not count."""
    _bumble()
    import bumble.controller
    import bumble.core
    import bumble.device
    import bumble.gatt
    import bumble.hci
    import bumble.host
    import bumble.link
    import bumble.transport.common  # noqa: F401


def air(name: str = "default") -> Any:
    """The virtual radio ``name`` (a Bumble ``LocalLink``), created on first use."""
    _bumble()
    from bumble.link import LocalLink

    link = _AIRS.get(name)
    if link is None:
        link = _AIRS[name] = LocalLink()
    return link


def next_address() -> str:
    """A fresh random static address (top bits 11) for a virtual device."""
    n = next(_ADDRESSES)
    return "C0:00:00:" + ":".join(f"{(n >> s) & 0xFF:02X}" for s in (16, 8, 0))


def new_device(air_name: str, name: str, address: str | None = None) -> Any:
    """A Bumble ``Device`` with its own virtual controller on ``air_name`` (not powered)."""
    _bumble()
    from bumble.controller import Controller
    from bumble.device import Device
    from bumble.hci import Address
    from bumble.host import Host
    from bumble.transport.common import AsyncPipeSink

    address = address or next_address()
    controller = Controller(name, link=air(air_name), public_address=address)
    host = Host(controller, AsyncPipeSink(controller))
    return Device(name=name, address=Address(address), host=host)


_PROPS = {
    0x02: "read",
    0x04: "write-without-response",
    0x08: "write",
    0x10: "notify",
    0x20: "indicate",
}


class BumbleGattClient(GattClient):
    """A central on the virtual radio (see the module docstring)."""

    def __init__(self, air_name: str, address: str) -> None:
        super().__init__(address.upper())
        self.air_name = air_name
        self._device: Any = None
        self._connection: Any = None
        self._peer: Any = None
        self._chars: dict[str, Any] = {}
        self._closing = False

    @property
    def connected(self) -> bool:
        return self._connection is not None

    async def connect(self, timeout: float) -> None:
        """Wait for the device's advertisement, then connect (as a BlueZ central does
        when it connects to a device it has just seen). The virtual controller never
        withdraws a connection request (its cancel is a no-op), so a request made while
        the device is away would complete later behind the client's back: asking only
        once it advertises leaves no request pending across attempts."""
        from bumble.hci import Address

        if self._device is None:
            self._device = new_device(self.air_name, "stride")
            await self._device.power_on()
        self._closing = False
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        await self._wait_for_advert(timeout)
        try:
            conn = await asyncio.wait_for(
                self._device.connect(Address(self.address), timeout=None),
                max(0.5, deadline - loop.time()),
            )
        except TimeoutError as err:
            self._abandon_device()
            raise DeviceTimeoutError(
                f"no Bluetooth device {self.address} answered within {timeout:g} s",
                fix="check it is on, advertising and not connected to another app",
            ) from err
        except Exception as err:  # bumble's own error types for a refused connection
            self._abandon_device()
            raise DeviceError(f"cannot connect to {self.address}: {err}") from err
        from bumble.device import Peer

        self._connection = conn
        self._peer = Peer(conn)
        self._chars = {}
        conn.on("disconnection", self._on_disconnection)

    async def _wait_for_advert(self, timeout: float) -> None:
        """Scan until this client's device advertises; DeviceTimeoutError after ``timeout``."""
        seen = asyncio.Event()

        def on_advert(adv: Any) -> None:
            if str(adv.address).split("/")[0].upper() == self.address:
                seen.set()

        device = self._device
        device.on("advertisement", on_advert)
        try:
            await device.start_scanning(filter_duplicates=False)
            try:
                await asyncio.wait_for(seen.wait(), timeout)
            finally:
                with contextlib.suppress(Exception):
                    await device.stop_scanning()
        except TimeoutError as err:
            raise DeviceTimeoutError(
                f"no Bluetooth device {self.address} advertised within {timeout:g} s",
                fix="check it is on, advertising and not connected to another app",
            ) from err
        finally:
            device.remove_listener("advertisement", on_advert)

    def _abandon_device(self) -> None:
        """Forget a device whose connection attempt is stuck; the next attempt gets a new
        one (its virtual controller leaves the air, its request withdrawn first)."""
        device, self._device = self._device, None
        if device is None:
            return
        controller = getattr(device.host, "controller", None)
        if controller is not None:
            controller.pending_le_connection = None
        with contextlib.suppress(KeyError, ValueError):
            air(self.air_name).remove_controller(controller)

    def _on_disconnection(self, reason: Any) -> None:
        self._connection = None
        self._peer = None
        if not self._closing:
            self._dropped(f"link lost (reason {reason})")

    async def discover(self, service: str) -> dict[str, CharacteristicInfo]:
        from bumble.core import UUID

        peer = self._require()
        uuid = full_uuid(service)
        await peer.discover_services([UUID(uuid)])
        found = peer.get_services_by_uuid(UUID(uuid))
        if not found:
            raise NotThatDeviceError(
                f"{self.address} offers no {uuid[4:8]} service",
                fix="pick the right device: `stride ports --ble` lists what each offers",
            )
        out: dict[str, CharacteristicInfo] = {}
        for char in await found[0].discover_characteristics():
            key = full_uuid(str(char.uuid.to_hex_str()))
            self._chars[key] = char
            props = frozenset(n for bit, n in _PROPS.items() if int(char.properties) & bit)
            out[key] = CharacteristicInfo(key, props)
        return out

    async def read(self, characteristic: str) -> bytes:
        return bytes(await self._char(characteristic).read_value())

    async def subscribe(self, characteristic: str, callback: NotifyCallback) -> None:
        char = self._char(characteristic)
        notify = bool(int(char.properties) & 0x10)

        def on_value(value: bytes) -> None:
            callback(bytes(value), time.time())

        await char.subscribe(on_value, prefer_notify=notify)

    async def write(self, characteristic: str, data: bytes, *, response: bool = True) -> None:
        await self._char(characteristic).write_value(bytes(data), with_response=response)

    async def disconnect(self) -> None:
        self._closing = True
        conn, self._connection = self._connection, None
        if conn is not None:
            with contextlib.suppress(Exception):  # already gone: nothing left to close
                await conn.disconnect()

    def _require(self) -> Any:
        if self._peer is None:
            raise DeviceError(f"not connected to {self.address}", fix="connect first")
        return self._peer

    def _char(self, characteristic: str) -> Any:
        self._require()
        char = self._chars.get(full_uuid(characteristic))
        if char is None:
            raise NotThatDeviceError(
                f"{self.address} has no characteristic {full_uuid(characteristic)[4:8]}",
                fix="discover the service first, or pick another device",
            )
        return char


class BumbleBackend(GattBackend):
    """Scanner and clients on the virtual radio ``air`` (default ``default``)."""

    name = "bumble"

    def __init__(self, air: str = "default") -> None:
        load_bumble()  # here, not inside the scan's or the connection's time limit
        self.air_name = air
        self._scanner: Any = None

    async def scan(self, timeout: float, services: Sequence[str] = ()) -> list[Advertisement]:
        from bumble.core import AdvertisingData

        if self._scanner is None:
            self._scanner = new_device(self.air_name, "stride-scan")
            await self._scanner.power_on()
        seen: dict[str, Advertisement] = {}

        def on_advert(adv: Any) -> None:
            data = adv.data
            uuids: list[str] = []
            for kind in (
                AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
                AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            ):
                uuids += [full_uuid(u.to_hex_str()) for u in data.get(kind) or []]
            name = data.get(AdvertisingData.COMPLETE_LOCAL_NAME)
            addr = str(adv.address).split("/")[0]
            seen[addr] = Advertisement(name, addr, adv.rssi, tuple(uuids))

        self._scanner.on("advertisement", on_advert)
        try:
            await self._scanner.start_scanning(filter_duplicates=True)
            await asyncio.sleep(timeout)
            await self._scanner.stop_scanning()
        finally:
            self._scanner.remove_listener("advertisement", on_advert)
        return filter_adverts(list(seen.values()), services)

    def client(self, address: str) -> GattClient:
        return BumbleGattClient(self.air_name, address)
