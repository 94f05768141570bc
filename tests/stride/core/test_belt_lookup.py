"""The belt displacement look-up kernel against the numpy searchsorted reference, bit for
bit: split belts, gaps, NaN speeds, times outside the belt span, unsorted and NaN times."""

from __future__ import annotations

import numpy as np
import pytest
from belt_reference import displacement_reference
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.core.belt import BeltTrack


def _belt(rng: np.random.Generator, n: int, regular: bool) -> tuple[np.ndarray, np.ndarray]:
    """Belt samples with occasional long gaps and NaN speeds."""
    steps = np.full(n, 0.02) if regular else rng.uniform(0.001, 0.1, n)
    gaps = rng.random(n) < 0.02
    steps[gaps] += rng.uniform(0.5, 3.0, int(gaps.sum()))
    t = 5.0 + np.cumsum(steps)
    v = 1.0 + 0.05 * rng.standard_normal(n)
    v[rng.random(n) < 0.01] = np.nan
    return t, v


def _times(rng: np.random.Generator, t: np.ndarray, m: int, sort: bool) -> np.ndarray:
    """Contact-like times, some outside the belt span, on samples, NaN or infinite."""
    x = rng.uniform(t[0] - 2.0, t[-1] + 2.0, m)
    on = rng.random(m) < 0.1
    x[on] = t[rng.integers(0, t.size, int(on.sum()))]
    x[rng.random(m) < 0.03] = np.nan
    if m > 3:
        x[:3] = [t[0], t[-1], np.inf]
    return np.sort(x) if sort else x


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 2**32 - 1),
    st.integers(1, 400),
    st.integers(0, 300),
    st.booleans(),
    st.booleans(),
    st.integers(1, 4),
)
def test_lookup_matches_reference_bit_for_bit(
    seed: int, n: int, m: int, regular: bool, sort: bool, chunks: int
) -> None:
    rng = np.random.default_rng(seed)
    # split belts: one track per belt, each with its own samples
    for _belt_index in range(2):
        t, v = _belt(rng, n, regular)
        track = BeltTrack(max_gap_s=0.4)
        for part in np.array_split(np.arange(n), chunks):
            track.append(t[part], v[part])
        ic = _times(rng, t, m, sort)
        prev = np.concatenate([[np.nan], ic[:-1]]) if m else ic
        earlier = ic - rng.uniform(-0.2, 2.0, m)  # sometimes after ic: reversed, NaN
        for ta, tb in ((prev, ic), (earlier, ic), (ic, ic)):
            got = track.displacement(ta, tb)
            want = displacement_reference(track, ta, tb)
            assert got.shape == want.shape
            assert np.array_equal(got, want, equal_nan=True)


def test_lookup_after_drop_before_matches_reference() -> None:
    rng = np.random.default_rng(11)
    t, v = _belt(rng, 3000, regular=True)
    track = BeltTrack()
    track.append(t[:2000], v[:2000])
    assert track.drop_before(float(t[900]) + 0.001) == 900
    track.append(t[2000:], v[2000:])
    ta = _times(rng, t, 500, sort=True)
    tb = ta + rng.uniform(0.0, 1.5, ta.size)
    got = track.displacement(ta, tb)
    assert np.array_equal(got, displacement_reference(track, ta, tb), equal_nan=True)
    assert np.isfinite(got).any() and np.isnan(got).any()


def test_lookup_broadcasts_scalars_and_handles_tiny_tracks() -> None:
    track = BeltTrack()
    assert np.isnan(track.displacement(np.array([1.0]), np.array([2.0]))).all()
    track.append(np.array([0.0]), np.array([1.0]))
    assert np.isnan(track.displacement(np.array([0.0]), np.array([0.0]))).all()
    track.append(np.array([1.0, 2.0]), np.array([1.0, 3.0]))
    tb = np.array([[0.5, 1.0], [1.5, 2.0]])
    got = track.displacement(np.array(0.0), tb)
    assert got.shape == (2, 2)
    assert np.array_equal(got, displacement_reference(track, np.array(0.0), tb))
    # v = 1 then a ramp 1 -> 3: 1 m by t = 1, plus 2 m over the ramp by t = 2
    assert got[1, 1] == 3.0


def _ordered_reference(prev_t: float, t: np.ndarray) -> bool:
    """The rule ``append`` enforces: strictly increasing, also from the previous chunk."""
    return not (np.any(np.diff(t) <= 0) or (prev_t == prev_t and t[0] <= prev_t))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-0.05, 0.2), st.just(0.0), st.just(float("nan"))),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 39),
)
def test_append_refuses_times_that_do_not_increase(steps: list[float], cut: int) -> None:
    t = np.cumsum(np.asarray(steps))
    track = BeltTrack()
    parts = [t[:cut], t[cut:]] if cut < t.size else [t]
    prev = float("nan")
    for part in parts:
        if part.size == 0:
            continue
        if _ordered_reference(prev, part):
            track.append(part, np.ones(part.size))
            prev = float(part[-1])
            assert track.last_t == prev or (np.isnan(track.last_t) and np.isnan(prev))
        else:
            with pytest.raises(ValueError, match="strictly increasing"):
                track.append(part, np.ones(part.size))
            break


def test_several_starts_to_one_end_match_the_reference() -> None:
    rng = np.random.default_rng(23)
    t, v = _belt(rng, 2000, regular=False)
    track = BeltTrack()
    track.append(t, v)
    tb = _times(rng, t, 700, sort=True)
    starts = [np.concatenate([[np.nan], tb[:-1]]), tb - rng.uniform(-0.1, 1.0, tb.size)]
    got = track.displacements(starts, tb)
    assert len(got) == 2
    for ta, g in zip(starts, got, strict=True):
        assert np.array_equal(g, displacement_reference(track, ta, tb), equal_nan=True)
        assert np.isfinite(g).any() and np.isnan(g).any()
    assert track.displacements([], tb) == []


@pytest.mark.parametrize("gap_in", [None, 0, 1, 2, 3])
def test_parts_without_unusable_segments_mixed_with_parts_with_them(gap_in: int | None) -> None:
    """A part with no unusable segment keeps its count alone (no array); parts with one
    before or after it, a gap between two parts, and a drop of the first samples all
    give the reference's travel (which counts the unusable segments from the samples)."""
    rng = np.random.default_rng(5 if gap_in is None else gap_in)
    t = 2.0 + np.cumsum(np.full(1200, 0.02))
    v = 1.0 + 0.05 * rng.standard_normal(t.size)
    if gap_in is not None:
        t[300 * gap_in + 150 :] += 1.5  # inside part gap_in (part 3: ... and at its start)
        if gap_in == 3:
            t[900:] += 1.5
    tracks = [BeltTrack(), BeltTrack()]
    for part in range(4):
        for track in tracks:
            track.append(t[300 * part : 300 * part + 300], v[300 * part : 300 * part + 300])
        if part == 1:
            assert tracks[1].drop_before(float(t[40]) + 0.001) == 40
    ta = _times(rng, t, 400, sort=False)
    tb = ta + rng.uniform(0.0, 4.0, ta.size)
    for track in tracks:
        got = track.displacement(ta, tb)
        assert np.array_equal(got, displacement_reference(track, ta, tb), equal_nan=True)
        assert np.isfinite(got).any()
        inside = np.isfinite(ta) & (ta >= track.samples()[0][0]) & (tb <= t[-1])
        assert np.isnan(got[inside]).any() == (gap_in is not None)
