"""The two feet's correlation over the walking (stride.core.polarity): a foot wired
inverted is warned of, an upright record never."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

from stride.core import polarity as pol
from stride.core.analyzer import StreamingAnalyzer, analyze
from stride.core.signals import Channel, GaitSignals
from stride.readers import read_signals


def reference_figure(x: NDArray[np.float64], sides: str, fs: float) -> pol.Figure | None:
    """The module docstring's figure, a block at a time in plain loops."""
    step = max(1, round(fs / pol.READ_HZ))
    n = max(2, round(pol.BLOCK_S * fs / step))
    read = x[::step]
    feet = [read[:, [j for j, s in enumerate(sides) if s == side]].sum(axis=1) for side in "LR"]
    blocks = []
    for b in range(len(read) // n):
        lf, rf = (f[b * n : (b + 1) * n] for f in feet)
        if not (np.isfinite(lf).all() and np.isfinite(rf).all()):
            continue
        cl, cr = lf - lf.mean(), rf - rf.mean()
        blocks.append((np.ptp(lf), np.ptp(rf), cl @ cl, cr @ cr, cl @ cr))
    if len(blocks) < pol.MIN_BLOCKS:
        return None
    a = np.array(blocks)
    walk = np.ones(len(a), bool)
    for j in (0, 1):
        walk &= (a[:, j] >= pol.WALK_SHARE * np.percentile(a[:, j], 90)) & (a[:, j] > 0)
    if walk.sum() < pol.MIN_BLOCKS:
        return None
    ll, rr, lr = a[walk, 2:].sum(axis=0)
    return lr / np.sqrt(ll * rr), walk.sum() * n * step / fs


def two_feet(seconds: float, fs: float, lag: float, seed: int = 1) -> NDArray[np.float64]:
    """Two feet loading a stride of 1.1 s, stance 62 %, the right ``lag`` strides after
    the left, with a little noise and, in one stretch, a gap (NaN)."""
    rng = np.random.default_rng(seed)
    t = np.arange(round(seconds * fs)) / fs
    phase = t / 1.1
    x = np.stack([(phase % 1.0) < 0.62, ((phase - lag) % 1.0) < 0.62], 1).astype(float)
    x += 0.02 * rng.standard_normal(x.shape)
    x[len(t) // 3 : len(t) // 3 + 7] = np.nan
    return x


@pytest.mark.parametrize("fs", [50.0, 300.0, 1000.0])
@pytest.mark.parametrize("lag", [0.5, 0.05])
def test_the_figure_is_the_reference(fs: float, lag: float) -> None:
    x = two_feet(60.0, fs, lag)
    got = pol.polarity_figure(x, (Channel("L", "foot"), Channel("R", "foot")), fs)
    want = reference_figure(x, "LR", fs)
    assert got is not None and want is not None
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)
    assert (got[0] < -0.5) if lag == 0.5 else (got[0] > 0.5)


@pytest.mark.parametrize("dtype", ["int16", "uint16", "float32", "int32", "fortran", "readonly"])
def test_every_dtype_and_layout_gives_the_reference(dtype: str) -> None:
    """The kernel reads the rows of the dtypes it is compiled for as they are; others, and
    rows it is not given as they are, through the feet's readings read first."""
    x = np.nan_to_num(two_feet(60.0, 300.0, 0.5), nan=0.0) * 1000.0 + 300.0
    x = np.concatenate([x[:, :1], 0.5 * np.roll(x[:, :1], 37, axis=0), x[:, 1:]], axis=1)
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "foot"))
    if dtype == "fortran":
        y = np.asfortranarray(x)
    else:
        y = x.astype(dtype if dtype != "readonly" else "float64")
        y.flags.writeable = dtype != "readonly"
    got = pol.polarity_figure(y, chans, 300.0)
    want = reference_figure(y.astype(np.float64), "LLR", 300.0)
    assert got is not None and want is not None
    assert got == pytest.approx(want, rel=1e-12, abs=1e-12)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(1, 900), min_size=1, max_size=40),
    st.sampled_from([100.0, 300.0, 1000.0]),
)
def test_chunks_give_the_batch_figure_exactly(cuts: list[int], fs: float) -> None:
    x = two_feet(45.0, fs, 0.45, seed=len(cuts))
    chans = (Channel("L", "heel"), Channel("L", "toe"), Channel("R", "foot"))
    x = np.concatenate([x[:, :1], 0.5 * x[:, :1], x[:, 1:]], axis=1)
    meter = pol.PolarityMeter(chans, fs)
    at = 0
    for c in cuts * 200:
        if at >= len(x):
            break
        meter.feed(x[at : at + c])
        at += c
    meter.feed(x[at:])
    assert meter.figure() == pol.polarity_figure(x, chans, fs)


def test_too_little_walking_or_one_foot_gives_no_figure() -> None:
    lr = (Channel("L", "foot"), Channel("R", "foot"))
    assert pol.polarity_figure(two_feet(15.0, 100.0, 0.5), lr, 100.0) is None
    still = np.ones((6000, 2))
    assert pol.polarity_figure(still, lr, 100.0) is None
    one = (Channel("L", "heel"), Channel("L", "toe"))
    assert pol.polarity_figure(two_feet(60.0, 100.0, 0.5), one, 100.0) is None
    assert pol.polarity_warnings(None) == []


def test_feet_loaded_together_without_walking_are_not_warned_of() -> None:
    """Sit-to-stand: both feet load as one stands up, unload as one sits (6 s a repeat):
    the readings agree, but there are no strides; walking with a foot inverted is."""
    fs = 100.0
    t = np.arange(0.0, 90.0, 1 / fs)
    up = ((t % 6.0) > 2.0).astype(float)
    x = np.stack([up, 0.9 * up], 1) + 0.01 * np.random.default_rng(2).standard_normal((len(t), 2))
    sig = GaitSignals(t, x, (Channel("L", "foot"), Channel("R", "foot")), fs)
    f = pol.polarity_figure(x, sig.channels, fs)
    assert f is not None and f[0] > 0.9
    got = analyze(sig)
    assert min(len(c) for c in got.contacts.values()) < pol.MIN_CONTACTS
    assert not warned(got.summary)
    assert pol.polarity_warnings(f, [pol.MIN_CONTACTS] * 2)
    assert not pol.polarity_warnings(f, [pol.MIN_CONTACTS - 1, 500])


def inverted(sig: GaitSignals, sides: str) -> GaitSignals:
    x = np.asarray(sig.forces, np.float64).copy()
    for j, c in enumerate(sig.channels):
        if c.side in sides:
            x[:, j] = x[:, j].min() + x[:, j].max() - x[:, j]
    return replace(sig, forces=x)


def warned(summary: dict[str, object]) -> bool:
    return any("wired inverted" in w for w in summary.get("warnings", []))  # type: ignore[attr-defined]


def test_a_session_with_one_foot_inverted_is_warned_of_in_batch_and_stream(
    simulated_session: Callable[..., Path], tmp_path: Path
) -> None:
    sig = read_signals(simulated_session(tmp_path / "s", minutes=1.0, seed=3))
    assert not warned(analyze(sig).summary)
    for sides in ("L", "R"):
        bad = inverted(sig, sides)
        whole = analyze(bad)
        assert warned(whole.summary), whole.summary.get("warnings")
        stream = StreamingAnalyzer(None, bad.channels, bad.fs)
        t, x = bad.times(), np.asarray(bad.forces)
        for a in range(0, len(t), 777):
            stream.feed(t[a : a + 777], x[a : a + 777])
        assert stream.finish().summary.get("warnings") == whole.summary["warnings"]
    # both feet inverted: the feet agree as upright ones do (not told apart)
    both = inverted(sig, "LR")
    f = pol.polarity_figure(both.forces, both.channels, both.fs)
    assert f == pytest.approx(pol.polarity_figure(sig.forces, sig.channels, sig.fs))


def test_every_shipped_record_upright_is_not_warned_of_and_one_foot_inverted_is(
    physionet_data: Path,
) -> None:
    paths = sorted((physionet_data / "gaitndd").glob("*.hea"))
    paths += sorted((physionet_data / "gaitpdb").glob("Ga*.txt"))
    assert len(paths) == 37
    for p in paths:
        sig = read_signals(p)
        up = pol.polarity_figure(sig.forces, sig.channels, sig.fs)
        assert up is not None and up[0] < -0.1, (p.name, up)
        bad = inverted(sig, "R")
        down = pol.polarity_figure(bad.forces, bad.channels, bad.fs)
        assert down is not None and down[0] > 0.1, (p.name, down)
