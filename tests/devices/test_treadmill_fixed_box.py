"""The port-less drivers: a stated constant speed, and belt speed from the sensor box."""

from __future__ import annotations

import threading

import pytest

from devices.errors import DeviceError, DeviceTimeoutError, InputError
from devices.treadmill.box import BoxBelt
from devices.treadmill.fixed import FixedTreadmill


def test_fixed_reads_constant_and_refuses_control() -> None:
    t = FixedTreadmill.open("3.6kmh")
    assert t.read_speed().speeds_mps == pytest.approx((1.0,))
    assert not t.can_set_speed
    with pytest.raises(DeviceError, match="console"):
        t.set_speed(1.0)
    with pytest.raises(DeviceError):
        t.start()
    with pytest.raises(InputError):
        FixedTreadmill.open("3.6")


def test_box_serves_latest_speed_and_goes_stale() -> None:
    b = BoxBelt(stale_after=0.05)
    with pytest.raises(DeviceTimeoutError, match="BELT"):
        b.read_speed()
    b.update(1.25)
    assert b.read_speed().speeds_mps == (1.25,)
    threading.Event().wait(0.08)
    with pytest.raises(DeviceTimeoutError):
        b.read_speed()


def test_box_waits_for_a_frame_arriving_during_the_read() -> None:
    b = BoxBelt(stale_after=1.0)
    threading.Timer(0.05, b.update, args=(0.9,)).start()
    assert b.read_speed().speeds_mps == (0.9,)


def test_box_takes_no_port() -> None:
    with pytest.raises(InputError):
        BoxBelt.open("/dev/ttyUSB0")
