"""gaitpdb text reader and the read_signals dispatcher: good files, every bad input, fuzzing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.core.contacts import detect_contacts
from stride.errors import InputError
from stride.readers import read_signals
from stride.readers.gaitpdb import parse_gaitpdb, read_gaitpdb

DATA = Path(__file__).resolve().parents[2] / "data"
TRIAL = DATA / "gaitpdb" / "GaCo01_01_30s.txt"


def _row(t: float, left: float, right: float) -> str:
    cells = [left] * 8 + [right] * 8
    return "\t".join(f"{v:.2f}" for v in [t, *cells, 8 * left, 8 * right])


def _write(tmp: Path, rows: list[str], name: str = "g.txt") -> Path:
    p = tmp / name
    p.write_text("\r\n".join(rows) + "\r\n")
    return p


def _walk_rows(n: int = 400) -> list[str]:
    i = np.arange(n)
    left = np.where((i % 110) < 68, 80.0, 0.0)
    right = np.where(((i + 55) % 110) < 68, 80.0, 0.0)
    return [_row(k / 100.0, a, b) for k, a, b in zip(i, left, right, strict=True)]


def test_shipped_trial() -> None:
    sig = read_signals(TRIAL)
    assert sig.fs == 100.0 and sig.n == 3000 and sig.units == "N"
    assert [c.name for c in sig.channels][:2] == ["L-cell1", "L-cell2"]
    assert sig.side_columns("L") == list(range(8)) and sig.side_columns("R") == list(range(8, 16))
    assert sig.forces[0, 0] == pytest.approx(199.1)  # first sensor of the first row
    assert sig.meta["total_mismatch_rows"] == {"L": 0, "R": 0}


def test_shipped_trial_walking_is_plausible() -> None:
    """Overground walking at a self-selected speed: strides, cadence, L/R counts agree."""
    sig = read_signals(TRIAL)
    strides = {}
    for side in ("L", "R"):
        c = detect_contacts(sig, side)
        st_ = c.stride_times()
        st_ = st_[np.isfinite(st_)]
        assert st_.size >= 20
        strides[side] = st_
        # healthy adults: 0.69-2.30 s strides; one walker is steady (CV a few %)
        assert 0.9 < np.median(st_) < 1.5
        assert np.std(st_) / np.mean(st_) < 0.08
        stance = (c.off_t - c.on_t)[c.complete]
        assert 0.55 < np.median(stance) / np.median(st_) < 0.7
        # insole cells: the contact starts at one cell, mostly the same (heel) one
        first = np.nanargmin(c.sensor_on_t[c.complete], axis=1)
        assert np.bincount(first).max() / first.size > 0.8
    assert abs(strides["L"].size - strides["R"].size) <= 1
    cadence = 120.0 / np.median(np.concatenate(list(strides.values())))
    assert 90 < cadence < 130


def test_synthetic_file(tmp_path: Path) -> None:
    sig = read_gaitpdb(_write(tmp_path, _walk_rows()))
    assert sig.forces.shape == (400, 16) and sig.fs == 100.0
    assert sig.forces[0, 0] == 80.0


def _expect(match: str, path: Path) -> None:
    with pytest.raises(InputError, match=match) as info:
        read_signals(path)
    assert str(path) in str(info.value) and info.value.fix


def test_bad_files(tmp_path: Path) -> None:
    rows = _walk_rows()
    _expect("no such file", tmp_path / "missing.txt")
    _expect("empty", _write(tmp_path, [], "empty.txt"))
    _expect("looks truncated", _write(tmp_path, [*rows[:-1], rows[-1][:40]], "cut.txt"))
    with pytest.raises(InputError) as cut:  # the fix says what to do with a cut copy
        read_signals(tmp_path / "cut.txt")
    assert "copy the complete file again" in str(cut.value) and "line 400" in str(cut.value)
    bad = rows[:]
    bad[5] = bad[5].replace("80.00", "abc", 1)
    _expect("unknown format|not a number", _write(tmp_path, bad[5:], "abc.txt"))
    _expect("line 6 holds a field that is not a number", _write(tmp_path, bad, "abc2.txt"))
    swapped = rows[:]
    swapped[10], swapped[11] = swapped[11], swapped[10]
    _expect("time does not increase at line 12", _write(tmp_path, swapped, "order.txt"))
    _expect("no walking", _write(tmp_path, [_row(k / 100, 5, 5) for k in range(50)], "flat.txt"))
    short = ["\t".join(r.split("\t")[:17]) for r in rows]  # the two totals missing
    _expect("line 1 has 17 fields, not 19", _write(tmp_path, short, "short.txt"))
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02garbage")
    _expect("unknown format", tmp_path / "bin.txt")
    _expect("not a recording", tmp_path)
    _expect("no such header", tmp_path / "x.hea")


_FIELD = st.sampled_from(["0", "0.01", "1e3", "-5", "nan", "inf", "x", "", "\t", " ", "80.5"])


@given(st.lists(st.lists(_FIELD, min_size=17, max_size=21).map("\t".join), max_size=6))
def test_fuzz_gaitpdb_parser(lines: list[str]) -> None:
    try:
        table = parse_gaitpdb("\n".join(lines), Path("fuzz.txt"))
    except InputError as err:
        assert "fuzz.txt" in str(err)
    else:
        assert table.shape[1] == 19 and np.isfinite(table).all()


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "NaN"])
def test_a_force_that_is_not_a_measured_value_is_refused_naming_its_place(
    tmp_path: Path, value: str
) -> None:
    """A cell written as nan or inf reached the analysis silently and moved its figures
    (one such cell of a shipped trial moved the loading SI by 0.3 points); it is refused
    with its line and field, as a field that is no number is."""
    rows = _walk_rows()
    fields = rows[200].split("\t")
    fields[3] = value
    rows[200] = "\t".join(fields)
    _expect(f"line 201, field 4 is {float(value)}, not a measured value", _write(tmp_path, rows))


@given(st.binary(max_size=300))
def test_fuzz_any_file(tmp_path_factory: pytest.TempPathFactory, data: bytes) -> None:
    p = tmp_path_factory.mktemp("fz") / "any.txt"
    p.write_bytes(data)
    try:
        read_signals(p)
    except InputError as err:
        assert "any.txt" in str(err)
