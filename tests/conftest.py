"""Shared fixtures. Randomness is seeded everywhere: hypothesis derandomized in CI."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

REPO = Path(__file__).resolve().parents[1]
TEST_DATA = REPO / "tests" / "data"
SHARED_DATA = REPO.parent / "shared" / "data"


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test that draws random numbers gets the same ones."""
    return np.random.default_rng(20261125)


@pytest.fixture
def shared_data() -> Path:
    """../shared/data, or a skip naming why (a plain clone without the shared folder)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"{SHARED_DATA} is absent (it ships beside the repository, not in it)")
    return SHARED_DATA


@pytest.fixture(autouse=True, scope="session")
def _private_history(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads or writes the user's own history database: ``STRIDE_HISTORY_DB`` points
    into a temporary folder for the whole run, before any other fixture (subprocesses
    inherit it; a test may set its own)."""
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STRIDE_HISTORY_DB", str(db))
        yield
