"""Drivers by name from DRIVER:TARGET specs; clear one-line errors instead of ImportErrors."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devices import registry
from devices.errors import DeviceError, InputError, StrideError
from devices.treadmill.box import BoxBelt
from devices.treadmill.fixed import FixedTreadmill
from devices.treadmill.trackmaster import TrackmasterTreadmill
from sim.harness import SimDevices


@pytest.mark.parametrize(
    ("text", "driver", "target", "options"),
    [
        ("trackmaster:/dev/ttyUSB0", "trackmaster", "/dev/ttyUSB0", {}),
        ("csafe:COM3", "csafe", "COM3", {}),
        ("csafe:COM3?setspeed=lsb-msb-unit", "csafe", "COM3", {"setspeed": "lsb-msb-unit"}),
        ("csafe:COM3?setspeed=off", "csafe", "COM3", {"setspeed": "off"}),
        (
            "csafe:sim://csafe?world=w&setspeed=off",
            "csafe",
            "sim://csafe?world=w",
            {"setspeed": "off"},
        ),
        ("bertec:tcp://10.0.0.5:4000", "bertec", "tcp://10.0.0.5:4000", {}),
        ("fixed:3.5kmh", "fixed", "3.5kmh", {}),
        ("box", "box", "", {}),
        (
            "TrackMaster:COM4?start=a1&timeout=0.3",
            "trackmaster",
            "COM4",
            {"start": "a1", "timeout": 0.3},
        ),
        (
            "trackmaster:sim://treadmill?seed=3&start=a1",
            "trackmaster",
            "sim://treadmill?seed=3",
            {"start": "a1"},
        ),
    ],
)
def test_parse_spec(text: str, driver: str, target: str, options: dict[str, object]) -> None:
    spec = registry.parse_spec(text)
    assert (spec.driver, spec.target, spec.options) == (driver, target, options)


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("ergometer:/dev/ttyUSB0", "unknown treadmill driver"),
        ("trackmaster:", "needs a port"),
        ("trackmaster:/dev/ttyUSB0?bogus=1", "unknown option"),
        ("trackmaster:/dev/ttyUSB0?timeout=fast", "not a number"),
        ("box?stale_after=-1", "must be > 0"),
        ("box:/dev/ttyUSB0", "takes no port"),
    ],
)
def test_parse_spec_errors(text: str, match: str) -> None:
    with pytest.raises(InputError, match=match):
        registry.parse_treadmill_spec(text)


def test_open_fixed_and_box() -> None:
    t = registry.parse_treadmill_spec("fixed:3.6kmh")
    assert isinstance(t, FixedTreadmill) and t.read_speed().speeds_mps == pytest.approx((1.0,))
    assert isinstance(registry.parse_treadmill_spec("box"), BoxBelt)
    assert registry.parse_treadmill_spec("box?stale_after=2").timeout == 2.0


def test_open_trackmaster_on_a_pty() -> None:
    master, slave = pty.openpty()
    try:
        t = registry.parse_treadmill_spec(f"trackmaster:{os.ttyname(slave)}?start=a1")
        assert isinstance(t, TrackmasterTreadmill) and t.start_command == "A1"
        t.close()
    finally:
        os.close(master)
        os.close(slave)


def test_missing_library_is_backend_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(registry.DRIVERS, "vendor", "no_such_vendor_sdk.driver:Treadmill")
    monkeypatch.setitem(registry.OPTIONS, "vendor", frozenset())
    with pytest.raises(DeviceError, match="backend unavailable") as info:
        registry.parse_treadmill_spec("vendor:COM1")
    assert "pip install no_such_vendor_sdk" in str(info.value)
    assert not isinstance(info.value, ImportError)


def test_register_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "DRIVERS", dict(registry.DRIVERS))
    monkeypatch.setattr(registry, "OPTIONS", dict(registry.OPTIONS))
    registry.register_driver("const", "devices.treadmill.fixed:FixedTreadmill")
    assert registry.load_driver("const") is FixedTreadmill
    with pytest.raises(InputError):
        registry.register_driver("x", "no.colon")


def test_registry_import_is_lazy() -> None:
    code = (
        "import sys, devices.registry;"
        "print(sorted(m for m in sys.modules if m.startswith(('devices.treadmill', 'serial'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@given(st.text(max_size=40))
def test_parse_spec_fuzz(text: str) -> None:
    try:
        spec = registry.parse_spec(text)
    except StrideError:
        return
    assert spec.driver in registry.DRIVERS


def test_entry_point_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlib import metadata

    monkeypatch.setattr(registry, "DRIVERS", dict(registry.DRIVERS))
    monkeypatch.setattr(registry, "OPTIONS", dict(registry.OPTIONS))
    ep = metadata.EntryPoint(
        "plugged", "devices.treadmill.fixed:FixedTreadmill", registry.PLUGIN_GROUP
    )
    monkeypatch.setattr(
        metadata, "entry_points", lambda group: [ep] if group == registry.PLUGIN_GROUP else []
    )
    t = registry.parse_treadmill_spec("plugged:1mps")
    assert isinstance(t, FixedTreadmill) and t.speed_mps == 1.0


@pytest.mark.parametrize(
    "protocol",
    [
        pytest.param("trackmaster", marks=pytest.mark.stride_sim(seed=1, treadmill="trackmaster")),
        pytest.param("csafe", marks=pytest.mark.stride_sim(seed=1, treadmill="csafe")),
    ],
)
def test_simulated_treadmills_on_their_ports(protocol: str, stride_sim: SimDevices) -> None:
    """The whole chain: spec -> registry -> a serial port (the simulator's pseudo-terminal,
    then the same world's sim:// URL) -> the simulated console."""
    assert stride_sim.treadmill_arg.startswith(f"{protocol}:")
    for spec in (stride_sim.treadmill_arg, f"{protocol}:{stride_sim.treadmill_url}"):
        t = registry.parse_treadmill_spec(spec)
        try:
            (v,) = t.read_speed().speeds_mps
            # 1.0 m/s within the protocol's resolution (0.1 mph) and a heel-strike dip (~2 %)
            assert v == pytest.approx(1.0, abs=0.07)
            assert v != 1.0 or protocol == "csafe"  # 1.0 m/s is not a whole 0.1 mph
        finally:
            t.close()
