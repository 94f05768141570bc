"""Parity: one simulated session with a target and a treadmill belt, read five ways.

The live session's final JSON, ``stride analyze`` of its recording, ``stride replay --speed
max --json``, the numbers of ``stride report`` and the session's row in the history agree on
every summary value: exactly where a number is carried as a number, to the last printed
digit where a view rounds. Then the same with the recording's derived tables (steps.csv,
summary.json) deleted, so that the report analyses the recording itself.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import stride_in_process

STRIDE = [sys.executable, "-m", "stride.cli.app"]


def stride(*args: str, timeout: float = 240.0) -> subprocess.CompletedProcess[str]:
    out = subprocess.run([*STRIDE, *args], capture_output=True, text=True, timeout=timeout)
    assert out.returncode == 0, out.stderr
    return out


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``stride live`` on a simulated box whose belt speed comes from a simulated
    Trackmaster, lines 0.30 m apart (two per step) and a cadence target."""
    d = tmp_path_factory.mktemp("parity")
    key = f"parity-{os.getpid()}-{time.monotonic_ns()}"
    run = stride(
        "live",
        "--port",
        f"sim://box?world={key}&speedup=10&seed=21",
        "--treadmill",
        f"trackmaster:sim://treadmill?world={key}",
        "--spacing",
        "0.30",
        "--cadence",
        "100",
        "--subject",
        "P-parity",
        "--duration",
        "40",
        "--no-ui",
        "--json",
        "--record",
        str(d / "rec"),
        "--db",
        str(d / "h.sqlite"),
    )
    doc = json.loads(run.stdout.splitlines()[-1])
    assert doc["summary"]["steps_used"] >= 20, doc["summary"]
    return {"dir": d, "rec": d / "rec", "db": d / "h.sqlite", "doc": doc}


def analysed_replayed_reported(
    rec: Path, html: Path
) -> tuple[dict[str, Any], dict[str, Any], tuple[Rows, Rows, Rows]]:
    """``stride analyze REC --json``, ``stride replay REC --speed max --no-ui --json`` and
    ``stride report REC --out HTML`` (each through the entry point in this process; the live
    session above is the process): the two documents and the report's tables."""
    runs = [
        stride_in_process(*args)
        for args in (
            ["analyze", str(rec), "--json"],
            ["replay", str(rec), "--speed", "max", "--no-ui", "--json"],
            ["report", str(rec), "--out", str(html)],
        )
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr
    analysed, replayed = runs[0].stdout, runs[1].stdout
    return json.loads(analysed), json.loads(replayed.splitlines()[-1]), report_tables(html)


class _Tables(HTMLParser):
    """Each table of a report page as rows of cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


Rows = dict[str, list[str]]


def report_tables(out: Path) -> tuple[Rows, Rows, Rows]:
    """The report's session, summary and symmetry tables, rows by their first cell."""
    parser = _Tables()
    parser.feed(out.read_text(encoding="utf-8"))
    info, summary, symmetry = ({r[0]: r[1:] for r in t if r} for t in parser.tables[:3])
    return info, summary, symmetry


def printed(cell: str) -> list[str]:
    return re.findall(r"[-+]?\d+(?:\.\d+)?", cell)


def agrees(cell: str, value: float | None, scale: float = 1.0, index: int = 0) -> bool:
    """The ``index``-th number printed in ``cell`` is ``value * scale`` to its last digit."""
    if value is None:
        return cell.strip().startswith("-") and not printed(cell)
    text = printed(cell)[index]
    decimals = len(text.split(".")[1]) if "." in text else 0
    return abs(float(text) - value * scale) <= 0.5 * 10.0**-decimals + 1e-12


def check_report(tables: tuple[Rows, Rows, Rows], s: dict[str, Any]) -> None:
    """Every number of the report's tables against the summary ``s``."""
    info, rows, sym = tables
    assert info["steps"][0] == str(s["steps"])
    assert agrees(info["cadence"][0], s["cadence_spm"])
    assert agrees(info["belt speed"][0], s["belt_speed_mps"]["mean"])
    t = s["target"]
    assert agrees(info["target step length"][0], t["step_length_m"])
    assert agrees(info["target step length"][0], t["tolerance_m"], index=1)
    assert info["target lines"][0] == f"{t['lines_per_step']} × {t['spacing_m']:.2f} m"
    assert agrees(info["target cadence"][0], t["cadence_spm"])
    for label, key, scale in (
        ("step length", "step_length_m", 100.0),
        ("step time", "step_time_s", 1.0),
        ("stride time", "stride_time_s", 1.0),
        ("stance", "stance_s", 1.0),
        ("swing", "swing_s", 1.0),
    ):
        for cell, side in zip(rows[label], "LR", strict=True):
            assert agrees(cell, s[side][key]["mean"], scale), (label, side)
            assert agrees(cell, s[side][key]["sd"], scale, index=1), (label, side)
    for cell, side in zip(rows["steps on target"], "LR", strict=True):
        assert agrees(cell, t["within"][side], 100.0)
    cv = s["variability"]["stride_time_cv"]
    for cell, side in zip(rows["stride-time CV"], "LR", strict=True):
        assert agrees(cell, cv[side])
    for name in ("step_length", "step_time", "stance", "swing"):
        si_cell, ratio_cell, _ = sym[name.replace("_", " ")]  # the report's human names
        assert agrees(si_cell, s["symmetry"][name]["si"]), name
        assert agrees(ratio_cell, s["symmetry"][name]["ratio"]), name


def check_history(db: Path, s: dict[str, Any]) -> None:
    """The stored summary is the live one; the trend columns are its values."""
    with sqlite3.connect(db) as con:
        row = con.execute(
            "SELECT summary, steps, cadence_spm, step_length_si, target_within,"
            " stride_time_cv, target FROM sessions WHERE subject = 'P-parity'"
        ).fetchone()
    assert json.loads(row[0]) == s
    steps, cadence, si, within, cv, target = row[1:]
    assert steps == s["steps"] and cadence == s["cadence_spm"]
    assert si == s["symmetry"]["step_length"]["si"]
    assert within == pytest.approx(sum(s["target"]["within"].values()) / 2, abs=0, rel=1e-15)
    cvs = s["variability"]["stride_time_cv"]
    assert cv == pytest.approx((cvs["L"] + cvs["R"]) / 2, abs=0, rel=1e-15)
    stored = json.loads(target)
    for key in ("step_length_m", "tolerance_m", "cadence_spm", "spacing_m", "lines_per_step"):
        assert stored[key] == s["target"][key], key


@pytest.mark.slow
def test_live_analyze_replay_report_and_history_agree(live: dict[str, Any]) -> None:
    s = live["doc"]["summary"]
    assert s["target"]["lines_per_step"] == 2 and s["target"]["cadence_spm"] == 100.0
    assert s["belt_speed_mps"]["mean"] is not None  # the belt came from the Trackmaster
    analysed, again, tables = analysed_replayed_reported(live["rec"], live["dir"] / "r.html")
    assert analysed["summary"] == s
    assert again["summary"] == s and again["steps"] == live["doc"]["steps"]
    check_report(tables, s)
    check_history(live["db"], s)
    stored = json.loads((live["rec"] / "summary.json").read_text())
    assert stored == s


@pytest.mark.slow
def test_without_derived_tables_everything_still_agrees(live: dict[str, Any]) -> None:
    s = live["doc"]["summary"]
    bare = live["dir"] / "bare"
    shutil.copytree(live["rec"], bare)
    (bare / "steps.csv").unlink()
    (bare / "summary.json").unlink()
    analysed, again, tables = analysed_replayed_reported(bare, live["dir"] / "bare.html")
    assert analysed["summary"] == s
    assert again["summary"] == s
    # the cadence and line targets are kept when the report analyses the recording
    check_report(tables, s)
    assert "analysed the recording" in (live["dir"] / "bare.html").read_text()
    check_history(live["db"], s)
    assert math.isfinite(s["cadence_spm"])
