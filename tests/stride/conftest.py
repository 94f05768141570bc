"""Fixtures for the gait-core tests; the helpers themselves live in ``stride_testkit``
(this directory is on ``sys.path`` while these tests run, so tests import it by name)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from numpy.typing import NDArray
from stride_testkit import walk

from stride.core.signals import GaitSignals


@pytest.fixture
def synth_walk() -> Callable[..., tuple[GaitSignals, dict[str, NDArray[np.float64]]]]:
    """The :func:`walk` generator (seeded): ``synth_walk(seconds=..., ...)``."""
    return walk
