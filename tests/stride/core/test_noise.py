"""The noise figure (stride.core.noise) against a plain-Python reference, chunked equal to
batch, its value on white noise, and the warning it gives in the analysis' summary."""

from __future__ import annotations

import numpy as np
import pytest
from contact_synth import foot_force
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from stride.core import noise as nz
from stride.core.analyzer import StreamingAnalyzer, analyze
from stride.core.signals import Channel, GaitSignals


def reference_figures(x: NDArray[np.float64], fs: float) -> NDArray[np.float64]:
    """Slow and plain: every measured block's mean and mean absolute step (its edges
    left out), by loops."""
    b, g = nz.block_len(fs), nz.group_len(fs)
    n, k = x.shape
    level: list[list[float]] = [[] for _ in range(k)]
    step: list[list[float]] = [[] for _ in range(k)]
    for i in range(n // b):
        group, place = divmod(i, g)
        if place != ((group * 2654435761) % 2**32 >> 16) % g:
            continue
        for j in range(k):
            v = [float(x[i * b + m, j]) for m in range(b)]
            level[j].append(sum(v) / b)
            d = [abs(v[m + 1] - v[m]) for m in range(b - 1)]
            edge = nz.EDGE_STEP * sum(d) / (b - 1)  # a larger step is an edge, not noise
            step[j].append(sum(s for s in d if not s > edge) / (b - 1))
    out = np.full((k, 2), np.nan)
    for j in range(k):
        pairs = [(lv, sp) for lv, sp in zip(level[j], step[j], strict=True)]
        pairs = [(lv, sp) for lv, sp in pairs if np.isfinite(lv) and np.isfinite(sp)]
        if len(pairs) >= nz.MIN_BLOCKS:
            lvs = [lv for lv, _ in pairs]
            sps = sorted(sp for _, sp in pairs)
            noise = sps[int(0.25 * (len(pairs) - 1))] / np.sqrt(4 / np.pi)
            out[j] = noise, max(lvs) - min(lvs)
    return out


def walk(
    seconds: float, fs: float, noise: tuple[float, float], seed: int = 1
) -> NDArray[np.float64]:
    """Two feet of unit range (baseline 0.2) with white noise of these SDs."""
    rng = np.random.default_rng(seed)
    cols = []
    for side, sd in enumerate(noise):
        _, f, _ = foot_force(rng, seconds, fs, phase=0.3 + 0.55 * side)
        cols.append(0.2 + f + sd * rng.standard_normal(f.size))
    return np.stack(cols, axis=1)


def signals(x: NDArray[np.float64], fs: float, places: tuple[str, ...] = ()) -> GaitSignals:
    chans = tuple(Channel(s, p) for s, p in zip("LR", places or ("foot",) * 2, strict=True))
    if x.shape[1] > 2:
        half = x.shape[1] // 2
        chans = tuple(Channel("L" if j < half else "R", "cell") for j in range(x.shape[1]))
    return GaitSignals(np.arange(x.shape[0]) / fs, x, chans, fs)  # type: ignore[arg-type]


@pytest.mark.parametrize("fs", [100.0, 300.0, 1000.0])
def test_figures_match_the_reference(fs: float) -> None:
    x = walk(60.0, fs, (0.03, 0.0))
    x[1234:1300] = np.nan  # a gap spoils its blocks only
    assert np.allclose(nz.noise_figures(x, fs), reference_figures(x, fs), equal_nan=True)
    counts = np.round(1000 * walk(60.0, fs, (0.01, 0.05))).astype(np.int16)
    got = nz.noise_figures(counts, fs)
    assert np.allclose(got, reference_figures(counts.astype(np.float64), fs))
    t = np.arange(x.shape[0]) / fs  # edges a sample long and a glitch a second, in noise
    sq = ((t % 1.0) < 0.6)[:, None] + 0.01 * np.random.default_rng(2).standard_normal(x.shape)
    sq[:: round(fs)] += 1.0
    assert np.allclose(nz.noise_figures(sq, fs), reference_figures(sq, fs))


def scaled_figures(x: NDArray[np.generic], fs: float) -> NDArray[np.float64]:
    """Every measured block's mean and mean absolute step scaled first, then the
    quartile and the extremes (numpy, the blocks found by a mask)."""
    b, g = nz.block_len(fs), nz.group_len(fs)
    nb = x.shape[0] // b
    i = np.arange(nb)
    keep = i % g == ((i // g * 2654435761) % 2**32 >> 16) % g
    y = np.ascontiguousarray(x[: nb * b].reshape(nb, b, -1)[keep].transpose(0, 2, 1), float)
    level = y.sum(axis=2) / b
    d = np.abs(np.diff(y, axis=2))
    lim = d.sum(axis=2) * (nz.EDGE_STEP / (b - 1))
    step = np.where(d > lim[..., None], 0.0, d).sum(axis=2) / ((b - 1) * np.sqrt(4 / np.pi))
    q = int(0.25 * (level.shape[0] - 1))
    return np.stack([np.sort(step, axis=0)[q], level.max(0) - level.min(0)], axis=1)


@pytest.mark.parametrize("fs", [100.0, 900.0, 1500.0])
def test_figures_are_those_of_the_scaled_blocks_to_the_bit(fs: float) -> None:
    """The quartile and extremes are taken before the scaling: the same numbers."""
    rng = np.random.default_rng(int(fs))
    x = walk(200.0, fs, (0.05, 0.001)) * 10.0 ** rng.uniform(-6, 6, 2) + rng.uniform(-9, 9, 2)
    for a in (x, x.astype(np.float32), np.round(1e4 * x / np.abs(x).max()).astype(np.int16)):
        want = scaled_figures(a, fs)
        assert nz.noise_figures(a, fs).tobytes() == want.tobytes()
        assert np.array(nz.noise_pairs(a, fs)).tobytes() == want.tobytes()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(1, 4000), min_size=1, max_size=30), st.sampled_from([100.0, 900.0]))
def test_chunks_give_the_batch_figures(cuts: list[int], fs: float) -> None:
    x = walk(40.0, fs, (0.05, 0.01), seed=len(cuts))
    if len(cuts) % 2:
        x[cuts[0] : cuts[0] + 80, len(cuts) % 4 // 2] = np.nan  # a gap: its blocks left out
    meter = nz.NoiseMeter(2, fs)
    a = 0
    for c in [*cuts, x.shape[0]]:
        meter.feed(x[a : a + c])
        a += c
    meter.feed(x[a:])
    assert np.array_equal(meter.figures(), nz.noise_figures(x, fs), equal_nan=True)


@pytest.mark.parametrize("fs", [100.0, 300.0, 1000.0])
@pytest.mark.parametrize("sd", [0.0, 0.02, 0.08])
def test_white_noise_reads_as_its_sd_over_the_range(fs: float, sd: float) -> None:
    figs = nz.noise_figures(walk(120.0, fs, (sd, sd)), fs)
    ratio = figs[:, 0] / figs[:, 1]
    if sd:
        assert np.all(np.abs(ratio / sd - 1) < 0.3), ratio  # signal in the quiet blocks at 100 Hz
    else:
        assert np.all(ratio < 0.01), ratio


def test_a_noisy_foot_is_warned_of_in_batch_and_stream_alike() -> None:
    """The batch and a stream filter the foot from the same sample and say so alike."""
    fs = 300.0
    sig = signals(walk(90.0, fs, (0.08, 0.02)), fs)
    a = analyze(sig)
    warns = a.summary["warnings"]
    assert isinstance(warns, list) and len(warns) == 1
    assert warns[0].startswith("foot L: noise of SD ")
    assert "filtered with a running median of 5 samples" in warns[0]
    assert "grounding" in warns[0]
    sa = StreamingAnalyzer(None, sig.channels, fs)
    for k in range(0, sig.n, 777):
        sa.feed(sig.t[k : k + 777], sig.forces[k : k + 777])
    assert sa.finish().summary == a.summary
    quiet = analyze(signals(walk(90.0, fs, (0.02, 0.02)), fs))
    assert "warnings" not in quiet.summary


def test_a_foot_is_judged_against_its_largest_range() -> None:
    """Equal noise on every cell: a cell with a tenth of the load's range is no reason to
    warn (its own figure is ten times the foot's); a foot of noisy cells is named with
    its noisiest sensor."""
    fs = 500.0
    x = walk(60.0, fs, (0.0, 0.0))
    rng = np.random.default_rng(4)
    cells = np.stack([x[:, 0], 0.1 * x[:, 0], x[:, 1], 0.1 * x[:, 1]], axis=1)
    cells += 0.01 * rng.standard_normal(cells.shape)
    sig = signals(cells, fs)
    figs = nz.noise_figures(cells, fs)
    assert figs[1, 0] / figs[1, 1] > nz.NOISE_WARNING
    feet = nz.foot_noise([(float(a), float(b)) for a, b in figs], sig.channels)
    assert feet["L"][0] < 0.02 and feet["R"][0] < 0.02
    assert nz.noise_warnings([(float(a), float(b)) for a, b in figs], sig.channels) == []
    cells[:, 1] += 0.1 * rng.standard_normal(cells.shape[0])
    figs = nz.noise_figures(cells, fs)
    got = nz.noise_warnings([(float(a), float(b)) for a, b in figs], sig.channels)
    assert len(got) == 1 and got[0].startswith("foot L (cell sensor): noise of SD ")
    assert nz.foot_noise([(float(a), float(b)) for a, b in figs], sig.channels)["L"][0] > 0.08


def test_a_short_record_is_not_measured() -> None:
    fs = 100.0
    x = walk(20.0, fs, (0.2, 0.2))
    assert np.isnan(nz.noise_figures(x, fs)).all()
    assert nz.noise_warnings([(np.nan, np.nan)] * 2, signals(x, fs).channels) == []


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from([100.0, 1000.0]),
    st.integers(1, 8),
    st.sampled_from(["float64", "float32", "int16"]),
    st.booleans(),
)
def test_a_channel_at_a_time_gives_the_sums_of_all_at_once(
    fs: float, k: int, dtype: str, gap: bool
) -> None:
    """Long records' sums, a channel at a time (no array of all the channels' blocks: new
    memory), are those of every channel at once to the bit; a gap's NaN included."""
    rng = np.random.default_rng(k)
    x = np.repeat(walk(400.0, fs, (0.05, 0.01), seed=k), -(-k // 2), axis=1)[:, :k]
    x = x * rng.uniform(0.5, 2.0, k) * (1000.0 if dtype == "int16" else 1.0)
    if gap and dtype != "int16":
        x[777:900, k - 1] = np.nan
    x = x.astype(dtype)
    together = nz.noise_sums(x, fs)
    assert k * together.at.size * together.b * 8 < nz.HEAP_BYTES  # (all at once here)
    apart = nz._channel_sums(
        x[: x.shape[0] // together.b * together.b].reshape(-1, together.b, k), together.at
    )
    for a, b in zip(together[:3], apart[:3], strict=True):
        assert a.shape == b.shape and a.tobytes() == b.tobytes()
    assert apart.b == together.b
