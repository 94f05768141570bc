"""What the page is told: each step judged against the target, the last minute's share of
steps on target per side, course passes, and the JSON of every frame.

Pure standard library and no I/O, so the judgement the walker sees is tested here, once,
and the page only draws what it is sent.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from stride.errors import InputError

SIDES = ("L", "R")
MODES = ("treadmill", "course")
STATUSES = ("running", "paused", "device-lost", "ended")
#: Flags that end an overground pass (the steps around a turn or a stop are not in a pass).
PASS_BREAKS = frozenset({"turn", "stop", "gap"})
WINDOW_S = 60.0


@dataclass(frozen=True)
class ViewTarget:
    """What the page draws and judges against: the mode, the lines, the target step length
    and its tolerance, the cadence for the metronome and, overground, the pass length."""

    mode: str = "treadmill"
    step_length_m: float | None = None
    tolerance_m: float = 0.05
    spacing_m: float | None = None
    lines_per_step: int | None = None
    cadence_spm: float | None = None
    pass_length_m: float | None = None

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise InputError(f"view mode {self.mode!r} is not one of {', '.join(MODES)}")
        for name in ("step_length_m", "spacing_m", "cadence_spm", "pass_length_m"):
            value = getattr(self, name)
            if value is not None and not (math.isfinite(value) and value > 0):
                raise InputError(f"view target {name} must be a positive number, got {value!r}")
        if not (math.isfinite(self.tolerance_m) and self.tolerance_m >= 0):
            raise InputError(f"view target tolerance_m must be >= 0, got {self.tolerance_m!r}")
        if self.lines_per_step is not None and self.lines_per_step < 1:
            raise InputError("view target lines_per_step must be at least 1")

    @property
    def goal_m(self) -> float | None:
        """The target step length: given, or lines per step x spacing."""
        if self.step_length_m is not None:
            return self.step_length_m
        if self.spacing_m is not None and self.lines_per_step is not None:
            return self.spacing_m * self.lines_per_step
        return None

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "goal_m": self.goal_m}


def number(value: Any) -> float | None:
    """A finite float, or None (NaN, inf, None, text, booleans)."""
    if isinstance(value, bool) or value is None:
        return None
    try:
        f = float(value)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def plain(obj: Any) -> Any:
    """A value JSON can carry: NaN/inf become null, numpy scalars plain numbers."""
    if isinstance(obj, Mapping):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [plain(v) for v in obj]
    if obj is None or isinstance(obj, bool | str | int):
        return obj
    if hasattr(obj, "item") and not isinstance(obj, float):  # numpy scalar
        return plain(obj.item())
    return number(obj) if isinstance(obj, float) or hasattr(obj, "__float__") else str(obj)


def step_error_m(step: Mapping[str, Any], target: ViewTarget) -> float | None:
    """The step's signed error (positive = longer than the target): its own
    ``target_error_m``, else its length minus the target's."""
    err = number(step.get("target_error_m"))
    if err is not None:
        return err
    goal, length = target.goal_m, number(step.get("step_length_m"))
    return None if goal is None or length is None else length - goal


def verdict(step: Mapping[str, Any], target: ViewTarget) -> str:
    """``"in"``, ``"short"``, ``"long"`` against the tolerance; ``"flagged"`` for a step
    with flags (left out of every figure, as in the summary); ``"none"`` when unmeasured."""
    if step.get("flags"):
        return "flagged"
    err = step_error_m(step, target)
    if err is None:
        return "none"
    if abs(err) <= target.tolerance_m + 1e-12:
        return "in"
    return "short" if err < 0 else "long"


class LastMinute:
    """Share of judged steps on target per side over the last minute of session time
    (steps whose initial contact is within 60 s of the newest one)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._steps: deque[tuple[float, str, bool]] = deque()

    def add(self, ic_s: float | None, side: str, judged: str) -> None:
        if ic_s is None or side not in SIDES or judged not in ("in", "short", "long"):
            return
        self._steps.append((ic_s, side, judged == "in"))
        newest = max(ic_s, self._steps[-1][0])
        while self._steps and self._steps[0][0] < newest - self.window_s:
            self._steps.popleft()

    def share(self) -> dict[str, Any]:
        """``{"L": share or None, "R": ..., "n": {"L": judged steps, "R": ...}}``."""
        counts = {s: [0, 0] for s in SIDES}
        for _, side, on in self._steps:
            counts[side][0] += 1
            counts[side][1] += on
        return {
            **{s: (counts[s][1] / counts[s][0] if counts[s][0] else None) for s in SIDES},
            "n": {s: counts[s][0] for s in SIDES},
        }


class CoursePasses:
    """Overground passes told apart by turn, stop and gap flags: steps per pass and the mean
    step length of each finished pass (its steps' lengths, or pass length / steps)."""

    def __init__(self, keep: int = 12) -> None:
        self.keep = keep
        self.current: list[float | None] = []
        self.finished: deque[dict[str, Any]] = deque(maxlen=keep)
        self.count = 0

    def add(self, step: Mapping[str, Any], pass_length_m: float | None) -> None:
        if set(step.get("flags") or ()) & PASS_BREAKS:
            self.close(pass_length_m)
            return
        self.current.append(number(step.get("step_length_m")))

    def close(self, pass_length_m: float | None) -> None:
        if not self.current:
            return
        n = len(self.current)
        lengths = [v for v in self.current if v is not None]
        if len(lengths) == n:
            mean: float | None = sum(lengths) / n
        else:
            mean = pass_length_m / n if pass_length_m is not None else None
        self.count += 1
        self.finished.append({"pass": self.count, "steps": n, "step_length_m": mean})
        self.current = []

    def as_dict(self) -> dict[str, Any]:
        return {"current_steps": len(self.current), "passes": list(self.finished)}
