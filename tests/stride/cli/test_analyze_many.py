"""``stride analyze A B C``: several recordings on the cohort engine (local processes or a
Dask cluster) give each the document a single ``stride analyze --json`` gives, one JSON line
per recording; a bad one is its own one-line error and the exit code is 1."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stride.cli import app as cli_app

DATA = Path(__file__).resolve().parents[2] / "data"
GAITNDD = Path(__file__).resolve().parents[3] / "data" / "physionet" / "gaitndd"
GOOD = [GAITNDD / "control1.hea", DATA / "gaitpdb" / "GaCo01_01_30s.txt"]


def _run(
    args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["stride", *args])
    code = 0
    try:
        cli_app.main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


def _single(path: Path, mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str]) -> Any:
    code, out, err = _run(["analyze", str(path), "--json"], mp, cap)
    assert code == 0, err
    doc = json.loads(out)
    del doc["timing"]
    return doc


def _check_lines(
    out: str, paths: list[Path], mp: pytest.MonkeyPatch, cap: pytest.CaptureFixture[str]
) -> dict[str, Any]:
    lines = [json.loads(line) for line in out.splitlines()]
    assert [d["path"] for d in lines] == [str(p) for p in paths]  # in the order given
    docs = {d["path"]: d for d in lines}
    for p in (p for p in GOOD if p in paths):
        doc = docs[str(p)]
        assert {"path", "summary", "steps", "timing"} <= set(doc)
        assert doc["timing"]["samples"] > 0
        assert {k: v for k, v in doc.items() if k not in ("path", "timing")} == _single(p, mp, cap)
    return docs


def _damaged(session: Path) -> Path:
    """The session with bytes flipped inside its stream and its last chunk torn."""
    box = session / "streams" / "box.rec"
    raw = bytearray(box.read_bytes())
    middle = len(raw) // 2
    raw[middle : middle + 300] = bytes(b ^ 0x5A for b in raw[middle : middle + 300])
    box.write_bytes(bytes(raw[:-700]))
    return session


def _cut_short(session: Path) -> Path:
    """The session as a killed one leaves it (``complete: false``), its stored target
    unreadable."""
    meta = json.loads((session / "session.json").read_text())
    meta["complete"] = False
    meta["target"] = {"kind": "lines", "spacing_m": "thirty"}
    (session / "session.json").write_text(json.dumps(meta))
    return session


def test_several_recordings_say_what_reading_each_met(
    tmp_path: Path,
    simulated_session: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A damaged or cut-short recording among several is said, as for one alone: its
    document's ``recording`` and ``warnings``, and each stderr line naming it."""
    damaged = _damaged(simulated_session(tmp_path / "damaged", minutes=0.5, seed=1))
    cut = _cut_short(simulated_session(tmp_path / "cut", minutes=0.5, seed=2))
    paths = [damaged, GOOD[0], cut]
    alone = {}
    said_alone = []
    for p in (damaged, cut):
        code, out, err = _run(["analyze", str(p), "--json"], monkeypatch, capsys)
        assert code == 0, err
        alone[str(p)] = {k: v for k, v in json.loads(out).items() if k != "timing"}
        said_alone += [ln for ln in err.splitlines() if "warning" in ln]
    assert alone[str(damaged)]["recording"]["skipped_chunks"] >= 2
    assert alone[str(damaged)]["recording"]["torn_tail"] is True
    assert alone[str(cut)]["recording"]["complete"] is False
    assert any("target" in w for w in alone[str(cut)]["warnings"])
    for workers in ("1", "2"):
        args = ["analyze", *map(str, paths), "--json", "--workers", workers]
        code, out, err = _run(args, monkeypatch, capsys)
        assert code == 0, err
        docs = _check_lines(out, paths, monkeypatch, capsys)
        for p in (damaged, cut):
            doc = {k: v for k, v in docs[str(p)].items() if k not in ("path", "timing")}
            assert doc == alone[str(p)]
        said = [ln for ln in err.splitlines() if "warning" in ln]
        assert len(said) == len(said_alone)
        for line in said:
            assert str(damaged) in line or str(cut) in line, line
        for line in said_alone:  # the same words, each naming its record
            assert any(line.split("warning: ", 1)[1] in ln for ln in said), line


def test_several_recordings_local_engine_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "missing.hea"
    paths = [GOOD[0], bad, GOOD[1]]
    args = ["analyze", *map(str, paths), "--json", "--engine", "local", "--workers", "2"]
    code, out, err = _run(args, monkeypatch, capsys)
    assert code == 1  # one failed, and one line on stderr says which
    errors = [ln for ln in err.splitlines() if ln.startswith("stride: error: ")]
    assert len(errors) == 1 and "1 of 3 records" in errors[0] and str(bad) in errors[0], err
    docs = _check_lines(out, paths, monkeypatch, capsys)
    assert set(docs[str(bad)]) == {"path", "error"}
    assert "missing.hea" in docs[str(bad)]["error"] and "\n" not in docs[str(bad)]["error"]


def test_several_recordings_table(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    code, out, _ = _run(["analyze", *map(str, GOOD), "--workers", "1"], monkeypatch, capsys)
    assert code == 0
    steps = [str(_single(p, monkeypatch, capsys)["summary"]["steps"]) for p in GOOD]
    lines = [ln for ln in out.splitlines() if "control1.hea" in ln or "GaCo01" in ln]
    assert len(lines) == 2
    for line, n in zip(lines, steps, strict=True):
        assert f" {n} " in line
    assert "error" not in out


def test_many_paths_refuse_single_file_outputs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["analyze", *map(str, GOOD), "--steps-csv", str(tmp_path / "s.csv")]
    code, _, err = _run(args, monkeypatch, capsys)
    assert code == 2 and "one recording" in err
    code, _, err = _run(["analyze", *map(str, GOOD), "--engine", "dask"], monkeypatch, capsys)
    assert code == 1 and "needs --scheduler" in err


@pytest.mark.slow
def test_several_recordings_on_a_local_dask_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    paths = [*GOOD, bad]
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
    ) as cluster:
        args = ["analyze", *map(str, paths), "--json", "--engine", "dask"]
        code, out, err = _run(
            [*args, "--scheduler", cluster.scheduler_address], monkeypatch, capsys
        )
    assert code == 1, err
    docs = _check_lines(out, paths, monkeypatch, capsys)
    assert set(docs[str(bad)]) == {"path", "error"}


@given(st.permutations(range(12)))
def test_results_come_back_in_the_order_given(finish: list[int]) -> None:
    """Whatever order the workers finish in, each result is handed on in input order, as
    soon as those before it are done."""
    from stride.cohort.many import in_order

    seen: list[int] = []
    for i in finish:
        seen.append(i)
        ready = 0
        while ready in seen:
            ready += 1
        assert list(in_order((j, j * 10) for j in seen)) == [(j, j * 10) for j in range(ready)]
    assert list(in_order((j, -j) for j in finish)) == [(j, -j) for j in range(12)]


def test_several_recordings_use_every_core_by_default() -> None:
    from stride.cohort.engines import get_engine

    assert get_engine("local").workers == max(1, min(os.cpu_count() or 1, 64))
    assert get_engine("local", workers=1).workers == 1
