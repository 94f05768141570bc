"""Treadmill physics: speed set points reached at a limited acceleration, a belt-speed dip at
every heel strike scaled by body mass, optional split belts.

The belt's position is the exact integral of its speed, so belt-encoder counts and the true
step lengths come from one function. Speeds are piecewise linear in time (motor ramps);
a heel strike at ``t_i`` slows the belt under that foot by ``a_i * g(t - t_i)`` with
``g(u) = (u / tau) exp(1 - u / tau)`` (peak 1 at ``u = tau``) and
``a_i = dip_per_70kg * body_mass / 70 * motor_speed(t_i)``: a heavier walker brakes the belt
more (motor controllers recover in about 0.1-0.3 s; dips of 1-3 % are typical of lab
treadmills, Savelberg et al. 1998).

:class:`Treadmill` implements the ``belt`` protocol that the wire-protocol responders
(:mod:`sim.treadmill_wire`) drive: ``actual_speed_mps(now)``, ``set_speed_mps(v, now)``,
``start(now, comm_loss_stop)``, ``stop(now)``, ``running(now)``, ``incline_pct(now)``,
``set_incline_pct(p, now)``; ``now`` is simulated time in seconds.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from devices.errors import InputError

MAX_SPEED_MPS = 6.0
MAX_INCLINE_PCT = 25.0
_DIP_WINDOW = 14.0  # dips older than this many tau are complete (g integral within 1e-4)


@dataclass
class _Belt:
    """One belt: motor-speed breakpoints (piecewise linear) and heel-strike dips."""

    t: list[float] = field(default_factory=lambda: [0.0])
    v: list[float] = field(default_factory=lambda: [0.0])
    dip_t: list[float] = field(default_factory=list)
    dip_a: list[float] = field(default_factory=list)  # m/s at the dip's peak
    done: float = 0.0  # integral of dips already forgotten (m)

    def motor(self, now: float) -> float:
        return float(np.interp(now, self.t, self.v))

    def ramp_to(self, target: float, now: float, accel: float) -> None:
        """Replace the future of the motor profile by a ramp from here to ``target``."""
        v_now = self.motor(now)
        keep = [i for i, tb in enumerate(self.t) if tb < now]
        self.t = [self.t[i] for i in keep] + [now]
        self.v = [self.v[i] for i in keep] + [v_now]
        if target != v_now:
            self.t.append(now + abs(target - v_now) / accel)
            self.v.append(target)


class Treadmill:
    """A treadmill with one belt or two (``split=True``: left and right belts)."""

    def __init__(
        self,
        speed_mps: float = 1.0,
        *,
        running: bool = True,
        accel_mps2: float = 0.5,
        split: bool = False,
        body_mass_kg: float = 70.0,
        dip_per_70kg: float = 0.02,
        dip_tau_s: float = 0.04,
        min_speed_mps: float = 0.0,
    ) -> None:
        check_speed(speed_mps)
        if not 0.05 <= accel_mps2 <= 5.0:
            raise InputError(
                f"belt acceleration {accel_mps2} m/s^2 is outside 0.05..5",
                fix="give a treadmill acceleration such as 0.5 m/s^2",
            )
        self.accel = float(accel_mps2)
        self.split = bool(split)
        self.dip_per_kg = dip_per_70kg / 70.0
        self.body_mass_kg = float(body_mass_kg)
        self.tau = float(dip_tau_s)
        self.min_speed = float(min_speed_mps)
        self._belts = [_Belt() for _ in range(2 if split else 1)]
        self._set = [float(speed_mps)] * len(self._belts)
        self._running = False
        self.comm_loss_stop = False
        self._incline = 0.0
        if running:
            for b, v in zip(self._belts, self._set, strict=True):
                b.v[0] = v
            self._running = True

    # -- the belt protocol (driven by wire responders and by tests) ---------------------------

    def actual_speed_mps(self, now: float) -> float:
        """Measured belt speed (left belt when split), dips included."""
        return float(self.speeds(np.array([now]), "L")[0])

    def set_speed_mps(self, v: float, now: float) -> None:
        """New set point for every belt; reached at the acceleration limit if running."""
        check_speed(v)
        self._set = [float(v)] * len(self._belts)
        if self._running:
            for b in self._belts:
                b.ramp_to(float(v), now, self.accel)

    def actual_speeds_mps(self, now: float) -> tuple[float, float]:
        """Measured (left, right) belt speeds; equal on a single-belt treadmill."""
        t = np.array([now])
        return float(self.speeds(t, "L")[0]), float(self.speeds(t, "R")[0])

    def set_split_speeds(self, left: float, right: float, now: float) -> None:
        """Different set points for the left and right belts (split-belt treadmills); a
        single belt, asked for two speeds, runs at their mean."""
        check_speed(left)
        check_speed(right)
        if not self.split:
            self.set_speed_mps((left + right) / 2.0, now)
            return
        self._set = [float(left), float(right)]
        if self._running:
            for b, v in zip(self._belts, self._set, strict=True):
                b.ramp_to(v, now, self.accel)

    def start(self, now: float, comm_loss_stop: bool = False) -> None:
        """Start the belt(s) toward the set speed; ``comm_loss_stop`` is kept for the wire
        responder, which stops the belt when the host goes quiet."""
        self.comm_loss_stop = bool(comm_loss_stop)
        self._running = True
        for b, v in zip(self._belts, self._set, strict=True):
            b.ramp_to(max(v, self.min_speed), now, self.accel)

    def stop(self, now: float) -> None:
        """Ramp the belt(s) down to standstill."""
        self._running = False
        for b in self._belts:
            b.ramp_to(0.0, now, self.accel)

    def running(self, now: float) -> bool:
        return self._running

    def incline_pct(self, now: float) -> float:
        return self._incline

    def set_incline_pct(self, p: float, now: float) -> None:
        if not (-5.0 <= p <= MAX_INCLINE_PCT):
            raise InputError(
                f"incline {p} % is outside -5..{MAX_INCLINE_PCT}",
                fix="give an incline in percent of grade, e.g. 2.5",
            )
        self._incline = float(p)

    # -- physics used by the walker and the sensor box ---------------------------------------

    def set_speed_mps_of(self, now: float) -> float:
        """The set point (left belt when split)."""
        return self._set[0]

    def motor_speed_mps(self, now: float, side: str = "L") -> float:
        """Belt speed without heel-strike dips: what the walker adapts its cadence to."""
        return self._belt(side).motor(now)

    def heel_strike(self, side: str, now: float, load: float = 1.0) -> None:
        """A foot landed on the belt under ``side``: start a speed dip (``load`` scales it)."""
        b = self._belt(side)
        a = self.dip_per_kg * self.body_mass_kg * load * b.motor(now)
        if a > 0:
            b.dip_t.append(now)
            b.dip_a.append(a)

    def speeds(self, t: ArrayLike, side: str = "L") -> NDArray[np.float64]:
        """Actual belt speed under ``side`` at sorted times ``t`` (vectorised)."""
        tt = np.asarray(t, dtype=np.float64)
        b = self._belt(side)
        v = np.interp(tt, b.t, b.v)
        return v - self._dip_sum(b, tt, integral=False)

    def positions(self, t: ArrayLike, side: str = "L") -> NDArray[np.float64]:
        """Belt displacement (m, positive = backwards under the walker) since time 0."""
        tt = np.asarray(t, dtype=np.float64)
        b = self._belt(side)
        return _pwl_integral(tt, b.t, b.v) - self._dip_sum(b, tt, integral=True) - b.done

    def displacement(self, t0: float, t1: float, side: str = "L") -> float:
        p = self.positions(np.array([t0, t1]), side)
        return float(p[1] - p[0])

    def forget_before(self, t: float) -> None:
        """Fold dips finished before ``t`` into a constant offset (live worlds run for hours;
        positions before ``t`` are no longer exact afterwards)."""
        limit = t - _DIP_WINDOW * self.tau
        full = self.tau * math.e
        for b in self._belts:
            n = bisect.bisect_right(b.dip_t, limit)
            if n:
                b.done += full * sum(b.dip_a[:n])
                del b.dip_t[:n], b.dip_a[:n]

    def _belt(self, side: str) -> _Belt:
        return self._belts[1 if (self.split and side == "R") else 0]

    def _dip_sum(self, b: _Belt, t: NDArray[np.float64], integral: bool) -> NDArray[np.float64]:
        """Sum over heel strikes of a*g(t - t_i), or of its integral a*G(t - t_i)."""
        out = np.zeros_like(t)
        if not b.dip_t or t.size == 0:
            return out
        dt = np.asarray(b.dip_t)
        da = np.asarray(b.dip_a)
        tau = self.tau
        full = tau * math.e  # integral of g over [0, inf)
        # Dips finished before t - window contribute their full integral (cumulative sum).
        n_done = np.searchsorted(dt, t - _DIP_WINDOW * tau, side="right")
        n_started = np.searchsorted(dt, t, side="right")
        if integral:
            cum = np.concatenate([[0.0], np.cumsum(da)]) * full
            out += cum[n_done]
        width = int((n_started - n_done).max()) if t.size else 0
        for j in range(width):
            idx = n_done + j
            live = idx < n_started
            if not live.any():
                continue
            k = np.where(live, idx, 0)
            u = np.where(live, t - dt[k], 0.0) / tau
            val = full * (1.0 - (1.0 + u) * np.exp(-u)) if integral else u * np.exp(1.0 - u)
            out += np.where(live, da[k] * val, 0.0)
        return out


def _pwl_integral(t: NDArray[np.float64], bt: list[float], bv: list[float]) -> NDArray[np.float64]:
    """Integral from 0 to ``t`` of the piecewise-linear function through (bt, bv), held
    constant outside the breakpoints."""
    tb = np.asarray(bt, dtype=np.float64)
    vb = np.asarray(bv, dtype=np.float64)
    seg = np.diff(tb) * (vb[:-1] + vb[1:]) / 2.0
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = np.clip(np.searchsorted(tb, t, side="right") - 1, 0, tb.size - 1)
    v_t = np.interp(t, tb, vb)
    base = cum[i] + (vb[i] + v_t) / 2.0 * (t - tb[i])
    # before the first breakpoint (t < tb[0] = 0): constant first speed
    return np.where(t < tb[0], vb[0] * (t - tb[0]), base)


def check_speed(v: float) -> float:
    """A belt speed the simulated treadmill accepts (m/s)."""
    if not (0.0 <= v <= MAX_SPEED_MPS):
        raise InputError(
            f"belt speed {v!r} m/s is outside 0..{MAX_SPEED_MPS}",
            fix="give a walking speed, e.g. 3.6kmh",
        )
    return float(v)
