"""Contact timing against the simulator's truth, for every gait profile.

Not a test. Run: ``python benchmarks/contact_timing.py [--minutes 10] [--sensors heel-toe]
[--markdown]``. Each profile (severity 0.5; huntington 0.6) is simulated at 1 kHz with
nominal sensor noise on a treadmill at 3.6 km/h (``benchmarks/realistic.py``: the recorded
int16 counts), analysed by ``stride.core.analyzer.analyze`` and matched with the true
steps (``truth_steps.csv``): a detected initial contact (IC) within 50 ms of a true one is
that step. Reported: true steps (outside 2 s at either end), missed, extra (detected steps
matching none), and the errors detected minus true of IC, final contact (FC), stance
(FC - IC) and heel-to-toe (forefoot load onset - heel load onset, in heel-first contacts;
true value: ``heel_to_toe_s``, plus the touch of a two-stage contact), as median and 95th
percentile of the absolute error; and the swing touches reported as contacts.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.realistic import simulated_with_truth  # noqa: E402
from benchmarks.tables import print_table  # noqa: E402

if TYPE_CHECKING:
    from sim.session import SimulatedSession
    from stride.core.signals import GaitSignals

PROFILES = (
    "healthy", "antalgic-left:0.5", "antalgic-right:0.5", "hemiparetic-left:0.5",
    "hemiparetic-right:0.5", "parkinsonian:0.5", "drop-foot-left:0.5", "drop-foot-right:0.5",
    "huntington:0.6",
)  # fmt: skip


def timing(profile: str, sensors: str, minutes: float, seed: int = 3) -> dict[str, Any]:
    """Match one simulated session's analysis with its truth."""
    sig, run = simulated_with_truth(profile, sensors, minutes, seed)
    return score(profile, sig, run)


def score(profile: str, sig: GaitSignals, run: SimulatedSession) -> dict[str, Any]:
    """Match the analysis of ``sig`` (the session's signals, or a transformation of them
    on the same clock: benchmarks/contact_stress.py) with the session's truth."""
    from stride.core.analyzer import analyze

    got = analyze(sig)
    rows = got.step_rows()
    scale = run.spec.box.clock_scale
    end = run.spec.minutes * 60.0
    out: dict[str, Any] = {"profile": profile, "warnings": got.summary.get("warnings", [])}
    err: dict[str, list[float]] = {"ic": [], "fc": [], "stance": [], "heel_toe": []}
    missed = total = extra = 0
    by_ic = {(c.side, round(c.ic * scale, 6)): c for c in run.contacts}
    used: set[int] = set()
    for side in ("L", "R"):
        det = [(k, r) for k, r in enumerate(rows) if r["side"] == side]
        dic = np.array([r["ic_s"] for _, r in det])
        for tr in (x for x in run.truth if x.side == side):
            if not (2.0 < tr.ic_s < end - 2.0) or "gap" in tr.flags:
                continue
            total += 1
            j = int(np.argmin(np.abs(dic - tr.ic_s))) if dic.size else -1
            if j < 0 or abs(dic[j] - tr.ic_s) > 0.05:
                missed += 1
                continue
            k, r = det[j]
            used.add(k)
            err["ic"].append(r["ic_s"] - tr.ic_s)
            if tr.fc_s is not None and r["fc_s"] is not None:
                err["fc"].append(r["fc_s"] - tr.fc_s)
            if tr.stance_s is not None and r["stance_s"] is not None:
                err["stance"].append(r["stance_s"] - tr.stance_s)
            c = by_ic.get((side, round(tr.ic_s, 6)))
            if c is not None and c.kind == "heel" and r["heel_toe_s"] is not None:
                true_ht = run.spec.params.heel_to_toe_s + (c.pre_touch[0] if c.pre_touch else 0)
                err["heel_toe"].append(r["heel_toe_s"] - true_ht * scale)
    for k, r in enumerate(rows):
        inner = 2.0 < r["ic_s"] < end - 2.0
        if inner and k not in used and "edge" not in r["flags"]:
            extra += 1
    touches = [(a * scale, (a + d) * scale) for c in run.contacts for a, d, _ in c.swing_events]
    ics = np.array([r["ic_s"] for r in rows])
    out["touches"] = len(touches)
    out["touches_as_contacts"] = sum(
        bool(np.any((ics > a - 0.01) & (ics < b + 0.01))) for a, b in touches
    )
    out.update(true_steps=total, missed=missed, extra=extra)
    for name, v in err.items():
        a = np.abs(np.asarray(v))
        out[f"{name}_median_ms"] = 1e3 * float(np.median(a)) if a.size else float("nan")
        out[f"{name}_p95_ms"] = 1e3 * float(np.percentile(a, 95)) if a.size else float("nan")
        out[f"{name}_bias_ms"] = 1e3 * float(np.median(v)) if a.size else float("nan")
    return out


HEAD = ("profile", "true steps", "missed", "extra", "IC abs. error median / p95 ms",
        "IC bias ms", "FC abs. error median / p95 ms", "stance abs. error median / p95 ms",
        "stance bias ms", "heel-to-toe abs. error median / p95 ms",
        "swing touches (as contacts)")  # fmt: skip


def cells(r: dict[str, Any]) -> tuple[str, ...]:
    def mp(name: str) -> str:
        if r[name + "_median_ms"] != r[name + "_median_ms"]:
            return "-"  # not measured (no heel and toe sensors)
        return f"{r[name + '_median_ms']:.1f} / {r[name + '_p95_ms']:.1f}"

    return (
        r["profile"], str(r["true_steps"]), str(r["missed"]), str(r["extra"]), mp("ic"),
        f"{r['ic_bias_ms']:+.1f}", mp("fc"), mp("stance"), f"{r['stance_bias_ms']:+.1f}",
        mp("heel_toe"), f"{r['touches']} ({r['touches_as_contacts']})",
    )  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--sensors", default="heel-toe")
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--markdown", action="store_true")
    args = ap.parse_args()
    rows = [cells(timing(p, args.sensors, args.minutes, args.seed)) for p in PROFILES]
    print_table(HEAD, rows, args.markdown)


if __name__ == "__main__":
    main()
