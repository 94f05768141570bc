"""Gait profiles ``NAME:SEVERITY``: healthy, injured and pathological walkers as GaitParams.

Severity 0 is a healthy walker and severity 1 the upper end of the published range for the
condition; parameters are interpolated linearly in between. Sources per profile are in
docs/simulation.md; the numbers below are the ones documented there.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from devices.errors import InputError
from sim.params import GaitParams

HEALTHY = GaitParams()


def _healthy(s: float) -> dict[str, object]:
    return {}


def _antalgic(side: str) -> Callable[[float], dict[str, object]]:
    """Pain on ``side``: shorter stance and single support there, so the opposite step
    (made while standing on the painful leg) is shorter; that leg is unloaded."""
    sign = 1.0 if side == "L" else -1.0

    def make(s: float) -> dict[str, object]:
        return {
            "stance_asym": -sign * 0.16 * s,
            "step_length_asym": sign * 0.20 * s,
            "step_time_asym": sign * 0.20 * s,
            "load_asym": -sign * 0.30 * s,
            "walk_ratio": HEALTHY.walk_ratio * (1 - 0.10 * s),
            "overground_speed_mps": HEALTHY.overground_speed_mps * (1 - 0.25 * s),
            "stride_cv": HEALTHY.stride_cv + 0.015 * s,
            "alpha": HEALTHY.alpha - 0.05 * s,
        }

    return make


def _hemiparetic(side: str) -> Callable[[float], dict[str, object]]:
    """Post-stroke hemiparesis of ``side``: longer paretic step and swing, shorter paretic
    stance, unloaded paretic leg, flat paretic contact when severe, slow and variable."""
    sign = 1.0 if side == "L" else -1.0
    paretic = "contact_left" if side == "L" else "contact_right"

    def make(s: float) -> dict[str, object]:
        out: dict[str, object] = {
            "stance_asym": -sign * 0.20 * s,
            "step_length_asym": sign * 0.25 * s,
            "step_time_asym": sign * 0.25 * s,
            "load_asym": -sign * 0.25 * s,
            "stance_fraction": HEALTHY.stance_fraction + 0.08 * s,
            "walk_ratio": HEALTHY.walk_ratio * (1 - 0.20 * s),
            "overground_speed_mps": HEALTHY.overground_speed_mps * (1 - 0.55 * s),
            "stride_cv": HEALTHY.stride_cv + 0.035 * s,
            "alpha": HEALTHY.alpha - 0.10 * s,
        }
        if s >= 0.5:
            out[paretic] = "flat"
        return out

    return make


def _parkinsonian(s: float) -> dict[str, object]:
    """Short steps at a high cadence (low walk ratio), more variable and less correlated
    stride times, occasional freezing, flat contacts when severe."""
    out: dict[str, object] = {
        "walk_ratio": HEALTHY.walk_ratio * (1 - 0.30 * s),
        "overground_speed_mps": HEALTHY.overground_speed_mps * (1 - 0.35 * s),
        "stride_cv": HEALTHY.stride_cv + 0.025 * s,
        "alpha": HEALTHY.alpha - 0.25 * s,
        "heel_to_toe_s": HEALTHY.heel_to_toe_s * (1 - 0.5 * s),
        "freeze_per_min": max(0.0, s - 0.3) * 1.0,
        "freeze_s": HEALTHY.freeze_s + 2.0 * s,
    }
    if s >= 0.7:
        out["contact_left"] = out["contact_right"] = "flat"
    return out


def _drop_foot(side: str) -> Callable[[float], dict[str, object]]:
    """Weak ankle dorsiflexors on ``side``: the foot lands flat (mild) or toe-first (severe),
    never heel-first; a slightly shorter stance and longer step on that side."""
    sign = 1.0 if side == "L" else -1.0
    field_name = "contact_left" if side == "L" else "contact_right"

    def make(s: float) -> dict[str, object]:
        out: dict[str, object] = {
            "stance_asym": -sign * 0.05 * s,
            "step_length_asym": sign * 0.05 * s,
            "step_time_asym": sign * 0.05 * s,
            "stride_cv": HEALTHY.stride_cv + 0.01 * s,
        }
        if s > 0:
            out[field_name] = "flat" if s < 0.5 else "toe"
        return out

    return make


def _huntington(s: float) -> dict[str, object]:
    """Huntington's chorea: stride times far more variable (CV up to about 0.25) and less
    correlated, slower and shorter steps, irregular step timing, and involuntary foot
    movements: short toe touches during swing, contacts that load in two stages (touch,
    pause, load) and scuffs after toe-off."""
    return {
        "stride_cv": HEALTHY.stride_cv + 0.225 * s,
        "alpha": HEALTHY.alpha - 0.30 * s,
        "walk_ratio": HEALTHY.walk_ratio * (1 - 0.15 * s),
        "overground_speed_mps": HEALTHY.overground_speed_mps * (1 - 0.40 * s),
        "stance_fraction": HEALTHY.stance_fraction + 0.05 * s,
        "step_jitter_s": HEALTHY.step_jitter_s + 0.03 * s,
        "swing_touch_rate": 0.5 * s,
        "two_stage_rate": 0.6 * s,
        "scuff_rate": 0.3 * s,
    }


PROFILES: dict[str, Callable[[float], dict[str, object]]] = {
    "healthy": _healthy,
    "antalgic-left": _antalgic("L"),
    "antalgic-right": _antalgic("R"),
    "hemiparetic-left": _hemiparetic("L"),
    "hemiparetic-right": _hemiparetic("R"),
    "parkinsonian": _parkinsonian,
    "drop-foot-left": _drop_foot("L"),
    "drop-foot-right": _drop_foot("R"),
    "huntington": _huntington,
}

#: Severity used when a profile is named without one (``parkinsonian``).
DEFAULT_SEVERITY = 0.5

CUSTOM_KEYS = {
    "step_length": "step_length_asym",
    "step_time": "step_time_asym",
    "stance": "stance_asym",
    "load": "load_asym",
}


@dataclass(frozen=True)
class Profile:
    """A parsed profile: its name, severity and the walker parameters it stands for."""

    name: str
    severity: float
    params: GaitParams

    @property
    def label(self) -> str:
        return self.name if self.name.startswith("custom") else f"{self.name}:{self.severity:g}"


def profile_params(name: str, severity: float, base: GaitParams = HEALTHY) -> GaitParams:
    """Walker parameters of a named profile at a severity in 0..1, starting from ``base``."""
    if name not in PROFILES:
        raise InputError(
            f"unknown gait profile {name!r}",
            fix=f"use one of {', '.join(PROFILES)} or custom:step_length=10,stance=-8",
        )
    if not (0.0 <= severity <= 1.0):
        raise InputError(
            f"severity {severity!r} of profile {name!r} is outside 0..1",
            fix="write a severity between 0 and 1, e.g. antalgic-left:0.4",
        )
    return base.with_(**PROFILES[name](severity))


_SEVERITY = re.compile(r"^(?:0|1|0?\.\d+|0\.\d*|1\.0*)$")


def parse_profile(text: str) -> Profile:
    """Parse ``NAME[:SEVERITY]`` or ``custom:KEY=PERCENT,...`` into a :class:`Profile`.

    Custom keys are ``step_length``, ``step_time``, ``stance`` and ``load``: symmetry
    indices in percent, positive when the left side is larger, e.g.
    ``custom:step_length=10,stance=-8``. Giving only one of ``step_length`` and
    ``step_time`` sets both (on a belt, step length follows step time).
    """
    raw = text.strip().lower()
    name, sep, rest = raw.partition(":")
    if name == "custom":
        return _parse_custom(text, rest)
    if name not in PROFILES:
        raise InputError(
            f"unknown gait profile {name!r} in {text!r}",
            fix=f"use one of {', '.join(PROFILES)}, or custom:step_length=10,stance=-8",
        )
    if not sep:
        severity = 0.0 if name == "healthy" else DEFAULT_SEVERITY
    else:
        if not _SEVERITY.match(rest.strip()):
            raise InputError(
                f"cannot read severity {rest!r} in profile {text!r}",
                fix="write NAME:SEVERITY with a severity between 0 and 1, e.g. antalgic-left:0.4",
            )
        severity = float(rest)
    return Profile(name, severity, profile_params(name, severity))


def _parse_custom(text: str, rest: str) -> Profile:
    changes: dict[str, object] = {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        key = key.strip()
        if not eq or key not in CUSTOM_KEYS:
            raise InputError(
                f"cannot read {item!r} in custom profile {text!r}",
                fix=f"write custom:KEY=PERCENT,... with KEY one of {', '.join(CUSTOM_KEYS)}",
            )
        try:
            percent = float(value)
        except ValueError:
            raise InputError(
                f"cannot read {value!r} as a percentage in {text!r}",
                fix="write a symmetry index in percent, e.g. step_length=10",
            ) from None
        if not (-60.0 <= percent <= 60.0):
            raise InputError(
                f"asymmetry {key}={value} is outside -60..60 %", fix="give a smaller percentage"
            )
        changes[CUSTOM_KEYS[key]] = percent / 100.0
    # On a belt, step length follows step time (L = v T): one given alone sets both.
    for a, b in (("step_length_asym", "step_time_asym"), ("step_time_asym", "step_length_asym")):
        if a in changes and b not in changes:
            changes[b] = changes[a]
    if not changes:
        raise InputError(
            f"custom profile {text!r} sets nothing",
            fix="write e.g. custom:step_length=10,step_time=10,stance=-8",
        )
    return Profile("custom:" + rest.strip(), 0.0, HEALTHY.with_(**changes))
