"""The few numbers the history tracks per session, read from a summary (docs/formats.md).

A summary may lack any part (no target set, too few strides for a CV, an old format): each
metric is then ``None`` rather than an error, so one odd session never hides the others.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

TrendColumns = tuple[int | None, float | None, float | None, float | None, float | None, int | None]


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping) or key not in obj:
            return None
        obj = obj[key]
    return obj


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _mean_lr(obj: Any) -> float | None:
    vals = [v for v in (_num(_get(obj, "L")), _num(_get(obj, "R"))) if v is not None]
    return sum(vals) / len(vals) if vals else None


def step_length_si(summary: Mapping[str, Any]) -> float | None:
    """Step-length symmetry index (%, positive = left longer), or None."""
    return _num(_get(summary, "symmetry", "step_length", "si"))


def target_within(summary: Mapping[str, Any]) -> float | None:
    """Share of steps within the target tolerance, both sides pooled (0-1), or None."""
    return _mean_lr(_get(summary, "target", "within"))


def stride_time_cv(summary: Mapping[str, Any]) -> float | None:
    """Stride-time coefficient of variation averaged over the feet (%), or None."""
    return _mean_lr(_get(summary, "variability", "stride_time_cv"))


def cadence(summary: Mapping[str, Any]) -> float | None:
    """Cadence in steps per minute, or None."""
    return _num(_get(summary, "cadence_spm"))


def trend_columns(summary: str | Mapping[str, Any], meta: str | Mapping[str, Any]) -> TrendColumns:
    """The derived columns stored beside the summary JSON (schema v2)."""
    s = json.loads(summary) if isinstance(summary, str) else summary
    m = json.loads(meta) if isinstance(meta, str) else meta
    steps = _get(s, "steps")
    feedback = _get(m, "feedback")
    return (
        int(steps) if isinstance(steps, int) and not isinstance(steps, bool) else None,
        cadence(s),
        step_length_si(s),
        target_within(s),
        stride_time_cv(s),
        int(feedback) if isinstance(feedback, bool) else None,
    )
