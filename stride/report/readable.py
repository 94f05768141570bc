"""How the reports say a number: human names, m/s with km/h, a signed symmetry index that
names the larger side, and the ranges to read a number against (from stride.core.norms)."""

from __future__ import annotations

import math
from typing import Any

from stride.core.flag_words import FLAGS
from stride.core.norms import (
    CADENCE_NORMAL_SPM,
    CADENCE_SOURCE,
    NORMAL_SI,
    STRIDE_CV_NORMAL_PCT,
    STRIDE_CV_SOURCE,
    SYMMETRY_SOURCE,
)

#: Summary keys as a person reads them.
NAMES = {
    "step_length": "step length",
    "step_time": "step time",
    "stride_time": "stride time",
    "stance": "stance",
    "swing": "swing",
    "loading": "loading (force impulse)",
}
#: What "larger" means for each symmetry quantity, to name the side.
LARGER = {
    "step_length": "step is longer",
    "step_time": "step takes longer",
    "stance": "stance is longer",
    "swing": "swing is longer",
    "loading": "foot takes more load",
}


def flag_counts(counts: dict[str, int]) -> str:
    """How many steps carry each flag, in words: ``6 marked start (no trusted earlier
    contact to measure from, as at the start of the record), 1 marked gap (samples
    missing)``."""
    parts = []
    for flag, n in sorted(counts.items()):
        label, meaning = FLAGS.get(flag, (flag, ""))
        parts.append(f"{n} marked {label}" + (f" ({meaning})" if meaning else ""))
    return ", ".join(parts)


SYMMETRY_NORMAL_TEXT = (
    f"normal: left/right ratio 0.9-1.1, i.e. |SI| ≤ {NORMAL_SI:.1f} % ({SYMMETRY_SOURCE})"
)
CADENCE_NORMAL_TEXT = (
    f"healthy adults {CADENCE_NORMAL_SPM[0]:g}-{CADENCE_NORMAL_SPM[1]:g} steps/min "
    f"({CADENCE_SOURCE})"
)
STRIDE_CV_NORMAL_TEXT = (
    f"healthy adults about {STRIDE_CV_NORMAL_PCT[0]:g}-{STRIDE_CV_NORMAL_PCT[1]:g} % "
    f"({STRIDE_CV_SOURCE})"
)


def number(value: Any) -> float | None:
    """``value`` as a finite float, or None (missing, text, NaN)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def speed(mps: float) -> str:
    """A speed in m/s with km/h beside it."""
    return f"{mps:.2f} m/s ({mps * 3.6:.1f} km/h)"


def signed_si(si: float, quantity: str = "step_length", *, short: bool = False) -> str:
    """``+6.2 % (the left step is longer)``: the sign convention said in words (``short``:
    ``+6.2 % (left longer)``, for tables)."""
    if abs(si) < 0.05:  # 0.0, never "-0.0"
        return "0.0 % (" + ("equal" if short else "left and right equal") + ")"
    side = "left" if si > 0 else "right"
    if short:
        return f"{si:+.1f} % ({side} longer)"
    return f"{si:+.1f} % (the {side} {LARGER.get(quantity, 'side is larger')})"
