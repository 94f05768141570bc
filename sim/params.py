"""The walker's parameters: one frozen object per session, so recovery studies can set them.

Asymmetries are symmetry indices written as fractions, positive when the left side is
larger (the project's sign convention): ``step_length_asym=0.10`` means
``(L - R) / mean(L, R) = 10 %``. Left and right values are ``mean * (1 +/- asym / 2)``.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Literal

from devices.errors import InputError
from sim.fgn import MAX_ALPHA, MIN_ALPHA

ContactType = Literal["heel", "flat", "toe"]
CONTACT_TYPES: tuple[ContactType, ...] = ("heel", "flat", "toe")


@dataclass(frozen=True)
class GaitParams:
    """How one person walks in one session (defaults: a healthy adult, 70 kg).

    - ``walk_ratio``: step length / cadence in m per (steps/min), about constant across
      speeds in healthy adults (0.0064, Sekiya & Nagasaki 1998); it sets the self-selected
      cadence at a given speed: ``cadence = sqrt(60 v / walk_ratio)``.
    - ``cadence_spm``: a fixed cadence instead (None = self-selected).
    - ``stance_fraction``: stance / stride (about 0.60 in healthy walking, Perry 1992).
    - ``alpha``, ``stride_cv``: DFA exponent and coefficient of variation of stride time.
    - ``contact_left``/``contact_right``: heel-first, flat or toe-first initial contact.
    - ``heel_to_toe_s``: heel load onset to forefoot load onset in heel-first contacts.
    - ``freeze_per_min``/``freeze_s``: freezing-of-gait episodes (overground only).
    - ``placement_sd_m``/``position_gain``: fore-aft landing position noise on a belt and
      the share of the position error corrected at each step (keeps the walker in place).
    - ``step_jitter_s``: independent noise in how a stride splits into two steps.
    - ``swing_jitter_s``: independent noise in when a foot lifts: the SD of a per-step
      Gaussian moving each toe-off, trading the double support before it against the swing
      after it; the landings (step and stride times) stay where they were. Real swing times
      vary on their own as well as with the stride time (0 = a walking swing is exactly
      its cycle's share of the stride, less the step-time jitter).
    - ``turn_steps``: (fewest, most) steps of a 180-degree turn at the end of an overground
      pass; each turn's count is drawn uniformly from the range (its own random stream),
      so ``(4, 4)`` turns in four steps always (real walkers turn in 2-6: a spin turn on
      one foot, a step turn, a wide turn).
    - ``swing_touch_rate``: share of swings with a short toe touch (chorea: the swinging
      foot touches the ground, 15-60 ms, 5-30 % of body weight, clear of both contacts).
    - ``two_stage_rate``: share of contacts that load in two stages: the foot touches
      (25-45 % of body weight for 30-90 ms), then loads; the contact starts at the touch.
    - ``scuff_rate``: share of toe-offs followed by a scuff (the toe drags 20-50 ms after
      the final contact, 5-20 % of body weight).
    """

    body_mass_kg: float = 70.0
    walk_ratio: float = 0.0064
    cadence_spm: float | None = None
    overground_speed_mps: float = 1.25
    stance_fraction: float = 0.60
    step_length_asym: float = 0.0
    step_time_asym: float = 0.0
    stance_asym: float = 0.0
    load_asym: float = 0.0
    alpha: float = 0.85
    stride_cv: float = 0.025
    contact_left: ContactType = "heel"
    contact_right: ContactType = "heel"
    heel_to_toe_s: float = 0.10
    freeze_per_min: float = 0.0
    freeze_s: float = 2.0
    placement_sd_m: float = 0.003
    position_gain: float = 0.3
    step_jitter_s: float = 0.003
    swing_jitter_s: float = 0.0
    turn_steps: tuple[int, int] = (4, 4)
    swing_touch_rate: float = 0.0
    two_stage_rate: float = 0.0
    scuff_rate: float = 0.0

    def __post_init__(self) -> None:
        _check_range("body_mass_kg", self.body_mass_kg, 20.0, 250.0)
        _check_range("walk_ratio", self.walk_ratio, 0.002, 0.012)
        if self.cadence_spm is not None:
            _check_range("cadence_spm", self.cadence_spm, 40.0, 200.0)
        _check_range("overground_speed_mps", self.overground_speed_mps, 0.2, 2.5)
        _check_range("stance_fraction", self.stance_fraction, 0.52, 0.80)
        for name in ("step_length_asym", "step_time_asym", "stance_asym", "load_asym"):
            _check_range(name, getattr(self, name), -0.6, 0.6)
        _check_range("alpha", self.alpha, MIN_ALPHA, MAX_ALPHA)
        _check_range("stride_cv", self.stride_cv, 0.0, 0.3)
        for name in ("contact_left", "contact_right"):
            if getattr(self, name) not in CONTACT_TYPES:
                raise InputError(
                    f"{name} {getattr(self, name)!r} is not a contact type",
                    fix=f"use one of {', '.join(CONTACT_TYPES)}",
                )
        _check_range("heel_to_toe_s", self.heel_to_toe_s, 0.0, 0.3)
        _check_range("freeze_per_min", self.freeze_per_min, 0.0, 10.0)
        _check_range("freeze_s", self.freeze_s, 0.0, 30.0)
        _check_range("placement_sd_m", self.placement_sd_m, 0.0, 0.05)
        _check_range("position_gain", self.position_gain, 0.01, 1.0)
        _check_range("step_jitter_s", self.step_jitter_s, 0.0, 0.05)
        _check_range("swing_jitter_s", self.swing_jitter_s, 0.0, 0.05)
        _check_turn_steps(self.turn_steps)
        for name in ("swing_touch_rate", "two_stage_rate", "scuff_rate"):
            _check_range(name, getattr(self, name), 0.0, 1.0)
        # Each stance must outlast the other foot's step, or there is no double support.
        stance_l, stance_r = split(self.stance_fraction, self.stance_asym)
        step_l, step_r = split(0.5, self.step_time_asym)
        if stance_l <= step_r + 0.01 or stance_r <= step_l + 0.01:
            raise InputError(
                "these stance and step-time asymmetries leave no double support",
                fix="reduce stance_asym or step_time_asym, or raise stance_fraction",
            )

    def contact(self, side: str) -> ContactType:
        """Initial-contact type of one foot ('L' or 'R')."""
        return self.contact_left if side == "L" else self.contact_right

    def with_(self, **changes: object) -> GaitParams:
        """A copy with some fields changed (validated again)."""
        names = {f.name for f in fields(self)}
        unknown = sorted(set(changes) - names)
        if unknown:
            raise InputError(
                f"unknown gait parameter(s): {', '.join(unknown)}",
                fix=f"use one of {', '.join(sorted(names))}",
            )
        return replace(self, **changes)  # type: ignore[arg-type]


def split(mean: float, asym: float) -> tuple[float, float]:
    """(left, right) values whose mean is ``mean`` and whose symmetry index is ``asym``."""
    return mean * (1 + asym / 2), mean * (1 - asym / 2)


#: fewest and most steps a turn may take: two (a spin turn: one foot pivots, the other
#: steps round; a turn step then closes its pass for the truth) to eight (a wide turn)
TURN_STEPS_RANGE = (2, 8)


def _check_turn_steps(value: tuple[int, int]) -> None:
    lo, hi = TURN_STEPS_RANGE
    ok = (
        isinstance(value, tuple)
        and len(value) == 2
        and all(isinstance(n, int) and not isinstance(n, bool) for n in value)
        and lo <= value[0] <= value[1] <= hi
    )
    if not ok:
        raise InputError(
            f"gait parameter turn_steps={value!r} is not (fewest, most) steps in {lo}..{hi}",
            fix="give two whole numbers of steps, fewest first, e.g. turn_steps=(3, 5)",
        )


def _check_range(name: str, value: float, lo: float, hi: float) -> None:
    if not (lo <= value <= hi):  # also rejects NaN
        raise InputError(
            f"gait parameter {name}={value!r} is outside {lo}..{hi}",
            fix=f"give {name} a value between {lo} and {hi}",
        )


@dataclass(frozen=True)
class Feedback:
    """Targets shown to the walker, and how the walker responds to them.

    The walker moves each targeted quantity from where it is toward the target with a single
    exponential in the stride number (time constant ``tau_strides``, as split-belt adaptation
    does: Reisman 2005, Malone 2011) and keeps a residual share ``residual`` of the initial
    error. A metronome replaces the long-range correlated stride times by a corrected
    timing error, which makes them anti-persistent (alpha < 0.5; Hausdorff 1996, Terrier 2005).
    """

    step_length_m: float | None = None
    cadence_spm: float | None = None
    symmetry: bool = False
    metronome_spm: float | None = None
    tau_strides: float = 30.0
    residual: float = 0.2

    def __post_init__(self) -> None:
        if self.step_length_m is not None:
            _check_range("target step_length_m", self.step_length_m, 0.1, 1.5)
        if self.cadence_spm is not None:
            _check_range("target cadence_spm", self.cadence_spm, 40.0, 200.0)
        if self.metronome_spm is not None:
            _check_range("metronome_spm", self.metronome_spm, 40.0, 200.0)
        _check_range("tau_strides", self.tau_strides, 0.5, 10000.0)
        _check_range("residual", self.residual, 0.0, 1.0)

    @property
    def any(self) -> bool:
        return (
            self.step_length_m is not None
            or self.cadence_spm is not None
            or self.symmetry
            or self.metronome_spm is not None
        )
