"""Whatever a treadmill answers, a driver read ends in a reading or a DeviceError, never a crash."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from devices.errors import DeviceError
from devices.treadmill.csafe import CsafeTreadmill
from devices.treadmill.testing import ScriptedPort
from devices.treadmill.trackmaster import TrackmasterTreadmill


@settings(max_examples=60)
@given(st.binary(max_size=12), st.binary(max_size=12))
def test_trackmaster_any_answer(first: bytes, second: bytes) -> None:
    port = ScriptedPort([(b"\xc1", first), (b"\xc1", second)])
    t = TrackmasterTreadmill(port, timeout=0.005)
    for _ in range(2):
        try:
            r = t.read_speed()
        except DeviceError:
            continue
        assert len(r.speeds_mps) == 1 and 0.0 <= r.speeds_mps[0] < 450.0


@settings(max_examples=60)
@given(st.binary(max_size=24), st.binary(max_size=24))
def test_csafe_any_answer(first: bytes, second: bytes) -> None:
    req = bytes.fromhex("F1 A5 A5 F2")
    port = ScriptedPort([(req, first), (req, second)])
    t = CsafeTreadmill(port, timeout=0.005)
    for _ in range(2):
        try:
            r = t.read_speed()
        except DeviceError:
            continue
        v = r.speeds_mps[0]
        assert math.isnan(v) or v >= 0.0
