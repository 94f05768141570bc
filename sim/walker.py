"""The walker: two SimPy leg processes, coupled, that produce foot contacts.

Each leg waits for the other foot's initial contact (IC), keeps its own stance until its
final contact (FC), swings, and lands one step time after the other foot did. Every left
IC starts a gait cycle whose stride time is drawn once: the mean stride comes from the speed
(walk ratio) or a cadence, its fluctuations from fractional Gaussian noise with the target
DFA alpha (or, with a metronome, from a corrected timing error, which is anti-persistent).
Step times and stances split the stride by the asymmetries of :class:`GaitParams`, so the
left stride series has exactly the drawn correlations.

Each foot lifts a double support after the other foot's landing, planned then from the cycle
running: the right foot, standing when a cycle is drawn at a left landing, lifts by that
new cycle, not by the one it landed in. A walker's stance, swing and double support all
follow its stride time, on both feet (each keeps about its share of the gait cycle, Perry
1992; their series fluctuate with the stride series, Hausdorff et al. 1995, 1996): no foot
opens a cycle. A right toe-off kept from the cycle before would put all of a long cycle's
extra time into the right foot's swing and none into its double support, and the left
foot's into both.

On a belt the walker keeps its place: each landing position (fore-aft, lab frame) corrects a
share ``position_gain`` of the previous one's distance from the walker's place, plus noise,
which makes stride speed anti-persistent (Dingwell 2010). Overground, the walker covers
passes of ``pass_length_m`` along parallel lines, adjusts its last steps before the end line
to land on it, and turns there.

SimPy only schedules these events; sample-level signals are rendered afterwards (or
between events, in real time) from the contact list, in vectorised blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
import simpy

from sim.contact import Contact as Contact  # the walker's contacts (re-exported)
from sim.fgn import fgn_stream
from sim.params import Feedback, GaitParams, split
from sim.turns import TurnCounts

SIDES = ("L", "R")
MIN_WALK_SPEED = 0.15  # m/s: below this the walker stands on the belt
TURN_TIME_FACTOR = 1.5  # turn steps are slower: a 180-degree turn takes about 2.5-3 s
#: walking to the end line, the last steps before it are lengthened or shortened so that the
#: last foot lands on it (walkers adjust over the last few steps before a floor target:
#: Laurent & Thomson 1988; de Rugy et al. 2002); at most a sixth of a step each, this way
APPROACH_STEPS = 3
#: the swinging leg needs at least this long (swing lasts about 0.35-0.45 s across walking
#: speeds, Perry 1992); a stride drawn shorter lengthens its step instead
MIN_SWING_S = 0.25
MIN_DOUBLE_SUPPORT_S = 0.02  # s: what swing-time noise (swing_jitter_s) leaves at least


def other(side: str) -> str:
    return "R" if side == "L" else "L"


def planned_distance(side: str, steps: int, step_length: dict[str, float]) -> float:
    """Distance that ``steps`` steps cover at the walker's own step lengths, ``side`` first."""
    own = (steps + 1) // 2
    return own * step_length[side] + (steps - own) * step_length[other(side)]


def approach_steps_left(left_m: float, step_length: dict[str, float]) -> int:
    """Whole steps that best fill ``left_m`` metres to the end line at the walker's mean
    step (0: the foot is on the line, within half a step)."""
    mean = (step_length["L"] + step_length["R"]) / 2
    return max(0, math.floor(left_m / mean + 0.5))


class BeltForWalker(Protocol):
    """What the walker needs from a treadmill (sim.treadmill.Treadmill provides it)."""

    def motor_speed_mps(self, now: float, side: str = "L") -> float: ...

    def heel_strike(self, side: str, now: float, load: float = 1.0) -> None: ...


@dataclass
class _Cycle:
    """One gait cycle, drawn at a left IC: stride time and how it splits."""

    index: int
    stride: float
    step: dict[str, float]
    stance: dict[str, float]
    step_length: dict[str, float]
    flags: tuple[str, ...] = ()


@dataclass
class WalkerState:
    """What the walker does now (for dashboards and tests)."""

    cycles: int = 0
    standing: bool = False
    feedback_since: int | None = None
    freezes: int = 0
    turns: int = 0
    pass_position: float = 0.0
    listeners: list[Callable[[str, Contact], None]] = field(default_factory=list)


class Walker:
    """Two coupled leg processes in ``env`` producing :class:`Contact` records.

    ``belt`` = None walks overground along parallel lines (passes of ``pass_length_m``).
    Contacts are appended to :attr:`contacts` in IC order; listeners registered with
    :meth:`on_event` are called with ``("ic" | "fc", contact)`` as events happen.
    """

    def __init__(
        self,
        env: simpy.Environment,
        params: GaitParams,
        rng: np.random.Generator,
        belt: BeltForWalker | None = None,
        *,
        feedback: Feedback | None = None,
        pass_length_m: float = 10.0,
        start_s: float = 0.5,
    ) -> None:
        self.env = env
        self.params = params
        self.rng = rng
        self.belt = belt
        self.feedback = feedback or Feedback()
        self.pass_length = float(pass_length_m)
        self.contacts: list[Contact] = []
        self.state = WalkerState()
        if self.feedback.any:
            self.state.feedback_since = 0
        self._noise: Iterator[float] = fgn_stream(params.alpha, rng)
        self._asynchrony = 0.0
        self._cycle: _Cycle | None = None
        self._current: dict[str, Contact | None] = {"L": None, "R": None}
        self._landed = {s: env.event() for s in SIDES}
        self._place = 0.0
        self._turn_left = 0
        self._swing_rng: np.random.Generator | None = None  # its own stream: see _swing_shift
        self._turns = TurnCounts(rng)  # each turn's steps, from a stream of its own
        env.process(self._start(start_s))
        env.process(self._leg("L"))
        env.process(self._leg("R"))

    # -- public -------------------------------------------------------------------------------

    def on_event(self, fn: Callable[[str, Contact], None]) -> None:
        self.state.listeners.append(fn)

    def set_feedback(self, feedback: Feedback) -> None:
        """Show new targets; the adaptation clock restarts at the current stride."""
        self.feedback = feedback
        self.state.feedback_since = self.state.cycles if feedback.any else None

    def set_params(self, params: GaitParams) -> None:
        """Change how the walker walks from the next gait cycle on."""
        if params.alpha != self.params.alpha:
            self._noise = fgn_stream(params.alpha, self.rng)
        self.params = params

    # -- processes ----------------------------------------------------------------------------

    def _start(self, start_s: float) -> Generator[simpy.Event, Any, None]:
        """Both feet start on the ground; the right foot lifts first, the left lands first."""
        yield self.env.timeout(start_s)
        while not self._can_walk():
            yield self.env.timeout(0.05)
        cycle = self._draw_cycle()
        t = self.env.now
        # The right foot stood since t - (stride - step_R) as if mid-stance.
        self._current["R"] = Contact(
            "R", t - cycle.step["L"], cycle.stance["R"], self.params.contact_right, 1.0, 0.0
        )
        self._land("L", cycle)

    def _leg(self, side: str) -> Generator[simpy.Event, Any, None]:
        """One foot: at the other foot's landing it plans its toe-off, a double support
        later (the running cycle's stance of this foot less the other foot's step: the
        right foot re-plans the stance it landed with from the cycle just drawn), stands
        longer for a stopped belt or a freeze, lifts, swings and lands one step time (a
        turn step's longer) after the other foot, at least :data:`MIN_SWING_S` after
        lifting."""
        opp = other(side)
        while True:
            yield self._landed[opp]
            t_other = self.env.now
            cycle = self._cycle
            mine = self._current[side]
            if cycle is None or mine is None:  # cannot happen after _start; stay safe
                continue
            # The double support after the other foot's landing, from the cycle running now
            # (for the right foot, the one just drawn at that left landing): its stance less
            # the other foot's step. A turn step that landed late has delayed it as much.
            planned_fc = t_other + cycle.stance[side] - cycle.step[opp]
            moved = self._swing_shift(planned_fc - t_other, cycle.step[side])
            planned_fc += moved
            mine.stance_planned = planned_fc - mine.ic
            shift = 0.0
            # Standing (belt stopped) or a freeze: this foot does not lift yet.
            while not self._can_walk():
                if not self.state.standing:
                    self._stand()
                self.state.standing = True
                yield self.env.timeout(0.05)
            if self.state.standing:
                self.state.standing = False
                shift = self.env.now - t_other
                self._stand(until=self.env.now)
            if "freeze" in cycle.flags and side == "L":
                shift += self.params.freeze_s
                yield self.env.timeout(self.params.freeze_s)
            fc = max(planned_fc + shift, self.env.now)
            yield self.env.timeout(fc - self.env.now)
            mine.fc = self.env.now
            self._emit("fc", mine)
            step = None if self.belt is not None else self._overground_step(side, cycle)
            stretch = TURN_TIME_FACTOR if step is not None and step[2] else 1.0
            delay = cycle.step[side] * (stretch - 1.0)
            land = t_other + shift + cycle.step[side] + delay
            wait = max(land - self.env.now, MIN_SWING_S)
            self._swing_events(mine, self.env.now + wait, moved)
            yield self.env.timeout(wait)
            if side == "L":  # a left IC opens the next gait cycle
                cycle = self._draw_cycle()
            self._land(side, cycle, step, delay=delay)

    def _stand(self, until: float | None = None) -> None:
        """Both feet stand as they are (a stopped belt): their open contacts are held from
        now (a foot that has just landed from its loading, at 20 % of its stance); with
        ``until``, the stand is over then, each planned FC later by as much."""
        now = self.env.now
        for c in self._current.values():
            if c is None or c.fc is not None:
                continue
            if until is None:
                c.hold = (max(now, c.ic + 0.2 * c.stance_planned), None, c.stance_planned)
            elif c.hold is not None and c.hold[1] is None:
                start = c.hold[0]
                c.hold = (start, until, c.hold[2]) if until > start else None
                c.stance_planned += max(0.0, until - start)

    # -- model --------------------------------------------------------------------------------

    def _can_walk(self) -> bool:
        if self.belt is None:
            return True
        now = self.env.now
        return (
            min(self.belt.motor_speed_mps(now, "L"), self.belt.motor_speed_mps(now, "R"))
            >= MIN_WALK_SPEED
        )

    def _speed(self) -> float:
        if self.belt is None:
            return self.params.overground_speed_mps
        now = self.env.now
        mean = (self.belt.motor_speed_mps(now, "L") + self.belt.motor_speed_mps(now, "R")) / 2
        return max(mean, MIN_WALK_SPEED)  # split belts: the mean of the two

    def _adapt(self) -> float:
        """Share of the initial distance to the targets still left (1 = no feedback yet)."""
        since = self.state.feedback_since
        if since is None:
            return 1.0
        k = self.state.cycles - since
        fb = self.feedback
        return fb.residual + (1.0 - fb.residual) * math.exp(-k / fb.tau_strides)

    def _draw_cycle(self) -> _Cycle:
        p = self.params
        fb = self.feedback
        v = self._speed()
        cadence = p.cadence_spm or math.sqrt(60.0 * v / p.walk_ratio)
        step_t = 60.0 / cadence
        share = self._adapt()
        if fb.step_length_m is not None:
            target_t = fb.step_length_m / v  # at this speed, the target's step time
            if self.belt is None:
                target_t = step_t  # overground the walker lengthens steps, not time
            step_t = target_t + (step_t - target_t) * share
        if fb.cadence_spm is not None:
            step_t = 60.0 / fb.cadence_spm + (step_t - 60.0 / fb.cadence_spm) * share
        sym = share if fb.symmetry else 1.0
        stride_mean = 2.0 * step_t
        if fb.metronome_spm is not None:
            stride_mean = 120.0 / fb.metronome_spm
            z = self._metronome_noise()
        else:
            z = next(self._noise)
        stride = stride_mean * (1.0 + p.stride_cv * z)
        stride = max(stride, 0.4 * stride_mean)
        st_l, st_r = split(0.5, p.step_time_asym * sym)
        jitter = p.step_jitter_s * float(self.rng.standard_normal())
        step = {"R": stride * st_r + jitter, "L": stride * st_l - jitter}
        sa_l, sa_r = split(p.stance_fraction, p.stance_asym * sym)
        stance = {"L": stride * sa_l, "R": stride * sa_r}
        flags: tuple[str, ...] = ()
        freeze_p = p.freeze_per_min * stride / 60.0 if self.belt is None else 0.0
        if freeze_p > 0 and self.rng.random() < freeze_p:
            flags = ("freeze",)
            self.state.freezes += 1
        mean_len = v * step_t if self.belt is None else v * stride / 2
        sl_l, sl_r = split(mean_len, p.step_length_asym * sym)
        cycle = _Cycle(self.state.cycles, stride, step, stance, {"L": sl_l, "R": sl_r}, flags)
        self.state.cycles += 1
        self._cycle = cycle
        return cycle

    def _metronome_noise(self) -> float:
        """Stride fluctuation under a metronome: the change of a corrected asynchrony
        a[k+1] = 0.5 a[k] + e (unit variance overall); anti-persistent by construction."""
        prev = self._asynchrony
        self._asynchrony = 0.5 * prev + float(self.rng.standard_normal()) * 0.7
        return self._asynchrony - prev

    def _land(
        self,
        side: str,
        cycle: _Cycle,
        overground: tuple[float, float, bool] | None = None,
        delay: float = 0.0,
    ) -> None:
        p = self.params
        now = self.env.now
        loads = split(1.0, p.load_asym)
        load = loads[0] if side == "L" else loads[1]
        flags = cycle.flags  # a freeze: both of the cycle's contacts stand through it
        step_length: float | None = None
        if self.belt is None:
            step_length, place, turn = overground or self._overground_step(side, cycle)
            if turn:
                flags = (*flags, "turn")
        else:
            place = self._belt_place(side, cycle)
            self.belt.heel_strike(side, now, load)
        pre_touch = None
        if p.two_stage_rate and self.rng.random() < p.two_stage_rate:
            dur = min(float(self.rng.uniform(0.03, 0.09)), 0.25 * cycle.stance[side])
            pre_touch = (dur, float(self.rng.uniform(0.25, 0.45)))
        contact = Contact(
            side,
            now,
            cycle.stance[side],
            p.contact(side),
            load,
            place,
            step_length,
            flags,
            cycle=cycle.index,
            delay=delay,
            pre_touch=pre_touch,
        )
        self.contacts.append(contact)
        self._current[side] = contact
        self._emit("ic", contact)
        ev = self._landed[side]
        self._landed[side] = self.env.event()
        ev.succeed(contact)

    def _belt_place(self, side: str, cycle: _Cycle) -> float:
        """Fore-aft landing position on a belt: corrects toward the walker's place.

        A step-length asymmetry beyond the step-time one is realised as a constant fore-aft
        offset of each foot (``(a_len - a_time) * step / 4``), invisible to foot sensors."""
        p = self.params
        mean_step = (cycle.step["L"] + cycle.step["R"]) / 2 * self._speed()
        offset = (p.step_length_asym - p.step_time_asym) * mean_step / 4
        offset = offset if side == "L" else -offset
        self._place = (1.0 - p.position_gain) * self._place + p.placement_sd_m * float(
            self.rng.standard_normal()
        )
        return self._place + offset

    def _overground_step(self, side: str, cycle: _Cycle) -> tuple[float, float, bool]:
        """Step length, walkway position and whether this step is part of a turn.

        Walking to the end line the walker aims its feet at it, as people walking to a
        target on the floor do (locomotor pointing: Lee et al. 1982, Laurent & Thomson
        1988, de Rugy et al. 2002): within :data:`APPROACH_STEPS` steps of the line each
        step is scaled so that the remaining steps, at the walker's own L/R step lengths,
        end on it. A walker whose last foot is on the line (no whole step left) turns."""
        noise = 1.0 + 0.015 * float(self.rng.standard_normal())
        length = cycle.step_length[side] * noise
        if self._turn_left > 0:
            self._turn_left -= 1
            if self._turn_left == 0:
                self.state.pass_position = 0.0
            return length * 0.4, self.state.pass_position, True
        left = self.pass_length - self.state.pass_position
        steps_left = approach_steps_left(left, cycle.step_length)
        if steps_left == 0:
            self._turn_left = self._turns.draw(self.params.turn_steps) - 1
            self.state.turns += 1
            return length * 0.4, self.state.pass_position, True
        if steps_left <= APPROACH_STEPS:
            length *= left / planned_distance(side, steps_left, cycle.step_length)
        self.state.pass_position += length
        return length, self.state.pass_position, False

    def _swing_shift(self, double_support: float, step: float) -> float:
        """Swing-time noise: a toe-off moved by a Gaussian of SD ``swing_jitter_s`` (double
        support traded against swing, the landing kept), clipped to leave the shortest double
        support and swing (none at the shortest swing); its own stream, spawned if used."""
        if not self.params.swing_jitter_s:
            return 0.0
        if self._swing_rng is None:
            self._swing_rng = self.rng.spawn(1)[0]
        z = self.params.swing_jitter_s * float(self._swing_rng.standard_normal())
        hi = step - double_support - MIN_SWING_S
        return 0.0 if hi < 0 else min(max(z, min(0.0, MIN_DOUBLE_SUPPORT_S - double_support)), hi)

    def _swing_events(self, contact: Contact, land: float, moved: float = 0.0) -> None:
        """Chorea: a short toe touch somewhere in the swing after ``contact`` and a scuff
        right after its toe-off, each with its profile's rate; every event ends at least
        40 ms before the foot lands (a clear lift: the landing is not a two-stage one). With
        a toe-off ``moved`` (swing-time noise) drawn as without, moved with it, or left out."""
        p = self.params
        if not (p.swing_touch_rate or p.scuff_rate) or contact.fc is None:
            return
        rng = self.rng
        events: list[tuple[float, float, float]] = []
        fc = contact.fc - moved
        start = fc + 0.02
        if p.scuff_rate and rng.random() < p.scuff_rate:
            dur = float(rng.uniform(0.02, 0.05))
            at = fc + float(rng.uniform(0.02, 0.06))
            if at + dur <= land - 0.04:
                events.append((at, dur, float(rng.uniform(0.05, 0.3))))
                start = at + dur + 0.03
        if p.swing_touch_rate and rng.random() < p.swing_touch_rate:
            dur = float(rng.uniform(0.015, 0.06))
            room = land - 0.04 - dur - start
            if room > 0:
                events.append((start + float(rng.uniform(0.0, room)), dur,
                               float(rng.uniform(0.1, 0.7))))  # fmt: skip
        if moved:  # the gait's stream drew as without the noise; the events keep clear
            events = [(a + moved, d, w) for a, d, w in events if a + moved + d <= land - 0.04]
        contact.swing_events = tuple(events)

    def _emit(self, kind: str, contact: Contact) -> None:
        for fn in self.state.listeners:
            fn(kind, contact)
