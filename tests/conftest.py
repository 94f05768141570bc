"""Shared fixtures. Randomness is seeded everywhere but in hypothesis's own search, which is
derandomized where the ``CI`` environment variable is set (``.ci/run`` sets it): every CI run
tries the same examples, so a CI failure is reproduced by ``CI=1 pytest``. Elsewhere (a plain
``pytest``) hypothesis draws new examples on every run: that search once found a real
data-loss bug, and it keeps looking."""

from __future__ import annotations

import gc
import os
import shutil
import signal
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "dev")

# A test run started in the background (`nohup`, a trailing `&`, some CI runners) inherits
# Ctrl-C ignored, and so would every `stride` process it starts: an ignored signal stays
# ignored across exec. The tests that press Ctrl-C need what a terminal gives a command, so
# the run takes Python's default back; exec then hands its children the system default.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

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


@pytest.fixture(scope="session", autouse=True)
def _own_history_for_shared_fixtures(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[None]:
    """Module- and session-wide fixtures (a recording made once for many tests) keep their
    history in a file of this test run, never in the user's; no first run starts a helper
    process unless its test chooses to."""
    patch = pytest.MonkeyPatch()
    patch.setenv("STRIDE_HISTORY_DB", str(tmp_path_factory.mktemp("history") / "shared.sqlite"))
    # a first run's helper process starts or not by the machine's load: never in tests,
    # except those that choose (tests/stride/cli/test_first_run.py)
    patch.setenv("STRIDE_FIRST_RUN_HELPER", "off")
    yield
    patch.undo()


@pytest.fixture(autouse=True)
def _own_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test (and every ``stride`` it spawns) keeps its history in a file of its own,
    never in the user's: a command run without --db must not read or change it."""
    path = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("STRIDE_HISTORY_DB", str(path))


@pytest.fixture(autouse=True)
def _collector_as_found() -> Iterator[None]:
    """A command run in this process (``main()``) freezes what its start-up loaded, as
    its own process would (stride.cli.start_up); after the test, the collector sees this
    process's objects again, as before it."""
    enabled, frozen = gc.isenabled(), gc.get_freeze_count()
    yield
    if frozen == 0 and gc.get_freeze_count():
        gc.unfreeze()
    (gc.enable if enabled else gc.disable)()


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


@pytest.fixture(scope="session")
def simulated_session(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """``simulated_session(dest, minutes=0.5, seed=0)``: the session directory of ``stride
    sim session --out dest --minutes M --seed S --no-history``. Each (M, S) is simulated once
    per test run (through the command's entry point, in this process) and copied to
    ``dest``: the caller gets a folder of its own, byte for byte what the command writes
    (the files hold no path of their own), to read or change."""
    from cli_helpers import stride_in_process

    made: dict[tuple[float, int], Path] = {}

    def copy(dest: Path, minutes: float = 0.5, seed: int = 0) -> Path:
        key = (minutes, seed)
        if key not in made:
            out = tmp_path_factory.mktemp("simulated-session") / "s"
            run = stride_in_process(
                "sim", "session", "--out", str(out), "--minutes", str(minutes),
                "--seed", str(seed), "--no-history",
            )  # fmt: skip
            assert run.returncode == 0, run.stderr
            made[key] = out
        shutil.copytree(made[key], dest)
        return dest

    return copy
