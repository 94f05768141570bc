"""Work handed to the foot thread beside the analysis's own (``foot_workers.beside``): the
polarity figure while the noise figures are taken, the right foot's steps table while the
left one's is made. On the foot thread where the feet are scanned side by side, the same
results as on one thread; errors raised by the caller; here at once otherwise."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from analysis_checks import same_analysis
from numpy.typing import NDArray

from stride.core import analyzer, contacts, foot_workers, scan
from stride.core.analyzer import AnalysisConfig, analyze
from stride.core.signals import GaitSignals
from stride.errors import InputError

Walk = Callable[..., tuple[GaitSignals, dict[str, NDArray[np.float64]]]]


@pytest.fixture
def two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Feet side by side whatever the record's length."""
    monkeypatch.setattr(foot_workers, "_THREADS", [2])
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(scan, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(scan, "POLARITY_BESIDE_S", 0.0)
    monkeypatch.setattr(analyzer, "STEPS_BESIDE_MIN", 1)


def _here() -> str:
    return threading.current_thread().name


def test_work_beside_runs_on_the_foot_thread(two_threads: None) -> None:
    assert foot_workers.beside(_here, True)().startswith("stride-foot")
    assert foot_workers.beside(_here, False)() == _here()  # not worth the hand-over


def test_work_beside_runs_here_on_one_thread_when_asked_for() -> None:
    """In the caller's order, as it ran before: errors too."""
    assert foot_workers.foot_threads() == 1
    done: list[str] = []
    got = foot_workers.beside(lambda: done.append(_here()), True)
    assert done == []
    got()
    assert done == [_here()]


def test_an_error_beside_is_raised_by_the_caller(two_threads: None) -> None:
    def fail() -> None:
        raise InputError("a bad record")

    got = foot_workers.beside(fail, True)
    with pytest.raises(InputError, match="a bad record"):
        got()
    assert foot_workers.beside(lambda: 5, True)() == 5  # the thread takes the next job


def _where(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[str]:
    """The threads that call ``module.name`` from now on, in order."""
    seen: list[str] = []
    real = getattr(module, name)

    def noted(*args: Any, **kw: Any) -> Any:
        seen.append(_here())
        return real(*args, **kw)

    monkeypatch.setattr(module, name, noted)
    return seen


@pytest.mark.parametrize("layout", [{}, {"heel_toe": True}, {"split": True}, {"belt_mps": None}])
def test_the_analysis_beside_is_the_analysis_on_one_thread(
    synth_walk: Walk, monkeypatch: pytest.MonkeyPatch, layout: dict[str, Any]
) -> None:
    sig, _ = synth_walk(seconds=60.0, fs=200.0, stride_jitter=0.03, seed=4, **layout)
    alone = analyze(sig, AnalysisConfig())
    figure = scan.scan_samples(sig, AnalysisConfig().contact).polarity
    monkeypatch.setattr(foot_workers, "_THREADS", [2])
    monkeypatch.setattr(contacts, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(scan, "THREAD_MIN_SAMPLES", 0)
    monkeypatch.setattr(scan, "POLARITY_BESIDE_S", 0.0)
    monkeypatch.setattr(analyzer, "STEPS_BESIDE_MIN", 1)
    polarity = _where(monkeypatch, scan, "polarity_figure")
    tables = _where(monkeypatch, analyzer, "side_rows")
    beside = analyze(sig, AnalysisConfig())
    same_analysis(beside, alone, fewest_steps=41)
    assert polarity == ["stride-foot-1"]
    assert tables[0] != tables[1] and "stride-foot-1" in tables  # the two feet side by side
    assert (
        figure is not None and scan.scan_samples(sig, AnalysisConfig().contact).polarity == figure
    )


def test_a_record_with_gaps_makes_its_steps_tables_here(
    synth_walk: Walk, two_threads: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its tables are the numpy path's, which holds the GIL: nothing to gain beside."""
    sig, _ = synth_walk(seconds=60.0, fs=200.0, seed=4)
    t = sig.t.copy()
    t[5000:] += 0.5  # a gap
    tables = _where(monkeypatch, analyzer, "side_rows")
    analyze(GaitSignals(t, sig.forces, sig.channels, sig.fs), AnalysisConfig())
    assert tables == [_here(), _here()]
