"""Shared fixtures. Randomness is seeded everywhere: hypothesis derandomized in CI."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# The user's own history is never touched by a test: every command a test runs (in this
# process or in a subprocess, which inherits the environment) stores its sessions in a
# history of the test run, unless the test names another one.
_HISTORY_DIR = tempfile.mkdtemp(prefix="stride-test-history-")
atexit.register(shutil.rmtree, _HISTORY_DIR, ignore_errors=True)
os.environ["STRIDE_HISTORY_DB"] = str(Path(_HISTORY_DIR) / "history.sqlite")

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
