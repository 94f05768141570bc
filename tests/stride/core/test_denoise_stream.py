"""A stream filters a foot too noisy to trust exactly as the batch does
(stride.core.denoise_stream): the running figure that decides is the stream meter's to the
bit, the decision's shortcut (a bound) changes no decision, and a noisy session fed in
chunks of random sizes gives the batch's rows, floats and warnings, the filter starting
at the first figure or in the middle of the record."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from contact_synth import foot_force
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import stride.core.scan as scan_mod
from sim.cli_support import build_spec
from sim.session import simulate_session
from stride.core import denoise as dn
from stride.core import noise as nz
from stride.core.analyzer import Analysis, StreamingAnalyzer, analyze
from stride.core.contacts import ContactParams
from stride.core.denoise_stream import FilterStage
from stride.core.signals import Channel, GaitSignals
from stride.ingest.recording import read_session


def _reference_onsets(
    sums: nz.Sums, channels: tuple[Channel, ...], fs: float
) -> dict[str, tuple[int, int, int]]:
    """Slow and plain: every measured block's running figure, in order."""
    out: dict[str, tuple[int, int, int]] = {}
    for k in range(sums.level.shape[1]):
        feet = nz.foot_noise(nz.sums_pairs(sums, k + 1), channels)
        for side, (f, _) in feet.items():
            if side not in out and f >= nz.NOISE_WARNING:
                start = (int(sums.at[k]) + 1) * sums.b
                out[side] = (start, dn.median_width(f, fs), dn.mean_width(fs))
    return out


LAYOUTS = (
    (Channel("L"), Channel("R")),
    (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "heel"), Channel("R", "toe")),
    (Channel("L", "heel"), Channel("L", "toe"), Channel("R")),
)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(0, 2),
    st.integers(0, 120),
    st.integers(0, 2**32 - 1),
    st.floats(0.0, 0.1),
    st.sampled_from([0.0, 0.5, 0.7, 0.75, 0.8, 1.0]),
    st.integers(0, 60),
)
def test_onsets_match_every_running_figure(
    layout: int, m: int, seed: int, noisy: float, share: float, cut: int
) -> None:
    """Random blocks (loaded or not; steps quiet or, a ``share`` of them, giving figures
    about ``noisy``, near the level; a few missing): the blocks whose figure is taken (the
    bound's) give the decisions of taking every block's, read at once or from any block
    on after the earlier ones (as a stream does)."""
    channels = LAYOUTS[layout]
    rng = np.random.default_rng(seed)
    k, b = len(channels), 16
    level = rng.choice([0.2, 1.2], size=(k, m)) * b + 0.1 * rng.standard_normal((k, m))
    level *= np.linspace(1.0, rng.choice([1.0, 2.0]), m)  # a range that grows, or not
    fig = np.where(rng.random((k, m)) < share, noisy, 0.005) * rng.uniform(0.8, 1.2, (k, m))
    step = fig * (b - 1) * np.sqrt(4 / np.pi) * rng.uniform(0.9, 1.0, (k, 1))
    gone = rng.random((k, m)) < rng.choice([0.0, 0.05])  # a record without gaps, or with
    level[gone] = step[gone] = np.nan
    at = np.cumsum(rng.integers(1, 300, m)).astype(np.int64)
    sums = nz.Sums(level, step, at, b)
    want = _reference_onsets(sums, channels, 1000.0)
    got = dn.onsets(sums, channels, 1000.0, float)
    assert {s: (o.start, o.median, o.mean) for s, o in got.items()} == want
    head = nz.Sums(level[:, :cut], step[:, :cut], at[:cut], b)
    first = dn.onsets(head, channels, 1000.0, float)
    rest = [s for s in "LR" if s not in first]
    later = dn.onsets(sums, channels, 1000.0, float, min(cut, m), rest)  # type: ignore[arg-type]
    assert {**first, **later} == got


def walk(seconds: float, fs: float, sd: float, seed: int) -> NDArray[np.float64]:
    rng = np.random.default_rng(seed)
    cols = []
    for side in range(2):
        _, f, _ = foot_force(rng, seconds, fs, phase=0.3 + 0.55 * side)
        cols.append(0.2 + f + sd * rng.standard_normal(f.size))
    return np.stack(cols, axis=1)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 4000), min_size=1, max_size=20),
    st.sampled_from([0.01, 0.08]),
    st.booleans(),
)
def test_the_running_figure_is_the_stream_meters(chunks: list[int], sd: float, edges: bool) -> None:
    """After every chunk, the meter's figures are those the batch takes for the same
    number of measured blocks, to the bit; with ``edges``, a square-wave walk with noise
    and a glitch a second (steps the figure leaves out as edges)."""
    fs = 300.0
    x = walk(120.0, fs, sd, 3)
    if edges:
        x = square_walk(fs) / 1000.0 + (x - x.mean(axis=0))
        x[:: round(fs)] += 1.0
    sums = nz.noise_sums(x, fs)
    meter = nz.NoiseMeter(2, fs)
    pos = i = 0
    while pos < x.shape[0]:
        n = chunks[i % len(chunks)]
        meter.feed(x[pos : pos + n])
        pos, i = pos + n, i + 1
        want = np.array(nz.sums_pairs(sums, meter.blocks))
        assert meter.figures().tobytes() == want.tobytes()
        assert np.array_equal(meter.sums().at, sums.at[: meter.blocks])


def test_a_clean_record_takes_no_running_figure(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bound rules every block of a quiet record out: no figure is taken for it."""
    fs = 300.0
    taken: list[int] = []
    real = dn.sums_pairs
    monkeypatch.setattr(dn, "sums_pairs", lambda s, k: taken.append(k) or real(s, k))
    x = walk(600.0, fs, 0.01, 4)
    assert dn.onsets(nz.noise_sums(x, fs), LAYOUTS[0], fs, float) == {}
    assert taken == []
    x[:, 0] += 0.08 * np.random.default_rng(5).standard_normal(x.shape[0])
    assert set(dn.onsets(nz.noise_sums(x, fs), LAYOUTS[0], fs, float)) == {"L"}
    assert taken == [nz.MIN_BLOCKS]  # the first figure reaches the level


def square_walk(fs: float, seconds: float = 120.0) -> NDArray[np.float64]:
    """A clean walk of 1 s strides, 60 % stance, as a square wave (edges one sample
    long), the feet half a stride apart."""
    t = np.arange(round(seconds * fs)) / fs
    w = ((t % 1.0) < 0.6).astype(np.float64)
    return np.stack([w, np.roll(w, round(0.5 * fs))], axis=1) * 1000.0


@pytest.mark.parametrize("fs", [50.0, 100.0])
def test_a_clean_square_wave_is_not_read_as_noise(fs: float) -> None:
    """At 50 Hz a 16-sample block lasts 0.32 s and most blocks of the walk hold an edge:
    counted as noise, the running figure read 6 % over the blocks 13-17 and a clean foot
    was filtered from 47 s on. An edge is not noise: every running figure is 0 and no
    foot is filtered, in the batch and in a stream."""
    x = square_walk(fs)
    sums = nz.noise_sums(x, fs)
    for k in range(nz.MIN_BLOCKS, sums.level.shape[1] + 1):
        assert all(f == 0.0 for f, _ in nz.foot_noise(nz.sums_pairs(sums, k), LAYOUTS[0]).values())
    assert dn.onsets(sums, LAYOUTS[0], fs, float) == {}
    stage = FilterStage(LAYOUTS[0], fs)
    t = np.arange(x.shape[0]) / fs
    for a in range(0, x.shape[0], 333):
        stage.feed(t[a : a + 333], x[a : a + 333])
    assert stage.onsets == {}


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> GaitSignals:
    out = tmp_path_factory.mktemp("noisy") / "s"
    spec = build_spec(minutes=2.0, speed="3.6kmh", profile="healthy", seed=5, rate=1000)
    simulate_session(out, spec)
    return read_session(out)


def _noisy(sig: GaitSignals, since_s: float) -> GaitSignals:
    """Noise of SD 8 % of each channel's range from ``since_s`` on, and a few missing
    samples (NaN) after the filter has started."""
    x = np.asarray(sig.forces, np.float64).copy()
    r = np.percentile(x, 95, axis=0) - np.percentile(x, 5, axis=0)
    rng = np.random.default_rng(7)
    at = int(since_s * sig.fs)
    x[at:] += 0.08 * r * rng.standard_normal(x[at:].shape)
    x[100_000:100_040, 0] = np.nan
    return replace(sig, forces=x)


def _streamed(sig: GaitSignals, chunks: list[int]) -> tuple[Analysis, list[object]]:
    """Fed in chunks of these sizes in turn (and one of 4000 samples: a short test), the
    belt samples up to each chunk's last sample with it."""
    assert sig.belt_t is not None and sig.belt_speed is not None
    sa = StreamingAnalyzer(None, sig.channels, sig.fs, belts=1)
    t, x = sig.times(), np.asarray(sig.forces)
    bt, bv = np.asarray(sig.belt_t), np.asarray(sig.belt_speed)
    rows: list[object] = []
    sizes = [*chunks, 4000]
    pos = i = j = 0
    while pos < sig.n:
        end = min(pos + sizes[i % len(sizes)], sig.n)
        k = int(np.searchsorted(bt, t[end - 1], side="right"))
        rows += sa.feed(t[pos:end], x[pos:end], bt[j:k], bv[j:k]).rows()
        pos, i, j = end, i + 1, k
    return sa.finish(), rows


BATCH: dict[float, tuple[Analysis, dict[str, dn.Onset]]] = {}


def _doc(a: Analysis) -> str:
    return json.dumps([a.summary, a.step_rows()], default=repr, sort_keys=True)


@pytest.mark.parametrize(("since_s", "lo", "hi"), [(0.0, 40.0, 50.0), (25.0, 80.0, 118.0)])
@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunks=st.lists(st.integers(1, 5000), min_size=1, max_size=12))
def test_a_noisy_stream_equals_the_batch(
    session: GaitSignals, since_s: float, lo: float, hi: float, chunks: list[int]
) -> None:
    """Noise from the start (the filter starts at the first figure) or from 25 s (the
    running figure reaches the level in the middle of the record): fed in chunks of
    random sizes, a stream gives the batch's contacts, rows, floats and warnings; the rows
    it emitted as it went are the final ones."""
    sig = _noisy(session, since_s)
    if since_s not in BATCH:
        BATCH[since_s] = analyze(sig), dict(scan_mod.scan_samples(sig, ContactParams()).filtered)
    batch, filtered = BATCH[since_s]
    assert set(filtered) == {"L", "R"}
    assert all(lo < on.seconds < hi for on in filtered.values()), filtered
    stream, emitted = _streamed(sig, chunks)
    assert _doc(stream) == _doc(batch)
    for side in "LR":
        a, b = batch.contacts[side], stream.contacts[side]
        assert np.array_equal(a.on_t, b.on_t) and np.array_equal(a.off_t, b.off_t)
    assert emitted == stream.step_rows()[: len(emitted)]
    assert len(emitted) > 0.9 * len(stream.step_rows())
    assert "filtered with a running median" in str(batch.summary["warnings"])


def test_the_stream_holds_samples_back_by_the_reach() -> None:
    """Every sample reaches the contact scan ``reach`` samples late, the rest at the end."""
    fs = 1000.0
    stage = FilterStage((Channel("L"), Channel("R")), fs)
    t = np.arange(100) / fs
    x = np.zeros((100, 2))
    got = [stage.feed(t[k : k + 7], x[k : k + 7])[0] for k in range(0, 100, 7)]
    assert sum(len(g) for g in got) == 100 - dn.reach(fs)
    rest = stage.finish()[0]
    assert np.array_equal(np.concatenate([*got, rest]), t)
    assert math.isclose(dn.reach(fs) / fs, 0.015)
