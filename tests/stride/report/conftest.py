"""Report fixtures: a hand-made session directory and a history filled by the fast model."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

STEP_COLUMNS = (
    "side", "ic_s", "fc_s", "step_time_s", "stride_time_s", "stance_s", "swing_s",
    "step_length_m", "stride_length_m", "flags", "target_error_m",
)  # fmt: skip


@pytest.fixture
def session_dir(tmp_path: Path) -> Path:
    """60 s of alternating steps (left longer), a gap flag, and a summary with a target."""
    rng = np.random.default_rng(5)
    d = tmp_path / "session-1"
    d.mkdir()
    rows = []
    t = 1.0
    for i in range(110):
        stride = "" if i < 2 else f"{1.1 + rng.normal(0, 0.02):.4f}"
        side = "L" if i % 2 == 0 else "R"
        length = (0.64 if side == "L" else 0.56) + rng.normal(0, 0.01)
        flags = "gap" if i == 40 else ""
        rows.append(
            {
                "side": side, "ic_s": f"{t:.3f}", "fc_s": f"{t + 0.66:.3f}",
                "step_time_s": "0.55", "stride_time_s": stride,
                "stance_s": "0.66", "swing_s": "0.44", "step_length_m": f"{length:.4f}",
                "stride_length_m": "", "flags": flags, "target_error_m": f"{length - 0.6:.4f}",
            }
        )  # fmt: skip
        t += 0.55
    with (d / "steps.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=STEP_COLUMNS)
        w.writeheader()
        w.writerows(rows)
    summary = {
        "steps": 110,
        "cadence_spm": 109.1,
        "L": {"step_length_m": {"mean": 0.64, "sd": 0.01, "n": 55}},
        "R": {"step_length_m": {"mean": 0.56, "sd": 0.01, "n": 55}},
        "symmetry": {"step_length": {"si": 13.33, "ga": 13.35, "sa": -4.24, "ratio": 1.1429}},
        "variability": {"stride_time_cv": {"L": 1.8, "R": 1.9}},
        "target": {"step_length_m": 0.6, "tolerance_m": 0.05, "within": {"L": 0.9, "R": 0.7}},
    }
    (d / "summary.json").write_text(json.dumps(summary))
    (d / "session.json").write_text(
        json.dumps({"format": "stride-session", "format_version": 1, "subject": "P7"})
    )
    return d
