"""``stride demo``: a live session on the simulated box and treadmill of one world.

The walker is mildly asymmetric (antalgic) and sees the parallel lines (0.30 m apart,
2 lines per step, unless the target options say otherwise), so it moves toward its target
as the session goes on. ``--treadmill`` picks the simulated treadmill (:func:`demo_devices`):
``trackmaster:sim`` (the default: the belt speed comes from the box's encoder, the serial
Trackmaster is driven by ``+``/``-`` and shown), ``ftms:sim`` (the Bluetooth FTMS treadmill
over a virtual radio is the belt source and is driven through its control point) or
``rsc:sim`` (a foot pod's speed is the belt source; the Trackmaster is driven). Either way
``stride analyze`` of the recording gives the same steps.
"""

from __future__ import annotations

import math
import os
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from devices.errors import InputError
from sim.params import Feedback
from sim.profiles import parse_profile
from sim.world import worlds
from stride.core.targets import Target
from stride.session.observers import SessionObserver
from stride.session.run import LiveArgs, run_live

if TYPE_CHECKING:
    from collections.abc import Callable

    from stride.view import ViewAddress
    from stride.view.attach import SessionView

#: The demo's lines when no target option is given: 0.30 m apart, two lines per step.
DEMO_SPACING_M = 0.30


@dataclass
class DemoArgs:
    duration_s: float = 60.0
    profile: str = "antalgic-left:0.3"
    seed: int = 1
    speedup: float = 1.0
    #: ``trackmaster:sim``, ``ftms:sim[?options]`` or ``rsc:sim[?options]``.
    treadmill: str = "trackmaster:sim"
    #: The walking target; None: the demo's lines (:data:`DEMO_SPACING_M`, 2 per step).
    target: Target | None = None
    record: Path | None = None
    force: bool = False
    no_record: bool = False
    no_ui: bool = False
    json_doc: bool = False
    db: Path | None = None
    history: bool = True
    observers: tuple[SessionObserver, ...] = ()
    #: ``--view`` (see :class:`stride.session.run.LiveArgs`).
    view: ViewAddress | SessionView | None = None
    #: See :attr:`stride.session.run.LiveArgs.prepare`.
    prepare: Callable[[], None] | None = None


def run_demo(args: DemoArgs) -> int:
    """``stride demo``: returns the exit code (errors raise a StrideError: one line, exit 1)."""
    if not 0 < args.duration_s < math.inf:
        raise InputError(
            f"--duration {args.duration_s} is not a length in seconds", fix="e.g. --duration 60"
        )
    if args.seed < 0:
        raise InputError(f"--seed {args.seed} is negative", fix="give a seed >= 0, e.g. --seed 1")
    parse_profile(args.profile)  # a bad profile is named here, not as a port that failed
    target = args.target or Target.from_options(spacing_m=DEMO_SPACING_M)
    step_length = target.step_length_m if target is not None else None
    world = f"demo-{os.getpid()}-{time.monotonic_ns()}"
    query = {
        "world": world,
        "profile": args.profile,
        "seed": args.seed,
        "speedup": args.speedup,
        "speed": "3.6kmh",
    }
    if step_length is not None:
        query["target"] = step_length
    belt, control = demo_devices(args.treadmill, world, args.speedup)
    live_args = LiveArgs(
        port=f"sim://box?{urllib.parse.urlencode(query)}",
        treadmill=belt,
        control=control,
        target=target,
        duration_s=args.duration_s,
        record=args.record,
        force=args.force,
        no_record=args.no_record,
        no_ui=args.no_ui,
        json_doc=args.json_doc,
        db=args.db,
        history=args.history,
        subject="demo",
        source="demo",
        title="demo",
        extra_meta={"simulated": {"profile": args.profile, "seed": args.seed}},
        on_metronome=lambda on, cadence: _demo_metronome(world, step_length, on, cadence),
        observers=args.observers,
        view=args.view,
        prepare=args.prepare,
    )
    return run_live(live_args)


def demo_devices(treadmill: str, world: str, speedup: float) -> tuple[str, str | None]:
    """(belt-speed source, treadmill only driven) of the demo's ``--treadmill``."""
    name, _, rest = treadmill.strip().partition(":")
    base, _, query = rest.partition("?")
    name = name.lower()
    if base != "sim" or name not in ("trackmaster", "ftms", "rsc") or (query and name[0] == "t"):
        raise InputError(
            f"the demo's treadmill {treadmill!r} is not one of the simulated ones",
            fix="use --treadmill trackmaster:sim, ftms:sim or rsc:sim (options after ?)",
        )
    trackmaster = f"trackmaster:sim://trackmaster?world={world}"
    if name == "trackmaster":
        return "box", trackmaster
    if speedup != 1.0:  # Bluetooth readings carry wall-clock times
        raise InputError(
            f"{name}:sim runs at the wall clock's pace, not --speedup {speedup:g}",
            fix="leave --speedup out",
        )
    spec = f"{name}:sim?world={urllib.parse.quote(world)}" + (f"&{query}" if query else "")
    return spec, (trackmaster if name == "rsc" else None)


def _demo_metronome(
    world_key: str, step_length_m: float | None, on: bool, cadence: float | None
) -> None:
    """The simulated walker hears the metronome (its stride times become anti-persistent)."""
    world = worlds().get(world_key)
    if world is None:
        return
    spm = cadence if on and cadence and 40.0 <= cadence <= 200.0 else None
    world.set_feedback(Feedback(step_length_m=step_length_m, metronome_spm=spm))
