"""Contact detection on real recordings against the gaitndd database's own stride tables.

The shipped records (data/physionet/gaitndd) include the hard cases; a simple matcher pairs
detected strides with the table's rows after removing the record's constant offset (the
database's threshold is not published). Every shipped record (data/physionet) is checked
with the project's yardstick (gaitndd_compare.py) against the accuracy targets.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from stride.core.contacts import FootContacts, StreamingContactDetector, detect_contacts
from stride.readers import read_signals

DATA = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"
COLUMN = {"L": 1, "R": 2}


def strides(c: FootContacts) -> tuple[np.ndarray, np.ndarray]:
    st = c.stride_times()
    ok = np.isfinite(st)
    return c.on_t[ok], st[ok]


def simple_match(ts: np.ndarray, side: str, ic: np.ndarray, st: np.ndarray) -> tuple:
    """(share of valid rows matched, absolute errors of the matches)."""
    ref_t = ts[:, 0]
    ref = ts[:, COLUMN[side]]
    valid = (ref >= 0.4) & (ref <= 3.0)
    ref_t, ref = ref_t[valid], ref[valid]
    j = np.clip(np.searchsorted(ic, ref_t), 1, len(ic) - 1)
    near = np.where(np.abs(ic[j - 1] - ref_t) < np.abs(ic[j] - ref_t), j - 1, j)
    off = np.median(ic[near] - ref_t)
    j = np.clip(np.searchsorted(ic, ref_t + off), 1, len(ic) - 1)
    near = np.where(np.abs(ic[j - 1] - ref_t - off) < np.abs(ic[j] - ref_t - off), j - 1, j)
    close = np.abs(ic[near] - ref_t - off) < 0.3 * np.median(ref)
    err = np.abs(st[near] - ref)
    ok = close & (err < 0.1)
    return ok.mean(), err[ok]


@pytest.mark.parametrize(
    ("record", "side"),
    [
        ("control1", "L"),
        ("control1", "R"),
        ("hunt1", "L"),
        ("hunt1", "R"),  # stance split in two by a deep dip
        ("park5", "L"),  # a step in the force before each loading
        ("park5", "R"),
        ("als5", "L"),
    ],
)
def test_shipped_records_match_the_database(record: str, side: str) -> None:
    sig = read_signals(DATA / f"{record}.hea")
    ic, st = strides(detect_contacts(sig, side))
    share, err = simple_match(np.loadtxt(DATA / f"{record}.ts"), side, ic, st)
    assert share >= 0.97
    assert np.median(err) <= 0.0034  # one sample at 300 Hz
    assert np.mean(err <= 0.010) >= 0.8


def test_dead_sensor_on_the_adc_floor_gives_no_contacts() -> None:
    """als5's right sensor sits on -2048 (a real, saturated reading) in swing, and dies
    after 168 s: flat noise on the floor. The walking part is found, the dead part gives
    nothing (the database's table repeats a constant 1.2533 s there)."""
    sig = read_signals(DATA / "als5.hea")
    c = detect_contacts(sig, "R")
    assert not np.any(c.on_t > 170.0)
    ts = np.loadtxt(DATA / "als5.ts")
    walking = ts[ts[:, 0] < 165.0]
    ic, st = strides(c)
    share, err = simple_match(walking, "R", ic, st)
    assert share >= 0.97 and np.median(err) <= 0.0034
    dead = ts[ts[:, 0] > 180.0, 2]
    assert np.all(dead == dead[0])  # the reference artifact this test documents


def test_streaming_a_real_record_gives_the_batch_result() -> None:
    sig = read_signals(DATA / "hunt1.hea")
    for side in ("L", "R"):
        det = StreamingContactDetector.for_signals(sig, side)
        parts = [
            det.feed(sig.t[a : a + 997], sig.forces[a : a + 997]) for a in range(0, sig.n, 997)
        ]
        parts.append(det.finish())
        got = FootContacts.concat(parts, side, 1)
        want = detect_contacts(sig, side)
        np.testing.assert_array_equal(got.on_t, want.on_t)
        np.testing.assert_array_equal(got.impulse, want.impulse)
        np.testing.assert_array_equal(got.complete, want.complete)


@pytest.mark.slow
@pytest.mark.shared_data
def test_every_gaitndd_record_meets_the_accuracy_targets(shared_data: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "gaitndd_compare", shared_data / "gaitndd_compare.py"
    )
    assert spec is not None and spec.loader is not None
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    matched = total = extra = 0
    errors = []
    low = []
    for hea in sorted((shared_data / "gaitndd").glob("*.hea")):
        sig = read_signals(hea)
        steps = []
        for side in ("L", "R"):
            c = detect_contacts(sig, side)
            stride = c.stride_times()
            for k in np.flatnonzero(c.on_seen):
                s = float(stride[k])
                steps.append({"side": side, "ic_s": float(c.on_t[k]),
                              "stride_time_s": s if s == s else None})  # fmt: skip
        for side, (m, n, e, x) in compare.evaluate(str(hea.with_suffix(".ts")), steps).items():
            matched, total, extra = matched + m, total + n, extra + x
            errors.append(np.asarray(e))
            if m < 0.95 * n:
                low.append(f"{hea.stem} {side}")
    err = np.concatenate(errors)
    assert matched >= 0.99 * total
    assert extra <= 0.01 * total
    assert np.median(err) <= 0.0034
    assert np.mean(err < 0.010) >= 0.92
    # every record-side reaches 95 % (als5 R, whose sensor dies while the table goes on,
    # is measured only where the table has real rows: the yardstick drops the filled ones)
    assert low == []
