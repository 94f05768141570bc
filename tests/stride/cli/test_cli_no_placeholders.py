"""The command line's tables say what does not apply as the reports do: no "-" placeholder
(read as a minus sign, or a figure of its own), a column or row with nothing to say left out,
words where a cell must say it ("no target", "not measured"); ``--json`` keeps its nulls."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path
from typing import Any

from cli_helpers import stride_in_process

_spec = importlib.util.spec_from_file_location(  # the history tests' hand-made summaries
    "history_summaries", Path(__file__).resolve().parents[1] / "history" / "conftest.py"
)
assert _spec is not None and _spec.loader is not None
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
make_summary = _mod.make_summary

#: a cell or a figure that is only a dash ("│      - │", "- %", "- -> +3.0")
DASH = re.compile(r"(^|[\s│])-(?=[\s│%]|$)")


def test_history_tables_leave_out_what_was_not_measured(tmp_path: Path) -> None:
    from stride.history.db import register_session

    db = tmp_path / "h.sqlite"
    for i in range(3):  # no target, no feedback recorded; the second without cadence, SI, CV
        s = make_summary(8.0 - i)
        s.pop("target")
        if i == 1:
            s["cadence_spm"] = None
            s["symmetry"]["step_length"]["si"] = None
            s["variability"]["stride_time_cv"] = {"L": None, "R": None}
        register_session(db, subject="P1", started_at=f"2026-09-0{i + 1}T07:00:00+00:00",
                         source="live", summary=s)  # fmt: skip
    register_session(db, subject="P2", started_at="2026-09-01T07:00:00+00:00", source="live",
                     summary=make_summary(3.0), meta={"feedback": True})  # fmt: skip
    one = stride_in_process("history", "--db", str(db), "--subject", "P1")
    assert one.returncode == 0, one.stderr
    assert not DASH.search(one.stdout), one.stdout
    assert "No session had a step-length target." in one.stdout
    assert "target %" not in one.stdout and "feedback" not in one.stdout  # empty columns
    assert "110.0" in one.stdout and "+6.0" in one.stdout
    both = stride_in_process("history", "--db", str(db))
    assert both.returncode == 0, both.stderr
    assert not DASH.search(both.stdout.replace("->", "to")), both.stdout
    row = next(line for line in both.stdout.splitlines() if "P1" in line)
    assert "no target" in row and "+8.0 -> +6.0" in row
    doc = json.loads(stride_in_process("history", "--db", str(db), "--json").stdout)
    assert [s["summary"]["cadence_spm"] for s in doc["sessions"]].count(None) == 1


def test_analyze_tables_leave_out_what_was_not_measured(capsys: Any) -> None:
    from stride.cli.analyze_tables import show, show_many

    s = make_summary(5.0)
    s.update(steps_used=190, flags={}, assumptions=[])
    for side in ("L", "R"):  # a record without belt speed: no step length
        s[side]["step_length_m"] = {"mean": None, "sd": None, "n": 0}
    s["R"]["swing_s"] = {"mean": None, "sd": None, "n": 0}
    s["symmetry"]["step_length"] = {"si": None, "ga": None, "sa": None, "ratio": None}
    s["symmetry"]["pci"] = None
    s["variability"]["stride_time_cv"]["R"] = None
    s["target"]["within"]["R"] = None
    show("rec", s, {"samples": 1000, "read_s": 0.1, "analysis_s": 0.1}, 100.0, "N")
    show_many([{"path": "a", "summary": s}, {"path": "b", "error": "not a recording"}])
    out = capsys.readouterr().out
    assert not DASH.search(out), out
    assert "step length (m)" not in out and "step length not measured" in out
    assert "not measured" in next(line for line in out.splitlines() if "swing" in line)
    assert "CV L 2.5 % R not measured" in out and "within L 80%, R not measured" in out
    assert "PCI" not in out
