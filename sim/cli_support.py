"""What ``stride sim session`` runs: options as typed on the command line -> a recording.

Kept in ``sim`` (not in the CLI module) so the command module imports nothing heavy and so
the parsing of every option is tested without the CLI.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from pathlib import Path

from devices.errors import InputError
from devices.units import parse_speed
from sim.box import BoxConfig
from sim.forces import LAYOUTS
from sim.params import TURN_STEPS_RANGE, Feedback
from sim.profiles import parse_profile
from sim.sensors import noise_level
from sim.session import Derive, SessionSpec, simulate_session


def build_spec(
    *,
    minutes: float,
    speed: str,
    profile: str,
    seed: int,
    rate: int,
    sensors: str = "heel-toe",
    overground: bool = False,
    noise: str = "nominal",
    target: float | None = None,
    metronome: float | None = None,
    subject: str | None = None,
    swing_jitter_ms: float = 0.0,
    turn_steps: str = "4",
) -> SessionSpec:
    """A :class:`SessionSpec` from command-line strings (errors name the option to fix).

    ``swing_jitter_ms``: the walker's swing-time noise (GaitParams ``swing_jitter_s``), in
    ms, on top of the profile's. ``turn_steps``: steps of each turn overground, ``N`` or
    ``A-B`` (drawn uniformly per turn; GaitParams ``turn_steps``)."""
    prof = parse_profile(profile)
    params = prof.params
    if swing_jitter_ms:
        if not (0.0 <= swing_jitter_ms <= 50.0):  # also rejects NaN
            raise InputError(
                f"--swing-jitter {swing_jitter_ms!r} ms is outside 0..50",
                fix="give the SD of each toe-off's own shift in ms, e.g. --swing-jitter 10",
            )
        params = params.with_(swing_jitter_s=swing_jitter_ms / 1000.0)
    turns = parse_turn_steps(turn_steps)
    if turns != params.turn_steps:
        if not overground:
            raise InputError(
                f"--turn-steps {turn_steps} is for walks along parallel lines",
                fix="add --overground, or leave --turn-steps out",
            )
        params = params.with_(turn_steps=turns)
    _check_option("--target", target, (0.1, 1.5), "m", "0.6")
    _check_option("--metronome", metronome, (40.0, 200.0), "steps/min", "100")
    if sensors not in LAYOUTS:
        raise InputError(f"unknown --sensors {sensors!r}", fix=f"use one of {', '.join(LAYOUTS)}")
    box = BoxConfig(
        rate_hz=rate,
        sensors=sensors,
        noise=noise_level(noise),
        belt_counts_per_m=0.0 if overground else BoxConfig().belt_counts_per_m,
    )
    return SessionSpec(
        minutes=minutes,
        # on a belt, any speed outside a walking one is said by SessionSpec, in one message
        speed_mps=parse_speed(speed, most_mps=10.0 if overground else math.inf),
        params=params,
        profile=prof.label,
        seed=seed,
        box=box,
        overground=overground,
        feedback=Feedback(step_length_m=target, metronome_spm=metronome),
        subject=subject,
    )


def parse_turn_steps(text: str) -> tuple[int, int]:
    """``--turn-steps``: ``N`` (every turn) or ``A-B`` (each turn's count drawn from A..B)."""
    lo, hi = TURN_STEPS_RANGE
    parts = text.strip().split("-")
    if len(parts) in (1, 2) and all(p.strip().isdigit() for p in parts):
        fewest, most = int(parts[0]), int(parts[-1])
        if lo <= fewest <= most <= hi:
            return fewest, most
    raise InputError(
        f"--turn-steps {text!r} is not a step count (or range, fewest first) in {lo}..{hi}",
        fix="give the steps of each turn, e.g. --turn-steps 3 or --turn-steps 2-6",
    )


def _check_option(
    option: str, value: float | None, bounds: tuple[float, float], unit: str, example: str
) -> None:
    """A feedback option outside what the walker model takes (:class:`Feedback`'s ranges),
    named as the option typed, with its unit."""
    lo, hi = bounds
    if value is not None and not (lo <= value <= hi):  # also rejects NaN
        raise InputError(
            f"{option} {value!r} {unit} is outside {lo:g}..{hi:g} {unit}",
            fix=f"give {option} in {unit}, e.g. {option} {example}",
        )


def run_session(
    *,
    out: Path,
    minutes: float,
    speed: str,
    profile: str,
    seed: int,
    rate: int,
    sensors: str = "heel-toe",
    overground: bool = False,
    noise: str = "nominal",
    target: float | None = None,
    metronome: float | None = None,
    force: bool = False,
    subject: str | None = None,
    derive: Derive | None = None,
    swing_jitter_ms: float = 0.0,
    turn_steps: str = "4",
) -> str:
    """Simulate and write the session; returns the one-line summary the CLI prints.

    ``derive``: derived files made from the written directory (see ``simulate_session``).
    """
    spec = build_spec(
        minutes=minutes,
        speed=speed,
        profile=profile,
        seed=seed,
        rate=rate,
        sensors=sensors,
        overground=overground,
        noise=noise,
        target=target,
        metronome=metronome,
        subject=subject,
        swing_jitter_ms=swing_jitter_ms,
        turn_steps=turn_steps,
    )
    derive_s = 0.0

    def timed(path: Path) -> Mapping[str, str]:  # the speed figure is the simulator's alone
        nonlocal derive_s
        d0 = time.perf_counter()
        try:
            return derive(path) if derive is not None else {}
        finally:
            derive_s += time.perf_counter() - d0

    t0 = time.perf_counter()
    sim = simulate_session(out, spec, force=force, derive=timed if derive else None)
    elapsed = time.perf_counter() - t0 - derive_s
    return (
        f"{out}: {spec.minutes:g} min of {spec.profile} at {rate} Hz, "
        f"{len(sim.truth)} true steps, {len(sim.data)} bytes from the box "
        f"({elapsed:.1f} s, {spec.minutes * 60 / max(elapsed, 1e-9):.0f}x real time)"
    )
