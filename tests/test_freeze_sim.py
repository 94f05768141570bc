"""Freezes of gait of about a second, simulated with their truth, against the analysis.

A freeze that adds a second to a stance (0.7 -> 1.7 s in 1.1 s strides) stays under both
of a pause's bounds (3.0 s, 2 x the reference stride), yet the foot stood through a whole
gait cycle: the analysis flags that contact ``stop`` (standing), keeps it out of the
summary, and never flags a walking step so.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from sim.profiles import profile_params
from sim.session import SessionSpec, simulate_session
from stride.core.analyzer import analyze
from stride.ingest.recording import read_session

MATCH_S = 0.05


@pytest.mark.parametrize("severity", [0.5, 0.9])
def test_short_freezes_are_standing_and_leave_the_summary(severity: float, tmp_path: Path) -> None:
    base = profile_params("parkinsonian", severity)
    params = dataclasses.replace(base, freeze_s=1.0, freeze_per_min=3.0)
    spec = SessionSpec(minutes=3.0, params=params, seed=1, overground=True,
                       profile=f"parkinsonian:{severity}")  # fmt: skip
    sim = simulate_session(tmp_path / "s", spec)
    analysis = analyze(read_session(tmp_path / "s"))
    rows = analysis.step_rows()
    ics = {s: np.array([float(r["ic_s"]) for r in rows if r["side"] == s]) for s in "LR"}  # type: ignore[arg-type]
    by_side = {s: [r for r in rows if r["side"] == s] for s in "LR"}
    frozen = walking = 0
    kept: dict[str, list[float]] = {"L": [], "R": []}  # true stances of the summary's rows
    for t in sim.truth:
        got = ics[t.side]
        k = int(np.argmin(np.abs(got - t.ic_s)))
        assert abs(got[k] - t.ic_s) < MATCH_S, f"true {t.side} step at {t.ic_s:.3f} s not found"
        row = by_side[t.side][k]
        if "freeze" in t.flags:
            frozen += 1
            assert t.stance_s is not None and t.stance_s < 2.0 * (t.stride_time_s or 9.0)
            assert "stop" in row["flags"], f"{t.side} freeze at {t.ic_s:.3f} s not flagged"
        elif not t.flags:
            walking += 1
            assert "stop" not in row["flags"], f"walking {t.side} step at {t.ic_s:.3f} s"
        if not row["flags"] and t.stance_s is not None:
            kept[t.side].append(t.stance_s)
    assert frozen >= 6 and walking > 100
    # the summary's stance is walking stances' (a freeze's 1.7 s ones left out)
    for side in "LR":
        assert max(kept[side]) < 1.2
        stance = analysis.summary[side]["stance_s"]  # type: ignore[index]
        assert stance["mean"] == pytest.approx(np.mean(kept[side]), abs=0.003)
