"""`stride live` connecting, again and again, to a box that is already streaming (the
pseudo-terminal of a running simulator, as `stride sim serve` gives): the bytes begin
anywhere in the gait cycle, after whatever the terminal kept while nobody read it. Each
session's first stride per foot is either a true one (the simulator's truth, within 20 ms)
or flagged and left out of the summary: never a phantom in the figures (a 0.76 s R stride
among 1.2 s ones was once, from R contacts 0.2 s apart at the session's start).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

import pytest

from sim.harness import SimDevices
from stride.core.rows import json_safe
from stride.session.run import LiveArgs, live_session

#: Connections, and the world seconds each session lasts.
CONNECTIONS, SECONDS = 10, 10.0


def left_out(row: dict[str, Any]) -> bool:
    """Whether the summary leaves ``row`` out: any flag but ``belt-unknown`` (which only says
    why a step has no length; its timing counts)."""
    return bool(set(row["flags"]) - {"belt-unknown"})


def first_strides(sim: SimDevices, doc: dict[str, Any]) -> dict[str, str]:
    """Each foot's first stride and step: ``true``, ``flagged`` or ``phantom`` (with its
    figures)."""
    steps = doc["steps"]
    truth = sim.truth_for(steps)
    true_ics = {s: sorted(t["ic_s"] for t in sim.truth_steps() if t["side"] == s) for s in "LR"}
    out = {}
    for side in "LR":
        rows = [(s, t) for s, t in zip(steps, truth, strict=True) if s["side"] == side]
        s, t = next((s, t) for s, t in rows if s["stride_time_s"] is not None)
        if left_out(s):
            out[side] = "flagged"
            continue
        true_stride = None
        if t is not None and (i := true_ics[side].index(t["ic_s"])):
            true_stride = t["ic_s"] - true_ics[side][i - 1]
        ok = true_stride is not None and abs(true_stride - s["stride_time_s"]) <= 0.02
        out[side] = "true" if ok else f"phantom {s['stride_time_s']:.3f} s (true {true_stride})"
        # and its first step (from the other foot's IC): the true step's time and length
        s, t = next((s, t) for s, t in rows if s["step_time_s"] is not None)
        if left_out(s):
            out[f"{side} step"] = "flagged"
            continue
        ok = t is not None
        if t is not None:
            ok = abs(t["step_time_s"] - s["step_time_s"]) <= 0.02
            ok = ok and abs(t["step_length_m"] - s["step_length_m"]) <= 0.02
        out[f"{side} step"] = "true" if ok else f"phantom {s} (true {t})"
    return out


@pytest.mark.slow
@pytest.mark.stride_sim(profile="parkinsonian:0.5", seed=4, speedup=5.0)
def test_each_connection_to_a_streaming_box_starts_with_a_true_or_flagged_stride(
    stride_sim: SimDevices,
) -> None:
    rng = random.Random(4)
    verdicts = []
    for _ in range(CONNECTIONS):
        # a moment anywhere in the gait cycle (about 1.2 s), and the terminal left unread
        until = stride_sim.now() + rng.uniform(0.0, 3.0)
        deadline = time.monotonic() + 60.0
        while stride_sim.now() < until and time.monotonic() < deadline:
            time.sleep(0.01)
        with open(os.devnull, "w", encoding="utf-8") as lines:
            args = LiveArgs(
                port=stride_sim.box,  # the pseudo-terminal, not a sim:// URL
                treadmill="box",
                duration_s=SECONDS,
                speedup=5.0,
                no_record=True,
                no_ui=True,
                history=False,
                out=lines,
            )
            doc = json_safe(live_session(args).result.document())
        assert isinstance(doc, dict)
        verdicts.append(first_strides(stride_sim, doc))
        for side in "LR":  # the summary holds the unflagged strides only
            used = [
                s["stride_time_s"]
                for s in doc["steps"]
                if s["side"] == side and not left_out(s) and s["stride_time_s"] is not None
            ]
            mean = doc["summary"][side]["stride_time_s"]["mean"]
            assert used and mean == pytest.approx(sum(used) / len(used), rel=1e-6)
    assert all(v in ("true", "flagged") for vs in verdicts for v in vs.values()), verdicts
