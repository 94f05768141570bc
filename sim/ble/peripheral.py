"""A simulated Bluetooth peripheral: a Bumble device on the virtual radio that advertises,
accepts connections, notifies at a fixed rate and plays its scheduled faults.

Subclasses (:mod:`sim.ble.ftms`, :mod:`sim.ble.rsc`) add their GATT service and say what
each notification carries. Everything here runs on the shared Bluetooth loop
(:mod:`devices.ble.loop`); fault times are world seconds (the world's clock, which runs
``speedup`` times the wall clock).
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections import deque
from collections.abc import Coroutine
from typing import Any

from devices.ble.bumble_backend import air, new_device, next_address
from sim.ble.options import BleSimOptions
from sim.world import World

SIM_AIR = "sim"


class SimPeripheral:
    """Base of the simulated Bluetooth devices (see the module docstring)."""

    #: 16-bit UUID of the service advertised
    service_uuid = 0x0000

    def __init__(self, options: BleSimOptions, world: World, air_name: str = SIM_AIR) -> None:
        self.options = options
        self.world = world
        self.air_name = air_name
        self.address = next_address()
        self.device: Any = None  # made on the loop in start(): Bumble needs a running loop
        #: (time.perf_counter() just before sending, value) of recent notifications (those
        #: sent to a subscriber)
        self.sent: deque[tuple[float, bytes]] = deque(maxlen=20000)
        self.notifications = 0
        self.drops = 0
        self._away_until = -math.inf
        self._silent_until = -math.inf
        self._faults = sorted(
            [(t, "disconnect") for t in options.disconnect_at_s]
            + [(t, "silent") for t in options.silent_at_s]
        )
        self._task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._running = False

    # -- for subclasses ------------------------------------------------------------------
    def services(self) -> list[Any]:
        """The Bumble ``gatt.Service`` objects of this device."""
        raise NotImplementedError

    def measure(self, now: float) -> tuple[Any, bytes] | None:
        """(characteristic, value) to notify at world time ``now`` (world lock held)."""
        raise NotImplementedError

    def on_disconnection(self) -> None:
        """A central went away (control is lost, for instance)."""

    # -- life cycle ----------------------------------------------------------------------
    async def start(self) -> None:
        self.device = new_device(self.air_name, self.options.name, self.address)
        self.device.add_services(self.services())
        self.device.on("connection", self._on_connection)
        await self.device.power_on()
        await self._advertise()
        self._running = True
        self._task = asyncio.get_running_loop().create_task(self._ticker())

    async def stop(self) -> None:
        self._running = False
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._disconnect_all()
        with contextlib.suppress(Exception):
            await self.device.stop_advertising()
        with contextlib.suppress(Exception):
            await self.device.power_off()
        controller = getattr(self.device.host, "controller", None)
        with contextlib.suppress(KeyError, ValueError):
            air(self.air_name).remove_controller(controller)  # off the air for good

    @property
    def connections(self) -> list[Any]:
        if self.device is None:
            return []
        return list(self.device.connections.values())

    # -- faults on demand (tests, benchmarks) ---------------------------------------------
    async def drop(self, world_seconds: float) -> None:
        """Drop every link and stay away (not advertising) for ``world_seconds``."""
        self.drops += 1
        self._away_until = self.world.now() + world_seconds
        with contextlib.suppress(Exception):
            await self.device.stop_advertising()
        await self._disconnect_all()

    def silence(self, world_seconds: float) -> None:
        """Stop notifying for ``world_seconds`` (the link stays up)."""
        self._silent_until = self.world.now() + world_seconds

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        """Run ``coro`` soon on the loop, keeping a reference until it is done."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # -- internals -----------------------------------------------------------------------
    async def _advertise(self) -> None:
        from bumble.core import AdvertisingData

        uuid = self.service_uuid.to_bytes(2, "little")
        data = bytes(
            AdvertisingData(
                [
                    (AdvertisingData.FLAGS, bytes([0x06])),
                    (AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS, uuid),
                    (AdvertisingData.COMPLETE_LOCAL_NAME, self.options.name.encode()),
                ]
            )
        )
        await self.device.start_advertising(
            advertising_data=data, advertising_interval_min=20, advertising_interval_max=20
        )

    def _on_connection(self, connection: Any) -> None:
        connection.on("disconnection", lambda *_: self._after_disconnection())

    def _after_disconnection(self) -> None:
        self.on_disconnection()
        if self._running and self.world.now() >= self._away_until:
            self.spawn(self._advertise())

    async def _disconnect_all(self) -> None:
        for conn in self.connections:
            with contextlib.suppress(Exception):
                await conn.disconnect()

    async def _ticker(self) -> None:
        period = 1.0 / self.options.notify_hz
        next_t = time.monotonic()
        while self._running:
            next_t += period
            await asyncio.sleep(max(0.0, next_t - time.monotonic()))
            try:
                await self._tick()
            except Exception:  # a simulated device keeps going, like firmware would
                import logging

                logging.getLogger(__name__).exception("simulated %s tick", self.options.kind)

    async def _tick(self) -> None:
        now = self.world.now()
        while self._faults and self._faults[0][0] <= now:
            _, kind = self._faults.pop(0)
            if kind == "disconnect":
                await self.drop(self.options.disconnect_s)
            else:
                self.silence(self.options.silent_s)
        if math.isfinite(self._away_until):
            if now < self._away_until:
                return
            self._away_until = -math.inf
            if not self.connections:
                await self._advertise()
        if now < self._silent_until or not self.connections:
            return
        with self.world.lock:
            now = self.world.advance()
            got = self.measure(now)
        if got is None:
            return
        char, value = got
        if not self._subscribed(char):  # connected, not yet subscribed: nothing goes out
            return
        self.sent.append((time.perf_counter(), value))
        self.notifications += 1
        await self.device.notify_subscribers(char, value)

    def _subscribed(self, char: Any) -> bool:
        """Whether any central has enabled notifications of ``char``."""
        subscribers = self.device.gatt_server.subscribers.values()
        return any(cccd.get(char.handle, b"\0")[0] & 1 for cccd in subscribers)
