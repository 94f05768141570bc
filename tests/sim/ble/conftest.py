"""A fresh simulated world per test; its Bluetooth devices are stopped afterwards."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

_N = itertools.count()


@pytest.fixture
def world() -> Iterator[str]:
    from sim.ble import serve
    from sim.world import drop_world

    key = f"sim-ble-test-{next(_N)}"
    yield key
    serve.stop_all()
    drop_world(key)
