"""A sensor box that restarts mid-walk while its port stays open (its clock and frame
counter back to 0): the restart is a gap, whatever the host clock made of its length. The
steps whose step, stride or contact spans it are flagged ``gap`` (and left out of the
summary) in the live session's JSON, in ``stride analyze`` and in ``stride replay`` of its
recording alike; the steps away from it are not. The contact loaded across it is cut there
as lost frames cut one: no contact spans it, and the first after it is flagged ``edge``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import synthbox
from cli_helpers import stride_in_process

from stride.core.gaps import GapScanner

PART_S = 8.0  # walking before the restart (device time) and after it


def _check(steps: list[dict[str, Any]], summary: dict[str, Any]) -> None:
    # the restart came at the end of the first part: 8 s of device time and a few ms
    across = [s for s in steps if "gap" in s["flags"]]
    assert across, steps
    for s in across:  # each spans the restart: its stride or contact reaches past it
        start = s["ic_s"] - (s["stride_time_s"] or 1.2)
        assert start < PART_S + 0.1 and (s["fc_s"] or s["ic_s"]) > PART_S, s
    assert all(s["stride_time_s"] is None or s["step_time_s"] is not None for s in across)
    away = [s for s in steps if abs(s["ic_s"] - PART_S) > 1.8 and s["ic_s"] > 3.0]
    assert len(away) >= 15 and all(s["flags"] == [] for s in away), away
    used = [s for s in steps if not s["flags"]]
    assert summary["steps_used"] == len(used)
    assert all(abs(s["stride_time_s"] - 1.1) < 0.01 for s in used)  # none absorbs it
    _cut(steps)


def _cut(steps: list[dict[str, Any]]) -> None:
    """The left foot was in mid-stance at the restart (loaded from 7.7 s to 8.195 s of the
    first part, and from the start of the second): its contact is cut there. The part before
    ends unseen (no FC, no stance); the part after starts at the first sample after the
    restart, its IC unseen (``edge``, ``gap``); the foot's next step is ``edge`` (its stride
    would start at that unseen IC)."""
    last = PART_S - 0.001  # the last sample before the restart (the next: 1 us or more on)
    assert not [s for s in steps if s["ic_s"] <= last < (s["fc_s"] or 0.0)], steps
    left = [s for s in steps if s["side"] == "L" and s["ic_s"] > PART_S - 0.5]
    assert left[0]["ic_s"] < PART_S - 0.2 and left[0]["fc_s"] is None, left
    assert left[0]["stance_s"] is None, left
    assert last < left[1]["ic_s"] < PART_S + 0.05, left
    assert {"gap", "edge"} <= set(left[1]["flags"]), left
    assert "edge" in left[2]["flags"], left


@pytest.mark.slow
def test_steps_across_a_box_restart_are_flagged_gap(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = synthbox.stream(PART_S) + synthbox.stream(PART_S)  # powered up afresh once
    box = synthbox.PtyBox()
    rec = tmp_path / "rec"
    hook = synthbox.until_restarts(box, data, 2 * PART_S, restarts=1, steps=24)
    assert synthbox.run_live_on(box, rec, hook) == 0
    doc = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert doc["session"]["restarts"] == 1
    _check(doc["steps"], doc["summary"])

    live = [(s["ic_s"], s["fc_s"], s["flags"]) for s in doc["steps"]]
    for cmd in (("analyze", str(rec), "--json"), ("replay", str(rec), "--no-ui", "--json")):
        out = stride_in_process(*cmd)
        assert out.returncode == 0, out.stderr
        again = json.loads(out.stdout.splitlines()[-1])
        _check(again["steps"], again["summary"])
        assert [(s["ic_s"], s["fc_s"], s["flags"]) for s in again["steps"]] == live[
            : len(again["steps"])
        ]


def test_a_break_is_a_gap_in_any_chunking() -> None:
    """A known break (a box restart) between two samples 1 us apart is a gap up to the
    next sample, found alike whatever the chunks, and once where the times jump too."""
    t = np.concatenate([np.arange(0, 1.0, 0.001), 0.999001 + np.arange(0, 1.0, 0.001)])
    t = np.concatenate([t, t[-1] + 0.5 + np.arange(0, 1.0, 0.001)])  # and a true gap
    f = np.zeros((t.size, 2))
    breaks = np.asarray([0.999, t[1999]])  # the second where the times jump anyway
    want = ([0.999, t[1999]], [0.999001, t[2000]])
    for cut in (0, 1, 999, 1000, 1001, 1999, 2000, 2500):
        g = GapScanner(1000.0)
        g.feed(t[:cut], f[:cut], breaks)
        g.feed(t[cut:], f[cut:], breaks)
        g.finish()
        assert (g.starts, g.ends) == (want[0], want[1]), cut
    g = GapScanner(1000.0)
    g.feed(t, f, np.asarray([-1.0]))  # before the first sample: nothing to bridge
    g.finish()
    assert g.starts == [t[1999]]
