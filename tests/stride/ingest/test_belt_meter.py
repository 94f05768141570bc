"""The belt speed shown live: the encoder's mean over its last second, not one block's dip."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.ingest.belt_meter import BeltSpeedMeter


def _slow_mean(blocks: list[tuple[int, float]], window_us: int) -> float | None:
    """The shortest run of newest timed blocks that spans the window (all, if none does)."""
    timed = [b for b in blocks if b[0] > 0]
    for k in range(1, len(timed) + 1):
        kept = timed[-k:]
        if sum(us for us, _ in kept) >= window_us:
            break
    else:
        kept = timed
    if not kept:
        return None
    return sum(us * v for us, v in kept) / sum(us for us, _ in kept)


def test_a_heel_strike_dip_is_averaged_out() -> None:
    """1.00 m/s with a 2 % dip (40 ms time constant) at each of two heel strikes a second:
    the last 20 ms block reads the dip, the meter the belt's mean."""
    m = BeltSpeedMeter()
    t = np.arange(0, 3.0, 0.02) + 0.02
    strikes = np.arange(0.1, 3.0, 0.55)
    speeds = []
    for ti in t:
        dt = ti - strikes[strikes <= ti]
        speeds.append(1.0 - float(np.sum(0.02 * np.exp(-dt / 0.04))))
        m.add(20_000, speeds[-1])
    assert m.mps is not None
    assert m.mps * 3.6 == pytest.approx(3.6, abs=0.01)
    assert min(speeds[-50:]) * 3.6 < 3.55  # one block in a dip: what the screen showed


def test_golden_values() -> None:
    m = BeltSpeedMeter(window_us=100_000)
    assert m.mps is None
    m.add(0, 5.0)  # no time: no distance to average
    assert m.mps is None
    m.add(50_000, 1.0)
    m.add(50_000, 2.0)
    assert m.mps == pytest.approx(1.5)
    m.add(50_000, 3.0)  # the first block leaves: 100 ms of window
    assert m.mps == pytest.approx(2.5)
    m.add(200_000, 0.0)  # a long block alone fills the window
    assert m.mps == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError):
        BeltSpeedMeter(window_us=0)


@given(
    st.lists(
        st.tuples(st.integers(0, 300_000), st.floats(0.0, 5.0, allow_nan=False)),
        min_size=1,
        max_size=200,
    ),
    st.integers(1, 2_000_000),
)
def test_the_meter_is_the_mean_of_its_newest_blocks(
    blocks: list[tuple[int, float]], window_us: int
) -> None:
    m = BeltSpeedMeter(window_us=window_us)
    for us, v in blocks:
        m.add(us, v)
    want = _slow_mean(blocks, window_us)
    if want is None:
        assert m.mps is None
    else:
        assert m.mps == pytest.approx(want, rel=1e-9, abs=1e-9)
