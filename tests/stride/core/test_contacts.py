"""Contact detection on synthetic signals with known contacts: timing, robustness, gaps."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from contact_synth import adc, foot_force
from hypothesis import given, settings
from hypothesis import strategies as st

from stride.core.contact_input import RATE_CHECK_MIN, _check_finite, _check_rate
from stride.core.contacts import ContactParams, FootContacts, detect_contacts
from stride.core.signals import Channel, GaitSignals
from stride.errors import InputError


def _signals(t: np.ndarray, x: np.ndarray, fs: float, places: tuple[str, ...] = ()) -> GaitSignals:
    if x.ndim == 1:
        x = x[:, None]
    places = places or ("foot",) * x.shape[1]
    return GaitSignals(t, x, tuple(Channel("L", p) for p in places), fs)


def _match(found: np.ndarray, truth: np.ndarray, tol: float) -> np.ndarray:
    """For each true time, the nearest found time minus it (NaN if none within tol)."""
    out = np.full(truth.shape, np.nan)
    for i, v in enumerate(truth):
        if found.size:
            j = np.argmin(np.abs(found - v))
            if abs(found[j] - v) <= tol:
                out[i] = found[j] - v
    return out


@pytest.mark.parametrize("fs", [100.0, 300.0, 1000.0])
def test_finds_every_contact_with_a_constant_lag(rng: np.random.Generator, fs: float) -> None:
    t, f, truth = foot_force(rng, 60.0, fs)
    x = adc(f, rng, drift=300.0)
    c = detect_contacts(_signals(t, x, fs), "L")
    ok = c.on_t[c.complete]
    inner = truth.on[(truth.on > 3.0) & (truth.on < 58.0)]
    d = _match(ok, inner, 0.05)
    assert not np.isnan(d).any(), "a contact was missed"
    # every contact is timed on the rising ramp, a few ms after it starts, consistently
    assert d.min() >= 0.0 and d.max() < 0.03
    assert np.ptp(d) < 0.006 + 2.0 / fs
    # no extra contacts; the first (envelopes learnt on it) and last are cut
    assert truth.on.size - 2 <= int(c.complete.sum()) <= truth.on.size
    # final contacts end near the true ends, and stance is positive
    assert np.all(c.off_t > c.on_t)
    e = _match(c.off_t[c.complete], truth.off[(truth.off > 3.0) & (truth.off < 58.0)], 0.05)
    assert not np.isnan(e).any() and e.min() > -0.03 and e.max() <= 0.0 + 1.0 / fs


def test_arrays_are_consistent(rng: np.random.Generator) -> None:
    t, f, _ = foot_force(rng, 20.0, 300.0)
    c = detect_contacts(_signals(t, adc(f, rng), 300.0), "L")
    assert isinstance(c, FootContacts) and len(c) > 10
    assert c.on_idx.dtype == np.int64 and c.off_idx.dtype == np.int64
    assert np.all(np.diff(c.on_t) > 0) and np.all(c.on_t[1:] > c.off_t[:-1])
    # on_idx is the first sample above the onset level, at/after the initial contact, which
    # is dated back from that crossing by at most onset_back_s; off_idx the first sample
    # back in the unloaded band, which the unloading reaches, extended, a little later
    back = ContactParams().onset_back_s
    assert np.all(t[c.on_idx] >= c.on_t - 1e-12) and np.all(t[c.on_idx - 1] <= c.on_t + back)
    assert np.all(t[c.off_idx - 1] <= c.off_t) and np.all(c.off_t - t[c.off_idx] < 0.03)
    assert c.sensor_on_t.shape == (len(c), 1)
    np.testing.assert_array_equal(c.sensor_on_t[c.complete, 0], c.on_t[c.complete])
    assert np.all(c.impulse[c.complete] > 0) and np.all(c.peak[c.complete] > 1500)
    assert not c.gap_before.any()
    np.testing.assert_array_equal(c.complete, c.on_seen & c.off_seen)
    st = c.stride_times()
    assert np.isnan(st[0]) and np.isnan(st[~c.on_seen]).all()
    np.testing.assert_allclose(st[2:], np.diff(c.on_t)[1:])


def test_contact_cut_by_the_end_keeps_its_initial_contact(rng: np.random.Generator) -> None:
    fs = 300.0
    t, f, truth = foot_force(rng, 20.0, fs, jitter=0.0)
    last = truth.on[truth.on < 19.0][-1]
    keep = t < last + 0.2  # the record ends 0.2 s into a stance
    c = detect_contacts(_signals(t[keep], adc(f, rng)[keep], fs), "L")
    assert c.on_seen[-1] and not c.off_seen[-1] and not c.complete[-1]
    assert abs(c.on_t[-1] - last) < 0.03
    assert c.off_t[-1] == t[keep][-1]
    # the first contact began before the envelopes were known: its start is not trusted
    assert not c.on_seen[0]


def test_impulse_and_peak_in_signal_units(rng: np.random.Generator) -> None:
    fs = 500.0
    t, f, truth = foot_force(rng, 20.0, fs, jitter=0.0, stride=1.0, stance_frac=0.6)
    x = 100.0 + 50.0 * f  # a calibrated force in N on a 100 N offset
    c = detect_contacts(_signals(t, x, fs), "L")
    done = c.complete
    stance = (t >= truth.on[3]) & (t <= truth.off[3])
    assert np.allclose(c.peak[done], 50.0 * f[stance].max(), rtol=1e-6)
    # the integral over the whole stance; the detected contact leaves out the ramps' feet
    expected = 50.0 * f[stance].sum() / fs
    assert np.allclose(c.impulse[done], expected, rtol=0.03)
    assert np.all(c.impulse[done] < expected)


def test_gain_and_baseline_do_not_matter(rng: np.random.Generator) -> None:
    t, f, _ = foot_force(rng, 40.0, 300.0)
    a = detect_contacts(_signals(t, 10.0 * f, 300.0), "L")
    b = detect_contacts(_signals(t, 1e5 * f - 3e6, 300.0), "L")
    np.testing.assert_allclose(a.on_t, b.on_t, atol=1e-9)
    np.testing.assert_allclose(a.off_t, b.off_t, atol=1e-9)


def test_saturated_floor_is_a_real_reading(rng: np.random.Generator) -> None:
    t, f, truth = foot_force(rng, 60.0, 300.0)
    x = adc(f, rng, base=-2060.0, noise=3.0)  # baseline below the ADC floor: sits on -2048
    assert (x == -2048).mean() > 0.2
    c = detect_contacts(_signals(t, x, 300.0), "L")
    d = _match(c.on_t[c.complete], truth.on[(truth.on > 3) & (truth.on < 58)], 0.05)
    assert not np.isnan(d).any()
    assert truth.on.size - 2 <= int(c.complete.sum()) <= truth.on.size


def test_split_stance_stays_one_contact(rng: np.random.Generator) -> None:
    fs = 300.0
    t, f, truth = foot_force(rng, 40.0, fs)
    # a deep mid-stance dip, almost to the baseline
    for on, off in zip(truth.on, truth.off, strict=True):
        mid = 0.5 * (on + off)
        f -= 0.92 * f * np.exp(-0.5 * ((t - mid) / 0.04) ** 2)
    c = detect_contacts(_signals(t, adc(f, rng), fs), "L")
    d = _match(c.on_t[c.complete], truth.on[(truth.on > 3) & (truth.on < 38)], 0.05)
    assert not np.isnan(d).any()
    assert truth.on.size - 2 <= int(c.complete.sum()) <= truth.on.size


@pytest.mark.parametrize("kind", ["constant", "noise", "int_constant", "nan"])
def test_no_walking_gives_no_contacts(rng: np.random.Generator, kind: str) -> None:
    n = 30_000
    t = np.arange(n) / 300.0
    if kind == "constant":
        x = np.full(n, 5.0)
    elif kind == "noise":
        x = rng.standard_normal(n)
    elif kind == "int_constant":
        x = np.full(n, -2048, np.int16)
    else:
        x = np.full(n, np.nan)
    c = detect_contacts(_signals(t, x, 300.0), "L")
    assert not c.complete.any()


def test_nan_run_cuts_the_contact_and_flags_the_next(rng: np.random.Generator) -> None:
    fs = 300.0
    t, f, truth = foot_force(rng, 30.0, fs, jitter=0.0)
    x = adc(f, rng).astype(np.float64)
    k = int(np.argmax(truth.on > 15.0))
    cut = (t > truth.on[k] + 0.2) & (t < truth.on[k] + 0.3)  # inside a stance
    x[cut] = np.nan
    c = detect_contacts(_signals(t, x, fs), "L")
    hit = np.flatnonzero((c.on_t < truth.on[k] + 0.2) & (c.off_t > truth.on[k] + 0.1))
    assert hit.size == 1 and not c.complete[hit[0]]
    # the rest of that stance, after the gap: its start was not seen
    rest = hit[0] + 1
    assert c.gap_before[rest] and not c.complete[rest]
    assert c.on_t[rest] > t[cut][-1] and c.off_t[rest] == pytest.approx(truth.off[k], abs=0.03)
    nxt = rest + 1
    assert c.complete[nxt] and not c.gap_before[nxt]
    assert abs(c.on_t[nxt] - truth.on[k + 1]) < 0.03
    assert c.gap_before.sum() == 1
    # nothing inside the missing samples
    inside = (c.on_t > t[cut][0]) & (c.on_t < t[cut][-1])
    assert not inside.any()


def test_time_gap_in_swing_flags_the_next_contact(rng: np.random.Generator) -> None:
    fs = 300.0
    t, f, truth = foot_force(rng, 30.0, fs, jitter=0.0)
    x = adc(f, rng)
    k = int(np.argmax(truth.on > 15.0))
    drop = (t > truth.off[k] + 0.1) & (t < truth.off[k] + 0.3)  # lost frames during swing
    c = detect_contacts(_signals(t[~drop], x[~drop], fs), "L")
    j = int(np.argmin(np.abs(c.on_t - truth.on[k + 1])))
    assert c.gap_before[j] and c.complete[j] and c.complete[j - 1]
    assert c.gap_before.sum() == 1
    st = c.stride_times()
    assert np.isnan(st[j]) and np.isfinite(st[j + 1]) and np.isfinite(st[j - 1])


def test_bad_times_and_shapes_are_input_errors() -> None:
    t = np.array([0.0, 0.01, 0.01, 0.02])
    with pytest.raises(InputError, match="strictly increasing"):
        detect_contacts(_signals(t, np.zeros(4), 100.0), "L")
    for bad in (np.nan, np.inf):
        tb = np.arange(400) / 100.0
        tb[250] = bad
        with pytest.raises(InputError, match=r"sample 250 .*not finite"):
            detect_contacts(_signals(tb, np.zeros(400), 100.0), "L")
    with pytest.raises(InputError, match=r"0\.01 s apart but the sample rate says 1000 Hz"):
        detect_contacts(_signals(np.arange(50) / 100.0, np.zeros(50), 1000.0), "L")
    sig = _signals(np.arange(4) / 100.0, np.zeros(4), 100.0)
    with pytest.raises(InputError, match="no channel"):
        detect_contacts(sig, "R")
    with pytest.raises(InputError, match="out of order"):
        detect_contacts(sig, "L", ContactParams(low_frac=0.6, mid_frac=0.5))


def test_empty_signal_gives_no_contacts() -> None:
    c = detect_contacts(_signals(np.zeros(0), np.zeros((0, 1)), 100.0), "L")
    assert len(c) == 0 and c.sensor_on_t.shape == (0, 1)


def test_any_layout_and_dtype_gives_the_same_contacts(rng: np.random.Generator) -> None:
    t, f, _ = foot_force(rng, 20.0, 200.0)
    x16 = adc(f, rng)
    base = detect_contacts(_signals(t, x16, 200.0), "L")
    wide = np.stack([x16, x16], axis=1)[:, :1]  # a non-contiguous view
    ro = x16.copy()[:, None]
    ro.flags.writeable = False
    for x in (wide, ro, x16.astype(np.int32), x16.astype(np.float32), x16.astype(np.int64)):
        c = detect_contacts(_signals(t, x, 200.0), "L")
        np.testing.assert_array_equal(c.on_t, base.on_t)
        np.testing.assert_array_equal(c.impulse, base.impulse)
    # unsigned (an offset ADC): the same walking, up to rounding of the offset thresholds
    c = detect_contacts(_signals(t, (x16.astype(np.int32) + 2048).astype(np.uint16), 200.0), "L")
    np.testing.assert_allclose(c.on_t, base.on_t, atol=1e-9)


def test_the_scan_is_compiled_for_four_dtypes_only() -> None:
    """Each dtype the scan takes is a compile of 10-20 s on a first run: every other dtype
    widens to one of the four (int32 and int64 to float64, which the test above shows
    gives the integer scan's contacts and impulses)."""
    from stride.core.contact_input import scan_dtype
    from stride.core.kernels import SCAN_DTYPES

    kinds = "bool int8 uint8 int16 uint16 int32 uint32 int64 uint64 float16 float32 float64"
    taken = {scan_dtype(d) for d in kinds.split()}
    assert taken == set(SCAN_DTYPES) == {"int16", "uint16", "float32", "float64"}


@pytest.mark.parametrize("fs", [100.0, 1000.0])
def test_noisy_sensor_still_gives_every_contact(rng: np.random.Generator, fs: float) -> None:
    """Noise of 6 % of the load (SD) on a 1 kHz sensor: a block of 40 samples spans
    ~25 % of the range, yet the range is well above the noise gate."""
    t, f, truth = foot_force(rng, 40.0, fs)
    x = f + 0.06 * rng.standard_normal(f.size)
    c = detect_contacts(_signals(t, x, fs), "L")
    inner = truth.on[(truth.on > 3.0) & (truth.on < 38.0)]
    d = _match(c.on_t[c.complete], inner, 0.06)
    assert not np.isnan(d).any()
    assert truth.on.size - 2 <= int(c.complete.sum()) <= truth.on.size


def test_one_scan_call_takes_a_whole_chunk_while_its_output_has_room(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The kernel returns early only when its output is full: a name reused inside the scan
    for another bound once made it return after every few contacts (the same contacts, at
    a Python round trip each)."""
    from stride.core import _contact_scan

    t, f, _ = foot_force(rng, 120.0, 1000.0)
    heel = adc(f, rng)
    x = np.stack([heel, np.roll(heel, 100)], axis=1)  # heel and toe, 0.1 s later
    calls = []
    real = _contact_scan.scan

    def counted(*args: object) -> tuple[int, int]:
        calls.append(args[3])  # start
        return real(*args)  # type: ignore[no-any-return]

    monkeypatch.setattr(_contact_scan, "scan", counted)
    c = detect_contacts(_signals(t, x, 1000.0, ("heel", "toe")), "L")
    assert int(c.complete.sum()) > 90 and calls == [0, -1]  # the chunk, then the end


def _rate_reference(t: np.ndarray, fs: float, params: ContactParams) -> None:
    """The rate check as it was: the median of the first 1000 steps, always computed."""
    if t.shape[0] < RATE_CHECK_MIN:
        return
    step = float(np.median(np.diff(t[:1001])))
    if not np.isfinite(step):
        _check_finite(t)
    if step <= 0.0:
        raise InputError(f"the sample times do not increase (their median step is {step:.6g} s)")
    if not (1.0 / (params.gap_factor * fs) < step <= params.gap_factor / fs):
        raise InputError(f"the samples are {step:.6g} s apart ({1.0 / step})")


def _outcome(check: Callable[[], None]) -> tuple[type, str] | None:
    try:
        with np.errstate(invalid="ignore"):  # infinite times: inf - inf
            check()
    except InputError as err:
        text = str(err).split(" s apart")[0].split(" s) (")[0]  # up to the median step
        return type(err), text
    return None


@settings(max_examples=300, deadline=None)
@given(
    st.integers(RATE_CHECK_MIN - 2, 1100),
    st.sampled_from([64.0, 100.0, 1000.0]),
    st.sampled_from([1.5, 2.0]),
    st.data(),
)
def test_the_rate_check_equals_the_median_of_every_step(
    n: int, fs: float, gap_factor: float, data: st.DataObject
) -> None:
    """Steps about the limits (on them, just inside and outside, NaN, infinite, zero,
    negative) in a few places or many: the rate check fails exactly when the median of the
    first 1000 steps is out of range (its shortcut: every step in range), with the same
    error; a median step of zero or less is an input error too, not a division by zero.
    At 64 Hz with a gap factor of 2 the limits and the steps are on a binary grid: times
    taking them are exact."""
    p = ContactParams(gap_factor=gap_factor)
    lo, hi = 1.0 / (p.gap_factor * fs), p.gap_factor / fs
    odd = st.sampled_from([lo, hi, np.nextafter(lo, 0.0), np.nextafter(lo, 1.0),
                           np.nextafter(hi, 0.0), np.nextafter(hi, 1.0), 0.0, -1.0 / fs,
                           np.nan, np.inf, 10.0 / fs]) | st.floats(-1.0, 1.0)  # fmt: skip
    steps = np.full(max(n - 1, 0), data.draw(st.sampled_from([1.0 / fs, lo, hi])))
    for at in data.draw(st.lists(st.integers(0, max(n - 2, 0)), max_size=n)):
        if steps.size:
            steps[at] = data.draw(odd)
    t = np.concatenate(([0.0], np.cumsum(steps)))  # times taking these steps (rounded)
    want = _outcome(lambda: _rate_reference(t, fs, p))
    assert _outcome(lambda: _check_rate(t, fs, p)) == want


def test_the_rate_check_reads_the_first_1000_steps_only() -> None:
    """Half the first 1000 steps 1/fs and half 3/fs: the median, 2/fs, is out of range; a
    1001st step of 1/fs would have made it 1/fs."""
    steps = np.concatenate((np.full(500, 1.0), np.full(500, 3.0), np.full(600, 1.0))) / 64
    t = np.concatenate(([0.0], np.cumsum(steps)))
    with pytest.raises(InputError, match=r"0\.03125 s apart"):
        _check_rate(t, 64.0, ContactParams())


def test_repeated_times_are_one_input_error() -> None:
    """A record whose times repeat (each sample written three times) has a median step of
    0: one input error naming it, not a division by zero while the message is written."""
    t = np.repeat(np.arange(600) / 64.0, 3)
    with pytest.raises(InputError, match="do not increase"):
        _check_rate(t, 64.0, ContactParams())
