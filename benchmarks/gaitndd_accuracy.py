"""Accuracy of contact detection on PhysioNet's gaitndd records against their .ts tables.

Not a test. Run: ``python benchmarks/gaitndd_accuracy.py [--data data/physionet]
[--markdown] [--cli] [--unmatched]`` (the records ship with the repository:
data/physionet/README.md).
Every record of ``DATA/gaitndd`` is analysed as ``stride analyze REC.hea --json`` does,
with the default settings (no per-record tuning): read with ``stride.readers`` and
analysed by ``stride.core.analyzer.analyze``; with ``--cli`` the command itself is run for
each record (slower, the same rows). The steps rows (``side``, ``ic_s``,
``stride_time_s``: IC to the previous IC of the same foot, null where not measurable) are
compared with ``DATA/gaitndd_compare.py`` exactly as its docstring says.
Prints a per-record table (text, or markdown for docs/accuracy.md) and the overall figures:
reference strides matched, extra detected strides, median and 95th percentile of the
absolute stride-interval error, share within 10 ms; then, for the gaitpdb trials (no
reference events), the plausibility figures: strides per foot, stride time, stance share,
cadence and which insole cell loads first. ``--unmatched`` lists instead every reference
row the yardstick left unmatched and every extra detected stride (the strides the figures
miss; docs/accuracy.md classifies them by cause).
"""

from __future__ import annotations

import argparse
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


def steps_of(hea: Path, cli: bool = False) -> list[dict[str, object]]:
    """The steps rows of ``stride analyze REC.hea --json`` (in this process, or the
    command's own output with ``cli``)."""
    if cli:
        import json
        import subprocess

        cmd = [sys.executable, "-m", "stride.cli.app", "analyze", str(hea), "--json"]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        rows: list[dict[str, object]] = json.loads(out.stdout)["steps"]
        return rows
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    return analyze(read_signals(hea)).step_rows()


def evaluate(data: Path, cli: bool = False) -> list[SideResult]:
    compare = load_compare(data)
    out = []
    for hea in sorted((data / "gaitndd").glob("*.hea")):
        name = hea.stem
        res = compare.evaluate(str(hea.with_suffix(".ts")), steps_of(hea, cli))
        out += side_results(name, res)
    return out


def unmatched(data: Path, names: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every reference row left unmatched and every extra detected stride, by the yardstick
    as shipped (its pairs recorded as it makes them): record, side, what, time (s; a row at
    its table time plus the side's offset, where a detected stride would end), interval (s),
    and for an extra the stride's flags and confidence; for a row, the flags of the
    detected contact nearest its time. ``names``: these records only (all by default)."""
    compare = load_compare(data)
    align, match = compare._align, compare.match_side
    seen: list[tuple[Any, ...]] = []  # every alignment, as made
    calls: list[tuple[Any, ...] | None] = []  # a record's sides: the alignment, if any

    def recording_align(ref_t: Any, ref_int: Any, ic: Any, stride: Any, reach: float) -> Any:
        pairs = align(ref_t, ref_int, ic, stride, reach)
        seen.append((ref_t, ref_int, ic, stride, pairs))
        return pairs

    def recording_match(ref_t: Any, ref_int: Any, ic: Any, stride: Any) -> Any:
        n = len(seen)
        out = match(ref_t, ref_int, ic, stride)
        calls.append(seen[n] if len(seen) > n else None)
        return out

    compare._align, compare.match_side = recording_align, recording_match
    rows = []
    for hea in sorted((data / "gaitndd").glob("*.hea")):
        if names and hea.stem not in names:
            continue
        steps = steps_of(hea)
        calls.clear()
        res = compare.evaluate(str(hea.with_suffix(".ts")), steps)
        for side, call in zip(res, calls, strict=True):
            if call is None:
                continue
            ref_t, ref_int, ic, stride, pairs = call
            own = [s for s in steps if s["side"] == side]
            at = np.array([s["ic_s"] for s in own], float)

            def tags(t: float, own: list[dict[str, Any]] = own, at: Any = at) -> str:
                s = own[int(np.argmin(np.abs(at - t)))]
                return f"{','.join(s['flags']) or '-'} {s['confidence']:.2f}"

            med = float(np.median(ref_int))
            inside = (ic >= ref_t[0] - 0.5 * med) & (ic <= ref_t[-1] + 0.5 * med)
            done_r = {a for a, _ in pairs}
            done_d = {b for _, b in pairs}
            for a in sorted(set(range(len(ref_t))) - done_r):
                t = float(ref_t[a])
                rows.append((hea.stem, side, "row", f"{t:.3f}", f"{ref_int[a]:.3f}", tags(t)))
            for b in np.flatnonzero(inside):
                if b not in done_d:
                    t = float(ic[b])
                    rows.append((hea.stem, side, "extra", f"{t:.3f}", f"{stride[b]:.3f}", tags(t)))
    return rows


def _fmt(r: SideResult) -> tuple[str, ...]:
    e = r.errors
    med = f"{1000 * np.median(e):.1f}" if e.size else "-"
    p95 = f"{1000 * np.percentile(e, 95):.1f}" if e.size else "-"
    w10 = f"{100 * np.mean(e < 0.010):.1f}" if e.size else "-"
    return (
        r.record, r.side, f"{r.matched}/{r.total}", f"{100 * r.share:.1f}", str(r.extra),
        med, p95, w10,
    )  # fmt: skip


HEAD = ("record", "side", "matched", "%", "extra", "median ms", "p95 ms", "<=10 ms %")


def overall(rows: list[SideResult]) -> dict[str, float]:
    m = sum(r.matched for r in rows)
    t = sum(r.total for r in rows)
    x = sum(r.extra for r in rows)
    e = np.concatenate([r.errors for r in rows]) if rows else np.zeros(0)
    return {
        "matched": m / t,
        "extra": x / t,
        "median_ms": 1000 * float(np.median(e)),
        "p95_ms": 1000 * float(np.percentile(e, 95)),
        "within_10ms": float(np.mean(e < 0.010)),
        "min_side": min(r.share for r in rows),
        "rows": float(t),
    }


def gaitpdb_table(data: Path) -> list[tuple[str, ...]]:
    """Plausibility on the gaitpdb trials (no reference events): per file, strides per foot,
    median stride time, cadence, stance share, and how often the same insole cell loads
    first (the heel, for heel-first walkers)."""
    from stride.core.contacts import detect_contacts
    from stride.readers import read_signals

    out = []
    for path in sorted((data / "gaitpdb").glob("*.txt")):
        sig = read_signals(path)
        cells = []
        med = []
        for side in ("L", "R"):
            c = detect_contacts(sig, side)
            st = c.stride_times()
            st = st[np.isfinite(st)]
            stance = (c.off_t - c.on_t)[c.complete]
            first = np.bincount(np.nanargmin(c.sensor_on_t[c.complete], axis=1))
            med.append(float(np.median(st)))
            cells += [
                str(st.size),
                f"{np.median(st):.3f}",
                f"{100 * np.median(stance) / np.median(st):.0f}",
                f"cell{int(np.argmax(first)) + 1} {100 * first.max() / first.sum():.0f}",
            ]
        cadence = 120.0 / float(np.mean(med))
        out.append((path.stem, *cells, f"{cadence:.0f}"))
    return out


GAITPDB_HEAD = (
    "file", "L strides", "L median s", "L stance %", "L first cell %",
    "R strides", "R median s", "R stance %", "R first cell %", "cadence steps/min",
)  # fmt: skip


def _print_rows(rows: list[tuple[str, ...]], markdown: bool) -> None:
    if markdown:
        print("| " + " | ".join(rows[0]) + " |")
        print("|" + "---|" * len(rows[0]))
        for r in rows[1:]:
            print("| " + " | ".join(r) + " |")
        return
    for r in rows:
        print("  ".join(r))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--markdown", action="store_true", help="a markdown table for the docs")
    ap.add_argument("--cli", action="store_true", help="run `stride analyze` for each record")
    ap.add_argument("--unmatched", action="store_true", help="list the unmatched rows and extras")
    args = ap.parse_args()
    if not (args.data / "gaitndd").is_dir():
        raise SystemExit(f"{args.data}/gaitndd is absent (give --data the folder of the records)")
    if args.unmatched:
        head = ("record", "side", "what", "time s", "interval s", "flags, confidence")
        _print_rows([head, *unmatched(args.data)], args.markdown)
        return
    t0 = time.perf_counter()
    rows = evaluate(args.data, args.cli)
    took = time.perf_counter() - t0
    cells = [_fmt(r) for r in rows]
    print_table(HEAD, cells, args.markdown)
    o = overall(rows)
    print()
    print(
        f"overall: {100 * o['matched']:.2f} % of {int(o['rows'])} reference strides matched, "
        f"{100 * o['extra']:.2f} % extra, median |error| {o['median_ms']:.2f} ms, "
        f"p95 {o['p95_ms']:.1f} ms, {100 * o['within_10ms']:.1f} % within 10 ms; "
        f"lowest record-side {100 * o['min_side']:.1f} %"
    )
    hard = [r for r in rows if r.share < 0.95]
    for r in hard:
        print(f"below 95 %: {r.record} {r.side} ({100 * r.share:.1f} %)")
    if (args.data / "gaitpdb").is_dir():
        print()
        g = gaitpdb_table(args.data)
        if args.markdown:
            print("| " + " | ".join(GAITPDB_HEAD) + " |")
            print("|" + "---|" * len(GAITPDB_HEAD))
            for c in g:
                print("| " + " | ".join(c) + " |")
        else:
            print("  ".join(GAITPDB_HEAD))
            for c in g:
                print("  ".join(c))
    print(f"({len(rows)} record-sides in {took:.1f} s, numba compile included)", file=sys.stderr)


if __name__ == "__main__":
    main()
