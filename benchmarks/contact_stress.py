"""The contact detector on signals it has never seen: real-sensor faults applied to known input.

Not a test. Run: ``python benchmarks/contact_stress.py [--data data/physionet]
[--minutes 3] [--only NAME ...] [--quick] [--markdown]``.

The detector's settings were chosen on the gaitndd records (300 Hz, one FSR a foot) and on
the simulator; a user's sensor differs from both. Each transformation below is what a real
sensor or recording does to a force signal (its docstring gives the physical reason and the
parameters), applied to

- (a) every gaitndd record shipped in ``DATA/gaitndd``, read by ``stride.readers`` and
  analysed by ``stride.core.analyzer.analyze`` exactly as benchmarks/gaitndd_accuracy.py
  does (the analysis of ``stride analyze REC.hea --json``; the transformed
  :class:`~stride.core.signals.GaitSignals` is analysed in this process, no file is
  written), scored with the yardstick ``DATA/gaitndd_compare.py`` against the records'
  reference tables: reference strides matched, extra detected strides, median absolute
  stride-interval error, share within 10 ms, lowest record-side;
- (b) simulated treadmill sessions with truth (``SIM`` below: 1 kHz, int16 counts as the
  sensor box recorded them, benchmarks/realistic.py), scored as
  benchmarks/contact_timing.py does: true steps, missed, extra, initial-contact median
  absolute error (the worst session's), swing touches reported as contacts.

One row per transformation; the first row is the untransformed input. Levels are stated
per channel relative to the channel's own signal: its *unloaded level* (5th percentile),
its *loaded level* (95th percentile) and their difference ``R`` (the loaded level above
the unloaded one). Random parts use a fixed seed per record (the rows are reproducible).
``--quick``: 3 records, 1 simulated minute, a few transformations (the test suite's run).
``--noise-figures``: instead of the table, per transformation the feet's noise figures
(:func:`stride.core.noise.foot_noise`, the figure the output's noise warning is given on,
in % of the range; about a second a transformation) and how many feet would be warned of.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.contact_timing import score  # noqa: E402
from benchmarks.gaitndd_yardstick import SideResult, load_compare, side_results  # noqa: E402
from benchmarks.realistic import simulated_with_truth  # noqa: E402
from benchmarks.tables import print_table  # noqa: E402
from stride.core.signals import GaitSignals  # noqa: E402

DEFAULT_DATA = REPO / "data" / "physionet"
#: simulated sessions (profile, sensor layout)
SIM = (
    ("healthy", "heel-toe"), ("parkinsonian:0.5", "heel-toe"),
    ("huntington:0.6", "heel-toe"), ("huntington:0.6", "foot"),
)  # fmt: skip

Fn = Callable[[GaitSignals, np.random.Generator], GaitSignals]


def _x(sig: GaitSignals) -> NDArray[np.float64]:
    return np.asarray(sig.forces, np.float64)


def _levels(x: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Per column: the unloaded level (5th percentile) and ``R``, the loaded level (95th
    percentile) above it."""
    lo, hi = np.percentile(x, [5.0, 95.0], axis=0)
    return lo, hi - lo


def _with(sig: GaitSignals, x: NDArray[np.float64]) -> GaitSignals:
    return replace(sig, forces=x)


def resample(fs_new: float) -> Fn:
    def apply(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
        t = sig.times()
        x = _x(sig)
        k = round(sig.fs / fs_new)
        if k > 1:  # the new sensor's own averaging over its sample period
            ker = np.ones(k) / k
            x = np.stack([np.convolve(x[:, j], ker, mode="same") for j in range(x.shape[1])], 1)
        t2 = t[0] + np.arange(int((t[-1] - t[0]) * fs_new) + 1) / fs_new
        x2 = np.stack([np.interp(t2, t, x[:, j]) for j in range(x.shape[1])], 1)
        return replace(sig, t=t2, forces=x2, fs=float(fs_new))

    apply.__doc__ = f"""Resampled to {fs_new:g} Hz. Devices sample at 50 Hz - 2 kHz; a
    slower one averages over its sample period (a moving average of round(fs/{fs_new:g})
    samples, centred), then the force is read at the new instants (linear
    interpolation, which is also what a faster sensor sees of a smooth force)."""
    return apply


def drift(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Slow baseline drift: +/-10 % of R, a sine of period 120 s with a random phase per
    channel. An FSR's and a strain gauge's zero moves with temperature as the shoe warms
    (minutes), independently for each sensor."""
    x = _x(sig)
    _, r = _levels(x)
    t = sig.times()[:, None]
    ph = rng.uniform(0, 2 * np.pi, x.shape[1])
    return _with(sig, x + 0.1 * r * np.sin(2 * np.pi * t / 120.0 + ph))


def offset(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Constant offset of +1.0 R: a sensor not tared, or tared with the foot on it, or
    preloaded by a tight shoe (the unloaded level sits where the load used to reach)."""
    x = _x(sig)
    _, r = _levels(x)
    return _with(sig, x + r)


def gain(g_left: float, g_right: float) -> Fn:
    def apply(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
        x = _x(sig)
        lo, _ = _levels(x)
        g = np.array([g_left if c.side == "L" else g_right for c in sig.channels])
        return _with(sig, lo + g * (x - lo))

    apply.__doc__ = f"""Gain x{g_left:g} (left) and x{g_right:g} (right) about the unloaded
    level: a different sensor's sensitivity, another amplifier setting, or a heavier or
    lighter walker (the zero stays, the load scales); unequal sides: two sensors of one
    pair calibrated differently."""
    return apply


def clip(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Saturation at 70 % of the peak: readings above unloaded level + 0.7 x (maximum -
    unloaded level) read that value. An amplifier or ADC range set for a lighter walker,
    an FSR at the top of its range: the loading's top is flat."""
    x = _x(sig)
    lo, _ = _levels(x)
    top = lo + 0.7 * (x.max(axis=0) - lo)
    return _with(sig, np.minimum(x, top))


def quantise(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Coarse quantisation: an 8-bit ADC over the channel's whole span (minimum to maximum
    in 256 steps). Cheap sensors and wireless insoles send 8 bits a sample."""
    x = _x(sig)
    a, b = x.min(axis=0), x.max(axis=0)
    step = (b - a) / 255.0
    return _with(sig, a + np.round((x - a) / step) * step)


def spikes(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Impulse spikes: on average one a second per channel (Poisson), a single sample
    moved by +/-1.0 R (random sign): a bit error on a serial link, ESD, a connector that
    cracks. One sample is no contact."""
    x = _x(sig).copy()
    _, r = _levels(x)
    n, k = x.shape
    dur = sig.last_time() - float(sig.t[0])
    for j in range(k):
        at = rng.integers(0, n, rng.poisson(dur))
        x[at, j] += r[j] * rng.choice([-1.0, 1.0], at.size)
    return _with(sig, x)


def hum(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """50 Hz mains hum of amplitude 5 % of R (random phase per channel): an unshielded
    lead near mains wiring, a treadmill motor (aliased where the rate is below 100 Hz)."""
    x = _x(sig)
    _, r = _levels(x)
    t = sig.times()[:, None]
    ph = rng.uniform(0, 2 * np.pi, x.shape[1])
    return _with(sig, x + 0.05 * r * np.sin(2 * np.pi * 50.0 * t + ph))


def noise(frac: float) -> Fn:
    def apply(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
        x = _x(sig)
        _, r = _levels(x)
        return _with(sig, x + frac * r * rng.standard_normal(x.shape))

    apply.__doc__ = f"""White noise of SD {100 * frac:g} % of R: an amplifier's and
    ADC's noise, a long unshielded cable, a low-cost FSR read with a high-value divider."""
    return apply


def dead(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """A dead stretch of 5 s on the left foot, from 40 % of the record: every left channel
    holds the reading it had at the stretch's start (a frozen ADC, a wireless link that
    repeats its last packet, a sensor stuck). No strides can be seen there; none may be
    invented across it."""
    x = _x(sig).copy()
    t = sig.times()
    a = int(np.searchsorted(t, t[0] + 0.4 * (t[-1] - t[0])))
    b = int(np.searchsorted(t, t[a] + 5.0))
    for j, c in enumerate(sig.channels):
        if c.side == "L":
            x[a:b, j] = x[a, j]
    return _with(sig, x)


def invert(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Inverted polarity: every channel read upside down (minimum + maximum - reading): a
    load cell read in tension, a divider wired the other way, an FSR read as a resistance
    (falls with load). The detector takes a higher reading as more load."""
    x = _x(sig)
    return _with(sig, x.min(axis=0) + x.max(axis=0) - x)


def invert_left(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """Inverted polarity on the left foot only (its channels as in "inverted"): one
    sensor of a pair wired the other way. The two feet's readings then rise and fall
    together, which the output warns of (stride.core.polarity)."""
    x = _x(sig).copy()
    left = np.array([c.side == "L" for c in sig.channels])
    x[:, left] = x[:, left].min(axis=0) + x[:, left].max(axis=0) - x[:, left]
    return _with(sig, x)


def identity(sig: GaitSignals, rng: np.random.Generator) -> GaitSignals:
    """As recorded (the untransformed figure)."""
    return sig


TRANSFORMS: dict[str, Fn] = {
    "as recorded": identity,
    "100 Hz": resample(100.0),
    "200 Hz": resample(200.0),
    "500 Hz": resample(500.0),
    "1000 Hz": resample(1000.0),
    "drift +/-10 %": drift,
    "offset +1.0 R": offset,
    "gain x0.5": gain(0.5, 0.5),
    "gain x3": gain(3.0, 3.0),
    "gain L x0.5, R x2": gain(0.5, 2.0),
    "clipped at 70 %": clip,
    "8-bit ADC": quantise,
    "spikes 1/s": spikes,
    "50 Hz hum 5 %": hum,
    "noise 2 %": noise(0.02),
    "noise 8 %": noise(0.08),
    "dead 5 s (left)": dead,
    "inverted": invert,
    "inverted (left)": invert_left,
}
QUICK = (
    "as recorded", "100 Hz", "gain x3", "spikes 1/s", "dead 5 s (left)", "inverted",
    "inverted (left)",
)  # fmt: skip


def overall(rows: list[SideResult]) -> dict[str, float]:
    """benchmarks/gaitndd_accuracy.py's overall figures (NaN where nothing matched)."""
    t = sum(r.total for r in rows)
    e = np.concatenate([r.errors for r in rows]) if rows else np.zeros(0)
    nan = float("nan")
    return {
        "matched": sum(r.matched for r in rows) / t,
        "extra": sum(r.extra for r in rows) / t,
        "median_ms": 1000 * float(np.median(e)) if e.size else nan,
        "within_10ms": float(np.mean(e < 0.010)) if e.size else nan,
        "min_side": min(r.share for r in rows),
    }


def _seed(name: str) -> int:
    return sum(ord(c) * (k + 1) for k, c in enumerate(name))


def gaitndd(data: Path, names: list[str], records: int | None) -> dict[str, dict[str, Any]]:
    """Per transformation: the gaitndd figures (benchmarks/gaitndd_accuracy.py's) and the
    output's warnings."""
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    compare = load_compare(data, fast=True)
    heads = sorted((data / "gaitndd").glob("*.hea"))[:records]
    rows: dict[str, list[SideResult]] = {n: [] for n in names}
    warns: dict[str, int] = dict.fromkeys(names, 0)
    for hea in heads:
        sig = read_signals(hea)
        for n in names:
            got = analyze(TRANSFORMS[n](sig, np.random.default_rng(_seed(hea.stem))))
            warns[n] += len(got.summary.get("warnings", []))  # type: ignore[arg-type]
            res = compare.evaluate(str(hea.with_suffix(".ts")), got.step_rows())
            rows[n] += side_results(hea.stem, res)
    return {n: {**overall(rows[n]), "warnings": warns[n]} for n in names}


def simulated(names: list[str], minutes: float) -> dict[str, dict[str, Any]]:
    """Per transformation: the simulated sessions' figures summed (the IC error: the
    worst session's median) and the output's warnings."""
    out: dict[str, dict[str, Any]] = {
        n: {"true": 0, "missed": 0, "extra": 0, "ic_ms": 0.0, "touch": 0, "as_c": 0, "warnings": 0}
        for n in names
    }
    for k, (profile, sensors) in enumerate(SIM):
        sig, run = simulated_with_truth(profile, sensors, minutes, seed=3 + k)
        for n in names:
            s = TRANSFORMS[n](sig, np.random.default_rng(_seed(profile + sensors)))
            r = score(profile, s, run)
            o = out[n]
            o["true"] += r["true_steps"]
            o["missed"] += r["missed"]
            o["extra"] += r["extra"]
            o["ic_ms"] = max(o["ic_ms"], r["ic_median_ms"])
            o["touch"] += r["touches"]
            o["as_c"] += r["touches_as_contacts"]
            o["warnings"] += len(r["warnings"])
    return out


def noise_figures(
    data: Path, names: list[str], records: int | None, minutes: float
) -> list[tuple[str, ...]]:
    """Per transformation: the gaitndd feet's noise figures (lowest, median, highest, %),
    the simulated feet's (lowest, highest) and the feet at or above the warning's
    threshold (gaitndd, simulated)."""
    from stride.core.noise import NOISE_WARNING, foot_noise
    from stride.core.noise import noise_figures as figures
    from stride.readers import read_signals

    def feet(sig: GaitSignals) -> list[float]:
        return [f for f, _ in foot_noise(figures(sig.forces, sig.fs), sig.channels).values()]

    g: dict[str, list[float]] = {n: [] for n in names}
    s: dict[str, list[float]] = {n: [] for n in names}
    for hea in sorted((data / "gaitndd").glob("*.hea"))[:records]:
        sig = read_signals(hea)
        for n in names:
            g[n] += feet(TRANSFORMS[n](sig, np.random.default_rng(_seed(hea.stem))))
    for k, (profile, sensors) in enumerate(SIM):
        sig, _ = simulated_with_truth(profile, sensors, minutes, seed=3 + k)
        for n in names:
            s[n] += feet(TRANSFORMS[n](sig, np.random.default_rng(_seed(profile + sensors))))
    out = []
    for n in names:
        a, b = 100 * np.array(g[n]), 100 * np.array(s[n])
        warned = f"{int(np.sum(a >= 100 * NOISE_WARNING))}, {int(np.sum(b >= 100 * NOISE_WARNING))}"
        out.append(
            (n, f"{a.min():.2f}", f"{np.median(a):.2f}", f"{a.max():.2f}",
             f"{b.min():.2f}", f"{b.max():.2f}", warned)
        )  # fmt: skip
    return out


NOISE_HEAD = (
    "transformation", "gaitndd lowest %", "median %", "highest %", "sim lowest %",
    "highest %", "feet warned (gaitndd, sim)",
)  # fmt: skip

HEAD = (
    "transformation", "gaitndd matched %", "extra %", "median ms", "within 10 ms %",
    "lowest side %", "warnings", "sim steps", "missed", "extra", "IC median ms (worst)",
    "touches as contacts", "sim warnings",
)  # fmt: skip


def cells(n: str, g: dict[str, Any], s: dict[str, Any]) -> tuple[str, ...]:
    return (
        n, f"{100 * g['matched']:.2f}", f"{100 * g['extra']:.2f}", f"{g['median_ms']:.2f}",
        f"{100 * g['within_10ms']:.1f}", f"{100 * g['min_side']:.1f}", str(g["warnings"]),
        str(s["true"]), str(s["missed"]), str(s["extra"]), f"{s['ic_ms']:.1f}",
        f"{s['as_c']}/{s['touch']}", str(s["warnings"]),
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--minutes", type=float, default=3.0, help="per simulated session")
    ap.add_argument("--only", nargs="*", help="these transformations (and the untransformed)")
    ap.add_argument("--quick", action="store_true", help="3 records, 1 minute, a few rows")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--noise-figures", action="store_true", help="the feet's noise figures")
    args = ap.parse_args()
    if not (args.data / "gaitndd").is_dir():
        raise SystemExit(f"{args.data}/gaitndd is absent (give --data the folder of the records)")
    names = list(QUICK if args.quick else TRANSFORMS)
    if args.only:
        unknown = set(args.only) - set(TRANSFORMS)
        if unknown:
            raise SystemExit(f"unknown transformations {sorted(unknown)}: {list(TRANSFORMS)}")
        names = ["as recorded", *(n for n in args.only if n != "as recorded")]
    t0 = time.perf_counter()
    head = NOISE_HEAD if args.noise_figures else HEAD
    if args.noise_figures:
        quick = args.quick
        rows = noise_figures(args.data, names, 3 if quick else None, 1.0 if quick else args.minutes)
    else:
        g = gaitndd(args.data, names, 3 if args.quick else None)
        s = simulated(names, 1.0 if args.quick else args.minutes)
        rows = [cells(n, g[n], s[n]) for n in names]
    print_table(head, rows, args.markdown)
    took = time.perf_counter() - t0
    print(f"({len(names)} transformations in {took:.0f} s)", file=sys.stderr)


if __name__ == "__main__":
    main()
