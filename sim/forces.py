"""Foot forces under each sensor, rendered from the contact list in vectorised blocks.

Each contact is split into four load components that move from heel to toe as the foot
rolls over (Perry 1992): heel, midfoot,
forefoot (metatarsal heads) and toes. Their sum is the familiar double-humped vertical force
(about 1.1 body weights at loading response and push-off, 0.8 at midstance). Heel-first
contacts load the heel with a short touch-down transient (about half the loading-response
peak within 6 ms, Whittle 1999) before the slower rise to the first peak; the forefoot lands
``heel_to_toe`` later and takes about a quarter of body weight from the heel within 25 ms
(forefoot contact: the metatarsal cells of real insoles rise that fast, e.g. PhysioNet
gaitpdb), then loads gradually towards push-off, the total unchanged; flat contacts load
heel and forefoot together (3 ms apart, foot slap); toe-first contacts load the forefoot
first, with the same transient, and the heel late and lightly (drop foot). The last sensor
unloads linearly over the final ``offset_s`` of stance.

Sensor layouts: ``heel-toe`` (a heel and a forefoot sensor per foot, 4 channels), ``foot``
(one summed sensor per foot) and ``insole8`` (8 cells per foot, 16 channels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from devices.errors import InputError
from sim.contact import Contact, held

G = 9.80665
COMPONENTS = ("heel", "mid", "fore", "toes")


@dataclass(frozen=True)
class SensorChannel:
    """One sensor: which foot, which place (protocol role name), and its share of each
    load component (heel, mid, fore, toes)."""

    side: str
    place: str
    weights: tuple[float, float, float, float]

    @property
    def name(self) -> str:
        return f"{self.side}-{self.place}"


def layout(name: str) -> tuple[SensorChannel, ...]:
    """The channels of a named sensor layout, left foot first."""
    per_foot: list[tuple[str, tuple[float, float, float, float]]]
    if name == "heel-toe":
        per_foot = [("heel", (1.0, 0.5, 0.0, 0.0)), ("toe", (0.0, 0.0, 1.0, 1.0))]
    elif name == "foot":
        per_foot = [("foot", (1.0, 1.0, 1.0, 1.0))]
    elif name == "insole8":
        per_foot = [
            ("heel", (0.5, 0.0, 0.0, 0.0)),  # medial heel
            ("heel", (0.5, 0.0, 0.0, 0.0)),  # lateral heel
            ("mid", (0.0, 1.0, 0.0, 0.0)),  # lateral midfoot
            ("lateral", (0.0, 0.0, 0.25, 0.0)),  # 5th metatarsal head
            ("lateral", (0.0, 0.0, 0.25, 0.0)),  # 3rd-4th metatarsal heads
            ("medial", (0.0, 0.0, 0.5, 0.0)),  # 1st-2nd metatarsal heads
            ("toe", (0.0, 0.0, 0.0, 0.7)),  # hallux
            ("toe", (0.0, 0.0, 0.0, 0.3)),  # lesser toes
        ]
    else:
        raise InputError(f"unknown sensor layout {name!r}", fix="use heel-toe, foot or insole8")
    return tuple(SensorChannel(side, place, w) for side in ("L", "R") for place, w in per_foot)


LAYOUTS = ("heel-toe", "foot", "insole8")


@dataclass(frozen=True)
class Shape:
    """Timing of the load components (seconds, or fractions of stance where noted)."""

    onset_s: float = 0.006  # rise of the touch-down transient of the first-loaded sensor
    transient_s: float = 0.012  # its easing afterwards
    transient_bw: float = 0.6  # its size in body weights (heel strike; Whittle 1999: 0.5-1.25)
    offset_s: float = 0.05  # final unloading of the last sensor
    heel_off: float = 0.55  # heel fully unloaded at this fraction of stance
    toes_on: float = 0.40  # toes start to load at this fraction of stance
    landing_s: float = 0.025  # forefoot contact: its quick share of the load rises in this
    landing_bw: float = 0.25  # ... to this many body weights, taken from the heel


def _lin(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return np.clip(x, 0.0, 1.0)


def _cos_rise(x: NDArray[np.float64]) -> NDArray[np.float64]:
    return 0.5 - 0.5 * np.cos(np.pi * _lin(x))


def impact(
    u: NDArray[np.float64], stance: float, peak: float, transient: float, shape: Shape
) -> NDArray[np.float64]:
    """Load of a sensor that takes the touch-down: ``transient`` body weights within
    ``onset_s`` (the collision of the landing leg, easing by a third over ``transient_s``;
    Whittle 1999), then a smooth rise to ``peak`` at 15 % of stance (loading response)."""
    fast = transient * _lin(u / shape.onset_s)
    fast = fast * (1.0 - 0.35 * _cos_rise((u - shape.onset_s) / shape.transient_s))
    return fast + (peak - 0.65 * transient) * _cos_rise(u / (0.15 * stance))


def components(
    u: NDArray[np.float64], stance: float, kind: str, heel_to_toe: float, shape: Shape
) -> NDArray[np.float64]:
    """Load components (4, len(u)) in body weights at times ``u`` since IC (0 <= u)."""
    s = stance
    phi = u / s
    end = _lin((s - u) / shape.offset_s)  # linear unloading at the end of stance
    tr = shape.transient_bw
    out = np.zeros((4, u.size))
    if kind == "heel":
        heel = impact(u, s, 1.1, tr, shape)
        heel = heel * (1.0 - _cos_rise((phi - 0.15) / (shape.heel_off - 0.15)))
        rise = _cos_rise((u - heel_to_toe) / (0.75 * s - heel_to_toe))
        fore = 0.85 * rise
        # forefoot contact: the metatarsal heads land and take a share of the load from
        # the heel within landing_s (the total is unchanged); that share passes into the
        # gradual forefoot loading as it rises
        landing = shape.landing_bw * _lin((u - heel_to_toe) / shape.landing_s) * (1.0 - rise)
        landing = np.minimum(landing, heel)
        heel = heel - landing
        fore = fore + landing
    elif kind == "flat":  # heel and forefoot land together (foot slap), 3 ms apart
        heel = impact(u, s, 0.55, tr / 2, shape)
        heel = heel * (1.0 - _cos_rise((phi - 0.15) / (0.5 - 0.15)))
        late = np.maximum(u - 0.003, 0.0)
        fore = impact(late, s, 0.6, tr / 2, shape) * (u >= 0.003) + 0.25 * _cos_rise(phi / 0.5)
    else:  # toe-first: the forefoot lands (a softer collision); the heel loads late, lightly
        heel = 0.2 * _lin((u - 0.12 * s) / 0.05) * (1.0 - _cos_rise((phi - 0.3) / 0.2))
        fore = impact(u, s, 0.85, 0.85 * tr, shape)
    out[0] = heel
    out[1] = 0.15 * np.sin(np.pi * _lin((phi - 0.15) / 0.55))
    out[2] = fore * end
    out[3] = 0.25 * _cos_rise((phi - shape.toes_on) / 0.4) * end
    return out


def render_forces(
    contacts: Sequence[Contact],
    t: NDArray[np.float64],
    channels: Sequence[SensorChannel],
    body_mass_kg: float,
    heel_to_toe: float,
    shape: Shape | None = None,
) -> NDArray[np.float64]:
    """Force in newtons under each channel at sorted true times ``t``: shape (len(t), C).

    Loops over contacts (a few per second), never over samples.
    """
    shape = shape or Shape()
    out = np.zeros((t.size, len(channels)))
    if t.size == 0:
        return out
    weight = body_mass_kg * G
    cols = {s: [i for i, c in enumerate(channels) if c.side == s] for s in ("L", "R")}
    w = np.array([c.weights for c in channels])  # (C, 4)
    for c in contacts:
        idx = cols[c.side]
        for at, dur, level in c.swing_events:  # touches and scuffs of the swinging toe
            j0, j1 = np.searchsorted(t, [at, at + dur])
            if j1 > j0:
                bump = level * np.sin(np.pi * _lin((t[j0:j1] - at) / dur)) ** 2
                out[j0:j1, idx] += np.outer(bump, w[idx, 2]) * weight
        fc = c.render_end()
        i0, i1 = np.searchsorted(t, [c.ic, fc])
        if i1 <= i0:
            continue
        u, stance = held(c, t[i0:i1] - c.ic, fc)  # a stand on a stopped belt taken out
        if c.pre_touch is None:
            comp = components(u, stance, c.kind, heel_to_toe, shape)  # (4, n)
        else:
            comp = _two_stage(u, stance, c.kind, heel_to_toe, shape, *c.pre_touch)
        out[i0:i1, idx] += (comp.T @ w[idx].T) * (weight * c.load)
    return out


def _two_stage(
    u: NDArray[np.float64],
    stance: float,
    kind: str,
    heel_to_toe: float,
    shape: Shape,
    touch_s: float,
    level: float,
) -> NDArray[np.float64]:
    """Components of a contact that loads in two stages: the leading part of the foot
    (heel, or forefoot for flat and toe-first contacts) touches at ``level`` body weights
    within 5 ms, stays there ``touch_s``, then the loading of an ordinary contact begins
    and the touch's load fades into it over 30 ms."""
    comp = components(u - touch_s, stance - touch_s, kind, heel_to_toe, shape)
    comp *= u >= touch_s
    lead = 0 if kind == "heel" else 2
    comp[lead] += level * _lin(u / 0.005) * (1.0 - _cos_rise((u - touch_s) / 0.03))
    return comp
