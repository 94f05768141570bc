"""Helpers for the simulator's tests: a plain DFA reference and nolds' DFA.

nolds 0.6 fails to import on Python 3.11 (its package __init__ loads bundled data with
``importlib.resources.files`` on a module, which needs 3.12), so its ``measures`` module,
which needs only numpy, is loaded from its file directly.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import ArrayLike


def dfa_reference(x: ArrayLike, scales: ArrayLike | None = None) -> float:
    """DFA-1 as Peng 1994 defines it, written for clarity: integrate the mean-removed
    series, cut it into windows of each scale, remove a straight line from each window,
    take the RMS of what is left, and fit log F(s) against log s."""
    v = np.asarray(x, dtype=float)
    y = np.cumsum(v - v.mean())
    n = v.size
    if scales is None:
        scales = np.unique(np.floor(np.logspace(np.log10(4), np.log10(n // 10), 12)).astype(int))
    f = []
    for s in np.asarray(scales, dtype=int):
        t = np.arange(s)
        residuals = []
        for w in range(n // s):
            seg = y[w * s : (w + 1) * s]
            coef = np.polyfit(t, seg, 1)
            residuals.append(np.mean((seg - np.polyval(coef, t)) ** 2))
        f.append(np.sqrt(np.mean(residuals)))
    return float(np.polyfit(np.log(np.asarray(scales, dtype=float)), np.log(f), 1)[0])


def _load_nolds_measures() -> Any:
    spec = importlib.util.find_spec("nolds")
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).with_name("measures.py")
    mspec = importlib.util.spec_from_file_location("_nolds_measures", path)
    assert mspec is not None and mspec.loader is not None
    module = importlib.util.module_from_spec(mspec)
    mspec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def nolds_dfa() -> Callable[[ArrayLike], float]:
    """nolds.dfa (the independent implementation), or a skip naming why it is absent."""
    module = _load_nolds_measures()
    if module is None:
        pytest.skip("nolds is not installed (pip install nolds, in the test extra)")

    def dfa(x: ArrayLike) -> float:
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # RANSAC needs sklearn: uses poly
            return float(module.dfa(np.asarray(x, dtype=float), fit_exp="poly"))

    return dfa


@pytest.fixture
def dfa() -> Callable[..., float]:
    return dfa_reference
