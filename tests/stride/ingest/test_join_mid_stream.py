"""Joining a box that is already streaming (``stride live`` started after ``stride sim
serve``): the bytes begin anywhere, often in the middle of a stance. The first stride of
each foot must never be a phantom that reaches the summary.

The offsets are places in a simulated walk where a phantom first stride (0.81-0.84 s among
1.26 s strides) came through unflagged before: the first two with the foot's first contact
cut (IC not seen), the others with a "seen" IC in mid-stance.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.session import SessionSpec, simulate
from stride.ingest.belt_source import BeltSource
from stride.ingest.pipeline import build_pipeline

OFFSETS = (12538, 102158, 31905, 38037, 76522, 96089)


@pytest.fixture(scope="module")
def walk() -> bytes:
    return simulate(SessionSpec(minutes=0.5, seed=2)).data


@pytest.mark.parametrize("offset", OFFSETS)
def test_first_stride_after_joining_mid_stream_is_flagged_edge(walk: bytes, offset: int) -> None:
    pipeline = build_pipeline(None, BeltSource("box"))
    live = []
    for i in range(offset, len(walk), 4000):  # chunks as a serial port delivers them
        live += pipeline.feed("box", walk[i : i + 4000], i / 1e5)
    analysis = pipeline.finish()
    rows, summary = analysis["steps"], analysis["summary"]
    assert rows[: len(live)] == live  # the rows shown live are the final ones
    for side in ("L", "R"):
        mine = [r for r in rows if r["side"] == side]
        strides = np.array([r["stride_time_s"] for r in mine if r["stride_time_s"] is not None])
        typical = float(np.median(strides))
        assert "edge" in mine[0]["flags"] and "edge" in mine[1]["flags"]
        used = [r["stride_time_s"] for r in mine if not r["flags"] and r["stride_time_s"]]
        assert used and all(abs(s - typical) < 0.15 * typical for s in used), (side, used[:3])
        # the summary's stride time is the unflagged strides' only
        mean = summary[side]["stride_time_s"]["mean"]
        assert mean == pytest.approx(float(np.mean(used)), rel=1e-9)
