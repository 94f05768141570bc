"""A live simulated world: one walker on one treadmill with one sensor box, paced by the wall
clock, shared by every virtual port opened with the same world key.

Time is wall-clock paced on demand (the same model as :mod:`sim.session`): the world's
time is ``elapsed wall time x speedup``, less the time it stood still for a host in this
process that fell behind (:meth:`World.hold`, :mod:`sim.world_clock`); whenever a port
reads or writes, the world advances
its SimPy environment to that time and renders the box's frames up to it. This pull model
needs no background thread, serves any number of ports from their own reader threads
(under one lock) and gives the same sample-level output as a recorded session, but for a
stance rendered before its toe-off is final: the right foot's, until the left foot lands,
takes its shape from the stance planned at its landing (docs/simulation.md, "Steps,
stance, double support").

Ports: the box streams from the world's creation (a host that opens it joins mid-stream, as
with a real USB box); while it is "unplugged" reads fail and opens are refused; at replug
the box powers up again (sequence and clock start from zero, HELLO first).
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import simpy

from devices.errors import InputError
from sim.box import BoxConfig, BoxOutput, SensorBox
from sim.contact import Contact
from sim.contact import overlapping as overlapping_contacts
from sim.faults import WorldFaults
from sim.link import LinkConfig, link_for
from sim.params import Feedback, GaitParams
from sim.profiles import parse_profile
from sim.sensors import noise_level
from sim.treadmill import Treadmill, check_speed
from sim.truth import TruthLog, TruthStep
from sim.walker import Walker

if TYPE_CHECKING:
    from sim.world_clock import WorldClock

RETAIN_S = 30.0  # contacts and belt dips older than this are forgotten (flat memory)
RENDER_AHEAD_S = 0.05  # world seconds of box output rendered ahead (x speedup above 1)


@dataclass(frozen=True)
class WorldOptions:
    """What defines a world (URL query keys in brackets)."""

    profile: str = "healthy"  # [profile]
    seed: int = 0  # [seed]
    rate_hz: int = 1000  # [rate]
    sensors: str = "heel-toe"  # [sensors]
    noise: str = "nominal"  # [noise]
    speed_mps: float = 1.0  # [speed], e.g. 3.6kmh
    belt_running: bool = True  # [belt=running|stopped]
    speedup: float = 1.0  # [speedup]
    feedback: Feedback = field(default_factory=Feedback)  # [target, cadence, symmetry, ...]
    unplug_at_s: tuple[float, ...] = ()  # [unplug_at=30,90] world seconds
    unplug_s: float = 3.0  # [unplug_s]
    params: GaitParams | None = None  # Python only: overrides the profile's parameters

    def __post_init__(self) -> None:
        """Validate everything here, so a bad URL is refused when it is parsed."""
        if self.seed < 0:  # numpy's SeedSequence would fail later with a bare ValueError
            raise InputError("seed is negative", fix="give a seed >= 0")
        if not (0.01 <= self.speedup <= 1000.0):
            raise InputError(
                f"speedup {self.speedup} is outside 0.01..1000", fix="give e.g. speedup=10"
            )
        parse_profile(self.profile)
        BoxConfig(rate_hz=self.rate_hz, sensors=self.sensors, noise=noise_level(self.noise))
        check_speed(self.speed_mps)
        if not (self.unplug_s >= 0) or any(not (u >= 0) for u in self.unplug_at_s):
            raise InputError(
                "unplug times and durations must be >= 0", fix="e.g. unplug_at=30&unplug_s=3"
            )


class World:
    """The shared simulated world (see the module docstring). Thread-safe."""

    def __init__(self, options: WorldOptions, clock: Callable[[], float] = time.monotonic):
        self.options = options
        self.clock = clock
        self.lock = threading.RLock()
        prof = parse_profile(options.profile)
        self.params = options.params or prof.params
        seeds = np.random.SeedSequence(options.seed).spawn(3)
        self._gait_rng, self._box_rng, self._link_rng = (np.random.default_rng(s) for s in seeds)
        self.env = simpy.Environment()
        self.treadmill = Treadmill(
            options.speed_mps,
            running=options.belt_running,
            body_mass_kg=self.params.body_mass_kg,
        )
        if not options.belt_running:
            self.treadmill.set_speed_mps(options.speed_mps, 0.0)
        self.walker = Walker(
            self.env, self.params, self._gait_rng, self.treadmill, feedback=options.feedback
        )
        self.box_config = BoxConfig(
            rate_hz=options.rate_hz, sensors=options.sensors, noise=noise_level(options.noise)
        )
        n_ch = len(self.box_config.channels())
        per_s = (7 + 4 + 2 * n_ch * self.box_config.samples_per_frame + 4) * (
            self.box_config.rate_hz / self.box_config.samples_per_frame
        ) + 21 * 50  # SAMPLES frames (with COBS and delimiter) + BELT frames
        self.link = link_for(LinkConfig(), per_s)
        self.box = self._new_box(0.0)
        self.box_listeners: list[Callable[[bytes, float], None]] = []
        self._pending: list[tuple[float, bytes]] = []  # box bytes in flight (arrival, data)
        self._line_free = 0.0
        self._rendered_to = 0.0  # world time of the last render
        self._t0 = clock()
        self._epoch = time.time()  # host stamps of the world's clock start here
        self._host_clock: Any = None
        self._now = 0.0
        self._held_s = 0.0  # world time not lived while holds kept the world waiting
        self._holds: dict[threading.Thread, float] = {}  # waiter -> world time it holds at
        self._cap = math.inf  # the earliest hold
        self._plugged = True
        self.power_ups = 1
        self._responders: dict[str, Any] = {}
        self.profile = prof.label
        self.faults = WorldFaults(options.seed)
        self.truth = TruthLog(self.box_config.clock_scale)
        self.ports: weakref.WeakSet[Any] = weakref.WeakSet()  # sim:// ports open on this world

    # -- time ---------------------------------------------------------------------------------

    def now(self) -> float:
        """World time in seconds (wall time since creation x speedup, less the time holds
        kept the world waiting), never decreasing."""
        with self.lock:
            t = (self.clock() - self._t0) * self.options.speedup - self._held_s
            if t > self._cap:
                self._drop_dead_holds()
            if t > self._cap:  # a waiter is late: the world waits for it
                self._held_s += t - self._cap
                t = self._cap
            self._now = max(self._now, t)
            return self._now

    def wall_seconds(self, world_s: float) -> float:
        return world_s / self.options.speedup

    def peek_now(self) -> float:
        """World time now without taking the lock (for stamps taken while a port renders)."""
        t = (self.clock() - self._t0) * self.options.speedup - self._held_s
        return max(self._now, min(t, self._cap))

    def hold(self, until: float) -> None:
        """The world waits at world time ``until`` for the calling thread (a host waiting
        on :class:`~sim.world_clock.WorldClock`) until it calls :meth:`release` or ends."""
        with self.lock:
            self._holds[threading.current_thread()] = until
            self._cap = min(self._holds.values())

    def release(self) -> None:
        """The calling thread no longer holds the world (which goes on from where it
        waited: the time it stood still is not made up)."""
        with self.lock:
            self.now()
            self._holds.pop(threading.current_thread(), None)
            self._cap = min(self._holds.values(), default=math.inf)

    def _drop_dead_holds(self) -> None:
        for thread in [t for t in self._holds if not t.is_alive()]:
            del self._holds[thread]
        self._cap = min(self._holds.values(), default=math.inf)

    def host_clock(self) -> WorldClock:
        """The clock a host in this process runs a session on (``clock`` of this world's
        ``sim://`` ports): the world's own time (:mod:`sim.world_clock`)."""
        from sim.world_clock import WorldClock

        with self.lock:
            if self._host_clock is None:
                self._host_clock = WorldClock(self)
            clock: WorldClock = self._host_clock
            return clock

    def advance(self) -> float:
        """Bring the walker and the box up to now; deliver arrived box bytes to listeners."""
        with self.lock:
            now = self.now()
            if now > self.env.now:
                self.env.run(until=now)
            self._render(now)
            self._forget(now - RETAIN_S)
            for r in self._responders.values():
                tick = getattr(r, "tick", None)
                if tick is not None:
                    tick(now)  # e.g. Trackmaster's comm-loss stop
            return now

    def responder(self, protocol: str) -> Any:
        """The treadmill console speaking ``protocol`` (one per world: its state survives a
        host that closes and reopens the port, as a real console's does)."""
        from sim import treadmill_wire

        with self.lock:
            r = self._responders.get(protocol)
            if r is None:
                if protocol == "csafe":
                    r = treadmill_wire.CsafeResponder(self.treadmill)
                elif protocol == "trackmaster":
                    # The host keeps the belt alive on its own (wall) clock: 0.5 s of host
                    # silence is 0.5 s x speedup of world time.
                    r = treadmill_wire.TrackmasterResponder(
                        self.treadmill,
                        comm_loss_timeout_s=treadmill_wire.COMM_LOSS_TIMEOUT_S
                        * self.options.speedup,
                    )
                else:
                    raise InputError(
                        f"unknown treadmill protocol {protocol!r}", fix="use trackmaster or csafe"
                    )
                self._responders[protocol] = r
            return r

    # -- box ----------------------------------------------------------------------------------

    def plugged(self, now: float | None = None) -> bool:
        """Whether the box's cable is in at world time ``now``."""
        t = self.now() if now is None else now
        o = self.options
        if any(u <= t < u + o.unplug_s for u in o.unplug_at_s):
            return False
        return not self.faults.unplugged(t)

    def unplug_spans(self) -> list[tuple[float, float]]:
        """Every unplug of the box, planned or asked for: (start, end) in world seconds."""
        o = self.options
        return [(u, u + o.unplug_s) for u in o.unplug_at_s] + list(self.faults.unplugs)

    def _new_box(self, t_power_on: float) -> SensorBox:
        contacts = self.walker.contacts

        def overlapping(a: float, b: float) -> Sequence[Contact]:
            return overlapping_contacts(contacts, [c.ic for c in contacts], a, b)

        return SensorBox(
            self.box_config,
            body_mass_kg=self.params.body_mass_kg,
            heel_to_toe_s=self.params.heel_to_toe_s,
            contacts=overlapping,
            belt_position=lambda t: self.treadmill.positions(t, "L"),
            rng=self._box_rng,
            t_power_on=t_power_on,
        )

    def _replugged_at(self, since: float, now: float) -> float | None:
        """When the box's cable went back in within (``since``, ``now``], if it did: the
        latest end of an unplug in that stretch (None if none ended there)."""
        ends = [b for a, b in self.unplug_spans() if a < b and since < b <= now]
        return max(ends) if ends else None

    def _render(self, now: float) -> None:
        since, self._rendered_to = self._rendered_to, now
        plugged = self.plugged(now)
        if not plugged:
            self._plugged = False
            self._pending.clear()
            return
        # An unplug that began and ended between two renders (no one looked at the world
        # while the cable was out: a host backing off before it reopens the port) cycled the
        # box's power all the same: bytes in flight are lost, the box starts again at replug.
        replug = self._replugged_at(since, now)
        if not self._plugged or replug is not None:
            t_on = now if replug is None else replug
            self._plugged = True
            self._pending.clear()
            self.box = self._new_box(t_on)
            self.power_ups += 1
            self._line_free = t_on
        if self.box.box_us(now) >= self.box.next_due_us():
            # Render a little ahead (the frames wait in flight until their time), so each
            # render encodes several frames; commands reach the walker that much later.
            horizon = now + RENDER_AHEAD_S * max(1.0, self.options.speedup)
            if horizon > self.env.now:
                self.env.run(until=horizon)
            self._queue(self.box.render(self.box.box_us(horizon)))
        if (self._pending and self._pending[0][0] <= now) or self.faults.pending_garbage:
            k = 0
            while k < len(self._pending) and self._pending[k][0] <= now:
                k += 1
            data = self.faults.box_bytes(b"".join(p[1] for p in self._pending[:k]))
            del self._pending[:k]
            if data:
                for fn in list(self.box_listeners):
                    fn(data, now)

    def _queue(self, out: BoxOutput) -> None:
        """Put rendered frames on the line: each arrives once transmitted (queued)."""
        if out.lengths.size:
            ready = self.box.true_time(out.emit_us)
            rate = self.link.byte_rate
            offsets = np.concatenate([[0], np.cumsum(out.lengths)])
            for i in range(out.lengths.size):
                start = max(float(ready[i]), self._line_free)
                self._line_free = start + float(out.lengths[i]) / rate
                self._pending.append(
                    (self._line_free + self.link.latency_s, out.data[offsets[i] : offsets[i + 1]])
                )

    def next_box_arrival(self) -> float:
        """World time at which the next box bytes arrive (in flight, or still to be sampled)."""
        with self.lock:
            if self._pending:
                return self._pending[0][0]
            return float(self.box.true_time(self.box.next_due_us())) + self.link.latency_s

    def _forget(self, before: float) -> None:
        """Drop contacts and dips nobody will render again (memory stays flat), once the
        truth of their steps is kept."""
        cs = self.walker.contacts
        if self.truth.due(cs, before + RETAIN_S / 2):
            self.truth.update(
                cs, belt=self.treadmill, now=before + RETAIN_S, gaps=self.unplug_spans()
            )
        n = 0
        while n < len(cs) and cs[n].fc is not None and cs[n].fc < before:  # type: ignore[operator]
            n += 1
        if n > 16:
            del cs[: n - 8]
        self.treadmill.forget_before(before)

    # -- feedback -----------------------------------------------------------------------------

    def set_feedback(self, feedback: Feedback) -> None:
        """Show the walker new targets (a live session's parallel lines, cadence, ...)."""
        with self.lock:
            self.advance()
            self.walker.set_feedback(feedback)

    # -- controls (tests, ``stride sim serve``'s control socket): see sim.faults ---------------

    def unplug(self, seconds: float) -> tuple[float, float]:
        """Pull the box's cable for ``seconds`` of world time from now; (start, end)."""
        with self.lock:
            return self.faults.unplug(self.advance(), seconds)

    def garbage(self, n_bytes: int) -> None:
        """Put ``n_bytes`` random bytes on the box's line, between two frames."""
        with self.lock:
            self.faults.garbage(n_bytes)

    def flip_bits(self, every_n_bytes: int) -> None:
        """Flip one bit in every n-th byte the box sends from now on (0: stop)."""
        with self.lock:
            self.faults.flip_bits(every_n_bytes)

    def silence_treadmill(self, seconds: float) -> float:
        """The treadmill's answers are lost for ``seconds`` of world time; until when."""
        with self.lock:
            return self.faults.silence_treadmill(self.advance(), seconds)

    def treadmill_answer(self, responder: Any, data: bytes, now: float) -> bytes:
        """Feed the host's bytes to a console of this world; its answer as the host gets it."""
        with self.lock:
            return self.faults.lose_answer(responder.feed(data, now), now)

    def set_profile(self, profile: str) -> str:
        """Walk with another gait profile from the next gait cycle on; its label."""
        prof = parse_profile(profile)
        with self.lock:
            self.advance()
            self.walker.set_params(prof.params)
            self.profile = prof.label
            return prof.label

    def truth_steps(self) -> list[TruthStep]:
        """The true steps so far (IC before now), on the box's clock from the world's start;
        the last ones are still open (no final contact yet)."""
        with self.lock:
            now = self.advance()
            open_rows = self.truth.update(
                self.walker.contacts, belt=self.treadmill, now=now, gaps=self.unplug_spans()
            )
            return [*self.truth.rows, *open_rows]

    def belt_speed_mps(self) -> float:
        """The belt's actual speed now (heel-strike dips included), m/s."""
        with self.lock:
            return self.treadmill.actual_speed_mps(self.advance())

    def box_clock_s(self) -> float:
        """Now on the box's clock from the world's start (the time base of the truth)."""
        return self.now() * self.box_config.clock_scale


_WORLDS: dict[str, World] = {}
_WORLDS_LOCK = threading.Lock()


def get_world(key: str, options: WorldOptions, given: frozenset[str]) -> World:
    """The world named ``key``, created with ``options`` on first use. A later caller that
    gives (``given``) an option with another value than the running world is refused."""
    with _WORLDS_LOCK:
        world = _WORLDS.get(key)
        if world is None:
            world = World(options)
            _WORLDS[key] = world
            return world
        for name in sorted(given):
            if getattr(world.options, name) != getattr(options, name):
                raise InputError(
                    f"simulated world {key!r} already runs with {name}="
                    f"{getattr(world.options, name)!r}",
                    fix="leave that option out, or name another world with world=NAME",
                )
        return world


def drop_world(key: str) -> None:
    """Forget a world (the next open with its key starts a new one)."""
    with _WORLDS_LOCK:
        _WORLDS.pop(key, None)


def worlds() -> dict[str, World]:
    with _WORLDS_LOCK:
        return dict(_WORLDS)
