"""The listing of the strides the gaitndd figures miss (``gaitndd_accuracy.py --unmatched``,
the source of docs/accuracy.md's table of causes) names exactly the rows and extras the
yardstick counts."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data" / "physionet"
#: a record with unmatched rows and extras on both feet, and one matched all but once
RECORDS = ("als4", "hunt9")


@pytest.mark.skipif(not (DATA / "gaitndd").is_dir(), reason="the gaitndd records are absent")
def test_unmatched_lists_what_the_yardstick_counts() -> None:
    from benchmarks.gaitndd_accuracy import steps_of, unmatched
    from benchmarks.gaitndd_yardstick import load_compare

    listed = unmatched(DATA, RECORDS)
    compare = load_compare(DATA)
    for name in RECORDS:
        hea = DATA / "gaitndd" / f"{name}.hea"
        res = compare.evaluate(str(hea.with_suffix(".ts")), steps_of(hea))
        for side, (matched, total, _errors, extra) in res.items():
            mine = [r for r in listed if r[0] == name and r[1] == side]
            assert sum(r[2] == "row" for r in mine) == total - matched, (name, side)
            assert sum(r[2] == "extra" for r in mine) == extra, (name, side)
    # als4 right: the stand at 190 s (a row at 190.163 s, the stride after it extra)
    assert ("als4", "R", "row", "190.163", "1.843") in [r[:5] for r in listed]
    assert ("als4", "R", "extra", "191.650", "1.503") in [r[:5] for r in listed]
