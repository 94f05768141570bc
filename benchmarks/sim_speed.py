"""How fast the simulator writes a session, and where the time goes.

    python benchmarks/sim_speed.py                # 60 min, 1 kHz, 4 channels (the target: <= 10 s)
    python benchmarks/sim_speed.py --minutes 10 --rate 500
    python benchmarks/sim_speed.py --accuracy     # the accuracy table of docs/simulation.md
    python benchmarks/sim_speed.py --profiles     # its every-profile table (the contract test's)

Speed: one run of ``stride sim session`` as a library call, timed end to end (walker in SimPy,
rendering of the forces and belt, frame encoding, link delivery, truth, writing the
recording), with each part's share measured in the same run. Accuracy: simulated sessions
analysed by ``stride.core`` and matched to their truth, per condition (noise, sample rate,
faults), side by side in one run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from sim.box import BoxConfig
from sim.link import Faults
from sim.profiles import parse_profile
from sim.sensors import NOISE_LEVELS
from sim.session import SessionSpec, simulate_session


def speed(minutes: float, rate: int, profile: str) -> None:
    spec = SessionSpec(
        minutes=minutes,
        speed_mps=1.0,
        params=parse_profile(profile).params,
        profile=profile,
        seed=1,
        box=BoxConfig(rate_hz=rate),
    )
    out = Path(tempfile.mkdtemp(prefix="sim_speed_")) / "session"
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        sim = simulate_session(out, spec)
        total, cpu = time.perf_counter() - t0, time.process_time() - c0
        size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    finally:
        shutil.rmtree(out.parent, ignore_errors=True)
    t = sim.timing
    parts = {
        "SimPy (walker events)": t["simpy_s"],
        "rendering (forces, ADC, frames)": t["render_s"],
        "encoding (protocol frames)": t["encode_s"],
        "link delivery and faults": t["link_s"],
        "ground truth": t["truth_s"],
        "writing the recording": t["write_s"],
    }
    other = total - sum(parts.values())
    print(
        f"{minutes:g} min at {rate} Hz, 4 channels, {profile}: {total:.2f} s "
        f"({minutes * 60 / total:.0f}x real time), {len(sim.truth)} true steps, "
        f"{size / 1e6:.1f} MB on disk"
    )
    # CPU time is the figure to compare on a shared machine: other programs inflate wall time
    print(
        f"  CPU time {cpu:.2f} s ({minutes * 60 / cpu:.0f}x real time); load average "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for name, v in [*parts.items(), ("other", other)]:
        print(f"  {name:34s} {v:6.2f} s  {100 * v / total:5.1f} %")


def _match(sim_truth: list, rows: list[dict], end: float) -> dict[str, float]:
    """Missed/extra steps, median |IC error|, step-length MAE and SI error.

    True steps flagged ``gap`` (data lost around them) are not expected to be found; analysed
    rows flagged ``edge`` (a contact whose start was not seen, after a gap) are not counted
    as extra steps: their IC is where the data resumed, not a contact.
    """
    missed = extra = 0
    ic_err, got_len, true_len, sides = [], [], [], []
    for side in "LR":
        got = np.array([float(r["ic_s"]) for r in rows if r["side"] == side])
        by_ic = {round(float(r["ic_s"]), 6): r for r in rows if r["side"] == side}
        truth = [
            t
            for t in sim_truth
            if t.side == side and 2.0 <= t.ic_s <= end - 2.0 and "gap" not in t.flags
        ]
        for t in truth:
            if got.size == 0:
                missed += 1
                continue
            k = int(np.argmin(np.abs(got - t.ic_s)))
            if abs(got[k] - t.ic_s) > 0.05:
                missed += 1
                continue
            ic_err.append(got[k] - t.ic_s)
            r = by_ic[round(float(got[k]), 6)]
            if r["step_length_m"] is not None and t.step_length_m is not None:
                got_len.append(float(r["step_length_m"]))
                true_len.append(t.step_length_m)
                sides.append(side)
        true_ic = np.array([t.ic_s for t in sim_truth if t.side == side])
        seen = np.array(
            [float(r["ic_s"]) for r in rows if r["side"] == side and "edge" not in r["flags"]]
        )
        inner = seen[(seen >= 2.0) & (seen <= end - 2.0)]
        extra += int(sum(np.min(np.abs(true_ic - ic)) > 0.05 for ic in inner))
    g, tr, s = np.array(got_len), np.array(true_len), np.array(sides)

    def si(x: np.ndarray) -> float:
        left, right = x[s == "L"].mean(), x[s == "R"].mean()
        return float((left - right) / (0.5 * (left + right)) * 100)

    return {
        "missed": missed,
        "extra": extra,
        "ic_ms": 1000 * float(np.median(np.abs(ic_err))) if ic_err else float("nan"),
        "sl_mm": 1000 * float(np.mean(np.abs(g - tr))) if g.size else float("nan"),
        "si_pts": abs(si(g) - si(tr)) if g.size else float("nan"),
        "measured": len(g),
    }


def accuracy(minutes: float, profile: str) -> None:
    from stride.core.analyzer import analyze
    from stride.ingest.recording import read_session

    nominal = NOISE_LEVELS["nominal"]
    conditions: list[tuple[str, BoxConfig, Faults]] = [
        ("clean, 1 kHz", BoxConfig(noise=NOISE_LEVELS["clean"]), Faults()),
        ("nominal, 1 kHz", BoxConfig(), Faults()),
        ("noisy, 1 kHz", BoxConfig(noise=NOISE_LEVELS["noisy"]), Faults()),
        ("nominal, 500 Hz", BoxConfig(rate_hz=500), Faults()),
        ("nominal, 200 Hz", BoxConfig(rate_hz=200), Faults()),
        ("nominal, 100 Hz", BoxConfig(rate_hz=100), Faults()),
        (
            "nominal, bouncing contacts 10 %",
            BoxConfig(noise=replace(nominal, bounce_prob=0.1)),
            Faults(),
        ),
        (
            "nominal, box drops 0.1 % of blocks",
            BoxConfig(noise=replace(nominal, dropout_prob=1e-3)),
            Faults(),
        ),
        ("nominal, bit flips 1e-5 per byte", BoxConfig(), Faults(bit_flip_rate=1e-5)),
        ("nominal, bit flips 1e-4 per byte", BoxConfig(), Faults(bit_flip_rate=1e-4)),
        ("nominal, dropped bytes 1e-4", BoxConfig(), Faults(drop_byte_rate=1e-4)),
        (
            "nominal, unplugged 3 s twice",
            BoxConfig(),
            Faults(unplug_at_s=(40.0, 120.0), unplug_s=3.0),
        ),
    ]
    params = parse_profile(profile).params
    print(f"{profile}, {minutes:g} min at 3.6 km/h, heel+toe sensors, seed 5")
    print(
        "| condition | true steps (outside data gaps) | missed | extra | IC error, median (ms) "
        "| step lengths measured | step length MAE (mm) | step-length SI error (points) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    root = Path(tempfile.mkdtemp(prefix="sim_acc_"))
    try:
        for i, (name, box, faults) in enumerate(conditions):
            spec = SessionSpec(
                minutes=minutes,
                speed_mps=1.0,
                params=params,
                profile=profile,
                seed=5,
                box=box,
                faults=faults,
            )
            sim = simulate_session(root / f"c{i}", spec)
            rows = analyze(read_session(root / f"c{i}")).step_rows()
            m = _match(sim.truth, rows, minutes * 60)
            n_true = sum(
                1 for t in sim.truth if 2.0 <= t.ic_s <= minutes * 60 - 2.0 and "gap" not in t.flags
            )
            print(
                f"| {name} | {n_true} | {m['missed']} | {m['extra']} | {m['ic_ms']:.2f} | "
                f"{m['measured']} | {m['sl_mm']:.1f} | {m['si_pts']:.2f} |"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def every_profile() -> None:
    """The sessions of tests/test_contract_sim_core.py (every profile at severity 0.5, 2
    minutes at 3.6 km/h, 1 kHz, heel and toe sensors, nominal noise, seed 7), matched as
    :func:`accuracy` matches."""
    from sim.cli_support import build_spec
    from sim.profiles import PROFILES
    from stride.core.analyzer import analyze
    from stride.ingest.recording import read_session

    print("| profile | true steps | missed | extra | IC error, median (ms) | step length MAE (mm) "
          "| step-length SI error (points) |")  # fmt: skip
    print("|---|---|---|---|---|---|---|")
    root = Path(tempfile.mkdtemp(prefix="sim_profiles_"))
    try:
        for name in sorted(PROFILES):
            profile = "healthy" if name == "healthy" else f"{name}:0.5"
            spec = build_spec(minutes=2.0, speed="3.6kmh", profile=profile, seed=7, rate=1000)
            sim = simulate_session(root / name, spec)
            m = _match(sim.truth, analyze(read_session(root / name)).step_rows(), 120.0)
            n_true = sum(1 for t in sim.truth if 2.0 <= t.ic_s <= 118.0 and "gap" not in t.flags)
            print(
                f"| {profile} | {n_true} | {m['missed']} | {m['extra']} | {m['ic_ms']:.2f} | "
                f"{m['sl_mm']:.1f} | {m['si_pts']:.2f} |"
            )
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--minutes", type=float, default=None)
    ap.add_argument("--rate", type=int, default=1000)
    ap.add_argument("--profile", default="antalgic-left:0.4")
    ap.add_argument("--accuracy", action="store_true", help="print the accuracy table instead")
    ap.add_argument("--profiles", action="store_true", help="print the every-profile table")
    a = ap.parse_args()
    if a.profiles:
        every_profile()
    elif a.accuracy:
        accuracy(a.minutes or 3.0, a.profile)
    else:
        speed(a.minutes or 60.0, a.rate, a.profile)


if __name__ == "__main__":
    main()
