"""The filter a foot too noisy to trust gets before its contacts are found
(stride.core.denoise): against a plain-Python reference, its width, a noisy simulated
session's truth recovered with it (not without) from its onset on; a clean session is
not filtered. A stream filters alike: stride/core/test_denoise_stream.py."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.typing import NDArray

import stride.core.scan as scan_mod
from sim.cli_support import build_spec
from sim.session import SimulatedSession, simulate_session
from stride.core import denoise as dn
from stride.core.analyzer import Analysis, analyze
from stride.core.contacts import ContactParams
from stride.core.noise import noise_warnings
from stride.core.signals import Channel, GaitSignals
from stride.ingest.recording import read_session

CHANNELS = (Channel("L", "foot"), Channel("R", "foot"))
EDGE_S = 2.0  # the analysis learns its levels on the first contacts
MATCH_S = 0.05
MINUTES = 2.0


def reference_smooth(x: list[float], width: int, mean: int) -> list[float]:
    """Slow and plain: each sample's median over ``width`` samples (indices clipped to
    the ends), then the mean of ``mean`` medians; a sample with a NaN within its reach
    keeps its own value."""
    n, h, m = len(x), width // 2, mean // 2

    def at(v: list[float], i: int) -> float:
        return v[min(max(i, 0), n - 1)]

    med = [sorted(at(x, i + d) for d in range(-h, h + 1))[h] for i in range(n)]
    out = []
    for i in range(n):
        if any(np.isnan(at(x, i + d)) for d in range(-h - m, h + m + 1)):
            out.append(x[i])
            continue
        total = at(med, i - m)
        for d in range(1, mean):
            total += at(med, i - m + d)
        out.append(total / mean if mean > 1 else total)
    return out


finite = st.floats(-1e3, 1e3, allow_nan=False)


@settings(max_examples=200)
@given(
    st.lists(st.one_of(finite, finite, finite, st.just(np.nan)), min_size=1, max_size=60),
    st.sampled_from([3, 5, 7, 9]),
    st.sampled_from([1, 3]),
)
def test_smooth_matches_the_reference(x: list[float], width: int, mean: int) -> None:
    got = dn.smooth(np.array(x, np.float64), width, mean)
    want = np.array(reference_smooth(x, width, mean))
    np.testing.assert_array_equal(got, want)


def test_a_clean_rise_keeps_its_place() -> None:
    """A monotone landing (flat, then a rising ramp): the median keeps it to the sample,
    the mean of 3 changes only the corner's neighbours (a straight ramp is its own mean)."""
    x = np.concatenate([np.zeros(50), np.linspace(0.0, 1.0, 40), np.ones(50)])
    got = dn.smooth(x, 9)
    off = np.flatnonzero(np.abs(got - x) > 1e-12)
    assert set(off.tolist()) <= {49, 50, 89, 90}


def test_the_width_grows_with_the_figure_up_to_a_bound() -> None:
    assert dn.median_width(0.04, 1000.0) == 5
    assert dn.median_width(0.062, 300.0) == 5
    assert dn.median_width(0.095, 1000.0) == 7
    assert dn.median_width(0.13, 1000.0) == 9
    assert dn.median_width(0.13, 200.0) == 5  # 30 ms
    assert dn.median_width(0.06, 100.0) == 3
    assert dn.mean_width(100.0) == 1 and dn.mean_width(300.0) == 3  # 3 samples in 15 ms
    warned = noise_warnings([(0.06, 1.0), (0.01, 1.0)], CHANNELS, {"L": (4800, 3, 1, 48.0)})
    assert "a running median of 3 samples from 48.0 s on" in warned[0]
    assert "before the contacts were found" in warned[0]
    assert dn.reach(1000.0) == 15 and dn.reach(300.0) == 5 and dn.reach(100.0) == 1


def _session(tmp_path: Path, seed: int) -> tuple[GaitSignals, SimulatedSession]:
    spec = build_spec(minutes=MINUTES, speed="3.6kmh", profile="healthy", seed=seed, rate=1000)
    sim = simulate_session(tmp_path / "s", spec)
    return read_session(tmp_path / "s"), sim


def _noisy(sig: GaitSignals, sd: float, seed: int) -> GaitSignals:
    """White noise of SD ``sd`` of each channel's range (95th minus 5th percentile)."""
    x = np.asarray(sig.forces, np.float64)
    r = np.percentile(x, 95, axis=0) - np.percentile(x, 5, axis=0)
    rng = np.random.default_rng(seed)
    return replace(sig, forces=x + sd * r * rng.standard_normal(x.shape))


def _against_truth(
    a: Analysis, sim: SimulatedSession, since: float = EDGE_S
) -> tuple[int, int, float]:
    """True steps from ``since`` on missed, extra steps, median absolute IC error (ms)."""
    end = 60.0 * MINUTES - EDGE_S
    rows = a.step_rows()
    missed = extra = 0
    err: list[float] = []
    for side in "LR":
        got = np.array([float(r["ic_s"]) for r in rows if r["side"] == side])  # type: ignore[arg-type]
        true_ic = np.array([t.ic_s for t in sim.truth if t.side == side])
        for ic in true_ic[(true_ic >= since) & (true_ic <= end)]:
            d = np.abs(got - ic)
            if d.size and d.min() < MATCH_S:
                err.append(float(got[np.argmin(d)] - ic))
            else:
                missed += 1
        inner = got[(got >= since) & (got <= end)]
        extra += sum(bool(np.min(np.abs(true_ic - ic)) >= MATCH_S) for ic in inner)
    return missed, extra, 1000.0 * float(np.median(np.abs(err)))


def _unfiltered(sig: GaitSignals) -> Analysis:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(scan_mod, "onsets", lambda *_: {})
        return analyze(sig)


@pytest.mark.parametrize("seed", [1, 3])
def test_a_noisy_session_is_filtered_and_keeps_its_truth(tmp_path: Path, seed: int) -> None:
    """Noise of SD 8 % of the range on every channel of a heel-toe session: the filter
    starts once the running figure has its first value (about 48 s), and from there every
    true step is found, none is invented and the IC is timed as without the noise (median
    within 1 ms); scanned as read, steps are split and invented, there and over the whole
    record."""
    clean, sim = _session(tmp_path, seed)
    sig = _noisy(clean, 0.08, seed)
    got = analyze(sig)
    (_, on_l), (_, on_r) = scan_mod.scan_samples(sig, ContactParams()).filtered
    since = max(on_l.seconds, on_r.seconds) + 1.0
    assert 40.0 < since < 60.0
    missed, extra, ic_ms = _against_truth(got, sim, since)
    assert (missed, extra) == (0, 0) and ic_ms < 1.0, (missed, extra, ic_ms)
    warns = got.summary["warnings"]
    assert isinstance(warns, list) and len(warns) == 2
    for w, side in zip(warns, "LR", strict=True):
        assert w.startswith(f"foot {side} (toe sensor): noise of SD ")
        assert "filtered with a running median of 5 samples" in w and "grounding" in w
    raw = _unfiltered(sig)
    raw_missed, raw_extra, _ = _against_truth(raw, sim, since)
    assert raw_missed + raw_extra > 0
    assert sum(_against_truth(got, sim)[:2]) < sum(_against_truth(raw, sim)[:2])


def test_a_clean_session_is_not_filtered(tmp_path: Path) -> None:
    sig, sim = _session(tmp_path, 1)
    got = analyze(sig)
    assert "warnings" not in got.summary
    assert scan_mod.scan_samples(sig, ContactParams()).filtered == ()
    assert _against_truth(got, sim)[:2] == (0, 0)


def test_only_the_noisy_foot_is_filtered_from_its_onset(tmp_path: Path) -> None:
    """Noise on the left foot alone: the right foot's contacts are those of the signal
    without the filter, the left foot's before the onset too."""
    clean, _ = _session(tmp_path, 2)
    x = np.asarray(_noisy(clean, 0.08, 2).forces)
    left = np.array([c.side == "L" for c in clean.channels])
    forces: NDArray[np.float64] = np.where(left, x, np.asarray(clean.forces, np.float64))
    sig = replace(clean, forces=forces)
    got, raw = analyze(sig), _unfiltered(sig)
    assert len(got.summary["warnings"]) == 1  # type: ignore[arg-type]
    np.testing.assert_array_equal(got.contacts["R"].on_t, raw.contacts["R"].on_t)
    ((side, on),) = scan_mod.scan_samples(sig, ContactParams()).filtered
    assert side == "L"
    at = on.seconds - 0.1
    before, raw_before = got.contacts["L"].off_t, raw.contacts["L"].off_t
    n = int(np.searchsorted(raw_before, at))
    assert n > 20
    np.testing.assert_array_equal(before[:n], raw_before[:n])
    assert not np.array_equal(got.contacts["L"].on_t, raw.contacts["L"].on_t)
