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


@pytest.fixture(scope="session", autouse=True)
def _own_history_for_shared_fixtures(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Module- and session-wide fixtures (a recording made once for many tests) keep their
    history in a file of this test run, never in the user's."""
    patch = pytest.MonkeyPatch()
    patch.setenv("STRIDE_HISTORY_DB", str(tmp_path_factory.mktemp("history") / "shared.sqlite"))
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _own_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every ``stride`` it spawns) keeps its history in a file of its own,
    never in the user's: a command run without --db must not read or change it."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("STRIDE_HISTORY_DB", str(path))


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
