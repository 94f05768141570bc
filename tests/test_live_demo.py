"""`stride demo` needs no options and no terminal: JSON lines per step, then its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

STRIDE = [sys.executable, "-m", "stride.cli.app"]


@pytest.mark.slow
def test_demo_without_a_terminal(tmp_path: Path) -> None:
    env = dict(os.environ, STRIDE_HISTORY_DB=str(tmp_path / "h.sqlite"))
    out = subprocess.run(
        [*STRIDE, "demo", "--speedup", "20", "--duration", "60", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert out.returncode == 0, out.stderr
    rows = [json.loads(x) for x in out.stdout.splitlines()]
    steps, doc = rows[:-1], rows[-1]
    assert len(steps) >= 60 and steps == doc["steps"]  # 60 s of walking (simulated seconds), in 3 s
    s = doc["summary"]
    assert s["target"]["step_length_m"] == pytest.approx(0.60)
    assert s["target"]["spacing_m"] == pytest.approx(0.30) and s["target"]["lines_per_step"] == 2
    assert s["symmetry"]["step_length"]["si"] is not None
    assert 0.3 < s["L"]["step_length_m"]["mean"] < 0.9
    assert "session summary" in out.stderr
    # recorded under ./sessions/ by default, registered in the history as a demo
    (rec,) = (tmp_path / "sessions").iterdir()
    assert doc["session"]["recording"] == str(rec)
    from stride.history import list_sessions

    (stored,) = list_sessions(tmp_path / "h.sqlite")
    assert stored.source == "demo"
