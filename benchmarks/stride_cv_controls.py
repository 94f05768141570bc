"""Stride-time CV of the shipped gaitndd records, group by group: the normal band's check.

Not a test. Run: ``python benchmarks/stride_cv_controls.py [--data data/physionet]
[--markdown] [--no-analysis]``.

The reports read a stride-time CV against that of healthy adults, about 2-4 %
(``stride.core.norms.STRIDE_CV_NORMAL_PCT``, the reference value of docs/gait-metrics.md).
This script measures it on real walkers: the database's own stride tables (``.ts``) of the
gaitndd records shipped with the repository (PhysioNet; Hausdorff et al. 2000, J Appl
Physiol 88:2045-2053), 8 healthy controls beside the ALS, Huntington's and Parkinson's
subjects, each foot's left or right stride-interval column:

- rows kept as the yardstick keeps them (``gaitndd_compare.py``: intervals 0.4-3.0 s, no
  run of five identical intervals, the table's fill where a sensor gave nothing);
- the first 20 s left out (the walker getting up to speed);
- strides more than 3 SD from the foot's median left out (the subjects walked a hallway:
  the turns at its ends and the odd pause are not stride-to-stride variability).

Beside it, unless ``--no-analysis``, the CV stride's own summary reports for the same
record (``variability.stride_time_cv``, as ``stride analyze REC.hea --json`` gives it: no
turn taken out, so a little higher).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gaitndd_yardstick import load_compare  # noqa: E402
from benchmarks.tables import print_table  # noqa: E402

DEFAULT_DATA = REPO / "data" / "physionet"
GROUPS = ("control", "als", "hunt", "park")
START_S = 20.0
OUTLIER_SD = 3.0


def table_cv(ts: Path, filled: object) -> dict[str, float]:
    """Each foot's stride-time CV (%) from one ``.ts`` table, filtered as the docstring says."""
    rows = np.loadtxt(ts, ndmin=2)
    out = {}
    for side, col in (("L", 1), ("R", 2)):
        t, x = rows[:, 0], rows[:, col]
        keep = (x >= 0.4) & (x <= 3.0) & ~np.asarray(filled(x), bool) & (t > START_S)  # type: ignore[operator]
        x = x[keep]
        if x.size < 20:
            continue
        x = x[np.abs(x - np.median(x)) <= OUTLIER_SD * x.std()]
        out[side] = float(100.0 * x.std() / x.mean())
    return out


def summary_cv(hea: Path) -> dict[str, float]:
    """The summary's stride-time CV of one record, as ``stride analyze`` computes it."""
    from stride.core.analyzer import analyze
    from stride.readers import read_signals

    variability = analyze(read_signals(hea)).summary["variability"]
    cv = variability["stride_time_cv"]  # type: ignore[index]
    return {s: float(v) for s, v in cv.items() if isinstance(v, int | float)}


def group_cvs(data: Path, analysis: bool = True) -> dict[str, dict[str, list[float]]]:
    """Every foot's CV (%) by group: ``"table"`` from the ``.ts`` tables and, with
    ``analysis``, ``"stride"`` from stride's summary of the same records."""
    filled = load_compare(data).filled
    out: dict[str, dict[str, list[float]]] = {"table": {}, "stride": {}}
    for ts in sorted((data / "gaitndd").glob("*.ts")):
        group = next((g for g in GROUPS if ts.stem.startswith(g)), None)
        if group is None:
            continue
        out["table"].setdefault(group, []).extend(table_cv(ts, filled).values())
        if analysis:
            cvs = summary_cv(ts.with_suffix(".hea")).values()
            out["stride"].setdefault(group, []).extend(cvs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--no-analysis", action="store_true", help="the tables' CV only")
    args = ap.parse_args(argv)
    cvs = group_cvs(args.data, analysis=not args.no_analysis)
    per_group, per_group_stride = cvs["table"], cvs["stride"]
    head = ["group", "feet", "table CV % (range)", "median"]
    if not args.no_analysis:
        head += ["stride's summary CV % (range)", "median"]
    rows = []
    for g in GROUPS:
        v = per_group[g]
        row = [g, str(len(v)), f"{min(v):.2f}-{max(v):.2f}", f"{statistics.median(v):.2f}"]
        if not args.no_analysis:
            s = per_group_stride[g]
            row += [f"{min(s):.2f}-{max(s):.2f}", f"{statistics.median(s):.2f}"]
        rows.append(row)
    print_table(head, rows, markdown=args.markdown)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
