"""Cohort engines: the local pool (no Dask imported) and a real local Dask cluster."""

from __future__ import annotations

import subprocess
import sys

import pytest

from stride.cohort.engines import DaskEngine, LocalEngine, get_engine, map_ordered
from stride.errors import InputError


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


@pytest.mark.parametrize("workers", [1, 2])
def test_local_engine_maps_every_item(workers: int) -> None:
    engine = LocalEngine(workers)
    try:
        items = list(range(25))
        assert map_ordered(engine, square, items) == [x * x for x in items]
        assert sorted(i for i, _ in engine.imap_unordered(square, items)) == items
    finally:
        engine.close()


def test_local_engine_reraises_worker_errors() -> None:
    engine = LocalEngine(2)
    try:
        with pytest.raises(ValueError, match="three"):
            map_ordered(engine, fail_on_three, list(range(6)))
    finally:
        engine.close()


def test_engine_choice_errors() -> None:
    with pytest.raises(InputError, match="needs --scheduler"):
        get_engine("dask")
    with pytest.raises(InputError, match="unknown engine"):
        get_engine("spark")
    with pytest.raises(InputError, match="only used with"):
        get_engine("local", scheduler="tcp://x:1")
    assert get_engine("local", workers=3).workers == 3


def test_local_default_does_not_import_dask() -> None:
    code = (
        "import sys\n"
        "from stride.cohort.engines import get_engine, map_ordered\n"
        "e = get_engine('local', workers=1)\n"
        "assert map_ordered(e, abs, [-1, 2]) == [1, 2]\n"
        "print(sorted(m for m in ('dask', 'distributed') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.slow
def test_dask_engine_on_a_local_cluster() -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        engine = get_engine("dask", scheduler=cluster.scheduler_address)
        assert isinstance(engine, DaskEngine) and engine.workers == 2
        try:
            assert map_ordered(engine, square, list(range(10))) == [x * x for x in range(10)]
            with pytest.raises(ValueError, match="three"):
                map_ordered(engine, fail_on_three, list(range(5)))
        finally:
            engine.close()


def test_dask_engine_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("distributed", reason="the dask extra is not installed")
    with pytest.raises(InputError, match="cannot reach the Dask scheduler"):
        get_engine("dask", scheduler="tcp://127.0.0.1:9", connect_timeout_s=1.0)
