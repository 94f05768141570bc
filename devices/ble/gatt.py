"""The GATT client interface the Bluetooth drivers are written against.

Small on purpose (python-can style): connect, discover a service, read, subscribe with a
callback receiving the value and the host time it arrived, write with or without response,
disconnect, hear about a drop; and a scanner listing name, address, signal strength and
advertised services. Two implementations: :mod:`devices.ble.bleak_backend` (real adapters
through bleak) and :mod:`devices.ble.bumble_backend` (Bumble's in-process virtual radio).
Neither holds protocol logic: FTMS and RSC live in the drivers and the pure parsers.

All methods are coroutines run on the shared loop of :mod:`devices.ble.loop`; callbacks
run on that loop's thread and must return quickly.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from devices.ble.uuids import NAMES, short_uuid

#: (value, host time in time.time() seconds at arrival)
NotifyCallback = Callable[[bytes, float], None]
#: (reason) when the link drops without the client asking
DisconnectCallback = Callable[[str], None]


@dataclass(frozen=True)
class Advertisement:
    """One device seen while scanning. ``services`` are 128-bit UUID strings."""

    name: str | None
    address: str
    rssi: int | None
    services: tuple[str, ...] = ()

    def describe(self) -> str:
        """``NAME  ADDRESS  -60 dBm  Fitness Machine, ...`` for listings."""
        names = [NAMES.get(short_uuid(s) or -1, s) for s in self.services]
        rssi = "?" if self.rssi is None else f"{self.rssi}"
        return f"{self.name or '(no name)'}  {self.address}  {rssi} dBm  {', '.join(names)}"


@dataclass(frozen=True)
class CharacteristicInfo:
    """A discovered characteristic: 128-bit UUID and its property names (``read``,
    ``write``, ``write-without-response``, ``notify``, ``indicate``)."""

    uuid: str
    properties: frozenset[str]


class GattClient(ABC):
    """A connection to one peripheral (see the module docstring)."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.on_disconnect: DisconnectCallback | None = None

    @property
    @abstractmethod
    def connected(self) -> bool: ...

    @abstractmethod
    async def connect(self, timeout: float) -> None:
        """Connect; :class:`~devices.errors.DeviceError` with the fix when impossible."""

    @abstractmethod
    async def discover(self, service: str) -> dict[str, CharacteristicInfo]:
        """The characteristics of ``service`` by UUID;
        :class:`~devices.ble.errors.NotThatDeviceError` when the device lacks it."""

    @abstractmethod
    async def read(self, characteristic: str) -> bytes: ...

    @abstractmethod
    async def subscribe(self, characteristic: str, callback: NotifyCallback) -> None:
        """Enable notifications (or indications, if that is what it offers)."""

    @abstractmethod
    async def write(self, characteristic: str, data: bytes, *, response: bool = True) -> None:
        """Write request (``response``) or write command."""

    @abstractmethod
    async def disconnect(self) -> None:
        """Close the link; does not call ``on_disconnect``. Safe to call twice."""

    def _dropped(self, reason: str) -> None:
        if self.on_disconnect is not None:
            self.on_disconnect(reason)


class GattBackend(ABC):
    """Where connections come from: a scanner and a client factory."""

    name: str = "?"

    @abstractmethod
    async def scan(self, timeout: float, services: Sequence[str] = ()) -> list[Advertisement]:
        """Devices advertising any of ``services`` (all devices if empty), strongest first."""

    @abstractmethod
    def client(self, address: str) -> GattClient: ...


#: backend name -> "module:factory"; imported only when asked for.
BACKENDS = {
    "bleak": "devices.ble.bleak_backend:BleakBackend",
    "bumble": "devices.ble.bumble_backend:BumbleBackend",
}


def load_backend(name: str = "bleak", **options: str) -> GattBackend:
    """The backend ``name`` (``bleak`` for real adapters, ``bumble`` for the virtual radio)."""
    from devices.errors import InputError

    dotted = BACKENDS.get(name)
    if dotted is None:
        raise InputError(
            f"unknown Bluetooth backend {name!r}", fix=f"use one of {sorted(BACKENDS)}"
        )
    module, _, attr = dotted.partition(":")
    factory = getattr(importlib.import_module(module), attr)
    backend: GattBackend = factory(**options)
    return backend


def filter_adverts(found: Sequence[Advertisement], services: Sequence[str]) -> list[Advertisement]:
    """Keep adverts listing any of ``services`` (all if empty), strongest signal first."""
    from devices.ble.uuids import full_uuid

    wanted = {full_uuid(s) for s in services}
    keep = [a for a in found if not wanted or wanted & {full_uuid(s) for s in a.services}]
    return sorted(keep, key=lambda a: -(a.rssi if a.rssi is not None else -999))
