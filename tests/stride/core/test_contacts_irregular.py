"""Irregular gait: touches before loading, scuffs after, two-stage loading, chatter, and
the Huntington's profile of the simulator against its ground truth."""

from __future__ import annotations

import numpy as np
import pytest
from contact_synth import adc, foot_force
from contacts_reference import reference_contacts

from stride.core.analyzer import analyze
from stride.core.contacts import ContactParams, detect_contacts
from stride.core.signals import Channel, GaitSignals

FS = 500.0


def _sig(t: np.ndarray, x: np.ndarray) -> GaitSignals:
    return GaitSignals(t, x[:, None], (Channel("L", "foot"),), FS)


def _bump(t: np.ndarray, at: float, dur: float, level: float) -> np.ndarray:
    u = np.clip((t - at) / dur, 0.0, 1.0)
    return level * np.sin(np.pi * u) ** 2


def _walk(seed: int) -> tuple[np.ndarray, np.ndarray, object]:
    rng = np.random.default_rng(seed)
    t, f, truth = foot_force(rng, 40.0, FS, jitter=0.01)
    return t, f, truth


def _nearest(found: np.ndarray, v: float) -> float:
    return float(found[np.argmin(np.abs(found - v))] - v)


def test_a_touch_just_before_the_loading_is_not_the_contacts_start() -> None:
    """The toe touches 50-90 ms before the landing, hard (above the confirmation level),
    and lifts: the contact starts at the landing, not at the touch."""
    t, f, truth = _walk(1)
    rng = np.random.default_rng(2)
    clean = detect_contacts(_sig(t, adc(f, np.random.default_rng(2))), "L")
    ons = truth.on[(truth.on > 3) & (truth.on < 37)]
    for on in ons:
        f += _bump(t, on - rng.uniform(0.05, 0.09), 0.03, 0.8)
    x = adc(f, np.random.default_rng(2)).astype(np.int16)
    c = detect_contacts(_sig(t, x), "L")
    done = c.on_t[c.complete]
    # the same initial contacts as without the touches
    errs = [_nearest(done, v) for v in clean.on_t[clean.complete] if 3 < v < 37]
    assert np.max(np.abs(errs)) < 0.001
    assert c.touches >= len(ons) - 1
    # without the rule the touch starts the contact
    off = detect_contacts(_sig(t, x), "L", ContactParams(touch_rule=False))
    late = [_nearest(off.on_t[off.complete], on) for on in ons]
    assert np.median(late) < -0.04


def test_a_scuff_after_toe_off_does_not_extend_the_contact() -> None:
    t, f, truth = _walk(3)
    rng = np.random.default_rng(4)
    for off in truth.off:
        f += _bump(t, off + 0.03, 0.04, 0.7)
    c = detect_contacts(_sig(t, adc(f, rng)), "L")
    inner = (truth.off > 3) & (truth.off < 37)
    errs = [_nearest(c.off_t[c.complete], v) for v in truth.off[inner]]
    assert np.max(np.abs(errs)) < 0.015
    assert int(c.complete.sum()) >= inner.sum()


def test_two_stage_loading_starts_at_the_touch() -> None:
    """Touch at 35 % of the load for 60 ms, then the loading: one contact from the touch."""
    t, f, truth = _walk(5)
    main = np.interp(t - 0.06, t, f)  # every loading 60 ms later ...
    g = main.copy()
    for on in truth.on:
        stage = (t >= on) & (t < on + 0.09)  # ... after a touch that it takes over
        g[stage] = np.maximum(main[stage], 0.35)
    rng = np.random.default_rng(6)
    c = detect_contacts(_sig(t, adc(g, rng)), "L")
    ons = truth.on[(truth.on > 3) & (truth.on < 37)]
    errs = [_nearest(c.on_t[c.complete], on) for on in ons]
    assert np.max(np.abs(errs)) < 0.01


def test_chatter_gives_blips_no_contacts_and_a_warning() -> None:
    """A loose cable: 20-50 ms spikes at random, some close together: no contact, no
    stride, a warning that says why."""
    rng = np.random.default_rng(7)
    t = np.arange(0.0, 60.0, 1.0 / FS)
    x = np.zeros_like(t)
    at = 1.0
    while at < 59.0:
        x += _bump(t, at, rng.uniform(0.02, 0.05), rng.uniform(0.5, 1.0))
        at += rng.choice([rng.uniform(0.06, 0.12), rng.uniform(0.3, 1.5)])
    x = adc(x, rng)
    chans = (Channel("L", "foot"), Channel("R", "foot"))
    sig = GaitSignals(t, np.stack([x, x], axis=1), chans, FS)
    result = analyze(sig)
    assert len(result.contacts["L"]) == 0 and result.contacts["L"].blips > 50
    assert len(result.steps) == 0
    warnings = result.summary["warnings"]
    assert isinstance(warnings, list) and len(warnings) == 2
    assert warnings[0].startswith("foot L:") and "blips" in warnings[0]
    assert "\n" not in warnings[0]


@pytest.mark.parametrize("fs", [100.0, 200.0, 300.0, 1000.0])
@pytest.mark.parametrize("sd", [0.7, 3.0])
def test_a_still_sensor_gives_no_contact_it_saw_begin_and_end(fs: float, sd: float) -> None:
    """Noise only (a foot that never moves): no contact whose IC and FC were both seen,
    so no stride, at the sample rates where short blocks underestimate the noise."""
    t = np.arange(0.0, 60.0, 1.0 / fs)
    for seed in range(3):
        x = 400.0 + np.random.default_rng(seed).normal(0.0, sd, t.shape)
        for forces in (x, np.round(x).astype(np.int16)):
            sig = GaitSignals(t, forces[:, None], (Channel("L", "foot"),), fs)
            c = detect_contacts(sig, "L")
            assert not (c.on_seen & c.complete).any(), (fs, sd, seed, forces.dtype)


def test_a_weak_contact_has_a_low_confidence() -> None:
    t, f, truth = _walk(8)
    k = int(np.argmax(truth.on > 20))
    weak = (t >= truth.on[k]) & (t <= truth.off[k])
    f[weak] *= 0.55  # barely past the confirmation level
    rng = np.random.default_rng(9)
    c = detect_contacts(_sig(t, adc(f, rng)), "L")
    j = int(np.argmin(np.abs(c.on_t - truth.on[k])))
    assert c.confidence[j] < 0.3
    others = np.delete(c.confidence[c.complete], j)
    assert np.median(others) == 1.0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_touches_and_chatter_equal_the_reference(seed: int) -> None:
    """The touch, scuff and blip rules, bit for bit against the plain-Python reference."""
    rng = np.random.default_rng(seed)
    t, f, truth = foot_force(rng, 12.0, 200.0, jitter=0.05)
    for on, off in zip(truth.on, truth.off, strict=True):
        f += _bump(t, on - rng.uniform(0.03, 0.15), rng.uniform(0.01, 0.06), rng.uniform(0, 1))
        f += _bump(t, off + rng.uniform(0.0, 0.1), rng.uniform(0.01, 0.06), rng.uniform(0, 1))
        mid = 0.5 * (on + off)
        f -= 0.9 * f * ((t > mid) & (t < mid + rng.uniform(0.0, 0.15)))
    x = np.stack([adc(f, rng), adc(np.roll(f, 9), rng)], axis=1)
    params = ContactParams()
    sig = GaitSignals(t, x, (Channel("L", "heel"), Channel("L", "toe")), 200.0)
    got = detect_contacts(sig, "L", params)
    want = reference_contacts(t, x, [0, 1], 200.0, params)
    for name in ("on_t", "off_t", "on_idx", "off_idx", "complete", "sensor_on_t", "impulse",
                 "peak", "confidence"):  # fmt: skip
        np.testing.assert_array_equal(getattr(got, name), want[name], err_msg=name)
    assert (got.blips, got.touches) == (want["blips"], want["touches"])
    assert got.touches + got.blips > 0


@pytest.mark.slow
def test_huntington_truth_every_step_no_swing_touch_as_contact() -> None:
    """huntington:0.6 (stride CV 0.16, toe touches in half the swings, two-stage loading,
    scuffs), 1 kHz, 10 minutes, as the box records it: every true step found, at most 1 %
    extra, initial contacts within 3 ms (median), no swing touch reported as a contact."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
    from benchmarks.realistic import simulated_with_truth

    sig, run = simulated_with_truth("huntington:0.6", "heel-toe", 10.0, seed=11)
    rows = analyze(sig).step_rows()
    end = 600.0
    ic_err: list[float] = []
    for side in "LR":
        got = np.array([r["ic_s"] for r in rows if r["side"] == side])
        for tr in (x for x in run.truth if x.side == side and 2.0 < x.ic_s < end - 2.0):
            k = int(np.argmin(np.abs(got - tr.ic_s)))
            assert abs(got[k] - tr.ic_s) < 0.05, f"true {side} step at {tr.ic_s:.3f} s missed"
            ic_err.append(got[k] - tr.ic_s)
    truth = {s: np.array([x.ic_s for x in run.truth if x.side == s]) for s in "LR"}
    inner = [r for r in rows if 2.0 < r["ic_s"] < end - 2.0]
    extra = [r for r in inner if np.min(np.abs(truth[r["side"]] - r["ic_s"])) > 0.05]
    assert len(extra) <= 0.01 * len(ic_err)
    assert np.median(np.abs(ic_err)) <= 0.003
    scale = run.spec.box.clock_scale
    touches = [(a * scale, (a + d) * scale) for c in run.contacts for a, d, _ in c.swing_events]
    assert len(touches) > 300
    ics = np.array([r["ic_s"] for r in rows])
    for a, b in touches:
        assert not np.any((ics > a - 0.01) & (ics < b + 0.01)), f"touch at {a:.3f} s"
