"""Latency percentiles in flat memory, checked against a sorted-list reference."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from stride.session.stats import CpuMeter, LatencyHistogram, RateMeter, rss_mb


def _reference(values: list[float], q: float) -> float:
    """Nearest-rank percentile of the values, rounded up to the 0.1 ms bin edge."""
    s = sorted(max(0.0, v) for v in values)
    rank = max(1, math.ceil(q * len(s) / 100))
    v = s[rank - 1]
    return min((int(v / 0.1) + 1) * 0.1, max(s))


@given(
    st.lists(st.floats(min_value=-1.0, max_value=500.0), min_size=1, max_size=300),
    st.sampled_from([50.0, 90.0, 99.0, 100.0]),
)
def test_percentile_matches_nearest_rank_reference(values: list[float], q: float) -> None:
    h = LatencyHistogram()
    for v in values:
        h.add(v)
    got = h.percentile(q)
    assert got is not None
    assert abs(got - round(_reference(values, q), 2)) < 1e-6


def test_empty_and_overflow() -> None:
    h = LatencyHistogram()
    assert h.summary() == {"p50": None, "p99": None}
    h.add(5000.0)  # beyond the 2 s of bins: the overflow bin reports the maximum
    assert h.percentile(50) == 5000.0
    h.add(1.0)
    h.add(1.05)
    assert h.percentile(50) == 1.1
    assert h.count == 3


def test_memory_is_flat() -> None:
    h = LatencyHistogram()
    n_bins = len(h._bins)
    for i in range(50_000):
        h.add(i % 3000 * 0.37)
    assert len(h._bins) == n_bins
    assert h.count == 50_000


def test_rate_meter_over_window() -> None:
    r = RateMeter(window_s=2.0)
    assert r.update(0.0, 0) == 0.0
    for k in range(1, 41):  # 100 frames/s, sampled every 0.1 s
        rate = r.update(k * 0.1, k * 10)
    assert abs(rate - 100.0) < 1e-6
    assert len(r._marks) <= 22


def test_cpu_and_rss_are_sane() -> None:
    c = CpuMeter()
    c.reset()
    sum(i * i for i in range(200_000))
    assert 0.0 <= c.percent() <= 100.0 * 64
    assert rss_mb() > 1.0
