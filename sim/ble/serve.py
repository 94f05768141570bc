"""Start (or find) the simulated Bluetooth device a ``ftms:sim`` / ``rsc:sim`` spec names.

Called by the drivers through a dotted name (``devices`` never imports ``sim``). One device
per kind and world: opening ``ftms:sim?world=w`` twice connects to the same treadmill, as
two opens of ``sim://treadmill?world=w`` reach the same console.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from devices.ble import loop
from sim.ble.ftms import SimFtmsTreadmill
from sim.ble.options import parse_ble_sim
from sim.ble.peripheral import SIM_AIR, SimPeripheral
from sim.world import get_world

_LOCK = threading.Lock()
_RUNNING: dict[tuple[str, str], SimPeripheral] = {}


@dataclass(frozen=True)
class SimDevice:
    """Where the driver finds the simulated device."""

    air: str
    address: str
    name: str
    peripheral: SimPeripheral


def ensure_peripheral(kind: str, query: str) -> SimDevice:
    """The running simulated ``kind`` (``ftms`` or ``rsc``) device of the world ``query``
    names, started on the shared Bluetooth loop if needed."""
    from devices.ble.bumble_backend import load_bumble
    from sim.ble.rsc import SimRscPod

    options, key, world_options, given = parse_ble_sim(kind, query)
    load_bumble()  # before the 5 s the device has to start, which its imports must not use
    world = get_world(key, world_options, given)
    with _LOCK:
        dev = _RUNNING.get((kind, key))
        if dev is not None and (dev.world is not world or dev.options != options):
            loop.run(dev.stop(), 5.0, "stopping a simulated device")
            dev = None
        if dev is None:
            cls = SimFtmsTreadmill if kind == "ftms" else SimRscPod
            dev = cls(options, world, SIM_AIR)
            loop.run(dev.start(), 5.0, f"starting the simulated {kind} device")
            _RUNNING[(kind, key)] = dev
    return SimDevice(SIM_AIR, dev.address, options.name, dev)


def stop_all() -> None:
    """Stop every simulated Bluetooth device (tests call this between worlds)."""
    with _LOCK:
        devs = list(_RUNNING.values())
        _RUNNING.clear()
    for dev in devs:
        loop.run(dev.stop(), 5.0, "stopping a simulated device")
