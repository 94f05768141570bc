"""Single-sample glitches (a bit error on a serial link, ESD, a cracked connector) on a real
force signal: they are no levels and no contacts (benchmarks/contact_stress.py's "spikes
1/s" row; docs/accuracy.md, "Signals the detector has not seen")."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from stride.core.analyzer import AnalysisConfig, analyze
from stride.core.contacts import ContactParams, detect_contacts

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "data" / "physionet"
#: the glitch rules off: the levels follow one block's extremes at once
OFF = ContactParams(base_confirm_s=0.0, load_confirm_s=0.0, hold_base=False)


def _spiked(name: str, seed: int = 1):  # type: ignore[no-untyped-def]
    sys.path.insert(0, str(REPO))
    from benchmarks.contact_stress import spikes
    from stride.readers import read_signals

    sig = read_signals(DATA / "gaitndd" / f"{name}.hea")
    return sig, spikes(sig, np.random.default_rng(seed))


@pytest.mark.skipif(not (DATA / "gaitndd").is_dir(), reason="the gaitndd records are absent")
@pytest.mark.parametrize("name", ["als1", "control3", "hunt2"])
def test_a_glitch_a_second_leaves_the_strides_of_a_record(name: str) -> None:
    # one glitch a second (+/-1 loaded level, random sign): with the rules a glitch is no
    # baseline, so no contact is held open; the strides are those of the clean record.
    # With the rules off, a glitch below the baseline during swing lowered it for good
    # (the baseline is relearnt only while unloaded, and the foot no longer was): als1
    # kept 3 of its 409 steps
    sig, bad = _spiked(name)
    clean = analyze(sig).contacts
    got = analyze(bad).contacts
    for side in "LR":
        assert len(got[side]) >= 0.97 * len(clean[side]), side
        longest = np.max(clean[side].off_t - clean[side].on_t)  # the first: levels learnt
        assert np.max(got[side].off_t - got[side].on_t) < longest + 0.5, side
    off = analyze(bad, AnalysisConfig(contact=OFF)).contacts
    assert min(len(off[s]) / len(clean[s]) for s in "LR") < 0.9


def test_a_glitch_below_the_baseline_does_not_hold_a_contact_open() -> None:
    # a synthetic foot: 1.1 s strides, stance 0.65 s at 1000 counts over a baseline of 100,
    # 300 Hz; glitches to -900 in two consecutive blocks just after a final contact
    fs = 300.0
    t = np.arange(int(60 * fs)) / fs
    phase = np.mod(t, 1.1)
    x = np.where(phase < 0.65, 1000.0, 100.0) + np.random.default_rng(2).normal(0, 3, t.size)
    for at in (20.0 + 0.66, 20.0 + 0.70, 20.0 + 0.74):  # 40 ms apart: three blocks
        x[int(at * fs)] = -900.0
    from stride.core.signals import Channel, GaitSignals

    two = np.stack([x, np.roll(x, int(0.55 * fs))], 1)  # the right foot half a stride on
    sig = GaitSignals(t, two, (Channel("L", "foot"), Channel("R", "foot")), fs)
    got = analyze(sig).contacts["L"]
    assert len(got) >= 53 and np.max(got.off_t - got.on_t) < 0.8
    held = analyze(sig, AnalysisConfig(contact=OFF)).contacts["L"]
    assert np.max(held.off_t - held.on_t) > 10.0  # without the rules: open to the end


def test_a_sensor_s_stale_onset_is_not_an_initial_contact() -> None:
    # heel + toe, glitches on every sensor: a sensor's onset found before the foot's last
    # final contact is stale (the foot cannot land before it left): no initial contact may
    # come before the previous contact's end
    sys.path.insert(0, str(REPO))
    from benchmarks.contact_stress import spikes
    from benchmarks.realistic import simulated

    sig = spikes(simulated("healthy", "heel-toe", 1.0, seed=3), np.random.default_rng(5))
    for side, c in analyze(sig).contacts.items():
        assert np.all(c.on_t[1:] > c.off_t[:-1]), side


def test_glitches_on_a_heel_and_toe_foot_leave_its_initial_contacts() -> None:
    # heel + toe, one glitch a second a sensor: the foot's initial contact is its first
    # sensor's onset, so each sensor's baseline follows the far-minimum rule too (a glitch below a
    # sensor's baseline lowered it, and the sensor's onset with it, for good: 281 of 886
    # simulated heel-toe steps more than 50 ms off). A glitch during the load's rise still
    # re-dates the onset (the last upward crossing): a few steps
    sys.path.insert(0, str(REPO))
    from benchmarks.contact_stress import spikes
    from benchmarks.realistic import simulated

    clean_sig = simulated("healthy", "heel-toe", 2.0, seed=3)
    clean = analyze(clean_sig).contacts
    got = analyze(spikes(clean_sig, np.random.default_rng(5))).contacts
    for side in "LR":
        near = np.abs(got[side].on_t[None, :] - clean[side].on_t[:, None]).min(axis=1)
        assert np.mean(near < 0.05) >= 0.9, side  # 0.72 and 0.68 without the sensors' rule


def _rising(glitch_at: tuple[float, ...]):  # type: ignore[no-untyped-def]
    """A foot of one sensor at 1 kHz: 1.1 s strides, a load rising from 100 to 1000 counts
    over 150 ms from each landing, 0.65 s of stance; one sample at -900 this long after
    every landing from the fifth on (the load's rise: below and above the confirmation
    level)."""
    from stride.core.signals import Channel, GaitSignals

    fs = 1000.0
    t = np.arange(int(40 * fs)) / fs
    ph = np.mod(t, 1.1)
    x = 100.0 + 900.0 * np.clip(np.minimum(ph / 0.15, (0.65 - ph) / 0.05), 0.0, 1.0)
    x += np.random.default_rng(3).normal(0, 3, t.size)
    clean = x.copy()
    for k in range(5, 36):
        for dt in glitch_at:
            x[round((k * 1.1 + dt) * fs)] = -900.0
    two = lambda v: np.stack([v, np.roll(v, int(0.55 * fs))], 1)  # noqa: E731
    ch = (Channel("L", "foot"), Channel("R", "foot"))
    return GaitSignals(t, two(clean), ch, fs), GaitSignals(t, two(x), ch, fs)


@pytest.mark.parametrize("dt", [0.06, 0.085])
def test_a_glitch_in_the_load_s_rise_does_not_date_the_landing_late(dt: float) -> None:
    # one sample far below the baseline 60 ms after landing (the rise below the
    # confirmation level) or 85 ms after (above it, the contact shorter than
    # min_contact_s so far): no lift, the initial contact stays the landing's. With the
    # rule off the glitch was a lift: the next upward crossing (60 ms), or the loading
    # after a short touch (85 ms), became the initial contact, 45-70 ms late
    from tests.stride.core.contacts_reference import same_as_reference

    clean, bad = _rising((dt,))
    want = analyze(clean).contacts["L"]
    got = analyze(bad).contacts["L"]
    assert len(got) == len(want)
    assert np.max(np.abs(got.on_t - want.on_t)) < 1e-9
    assert np.max(np.abs(got.off_t - want.off_t)) < 1e-9
    off = ContactParams(deep_no_lift=False, quick_dip_no_lift=False)  # (both see it at 85 ms)
    late = analyze(bad, AnalysisConfig(contact=off)).contacts["L"]
    assert len(late) == len(want) and np.sum(late.on_t - want.on_t > dt - 0.02) >= 30
    for p in (ContactParams(), off):  # the kernel as the plain-Python reference
        assert same_as_reference(bad, "L", p) == len(want)


def _heel_toe(glitch_at: float):  # type: ignore[no-untyped-def]
    """A heel + toe foot at 1 kHz: 1.1 s strides; the heel loads from 100 to 1000 counts
    over 40 ms from each landing and unloads at 0.45 s, the toe loads from 0.1 s and
    unloads at 0.65 s; from the fifth stride on, one heel sample at 100 (its unloaded
    level) this long after every landing."""
    from stride.core.signals import Channel, GaitSignals

    fs = 1000.0
    t = np.arange(int(40 * fs)) / fs
    ph = np.mod(t, 1.1)
    rng = np.random.default_rng(4)
    heel = 100.0 + 900.0 * np.clip(np.minimum(ph / 0.04, (0.49 - ph) / 0.04), 0.0, 1.0)
    toe = 100.0 + 900.0 * np.clip(np.minimum((ph - 0.1) / 0.05, (0.65 - ph) / 0.04), 0.0, 1.0)
    clean = np.stack([heel, toe], 1) + rng.normal(0, 3, (t.size, 2))
    x = clean.copy()
    for k in range(5, 36):
        x[round((k * 1.1 + glitch_at) * fs), 0] = 100.0
    ch = (Channel("L", "heel"), Channel("L", "toe"))
    return GaitSignals(t, clean, ch, fs), GaitSignals(t, x, ch, fs)


def test_a_heel_glitch_to_its_baseline_after_landing_does_not_restart_the_contact() -> None:
    # one heel sample at its unloaded level 70 ms after landing, the toe not loaded yet: the
    # sum falls into its unloaded band for one reading (no sensor far below its baseline)
    # and is back at its load the next; a foot does not unload and load again within one
    # sample, so it is no lift. With the rule off the contact restarted after the glitch
    # (every part so far a short touch): the initial contact about 70 ms late
    from tests.stride.core.contacts_reference import same_as_reference

    clean, bad = _heel_toe(0.07)
    want = detect_contacts(clean, "L", ContactParams())
    got = detect_contacts(bad, "L", ContactParams())
    assert len(got) == len(want) >= 35
    assert np.max(np.abs(got.on_t - want.on_t)) < 1e-9
    assert np.max(np.abs(got.off_t - want.off_t)) < 1e-9
    off = ContactParams(quick_dip_no_lift=False)
    late = detect_contacts(bad, "L", off)
    assert len(late) == len(want)
    assert np.sum(late.on_t - want.on_t > 0.05) >= 30
    for p in (ContactParams(), off):  # the kernel as the plain-Python reference
        assert same_as_reference(bad, "L", p) > 0


def _two_stage(spiked: bool):  # type: ignore[no-untyped-def]
    """A foot of one sensor at 1 kHz: 1.1 s strides, each landing in two stages (a touch to
    0.22 of the load for 80 ms, then the load: 100 to 1000 counts), 0.65 s of stance; in
    the stance of strides 10, 20 and 30 two single readings at +1 range (2000 counts) in
    consecutive 40 ms blocks, about 0.8 s before the next landing."""
    from stride.core.signals import Channel, GaitSignals

    fs = 1000.0
    t = np.arange(int(40 * fs)) / fs
    ph = np.mod(t, 1.1)
    touch = 0.22 * np.clip(ph / 0.005, 0.0, 1.0)
    load = np.clip((ph - 0.08) / 0.03, 0.0, 1.0)
    x = 100.0 + 900.0 * np.clip(np.minimum(np.maximum(touch, load), (0.65 - ph) / 0.05), 0, 1)
    x += np.random.default_rng(5).normal(0, 3, t.size)
    if spiked:
        for k in (10, 20, 30):
            b = np.ceil((k * 1.1 + 0.25) / 0.04)  # a block's start in the stance
            for at in (b * 0.04 + 0.02, b * 0.04 + 0.06):  # one reading in each of two
                x[round(at * fs)] = 2000.0
    return GaitSignals(t, x[:, None], (Channel("L", "foot"),), fs)


def test_single_reading_spikes_in_consecutive_blocks_do_not_move_a_two_stage_landing() -> None:
    # a spike is one reading, a load lasts tens of ms: a block with one reading beyond the
    # far level confirms no load level beyond it. Before, a spike in each of two
    # consecutive blocks satisfied the load rule (load_confirm_s): the load level doubled,
    # the touch fell below the onset level and the next landing was timed at the load,
    # 80 ms late (benchmarks/spikes_step.py: the spikes row's one simulated step)
    from tests.stride.core.contacts_reference import same_as_reference

    want = detect_contacts(_two_stage(False), "L", ContactParams())
    got = detect_contacts(_two_stage(True), "L", ContactParams())
    assert len(got) == len(want) >= 35
    assert np.max(np.abs(got.on_t - want.on_t)) < 0.002
    assert np.max(np.abs(got.off_t - want.off_t)) < 0.002
    assert np.mean(np.mod(want.on_t, 1.1) < 0.005) > 0.9  # the touches, clean
    assert same_as_reference(_two_stage(True), "L", ContactParams()) == len(got)
