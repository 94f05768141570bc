"""Leave-one-group-out cross-validation of the contact detector's settings on gaitndd.

Not a test. Run: ``python benchmarks/gaitndd_crossval.py [--data data/physionet]
[--markdown] [--check]`` (the records ship with the repository). The records of the four
groups (als, control, hunt, park) are analysed as ``stride analyze REC.hea --json`` does
(``stride.core.analyzer.analyze`` on the record read by ``stride.readers``; ``--cli`` runs
the command itself for the reported settings) and their strides compared with the
database's tables by the yardstick
``gaitndd_compare.py`` shipped beside the data.

For each group in turn, every candidate setting of the grid below is scored on the three
other groups and the best is chosen; the chosen setting is then reported on the held-out
group, beside the shipped defaults' figure on that same group (how much of the held-out
figure's distance from the all-records one is the group's own, not the choice) and the
chosen setting's figure on all records. A rule enters the defaults
only if it improves the held-out folds: the ablation table gives each rule's effect on
each held-out group, the rest of the setting as chosen for that fold.

Score (lower is better): the share of reference strides that are not matched within
10 ms, plus the share of extra detections, over the records scored (one number for what a
user of the strides sees go wrong). ``--check`` recomputes the reported settings with the
yardstick as shipped (its slow alignment) and stops if any figure differs from the fast copy.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gaitndd_yardstick import SideResult, load_compare, side_results  # noqa: E402
from benchmarks.tables import print_table  # noqa: E402

DEFAULT_DATA = REPO / "data" / "physionet"
GROUPS = ("als", "control", "hunt", "park")

#: the candidate settings: the levels and durations the rules turn on
GRID: dict[str, tuple[Any, ...]] = {
    "onset_frac": (0.1, 0.15),
    "low_frac": (0.15, 0.2, 0.25, 0.3),
    "mid_frac": (0.5, 0.6),
    "min_contact_s": (0.08, 0.1),
    "min_swing_s": (0.12, 0.16, 0.2),
    "touch_rule": (False, True),
    "onset_back_s": (0.0, 0.005, 0.01),
}
#: rules whose effect on each held-out fold is shown (setting name: the value that is off)
RULES: dict[str, Any] = {"touch_rule": False, "onset_frac": 0.15, "onset_back_s": 0.0}


def group_of(record: str) -> str:
    return record.rstrip("0123456789")


def steps_of(sig: Any, settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The steps rows of ``stride analyze --json`` for a record, with these settings."""
    from stride.core.analyzer import AnalysisConfig, analyze
    from stride.core.contacts import ContactParams

    cfg = AnalysisConfig(contact=ContactParams(**settings))
    return analyze(sig, cfg).step_rows()


def evaluate(records: dict[str, Any], settings: dict[str, Any], compare: Any) -> list[SideResult]:
    """Each record-side's figures by the yardstick ``compare`` (the fast copy, or with
    ``--check`` the module as shipped)."""
    out = []
    for name, sig in records.items():
        steps = steps_of(sig, settings)
        res = compare.evaluate(str(sig.meta["ts_path"]), steps)
        out += side_results(name, res)
    return out


def figures(rows: list[SideResult]) -> dict[str, float]:
    m = sum(r.matched for r in rows)
    n = sum(r.total for r in rows)
    x = sum(r.extra for r in rows)
    e = np.concatenate([r.errors for r in rows]) if rows else np.zeros(0)
    within = int(np.sum(e < 0.010))
    return {
        "matched": 100.0 * m / n,
        "extra": 100.0 * x / n,
        "median_ms": 1000.0 * float(np.median(e)),
        "within_10ms": 100.0 * within / max(len(e), 1),
        "min_side": min(100.0 * r.matched / r.total for r in rows),
        "score": 100.0 * ((n - within) + x) / n,
        "rows": float(n),
    }


def key(settings: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(settings[k] for k in GRID)


def candidates() -> list[dict[str, Any]]:
    """The grid, the shipped defaults first (a tie keeps the defaults)."""
    from stride.core.contacts import ContactParams

    defaults = {k: getattr(ContactParams(), k) for k in GRID}
    out = [defaults]
    for values in itertools.product(*GRID.values()):
        s = dict(zip(GRID, values, strict=True))
        if s["onset_frac"] <= s["low_frac"] and s != defaults:
            out.append(s)
    return out


def load(data: Path) -> dict[str, Any]:
    from stride.core.signals import GaitSignals
    from stride.readers import read_signals

    out = {}
    for hea in sorted((data / "gaitndd").glob("*.hea")):
        sig = read_signals(hea)
        meta = dict(sig.meta, ts_path=str(hea.with_suffix(".ts")))
        sig = GaitSignals(sig.t, sig.forces, sig.channels, sig.fs, sig.belt_t, sig.belt_speed,
                          sig.units, meta)  # fmt: skip
        out[hea.stem] = sig
    return out


def fmt(f: dict[str, float]) -> str:
    return (
        f"{f['matched']:.2f} % matched, {f['extra']:.2f} % extra, median {f['median_ms']:.2f} ms,"
        f" {f['within_10ms']:.1f} % within 10 ms, lowest side {f['min_side']:.1f} %"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--check", action="store_true", help="reported figures with the slow yardstick")
    args = ap.parse_args()
    if not (args.data / "gaitndd").is_dir():
        raise SystemExit(f"{args.data}/gaitndd is absent (give --data the folder of the records)")
    from stride.core.contacts import ContactParams

    compare = load_compare(args.data, fast=True)
    records = load(args.data)
    t0 = time.perf_counter()
    per: dict[tuple[Any, ...], list[SideResult]] = {}
    for s in candidates():
        per[key(s)] = evaluate(records, s, compare)
    took = time.perf_counter() - t0

    cands = candidates()
    defaults = {k: getattr(ContactParams(), k) for k in GRID}

    def score(s: dict[str, Any], groups: tuple[str, ...]) -> tuple[float, float, int]:
        """Score, then median error, then the fewest settings away from the defaults."""
        rows = [r for r in per[key(s)] if group_of(r.record) in groups]
        f = figures(rows)
        return f["score"], f["median_ms"], sum(s[k] != defaults[k] for k in GRID)

    best_all = min(cands, key=lambda s: score(s, GROUPS))
    lines = []
    lines.append(f"grid: {len(cands)} settings x {len(records)} records in {took:.0f} s")
    lines.append(f"shipped defaults: {defaults}")
    lines.append(f"best on all four groups: {best_all}")
    if key(defaults) not in per:
        per[key(defaults)] = evaluate(records, defaults, compare)
    all_rows = per[key(defaults)]
    lines.append(f"all records, shipped defaults: {fmt(figures(all_rows))}")
    table = [("held-out group", "chosen on the other three", "held-out: matched %",
              "extra %", "median ms", "within 10 ms %", "lowest side %",
              "shipped defaults, same group", "all records, same setting")]  # fmt: skip
    ablation = []
    for g in GROUPS:
        train = tuple(x for x in GROUPS if x != g)
        chosen = min(cands, key=lambda s: score(s, train))
        held = figures([r for r in per[key(chosen)] if group_of(r.record) == g])
        whole = figures(per[key(chosen)])
        same = figures([r for r in all_rows if group_of(r.record) == g])
        changed = {k: v for k, v in chosen.items() if v != defaults[k]}
        table.append((
            g, str(changed or "the defaults"), f"{held['matched']:.2f}", f"{held['extra']:.2f}",
            f"{held['median_ms']:.2f}", f"{held['within_10ms']:.1f}", f"{held['min_side']:.1f}",
            f"{same['matched']:.2f} / {same['extra']:.2f} / {same['within_10ms']:.1f}",
            f"{whole['matched']:.2f} / {whole['extra']:.2f} / {whole['within_10ms']:.1f}",
        ))  # fmt: skip
        for rule, off in RULES.items():
            other = dict(chosen, **{rule: off})
            if chosen[rule] == off or key(other) not in per:
                continue
            a = figures([r for r in per[key(other)] if group_of(r.record) == g])
            ablation.append((f"{rule} (off: {off})", g, f"{held['score']:.2f}", f"{a['score']:.2f}",
                             f"{held['within_10ms'] - a['within_10ms']:+.1f}",
                             f"{held['matched'] - a['matched']:+.2f}",
                             f"{held['extra'] - a['extra']:+.2f}"))  # fmt: skip
    print("\n".join(lines))
    print()
    _print(table, args.markdown)
    if ablation:
        print()
        head = ("rule", "held-out group", "score as chosen", "score, rule off",
                "within 10 ms (chosen - off)", "matched", "extra")  # fmt: skip
        _print([head, *ablation], args.markdown)
    print()
    per_group = [("group", "matched %", "extra %", "median ms", "within 10 ms %", "lowest side %")]
    for g in GROUPS:
        f = figures([r for r in all_rows if group_of(r.record) == g])
        per_group.append((g, f"{f['matched']:.2f}", f"{f['extra']:.2f}", f"{f['median_ms']:.2f}",
                          f"{f['within_10ms']:.1f}", f"{f['min_side']:.1f}"))  # fmt: skip
    f = figures(all_rows)
    per_group.append(("all", f"{f['matched']:.2f}", f"{f['extra']:.2f}", f"{f['median_ms']:.2f}",
                      f"{f['within_10ms']:.1f}", f"{f['min_side']:.1f}"))  # fmt: skip
    _print(per_group, args.markdown)
    if args.check:
        slow = figures(evaluate(records, defaults, load_compare(args.data)))
        if slow != figures(all_rows):
            raise SystemExit(f"fast and slow yardsticks differ: {slow} != {figures(all_rows)}")
        print("\ncheck: the yardstick's own alignment gives the same figures")


def _print(rows: list[tuple[str, ...]], markdown: bool) -> None:
    print_table(rows[0], rows[1:], markdown)


if __name__ == "__main__":
    main()
