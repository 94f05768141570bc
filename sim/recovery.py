"""Injured-gait recovery across weeks of training sessions (model and sources: docs/recovery.md).

Per patient, an *excess* ``E`` (1 = as impaired as at the first session, 0 = at the plateau)
falls exponentially in the cumulative training dose (minutes walked), faster with feedback;
between sessions part of the gain is lost (retention per day off), pain-driven (antalgic)
profiles also heal with time, and occasional setbacks push ``E`` back up. The impairment at a
session's start is ``f = plateau + (1 - plateau) E``, times day-to-day noise; the walker of
that session is the healthy walker moved toward the profile's walker by ``f`` (every
asymmetry, the step-length deficit, stance, variability). With feedback, the walker also
adapts within the session toward the targets (the simulator's :class:`~sim.params.Feedback`:
a single exponential in the stride number; a double exponential in ``--fast`` mode if set).

Two outputs per session: :class:`SessionPlan` (the walker's :class:`~sim.params.GaitParams`
and :class:`~sim.params.Feedback`, so a full recording can be simulated), and
:func:`fast_summary`, a summary in the format of docs/formats.md computed from the same parameters
without simulating signals (the ``--fast`` path: expected values plus sampling noise).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError
from sim.params import Feedback, GaitParams, split
from sim.profiles import parse_profile as _parse


def parse_profile(text: str) -> tuple[str, float]:
    """``"antalgic-left:0.5"`` -> ``("antalgic-left", 0.5)`` (the simulator's profile syntax,
    custom profiles included; see :func:`sim.profiles.parse_profile`)."""
    prof = _parse(text)
    return prof.name, prof.severity


def _family(name: str) -> str:
    """``antalgic-left`` -> ``antalgic``; custom profiles form one family."""
    if name.startswith("custom"):
        return "custom"
    return name.removesuffix("-left").removesuffix("-right")


_INTERP_FIELDS = tuple(
    f.name
    for f in fields(GaitParams)
    if f.type in ("float", float) and f.name not in ("body_mass_kg",)
)
_ASYM_FIELDS = ("step_length_asym", "step_time_asym", "stance_asym", "load_asym")


def blend(healthy: GaitParams, impaired: GaitParams, f: float) -> GaitParams:
    """The walker a share ``f`` of the way from ``healthy`` to ``impaired`` (f may exceed 1
    a little on a bad day); contact types switch to the impaired ones from ``f >= 0.5``."""
    changes: dict[str, Any] = {
        k: getattr(healthy, k) + f * (getattr(impaired, k) - getattr(healthy, k))
        for k in _INTERP_FIELDS
    }
    if f >= 0.5:
        changes["contact_left"] = impaired.contact_left
        changes["contact_right"] = impaired.contact_right
    # Keep inside the walker's valid ranges whatever the day-to-day noise drew.
    for k in _ASYM_FIELDS:
        changes[k] = min(max(float(changes[k]), -0.5), 0.5)
    for k, lo, hi in _LIMITS:
        changes[k] = min(max(float(changes[k]), lo), hi)
    try:
        return replace(healthy, **changes)
    except InputError:  # e.g. no double support left: keep the stance split of the profile
        changes["stance_asym"] = impaired.stance_asym
        changes["step_time_asym"] = impaired.step_time_asym
        return replace(healthy, **changes)


_LIMITS = (
    ("walk_ratio", 0.0025, 0.011),
    ("alpha", 0.3, 0.95),
    ("stride_cv", 0.005, 0.12),
    ("stance_fraction", 0.52, 0.8),
    ("stance_asym", -0.3, 0.3),
    ("step_time_asym", -0.3, 0.3),
    ("freeze_per_min", 0.0, 10.0),
    ("freeze_s", 0.0, 30.0),
    ("heel_to_toe_s", 0.0, 0.3),
    ("overground_speed_mps", 0.2, 2.5),
)


@dataclass(frozen=True)
class RecoveryParams:
    """The model's parameters (defaults and their sources: docs/recovery.md)."""

    tau_dose_feedback_min: float = 50.0  # training minutes per e-fold of the excess
    tau_dose_plain_min: float = 90.0
    retention_per_day: float = 0.995  # share of consolidated gain kept per day off
    heal_days: float = 40.0  # antalgic profiles: pain resolves with time as well
    plateau: float = 0.15  # residual share of the initial impairment (scaled per profile)
    day_noise: float = 0.12  # SD of log impairment from session to session
    setback_prob: float = 0.02  # per session
    setback_size: tuple[float, float] = (0.2, 0.5)  # share of the gained ground lost
    patient_spread: float = 0.3  # SD of log time constants between patients
    in_session_residual: float = 0.5  # with feedback: error left at the end of a session
    in_session_tau_strides: float = 30.0  # fast (single) time constant
    in_session_tau_slow_strides: float = 150.0  # slow component (fast mode only)
    in_session_fast_share: float = 1.0  # 1 = single exponential, as the walker implements

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            vals = v if isinstance(v, tuple) else (v,)
            if not all(isinstance(x, int | float) and math.isfinite(x) and x >= 0 for x in vals):
                raise InputError(f"recovery parameter {f.name}={v!r} is invalid", fix="use >= 0")


# Plateau multipliers per profile family: neurological impairments leave more residual
# asymmetry than pain that resolves (docs/recovery.md).
_PLATEAU_SCALE = {
    "healthy": 1.0,
    "custom": 1.0,
    "antalgic": 0.4,
    "hemiparetic": 2.0,
    "parkinsonian": 3.0,
    "drop-foot": 2.0,
}


@dataclass(frozen=True)
class SessionPlan:
    """One training session of a patient: when, how long, and the walker that walks it."""

    patient: int
    index: int  # 0-based session number
    started_at: datetime
    minutes: float
    feedback: bool
    impairment: float  # f at the session's start (0 = healthy, 1 = initial profile)
    excess: float  # E: consolidated, before day-to-day noise
    setback: bool
    gait: GaitParams
    walker_feedback: Feedback
    profile: str
    severity: float
    target_step_length_m: float
    tolerance_m: float
    speed_mps: float
    seed: int

    @property
    def label(self) -> str:
        """The profile as written on the command line (``antalgic-left:0.5``)."""
        return (
            self.profile
            if self.profile.startswith("custom")
            else (f"{self.profile}:{self.severity:g}")
        )

    def meta(self) -> dict[str, Any]:
        """What the history stores about how this session was simulated."""
        return {
            "feedback": self.feedback,
            "profile": self.label,
            "session_index": self.index,
            "patient": self.patient,
            "impairment": round(self.impairment, 4),
            "setback": self.setback,
            "minutes": self.minutes,
            "speed_mps": self.speed_mps,
            "seed": self.seed,
        }


#: The longest training course simulated: ten years of weekly sessions.
MAX_WEEKS = 520


def schedule_days(weeks: int, per_week: int) -> list[float]:
    """Training days (from the start) spread evenly over each week (3/week: days 0, 2, 4)."""
    if not 1 <= weeks <= MAX_WEEKS or not 1 <= per_week <= 7:
        raise InputError(
            f"cannot schedule {per_week} sessions a week for {weeks} weeks",
            fix=f"use --weeks 1..{MAX_WEEKS} and --sessions-per-week 1..7",
        )
    return [7.0 * w + math.floor(i * 7 / per_week) for w in range(weeks) for i in range(per_week)]


def plan_patient(
    profile: str,
    *,
    weeks: int,
    sessions_per_week: int,
    feedback: bool,
    seed: int | np.random.SeedSequence,
    patient: int = 0,
    minutes: float = 5.0,
    start: datetime,
    speed_mps: float = 1.0,
    target_step_length_m: float = 0.60,
    tolerance_m: float = 0.05,
    params: RecoveryParams | None = None,
) -> list[SessionPlan]:
    """Every session of one patient, in order (deterministic for a given seed)."""
    p = params or RecoveryParams()
    prof = _parse(profile)
    name, severity = prof.name, prof.severity
    if not 0.5 <= minutes <= 120:
        raise InputError(f"--minutes {minutes} is outside 0.5..120", fix="use e.g. --minutes 5")
    family = _family(name)
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    rng = np.random.default_rng(ss)
    healthy = GaitParams()
    impaired = prof.params
    spread = math.exp(rng.normal(0.0, p.patient_spread))
    tau = (p.tau_dose_feedback_min if feedback else p.tau_dose_plain_min) * spread
    plateau = min(0.9, p.plateau * _PLATEAU_SCALE[family] * math.exp(rng.normal(0, 0.3)))
    heal = p.heal_days * spread if family == "antalgic" else math.inf
    days = schedule_days(weeks, sessions_per_week)
    excess = 1.0
    plans = []
    session_seeds = rng.integers(0, 2**31 - 1, size=len(days))
    for k, day in enumerate(days):
        setback = k > 0 and rng.random() < p.setback_prob
        if setback:
            excess += rng.uniform(*p.setback_size) * (1.0 - excess)
        noise = math.exp(rng.normal(0.0, p.day_noise)) if k > 0 else 1.0
        f = (plateau + (1.0 - plateau) * excess) * noise
        gait = blend(healthy, impaired, f)
        walker_fb = (
            Feedback(
                step_length_m=target_step_length_m,
                symmetry=True,
                tau_strides=p.in_session_tau_strides,
                residual=p.in_session_residual,
            )
            if feedback
            else Feedback()
        )
        plans.append(
            SessionPlan(
                patient=patient,
                index=k,
                started_at=start + timedelta(days=day),
                minutes=minutes,
                feedback=feedback,
                impairment=f,
                excess=excess,
                setback=setback,
                gait=gait,
                walker_feedback=walker_fb,
                profile=name,
                severity=severity,
                target_step_length_m=target_step_length_m,
                tolerance_m=tolerance_m,
                speed_mps=speed_mps,
                seed=int(session_seeds[k]),
            )
        )
        # Consolidation: exponential in the dose; then forgetting and healing over the gap.
        excess *= math.exp(-minutes / tau)
        gap = (days[k + 1] - day) if k + 1 < len(days) else 0.0
        excess = 1.0 - (1.0 - excess) * p.retention_per_day**gap
        excess *= math.exp(-gap / heal)
    return plans


def adaptation_curve(n: np.ndarray, fb: Feedback, slow_tau: float, fast_share: float) -> np.ndarray:
    """Share of the initial error left at stride ``n`` under feedback (1 without targets)."""
    if not fb.any:
        return np.ones_like(n, dtype=float)
    decay = fast_share * np.exp(-n / fb.tau_strides) + (1 - fast_share) * np.exp(-n / slow_tau)
    return fb.residual + (1.0 - fb.residual) * decay


def _symmetry(left: float, right: float) -> dict[str, float]:
    """SI, GA, SA and ratio of two per-side means (gait-metrics.md; positive = left larger)."""
    return {
        "si": (left - right) / (0.5 * (left + right)) * 100.0,
        "ga": 100.0 * abs(math.log(left / right)),
        "sa": (45.0 - math.degrees(math.atan(left / right))) / 90.0 * 100.0,
        "ratio": left / right,
    }


def _stat(mean: float, sd: float, n: int, rng: np.random.Generator) -> dict[str, float | int]:
    """A measured mean (true mean plus its sampling error) with its SD and count."""
    return {"mean": float(mean + rng.normal(0.0, sd / math.sqrt(max(n, 1)))), "sd": sd, "n": n}


def _share_within(mean: np.ndarray, sd: float, target: float, tol: float) -> float:
    """Expected share of steps with |length - target| <= tol, steps ~ N(mean_i, sd).

    The within-session curve is smooth, so 32 evenly spaced strides stand for all of them.
    """
    idx = np.linspace(0, mean.size - 1, min(mean.size, 32)).round().astype(int)
    root2 = math.sqrt(2.0) * sd
    shares = [
        0.5 * (math.erf((target + tol - m) / root2) - math.erf((target - tol - m) / root2))
        for m in mean[idx].tolist()
    ]
    return float(sum(shares) / len(shares))


def _session_step_lengths(
    plan: SessionPlan, p: RecoveryParams
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Mean step length of each stride of the session as the walker adapts toward the
    feedback, and the share of the initial error left at each stride."""
    g, fb, v = plan.gait, plan.walker_feedback, plan.speed_mps
    cadence0 = g.cadence_spm or math.sqrt(60.0 * v / g.walk_ratio)
    sl0 = 60.0 * v / cadence0
    strides = max(2, int(plan.minutes * cadence0 / 2.0))
    for _ in range(2):  # the stride count follows the cadence the feedback leads to
        n = np.arange(strides, dtype=float)
        left = adaptation_curve(n, fb, p.in_session_tau_slow_strides, p.in_session_fast_share)
        sl_n = (
            fb.step_length_m + (sl0 - fb.step_length_m) * left
            if fb.step_length_m is not None
            else np.full(strides, sl0)
        )
        strides = max(2, int(plan.minutes * 60.0 * v / float(np.mean(sl_n)) / 2.0))
    return sl_n, left


def _side_symmetry(side: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The symmetry measures of each quantity from the per-side means."""
    return {
        name: _symmetry(side["L"][key]["mean"], side["R"][key]["mean"])
        for name, key in (
            ("step_length", "step_length_m"),
            ("step_time", "step_time_s"),
            ("stance", "stance_s"),
            ("swing", "swing_s"),
        )
    }


def fast_summary(plan: SessionPlan, params: RecoveryParams | None = None) -> dict[str, Any]:
    """The session's summary (docs/formats.md format) computed at the summary level, no signals.

    Expected per-side means, SDs and shares from the walker's parameters and its within-
    session adaptation, plus the sampling error of a session of that length. No contacts
    are detected, so detection errors, gaps and DFA estimation bias are not represented.
    """
    p = params or RecoveryParams()
    rng = np.random.default_rng(plan.seed)
    g, fb, v = plan.gait, plan.walker_feedback, plan.speed_mps
    sl_n, left = _session_step_lengths(plan, p)
    strides = sl_n.size
    asym_left = left if fb.symmetry else np.ones(strides)
    # On a belt a step's length is the belt travel during its step time (gait-metrics.md),
    # so the step-length split follows the step-time split, as the recorded sessions show.
    asl = g.step_time_asym * asym_left
    sl = float(np.mean(sl_n))
    cadence = 60.0 * v / sl
    stride_t = 120.0 / cadence
    a_sl, a_st = float(np.mean(asl)), g.step_time_asym * float(np.mean(asym_left))
    a_stance = g.stance_asym * float(np.mean(asym_left))
    sd_t = stride_t * g.stride_cv
    sd_len = math.hypot(g.placement_sd_m * 2.0, v * math.hypot(sd_t / 2.0, g.step_jitter_s))
    # a toe-off's own shift (swing_jitter_s) moves the stance and the swing alike
    sd_stance = math.hypot(sd_t * g.stance_fraction, g.swing_jitter_s)
    sd_swing = math.hypot(sd_t * (1 - g.stance_fraction), g.swing_jitter_s)
    steps_per_side = strides
    l_len, r_len = split(sl, a_sl)
    l_step, r_step = split(stride_t / 2.0, a_st)
    l_stance, r_stance = split(g.stance_fraction * stride_t, a_stance)
    side: dict[str, dict[str, Any]] = {}
    for s, length, step, stance in (("L", l_len, l_step, l_stance), ("R", r_len, r_step, r_stance)):
        side[s] = {
            "step_length_m": _stat(length, sd_len, steps_per_side, rng),
            "step_time_s": _stat(step, math.hypot(sd_t / 2, g.step_jitter_s), steps_per_side, rng),
            "stride_time_s": _stat(stride_t, sd_t, steps_per_side - 1, rng),
            "stance_s": _stat(stance, sd_stance, steps_per_side, rng),
            "swing_s": _stat(stride_t - stance, sd_swing, steps_per_side, rng),
        }
    sym = _side_symmetry(side)
    # PCI (Plotnik 2007): mean |phi - 180| / 180 from the step-time split, plus CV(phi).
    # CV(phi) comes from how each stride splits into steps (jitter, ~1 ms detection), not
    # from stride-time noise, which scales both IC intervals alike.
    phi_cv = 100.0 * math.hypot(g.step_jitter_s, 0.001) / (stride_t / 2)
    pci = phi_cv + 100.0 * abs(a_st) / 2.0
    cv_sd = g.stride_cv * 100.0 / math.sqrt(2.0 * strides)
    alpha_sd = 0.5 / math.sqrt(strides)  # DFA estimation spread grows as strides shrink
    n_len_l = sl_n * (1 + asl / 2)
    n_len_r = sl_n * (1 - asl / 2)
    tgt, tol = plan.target_step_length_m, plan.tolerance_m
    return {
        "steps": 2 * strides,
        "cadence_spm": float(cadence + rng.normal(0.0, 0.2)),
        "L": side["L"],
        "R": side["R"],
        "symmetry": {**sym, "pci": float(pci)},
        "variability": {
            "stride_time_cv": {
                s: float(max(0.1, g.stride_cv * 100.0 + rng.normal(0.0, cv_sd))) for s in "LR"
            },
            "dfa_alpha": {
                "L": float(g.alpha + rng.normal(0.0, alpha_sd)),
                "R": float(g.alpha + rng.normal(0.0, alpha_sd)),
                "n": {"L": strides, "R": strides},
            },
        },
        "belt_speed_mps": {"mean": v, "sd": 0.005},
        "target": {
            "step_length_m": tgt,
            "tolerance_m": tol,
            "within": {
                "L": _share_within(n_len_l, sd_len, tgt, tol),
                "R": _share_within(n_len_r, sd_len, tgt, tol),
            },
        },
        "simulated": "summary-level (--fast): expected values plus sampling noise, no signals",
    }
