"""What readers hand the core: forces in the recorded dtype (int16 counts) or float32 where
the reader must scale, never a float64 copy; times float64 seconds."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from devices.recording import SessionWriter
from devices.sensorbox import encode_hello, encode_samples
from devices.sensorbox.frames import ChannelSpec, Hello
from stride.readers import read_signals

DATA = Path(__file__).resolve().parents[2] / "data"
GAITNDD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"
PLACES = (("L", "heel"), ("L", "toe"), ("R", "heel"), ("R", "toe"))


def _session(path: Path, counts: np.ndarray, specs: tuple[ChannelSpec, ...]) -> None:
    hello = Hello(specs, sample_rate_hz=1000)
    wire = [encode_hello(0, 0, hello)]
    for k, a in enumerate(range(0, counts.shape[0], 10)):
        wire.append(encode_samples(k + 1, a * 1000, 1000, counts[a : a + 10]))
    with SessionWriter(str(path)) as w:
        w.add_stream("box", "sensorbox-v1").append(b"".join(wire), 1.0)


def _counts(n: int = 2000) -> np.ndarray:
    rng = np.random.default_rng(1)
    return rng.integers(-2048, 2047, (n, 4)).astype(np.int16)


def test_a_calibrated_box_gives_float32_newtons(tmp_path: Path) -> None:
    counts = _counts()
    offsets, scales = (150, 140, 160, 155), (0.3, 0.25, 0.35, 0.3)
    specs = tuple(
        ChannelSpec.of(s, p, offset=o, scale=c)
        for (s, p), o, c in zip(PLACES, offsets, scales, strict=True)
    )
    _session(tmp_path / "s", counts, specs)
    sig = read_signals(tmp_path / "s")
    assert sig.forces.dtype == np.float32 and sig.units == "N"
    assert sig.t.dtype == np.float64 and sig.t[-1] == (counts.shape[0] - 1) / 1000
    want = (counts - np.asarray(offsets, np.float64)) * np.asarray(scales, np.float64)
    assert np.allclose(sig.forces, want, rtol=1e-6, atol=1e-4)
    assert np.all(np.abs(sig.forces - want) <= np.abs(want) * 2**-23 * 2 + 1e-5)


def test_an_uncalibrated_box_gives_its_int16_counts(tmp_path: Path) -> None:
    counts = _counts()
    _session(tmp_path / "s", counts, tuple(ChannelSpec.of(s, p) for s, p in PLACES))
    sig = read_signals(tmp_path / "s")
    assert sig.forces.dtype == np.int16 and sig.units == "adu"
    assert np.array_equal(sig.forces, counts)


def test_physionet_and_gaitpdb_readers() -> None:
    wfdb = read_signals(GAITNDD / "control1.hea")
    assert wfdb.forces.dtype == np.int16 and wfdb.units == "adu"  # one gain: counts as read
    gaitpdb = read_signals(DATA / "gaitpdb" / "GaCo01_01_30s.txt")
    assert gaitpdb.forces.dtype == np.float32 and gaitpdb.units == "N"
    assert wfdb.t.dtype == gaitpdb.t.dtype == np.float64
