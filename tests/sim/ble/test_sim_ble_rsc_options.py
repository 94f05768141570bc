"""The simulated foot pod's measurement and the options of ftms:sim / rsc:sim."""

from __future__ import annotations

import asyncio

import pytest

from devices.ble import loop
from devices.ble.bumble_backend import BumbleBackend
from devices.ble.rsc import parse_rsc_measurement
from devices.errors import InputError
from sim.ble.options import parse_ble_sim
from sim.ble.serve import ensure_peripheral


def test_pod_reports_belt_speed_cadence_and_stride(world: str) -> None:
    dev = ensure_peripheral("rsc", f"world={world}&speed=4.5kmh&notify_hz=20")
    client = BumbleBackend(air=dev.air).client(dev.address)
    got: list[bytes] = []

    async def go() -> bytes:
        await client.connect(2.0)
        await client.discover("1814")
        feature = await client.read("2a54")
        await client.subscribe("2a53", lambda v, t: got.append(v))
        await asyncio.sleep(4.0)
        await client.disconnect()
        return feature

    assert loop.run(go(), 20, "pod") == b"\x05\x00"
    last = parse_rsc_measurement(got[-1])
    assert last.speed_mps == pytest.approx(1.25, abs=0.004)
    expected = (60 * 1.25 / 0.0064) ** 0.5  # the walker's self-selected cadence (walk ratio)
    assert last.cadence_spm == pytest.approx(expected, rel=0.08)
    assert last.stride_length_m == pytest.approx(2 * 60 * 1.25 / last.cadence_spm, abs=0.02)


def test_options_parse() -> None:
    opts, key, world, given = parse_ble_sim(
        "ftms", "world=w&seed=3&profile=healthy&name=T1&notify_hz=2&disconnect_at=5,9&hr=0"
    )
    assert (key, world.seed, opts.name, opts.notify_hz, opts.heart_rate) == (
        "w",
        3,
        "T1",
        2.0,
        False,
    )
    assert opts.disconnect_at_s == (5.0, 9.0) and "seed" in given


@pytest.mark.parametrize(
    "query", ["notify_hz=100", "disconnect_at=-1", "pod_counts=feet", "seed=-2", "drop=0.1"]
)
def test_bad_options(query: str) -> None:
    with pytest.raises(InputError):
        parse_ble_sim("rsc", query)
