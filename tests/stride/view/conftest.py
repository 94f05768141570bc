"""Fixtures of the walker's view tests: a started server on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

pytest.importorskip("aiohttp", reason="the view extra (aiohttp) is not installed")

from stride.view import ViewServer


@pytest.fixture
def view() -> Iterator[ViewServer]:
    """A view server on 127.0.0.1 and a free port, stopped after the test."""
    server = ViewServer("127.0.0.1", 0)
    server.start()
    yield server
    server.stop()
