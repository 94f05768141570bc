"""The simulated FTMS treadmill's control point, status and data, over real GATT writes."""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

from devices.ble import loop
from devices.ble.bumble_backend import BumbleBackend
from devices.ble.ftms import parse_treadmill_data
from sim.ble.serve import ensure_peripheral


def exchange(
    world: str, writes: list[bytes], extra: str = ""
) -> tuple[list[bytes], list[bytes], Any]:
    """Write each request on a fresh connection; the indications and statuses received."""
    dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh{extra}")
    client = BumbleBackend(air=dev.air).client(dev.address)
    responses: list[bytes] = []
    statuses: list[bytes] = []

    async def go() -> None:
        await client.connect(2.0)
        await client.discover("1826")
        await client.subscribe("2ad9", lambda v, t: responses.append(v))
        await client.subscribe("2ada", lambda v, t: statuses.append(v))
        for w in writes:
            n = len(responses)
            await client.write("2ad9", w)
            for _ in range(200):
                if len(responses) > n:
                    break
                await asyncio.sleep(0.005)
        await asyncio.sleep(0.05)
        await client.disconnect()

    loop.run(go(), 20, "control point exchange")
    return responses, statuses, dev.peripheral


def test_control_needs_request_first(world: str) -> None:
    responses, _, _ = exchange(world, [b"\x02\x68\x01", b"\x00", b"\x02\x68\x01"])
    assert responses == [b"\x80\x02\x05", b"\x80\x00\x01", b"\x80\x02\x01"]


def test_results_for_bad_requests(world: str) -> None:
    responses, _, _ = exchange(
        world, [b"\x00", b"\x02\xff\xff", b"\x03\x00\x10", b"\x10", b"\x02\x01", b"\x08\x07"]
    )
    assert responses == [
        b"\x80\x00\x01",
        b"\x80\x02\x03",  # 655 km/h: outside the supported range
        b"\x80\x03\x03",  # 409.6 %: outside
        b"\x80\x10\x02",  # not an op this treadmill knows
        b"\x80\x02\x03",  # parameter cut short
        b"\x80\x08\x03",  # stop/pause parameter 7
    ]


def test_accepted_changes_reach_the_belt_and_the_status(world: str) -> None:
    responses, statuses, dev = exchange(
        world, [b"\x00", b"\x02\xc2\x01", b"\x03\x19\x00", b"\x08\x02", b"\x07", b"\x01"]
    )
    assert all(r[2] == 1 for r in responses)
    assert statuses == [b"\x05\xc2\x01", b"\x06\x19\x00", b"\x02\x02", b"\x04", b"\x01"]
    belt = dev.world.treadmill
    assert belt.set_speed_mps_of(0) == pytest.approx(4.5 / 3.6)
    assert belt.incline_pct(0) == 2.5


def test_refused_control(world: str) -> None:
    responses, _, _ = exchange(world, [b"\x00", b"\x02\x68\x01"], "&control=refuse")
    assert responses == [b"\x80\x00\x05", b"\x80\x02\x05"]


def test_control_is_lost_with_the_link(world: str) -> None:
    exchange(world, [b"\x00"])
    responses, _, _ = exchange(world, [b"\x02\x68\x01"])
    assert responses == [b"\x80\x02\x05"]


def test_data_carries_the_belt_with_heel_strike_dips(world: str) -> None:
    dev = ensure_peripheral("ftms", f"world={world}&speed=3.6kmh&notify_hz=50")
    client = BumbleBackend(air=dev.air).client(dev.address)
    got: list[bytes] = []

    async def go() -> None:
        await client.connect(2.0)
        await client.discover("1826")
        await client.subscribe("2acd", lambda v, t: got.append(v))
        await asyncio.sleep(3.0)
        await client.disconnect()

    loop.run(go(), 20, "notifications")
    data = [parse_treadmill_data(v) for v in got]
    speeds = [d.instantaneous_speed_kmh for d in data]
    assert len(speeds) > 60
    assert max(speeds) == pytest.approx(3.6, abs=0.011)
    assert min(speeds) < 3.57  # heel strikes slow the belt about 2 % at 70 kg
    assert all(d.heart_rate_bpm == 85 or d.heart_rate_bpm == 84 for d in data)
    distances = [d.total_distance_m for d in data]
    assert distances == sorted(distances) and distances[-1] >= 2
    assert struct.unpack_from("<H", got[0])[0] == 0x050C  # speed, distance, incline, HR, time
