"""benchmarks/analyze_speed.py's bound on several recordings over two cores: the part paid
once and the part each recording adds, told apart from two ``--workers 1`` CPU times."""

from __future__ import annotations

import pytest

from benchmarks.analyze_speed import two_core_bound


@pytest.mark.parametrize(
    ("fixed", "each", "count"), [(1.0, 0.1, 10), (0.6, 0.03, 10), (0.8, 0.05, 3)]
)
def test_two_core_bound_recovers_the_parts(fixed: float, each: float, count: int) -> None:
    cpu = {"two": fixed + 2 * each, "seq": fixed + count * each, "par": fixed + count * each}
    got = two_core_bound(count, cpu)
    assert got["fixed_cpu_s"] == pytest.approx(fixed, abs=1e-3)
    assert got["per_recording_cpu_s"] == pytest.approx(each, abs=1e-3)
    alone, together = fixed + count * each, fixed + count * each / 2  # F + nw, F + nw/2
    assert got["two_core_bound"] == pytest.approx(together / alone, abs=0.006)
    assert got["parallel_cpu_over_sequential"] == 1.0


def test_two_recordings_give_no_bound() -> None:
    got = two_core_bound(2, {"two": 1.0, "seq": 1.0, "par": 1.1})
    assert "two_core_bound" not in got
    assert got["parallel_cpu_over_sequential"] == 1.1
