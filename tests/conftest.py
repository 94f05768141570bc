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
#: The PhysioNet records shipped with the repository (data/physionet/README.md).
PHYSIONET_DATA = REPO / "data" / "physionet"
#: The validation folder beside the repository (or beside a folder holding it, for a git
#: worktree), where present: only a cross-check of the shipped copies.
SHARED_DATA = next(
    (p / "shared" / "data" for p in REPO.parents if (p / "shared" / "data").is_dir()),
    REPO.parent / "shared" / "data",
)


@pytest.fixture(autouse=True, scope="session")
def _private_history_for_module_fixtures(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """No test reads or writes the user's own history database (module-scoped fixtures run
    before any function-scoped one: they get this one)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STRIDE_HISTORY_DB", str(tmp_path_factory.mktemp("history") / "h.sqlite"))
        yield


@pytest.fixture(autouse=True)
def _private_history(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Commands that store a session by default (stride sim session, demo, live) get a
    fresh history per test, never the user's own."""
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("STRIDE_HISTORY_DB", str(db))


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator: every test that draws random numbers gets the same ones."""
    return np.random.default_rng(20261125)


@pytest.fixture
def physionet_data() -> Path:
    """The shipped PhysioNet records (33 gaitndd records, 4 gaitpdb trials, the comparison
    module): part of the repository, so a plain clone runs every test that reads them."""
    assert (PHYSIONET_DATA / "gaitndd").is_dir(), f"{PHYSIONET_DATA} is missing from the checkout"
    return PHYSIONET_DATA


@pytest.fixture
def shared_data(physionet_data: Path) -> Path:
    """The same records under the name older tests use (they once read ../shared/data)."""
    return physionet_data
