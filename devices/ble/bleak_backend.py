"""GATT through bleak: real Bluetooth adapters (Linux BlueZ, macOS, Windows).

A thin adapter: no FTMS or RSC knowledge here. bleak is imported when a backend is made,
so the toolkit runs without it until Bluetooth is used; then a missing bleak is one line
naming the ``ble`` extra, and an adapter that is off or absent one line naming the fix.
"""

from __future__ import annotations

import sys
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


def _bleak() -> Any:
    try:
        import bleak
    except ImportError as err:
        raise BluetoothUnavailableError(
            "Bluetooth needs the bleak package, which is not installed",
            fix='install the ble extra from the stride checkout: pip install ".[ble]"',
        ) from err
    return bleak


def _turn_on_fix() -> str:
    if sys.platform.startswith("linux"):
        return (
            "plug in a Bluetooth adapter and turn it on (bluetoothctl power on); "
            "if it is on, start the service: sudo systemctl start bluetooth"
        )
    if sys.platform == "darwin":
        return "turn Bluetooth on in System Settings and allow this terminal to use it"
    return "turn Bluetooth on in Settings > Bluetooth & devices, or plug in an adapter"


def translate(err: BaseException, what: str) -> DeviceError:
    """One :class:`DeviceError` line for whatever bleak or the OS raised during ``what``."""
    bleak = sys.modules.get("bleak")
    exc = getattr(bleak, "exc", None) if bleak is not None else None
    unavailable = getattr(exc, "BleakBluetoothNotAvailableError", ())
    not_found = getattr(exc, "BleakDeviceNotFoundError", ())
    if unavailable and isinstance(err, unavailable):
        return BluetoothUnavailableError(
            f"Bluetooth is off or there is no adapter ({err.args[0]})", fix=_turn_on_fix()
        )
    if isinstance(err, FileNotFoundError | ConnectionRefusedError | PermissionError):
        # BlueZ is reached over the D-Bus system bus: no socket means no Bluetooth service.
        return BluetoothUnavailableError(
            f"Bluetooth is not available: the system Bluetooth service cannot be reached ({err})",
            fix=_turn_on_fix(),
        )
    if not_found and isinstance(err, not_found):
        return DeviceError(
            f"Bluetooth device {getattr(err, 'identifier', '')} not found during {what}",
            fix="turn it on and bring it near; `stride ports --ble` lists what is in range",
        )
    if isinstance(err, TimeoutError):
        return DeviceTimeoutError(f"Bluetooth: {what} timed out", fix="bring the device nearer")
    return DeviceError(f"Bluetooth: {what} failed: {err}", fix="check the device is on and near")


class BleakGattClient(GattClient):
    """A connection through ``bleak.BleakClient``."""

    def __init__(self, address: str, adapter: str | None = None) -> None:
        super().__init__(address)
        self.adapter = adapter
        self._client: Any = None
        self._closing = False

    @property
    def connected(self) -> bool:
        return bool(self._client is not None and self._client.is_connected)

    async def connect(self, timeout: float) -> None:
        bleak = _bleak()
        kwargs: dict[str, Any] = {"disconnected_callback": self._on_drop, "timeout": timeout}
        if self.adapter:
            kwargs["bluez"] = {"adapter": self.adapter}
        self._closing = False
        self._client = bleak.BleakClient(self.address, **kwargs)
        try:
            await self._client.connect()
        except Exception as err:
            raise translate(err, f"connecting to {self.address}") from err

    def _on_drop(self, _client: Any) -> None:
        if not self._closing:
            self._dropped("link lost")

    async def discover(self, service: str) -> dict[str, CharacteristicInfo]:
        svc = self._client.services.get_service(full_uuid(service))
        if svc is None:
            raise NotThatDeviceError(
                f"{self.address} offers no {full_uuid(service)[4:8]} service",
                fix="pick the right device: `stride ports --ble` lists what each offers",
            )
        return {
            full_uuid(c.uuid): CharacteristicInfo(full_uuid(c.uuid), frozenset(c.properties))
            for c in svc.characteristics
        }

    async def read(self, characteristic: str) -> bytes:
        try:
            return bytes(await self._client.read_gatt_char(full_uuid(characteristic)))
        except Exception as err:
            raise translate(err, f"reading {characteristic}") from err

    async def subscribe(self, characteristic: str, callback: NotifyCallback) -> None:
        def on_value(_char: Any, value: bytearray) -> None:
            callback(bytes(value), time.time())

        try:
            await self._client.start_notify(full_uuid(characteristic), on_value)
        except Exception as err:
            raise translate(err, f"subscribing to {characteristic}") from err

    async def write(self, characteristic: str, data: bytes, *, response: bool = True) -> None:
        try:
            await self._client.write_gatt_char(full_uuid(characteristic), data, response=response)
        except Exception as err:
            raise translate(err, f"writing {characteristic}") from err

    async def disconnect(self) -> None:
        self._closing = True
        if self._client is not None:
            try:
                await self._client.disconnect()
            except Exception as err:  # closing a dead link: nothing to report to the user
                translate(err, "disconnecting")


class BleakBackend(GattBackend):
    """Scanner and clients on the system's adapter (``adapter``: e.g. ``hci1`` on Linux)."""

    name = "bleak"

    def __init__(self, adapter: str | None = None) -> None:
        _bleak()
        self.adapter = adapter

    async def scan(self, timeout: float, services: Sequence[str] = ()) -> list[Advertisement]:
        bleak = _bleak()
        kwargs: dict[str, Any] = {"timeout": timeout, "return_adv": True}
        if self.adapter:
            kwargs["bluez"] = {"adapter": self.adapter}
        try:
            found = await bleak.BleakScanner.discover(**kwargs)
        except Exception as err:
            raise translate(err, "scanning") from err
        adverts = [
            Advertisement(
                adv.local_name or dev.name,
                dev.address,
                adv.rssi,
                tuple(full_uuid(u) for u in adv.service_uuids),
            )
            for dev, adv in found.values()
        ]
        return filter_adverts(adverts, services)

    def client(self, address: str) -> GattClient:
        return BleakGattClient(address, self.adapter)
