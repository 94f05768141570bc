"""Real ATT/GATT exchanges between the Bumble client and the simulated peripherals."""

from __future__ import annotations

import struct
import time

import pytest

from devices.ble import loop
from devices.ble.bumble_backend import BumbleBackend
from devices.ble.driver import find_by_name
from devices.ble.errors import NotThatDeviceError
from devices.ble.uuids import full_uuid
from devices.errors import DeviceError
from sim.ble.serve import ensure_peripheral


def test_scan_lists_name_address_rssi_and_services(world: str) -> None:
    ftms = ensure_peripheral("ftms", f"world={world}")
    pod = ensure_peripheral("rsc", f"world={world}&name=POD%201")
    backend = BumbleBackend(air=ftms.air)
    found = loop.run(backend.scan(0.3), 10, "scan")
    by_addr = {a.address: a for a in found}
    assert by_addr[ftms.address].name == "STRIDE SIM FTMS"
    assert full_uuid(0x1826) in by_addr[ftms.address].services
    assert by_addr[pod.address].name == "POD 1"
    assert isinstance(by_addr[pod.address].rssi, int)
    only = loop.run(backend.scan(0.3, ["1814"]), 10, "scan")
    assert pod.address in [a.address for a in only]
    assert ftms.address not in [a.address for a in only]
    only = [a for a in only if a.address == pod.address]
    assert "Running Speed and Cadence" in only[0].describe()


def test_gatt_discover_read_subscribe_write_indicate(world: str) -> None:
    dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz=20")
    client = BumbleBackend(air=dev.air).client(dev.address)
    got: list[tuple[bytes, float]] = []
    responses: list[bytes] = []

    async def exchange() -> dict[str, set[str]]:
        await client.connect(2.0)
        chars = await client.discover("1826")
        assert await client.read("2ad4") == struct.pack("<HHH", 50, 2000, 10)
        await client.subscribe("2acd", lambda v, t: got.append((v, t)))
        await client.subscribe("2ad9", lambda v, t: responses.append(v))
        await client.write("2ad9", b"\x00", response=True)
        return {k: set(v.properties) for k, v in chars.items()}

    props = loop.run(exchange(), 10, "exchange")
    assert {"notify"} <= props[full_uuid(0x2ACD)]
    assert {"write", "indicate"} <= props[full_uuid(0x2AD9)]
    end = time.monotonic() + 5
    while (len(got) < 5 or not responses) and time.monotonic() < end:
        time.sleep(0.01)
    assert responses == [b"\x80\x00\x01"]
    assert len(got) >= 5
    times = [t for _, t in got]
    assert times == sorted(times)
    assert all(abs(t - time.time()) < 10 for t in times)
    # what arrived is exactly what the peripheral sent, in order
    sent = [v for _, v in dev.peripheral.sent]
    first = sent.index(got[0][0])
    assert [v for v, _ in got] == sent[first : first + len(got)]
    loop.run(client.disconnect(), 5, "disconnect")
    assert not client.connected


def test_missing_service_is_not_that_device(world: str) -> None:
    pod = ensure_peripheral("rsc", f"world={world}")
    client = BumbleBackend(air=pod.air).client(pod.address)

    async def go() -> None:
        await client.connect(2.0)
        try:
            await client.discover("1826")
        finally:
            await client.disconnect()

    with pytest.raises(NotThatDeviceError, match="offers no 1826 service"):
        loop.run(go(), 10, "discover")


def test_connecting_to_nobody_times_out_with_a_fix(world: str) -> None:
    client = BumbleBackend(air=f"empty-{world}").client("C0:00:00:FF:FF:FF")
    with pytest.raises(DeviceError) as info:
        loop.run(client.connect(0.3), 5, "connect")
    assert "no Bluetooth device" in str(info.value) and info.value.fix


def test_find_by_name(world: str) -> None:
    dev = ensure_peripheral("ftms", f"world={world}&name=Kingsmith%20R2")
    backend = BumbleBackend(air=dev.air)
    assert find_by_name(backend, "kingsmith r2", 0x1826, 0.3) == dev.address
    assert find_by_name(backend, "R2", 0x1826, 0.3) == dev.address  # the only one containing it
    with pytest.raises(DeviceError, match="no FTMS treadmill named 'Peloton'") as info:
        find_by_name(backend, "Peloton", 0x1826, 0.3)
    assert "Kingsmith R2" in str(info.value) and "stride ports --ble" in (info.value.fix or "")
