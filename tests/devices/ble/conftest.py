"""Fixtures for the Bluetooth tests: a fresh simulated world per test, stopped after."""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest

_N = itertools.count()


@pytest.fixture
def world() -> Iterator[str]:
    """A world key of its own; its simulated Bluetooth devices are stopped afterwards."""
    from sim.ble import serve
    from sim.world import drop_world

    key = f"ble-test-{next(_N)}"
    yield key
    serve.stop_all()
    drop_world(key)
